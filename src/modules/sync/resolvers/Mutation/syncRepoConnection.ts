import type { MutationResolvers } from '../../../../generated/graphql';

export const syncRepoConnection: NonNullable<MutationResolvers['syncRepoConnection']> = (_parent, { input }, ctx) =>
  ctx.services.sync.syncRepoConnection(ctx, input.id);
