import type { MutationResolvers } from '../../../../generated/graphql';

export const createApiKey: NonNullable<MutationResolvers['createApiKey']> = (_parent, { input }, ctx) => ctx.services.apiKeys.create(ctx, input);
