import type { MutationResolvers } from '../../../../generated/graphql';

export const addCodeHostAccount: NonNullable<MutationResolvers['addCodeHostAccount']> = (_parent, { input }, ctx) => ctx.services.codeHosts.accounts.add(ctx, input);
