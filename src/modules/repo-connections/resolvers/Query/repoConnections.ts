import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../../db/pagination';

export const repoConnections: NonNullable<QueryResolvers['repoConnections']> = (_parent, args, ctx, info) =>
  ctx.services.repoConnections.list(ctx, args, { countNow: selectsField(info, 'totalCount'), only: ctx.loaders.pageProperties(info, 'RepoConnectionPage') });
