import type { QueryResolvers } from '../../../../generated/graphql';

export const codeHostAccount: NonNullable<QueryResolvers['codeHostAccount']> = (_parent, { id }, ctx) => ctx.services.codeHosts.accounts.get(ctx, id);
