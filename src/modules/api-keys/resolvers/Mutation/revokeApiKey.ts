import type { MutationResolvers } from '../../../../generated/graphql';

export const revokeApiKey: NonNullable<MutationResolvers['revokeApiKey']> = (_parent, { input }, ctx) => ctx.services.apiKeys.revoke(ctx, input.id);
