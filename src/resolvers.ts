import { DateTimeResolver, PositiveIntResolver, URLResolver, UUIDResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context';
import type { Resolvers } from './generated/graphql';
import { node } from './modules/nodes/resolvers/Query/node';
import { nodes } from './modules/nodes/resolvers/Query/nodes';
import { Node } from './modules/nodes/resolvers/Node';
import { repoConnections } from './modules/repo-connections/resolvers/Query/repoConnections';
import { updateRepoConnection } from './modules/repo-connections/resolvers/Mutation/updateRepoConnection';
import { replaceRepoConnection } from './modules/repo-connections/resolvers/Mutation/replaceRepoConnection';
import { deleteRepoConnection } from './modules/repo-connections/resolvers/Mutation/deleteRepoConnection';
import { invalidateRepoConnectionCache } from './modules/repo-connections/resolvers/Mutation/invalidateRepoConnectionCache';
import { repositories } from './modules/repositories/resolvers/Query/repositories';
import { updateRepository } from './modules/repositories/resolvers/Mutation/updateRepository';
import { deleteRepository } from './modules/repositories/resolvers/Mutation/deleteRepository';
import { restoreRepository } from './modules/repositories/resolvers/Mutation/restoreRepository';
import { serviceMappings } from './modules/service-mappings/resolvers/Query/serviceMappings';
import { createServiceMapping } from './modules/service-mappings/resolvers/Mutation/createServiceMapping';
import { updateServiceMapping } from './modules/service-mappings/resolvers/Mutation/updateServiceMapping';
import { deleteServiceMapping } from './modules/service-mappings/resolvers/Mutation/deleteServiceMapping';
import { Project } from './modules/auth/resolvers/Project';
import { viewer } from './modules/auth/resolvers/Query/viewer';
import { connectRepos } from './modules/repo-connections/resolvers/Mutation/connectRepos';
import { repoConnection } from './modules/repo-connections/resolvers/Query/repoConnection';
import { RepoConnection } from './modules/repo-connections/resolvers/RepoConnection';
import { createRepository } from './modules/repositories/resolvers/Mutation/createRepository';
import { repository } from './modules/repositories/resolvers/Query/repository';
import { Repository } from './modules/repositories/resolvers/Repository';
import { serviceMapping } from './modules/service-mappings/resolvers/Query/serviceMapping';
import { ServiceMapping } from './modules/service-mappings/resolvers/ServiceMapping';
import { resolveCodeLocation } from './modules/service-mappings/resolvers/Query/resolveCodeLocation';
import { syncRepoConnection } from './modules/sync/resolvers/Mutation/syncRepoConnection';
import { checkRepoConnection } from './modules/platforms/resolvers/Mutation/checkRepoConnection';
import { codeHostAccounts } from './modules/code-host-accounts/resolvers/Query/codeHostAccounts';
import { codeHostAccount } from './modules/code-host-accounts/resolvers/Query/codeHostAccount';
import { startCodeHostAuthorization } from './modules/code-host-accounts/resolvers/Mutation/startCodeHostAuthorization';
import { addCodeHostAccount } from './modules/code-host-accounts/resolvers/Mutation/addCodeHostAccount';
import { revokeCodeHostAccount } from './modules/code-host-accounts/resolvers/Mutation/revokeCodeHostAccount';
import { deleteCodeHostAccount } from './modules/code-host-accounts/resolvers/Mutation/deleteCodeHostAccount';
import { CodeHostAccount } from './modules/code-host-accounts/resolvers/CodeHostAccount';
import { GitHubAppInstallation } from './modules/code-host-accounts/resolvers/GitHubAppInstallation';
import { webhookHooks } from './modules/webhooks/resolvers/Query/webhookHooks';
import { webhookHook } from './modules/webhooks/resolvers/Query/webhookHook';
import { WebhookHook } from './modules/webhooks/resolvers/WebhookHook';
import { CodeHostAccountWebhooks } from './modules/webhooks/resolvers/CodeHostAccountWebhooks';

type MutationMap = NonNullable<Resolvers['Mutation']>;

/** An idempotency refusal answers every mutation as a user error, before any work. */
function guardMutations(mutations: MutationMap): MutationMap {
  return Object.fromEntries(
    Object.entries(mutations).map(([name, resolve]) => [
      name,
      (parent: unknown, args: unknown, ctx: GraphQLContext, info: unknown) =>
        ctx.idempotencyRefusal ? { userErrors: [ctx.idempotencyRefusal] } : (resolve as (...a: unknown[]) => unknown)(parent, args, ctx, info),
    ]),
  ) as MutationMap;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  UUID: UUIDResolver,
  URL: URLResolver,
  PositiveInt: PositiveIntResolver,
  // GraphQL's enum names map to the lower-case values stored in the database and used by the REST contracts.
  Platform: { GITHUB: 'github', GITLAB: 'gitlab', BITBUCKET: 'bitbucket' },
  SourceType: { GIT_URL: 'git_url', GITHUB: 'github', GITLAB: 'gitlab', BITBUCKET: 'bitbucket' },
  Severity: { LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' },
  Plan: { FREE: 'free', TEAM: 'team', ENTERPRISE: 'enterprise' },
  TenantKind: { ORGANIZATION: 'organization', PERSONAL: 'personal' },
  Permission: { CONFIG_READ: 'config:read', CONFIG_WRITE: 'config:write' },
  ViewerKind: { API_KEY: 'api_key', SESSION: 'session' },
  SyncStatus: { NEVER: 'never', PENDING: 'pending', OK: 'ok', ERROR: 'error' },
  RepositoryCheckStatus: { FOUND: 'found', NOT_FOUND: 'not_found', NO_ACCESS: 'no_access', UNREACHABLE: 'unreachable' },
  CodeHostAccountKind: { GITHUB_APP_INSTALLATION: 'github_app_installation', OAUTH: 'oauth', API_TOKEN: 'api_token', ACCESS_TOKEN: 'access_token' },
  CodeHostAccountStatus: { ACTIVE: 'active', SUSPENDED: 'suspended', NEEDS_REAUTHORIZATION: 'needs_reauthorization', REVOKED: 'revoked' },
  CodeHostAuthorizationKind: { GITHUB_APP_INSTALLATION: 'github_app_installation', OAUTH: 'oauth' },
  WebhookDeliveryOutcome: { QUEUED: 'queued', PROCESSED: 'processed', IGNORED: 'ignored', FAILED: 'failed' },
  Query: { viewer, node, nodes, repository, repositories, repoConnection, repoConnections, serviceMapping, serviceMappings, resolveCodeLocation, codeHostAccounts, codeHostAccount, webhookHooks, webhookHook },
  Mutation: guardMutations({
    connectRepos,
    createRepository,
    updateRepository,
    deleteRepository,
    restoreRepository,
    updateRepoConnection,
    replaceRepoConnection,
    deleteRepoConnection,
    invalidateRepoConnectionCache,
    createServiceMapping,
    updateServiceMapping,
    deleteServiceMapping,
    checkRepoConnection,
    syncRepoConnection,
    startCodeHostAuthorization,
    addCodeHostAccount,
    revokeCodeHostAccount,
    deleteCodeHostAccount,
  }),
  // graphql-jit reads a field without a resolver as a plain property: the lazy count is a function.
  RepoConnectionPage: { totalCount: (page) => page.totalCount() },
  RepositoryPage: { totalCount: (page) => page.totalCount() },
  ServiceMappingPage: { totalCount: (page) => page.totalCount() },
  CodeHostAccountPage: { totalCount: (page) => page.totalCount() },
  WebhookHookPage: { totalCount: (page) => page.totalCount() },
  Node,
  Project,
  Repository,
  RepoConnection,
  ServiceMapping,
  CodeHostAccount: { ...CodeHostAccount, ...CodeHostAccountWebhooks },
  GitHubAppInstallation,
  WebhookHook,
};
