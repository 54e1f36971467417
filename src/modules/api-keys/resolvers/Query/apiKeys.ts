import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../../db/pagination';

export const apiKeys: NonNullable<QueryResolvers['apiKeys']> = (_parent, args, ctx, info) =>
  ctx.services.apiKeys.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
