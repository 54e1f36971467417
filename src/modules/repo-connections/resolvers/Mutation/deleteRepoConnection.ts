import type { MutationResolvers } from '../../../../generated/graphql';

export const deleteRepoConnection: NonNullable<MutationResolvers['deleteRepoConnection']> = (_parent, { input }, ctx) =>
  ctx.services.repoConnections.deleteRepoConnection(ctx, input.id);
