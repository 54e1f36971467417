import type { MutationResolvers } from '../../../../generated/graphql';

export const checkRepoConnection: NonNullable<MutationResolvers['checkRepoConnection']> = (_parent, { input }, ctx) =>
  ctx.services.platforms.checkRepoConnection(ctx, input);
