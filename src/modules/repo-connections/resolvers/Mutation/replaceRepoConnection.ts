import type { MutationResolvers } from '../../../../generated/graphql';

export const replaceRepoConnection: NonNullable<MutationResolvers['replaceRepoConnection']> = (_parent, { input, verify }, ctx) =>
  ctx.services.repoConnections.replaceRepoConnection(ctx, input, verify ?? false);
