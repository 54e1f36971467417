import type { WebhookHookResolvers } from '../../../generated/graphql';
import { hookPath } from '../webhook.service';

export const WebhookHook: WebhookHookResolvers = {
  path: (hook) => hookPath(hook),
  rotatedAt: (hook) => hook.secretRotatedAt,
  rotationWindowEndsAt: (hook) => hook.previousSecretValidUntil,
  deliveries: (hook, args, ctx) => ctx.services.webhooks.hooks.deliveriesOfHook(ctx, hook, args),
};
