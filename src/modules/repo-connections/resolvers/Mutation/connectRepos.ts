import type { MutationResolvers } from '../../../../generated/graphql';

export const connectRepos: NonNullable<MutationResolvers['connectRepos']> = (_parent, { input }, ctx) =>
  ctx.services.repoConnections.connectRepos(ctx, input);
