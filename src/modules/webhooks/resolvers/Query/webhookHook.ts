import type { QueryResolvers } from '../../../../generated/graphql';

export const webhookHook: NonNullable<QueryResolvers['webhookHook']> = (_parent, { id }, ctx) => ctx.services.webhooks.hooks.get(ctx, id);
