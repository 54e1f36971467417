import type { CodeHostAccountResolvers } from '../../../generated/graphql';

export const CodeHostAccount: CodeHostAccountResolvers = {
  installation: (account) => (account.installation && account.externalId ? { ...account.installation, installationId: account.externalId } : null),
  credentialExpiresAt: (account) => account.accessTokenExpiresAt,
  lastRenewedAt: (account) => account.refreshedAt,
  // Only live ACTIVE accounts are due (never run: due since it was connected); the others wait until they are ACTIVE again.
  nextReconcileAt: (account) => (account.status === 'active' && account.deletedAt === null ? (account.nextReconcileAt ?? account.createdAt) : null),
  repositories: (account, args, ctx) => ctx.services.codeHosts.accounts.repositories(ctx, account, args),
  // What the host's rate-limit headers said last (the request's loader batches the accounts).
  rateBudget: (account, _args, ctx) => ctx.services.codeHosts.rateBudget.view(ctx, account.id),
  // What the account's app received for this installation (issue 19): the webhooks module answers.
  webhookDeliveries: (account, args, ctx) => ctx.services.webhooks.hooks.deliveriesOfAccount(ctx, account, args),
};
