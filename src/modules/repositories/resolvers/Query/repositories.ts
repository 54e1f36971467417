import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../../db/pagination';

export const repositories: NonNullable<QueryResolvers['repositories']> = (_parent, args, ctx, info) =>
  ctx.services.repositories.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
