import type { QueryResolvers } from '../../../../generated/graphql';

export const repoConnection: NonNullable<QueryResolvers['repoConnection']> = (_parent, { id }, ctx) =>
  ctx.services.repoConnections.getById(ctx, id);
