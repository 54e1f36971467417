import type { QueryResolvers } from '../../../../generated/graphql';

export const node: NonNullable<QueryResolvers['node']> = (_parent, { id }, ctx) => ctx.services.nodes.node(ctx, id);
