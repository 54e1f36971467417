import type { RepositoryResolvers } from '../../../generated/graphql';
import { lastWebhookEvent } from '../../webhooks/webhook.views';

export const Repository: RepositoryResolvers = {
  orgId: (repository, _args, ctx) => (ctx.viewer?.tenant.kind === 'organization' ? repository.tenantId : null),
  repoConnection: (repository, _args, ctx) =>
    repository.repoConnectionId === null ? null : ctx.loaders.repoConnectionById.load(repository.repoConnectionId),
  serviceMappings: (repository, _args, ctx) => ctx.loaders.serviceMappingsByRepositoryId.load(repository.id),
  lastWebhookEvent: (repository) => lastWebhookEvent(repository),
  codeHostAccount: (repository, _args, ctx) => ctx.services.repositories.codeHostAccount(ctx, repository),
};
