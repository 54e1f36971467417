import type { MutationResolvers } from '../../../../generated/graphql';

export const connectRepos: NonNullable<MutationResolvers['connectRepos']> = (_parent, { input, verify }, ctx) =>
  ctx.services.repoConnections.connectRepos(ctx, input, verify ?? false);
