import type { CodeHostAccountResolvers } from '../../../generated/graphql';

/** `CodeHostAccount.webhookDeliveries`, merged into the account's resolvers in src/resolvers.ts. */
export const CodeHostAccountWebhooks: Pick<CodeHostAccountResolvers, 'webhookDeliveries'> = {
  webhookDeliveries: (account, args, ctx) => ctx.services.webhooks.hooks.deliveriesOfAccount(ctx, account, args),
};
