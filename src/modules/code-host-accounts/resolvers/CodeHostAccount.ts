import type { CodeHostAccountResolvers } from '../../../generated/graphql';

export const CodeHostAccount: CodeHostAccountResolvers = {
  installation: (account) => (account.installation && account.externalId ? { ...account.installation, installationId: account.externalId } : null),
  credentialExpiresAt: (account) => account.accessTokenExpiresAt,
  lastRenewedAt: (account) => account.refreshedAt,
  repositories: (account, args, ctx) => ctx.services.codeHosts.accounts.repositories(ctx, account, args),
};
