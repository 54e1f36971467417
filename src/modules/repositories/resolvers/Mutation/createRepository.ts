import type { MutationResolvers } from '../../../../generated/graphql';

export const createRepository: NonNullable<MutationResolvers['createRepository']> = (_parent, { input }, ctx) =>
  ctx.services.repositories.createRepository(ctx, input);
