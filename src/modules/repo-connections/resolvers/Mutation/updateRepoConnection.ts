import type { MutationResolvers } from '../../../../generated/graphql';

export const updateRepoConnection: NonNullable<MutationResolvers['updateRepoConnection']> = (_parent, { input }, ctx) =>
  ctx.services.repoConnections.updateRepoConnection(ctx, input);
