import type { QueryResolvers } from '../../../../generated/graphql';
import { selectsField } from '../../../../db/pagination';

export const webhookHooks: NonNullable<QueryResolvers['webhookHooks']> = (_parent, args, ctx, info) =>
  ctx.services.webhooks.hooks.list(ctx, args, { countNow: selectsField(info, 'totalCount') });
