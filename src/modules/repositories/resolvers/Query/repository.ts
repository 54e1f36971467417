import type { QueryResolvers } from '../../../../generated/graphql';

export const repository: NonNullable<QueryResolvers['repository']> = (_parent, { id }, ctx) =>
  ctx.services.repositories.getById(ctx, id);
