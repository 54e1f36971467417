import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../shared/pagination';

export const apiKeys: NonNullable<QueryResolvers['apiKeys']> = (_parent, args, ctx, info) =>
  ctx.services.apiKeys.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
