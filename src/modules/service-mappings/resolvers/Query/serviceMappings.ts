import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../../db/pagination';

export const serviceMappings: NonNullable<QueryResolvers['serviceMappings']> = (_parent, args, ctx, info) =>
  ctx.services.serviceMappings.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
