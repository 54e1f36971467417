import type { MutationResolvers } from '../../../../generated/graphql';

export const restoreRepository: NonNullable<MutationResolvers['restoreRepository']> = (_parent, { input }, ctx) =>
  ctx.services.repositories.restoreRepository(ctx, input.id);
