import type { MutationResolvers } from '../../../../generated/graphql';

export const deleteCodeHostAccount: NonNullable<MutationResolvers['deleteCodeHostAccount']> = (_parent, { input }, ctx) =>
  ctx.services.codeHosts.accounts.end(ctx, input.id, 'delete');
