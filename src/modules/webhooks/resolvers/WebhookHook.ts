import type { WebhookHookResolvers } from '../../../generated/graphql';
import { hookPath } from '../webhook.service';

export const WebhookHook: WebhookHookResolvers = {
  path: (hook) => hookPath(hook),
  deliveries: (hook, args, ctx) => ctx.services.webhooks.hooks.deliveriesOfHook(ctx, hook, args),
};
