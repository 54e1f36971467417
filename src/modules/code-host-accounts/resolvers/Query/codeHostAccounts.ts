import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../shared/pagination';

export const codeHostAccounts: NonNullable<QueryResolvers['codeHostAccounts']> = (_parent, args, ctx, info) =>
  ctx.services.codeHosts.accounts.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
