import type { RepositoryResolvers } from '../../../generated/graphql';
import { lastWebhookEvent } from '../../webhooks/webhook.views';

// `orgId` and `serviceMappings` read only `tenantId` and `id`: the list fields' loaders may read just the
// columns a selection needs on the strength of that (CUSTOM_READS in src/loaders.ts); say it there when they read more.
export const Repository: RepositoryResolvers = {
  orgId: (repository, _args, ctx) => (ctx.viewer?.tenant.kind === 'organization' ? repository.tenantId : null),
  repoConnection: (repository, _args, ctx) =>
    repository.repoConnectionId === null ? null : ctx.loaders.repoConnectionById.load(repository.repoConnectionId),
  serviceMappings: (repository, _args, ctx, info) => ctx.loaders.mappingsOfRepository(repository.id, info),
  lastWebhookEvent: (repository) => lastWebhookEvent(repository),
  codeHostAccount: (repository, _args, ctx) => ctx.services.repositories.codeHostAccount(ctx, repository),
};
