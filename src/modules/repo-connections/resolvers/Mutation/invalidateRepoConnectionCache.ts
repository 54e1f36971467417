import type { MutationResolvers } from '../../../../generated/graphql';

export const invalidateRepoConnectionCache: NonNullable<MutationResolvers['invalidateRepoConnectionCache']> = (_parent, { input }, ctx) =>
  ctx.services.repoConnections.invalidateCache(ctx, input.id);
