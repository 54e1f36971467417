import type { MutationResolvers } from '../../../../generated/graphql';

export const revokeCodeHostAccount: NonNullable<MutationResolvers['revokeCodeHostAccount']> = (_parent, { input }, ctx) =>
  ctx.services.codeHosts.accounts.end(ctx, input.id, 'revoke');
