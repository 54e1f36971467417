import type { MutationResolvers } from '../../../../generated/graphql';

export const updateRepository: NonNullable<MutationResolvers['updateRepository']> = (_parent, { input }, ctx) =>
  ctx.services.repositories.updateRepository(ctx, input);
