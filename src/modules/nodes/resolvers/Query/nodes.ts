import type { QueryResolvers } from '../../../../generated/graphql';

export const nodes: NonNullable<QueryResolvers['nodes']> = (_parent, { ids }, ctx) => ctx.services.nodes.nodes(ctx, ids);
