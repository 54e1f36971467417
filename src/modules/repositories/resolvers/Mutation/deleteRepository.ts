import type { MutationResolvers } from '../../../../generated/graphql';

export const deleteRepository: NonNullable<MutationResolvers['deleteRepository']> = (_parent, { input }, ctx) =>
  ctx.services.repositories.deleteRepository(ctx, input.id);
