import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../../db/pagination';

export const codeHostAccounts: NonNullable<QueryResolvers['codeHostAccounts']> = (_parent, args, ctx, info) =>
  ctx.services.codeHosts.accounts.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
