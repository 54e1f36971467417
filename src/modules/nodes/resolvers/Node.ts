import type { NodeResolvers } from '../../../generated/graphql';
import { nodeTypeName, type NodeEntity } from '../node.service';

export const Node: NodeResolvers = {
  __resolveType: (node) => nodeTypeName(node as NodeEntity),
};
