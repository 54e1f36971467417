import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { AuthService } from './modules/auth/auth.service';
import { NodeService } from './modules/nodes/node.service';
import type { CredentialCipher } from './modules/crypto';
import { ConnectionAccounts } from './modules/repo-connections/connection-account';
import { ConnectionCredentials } from './modules/repo-connections/connection-credentials';
import { RepoConnectionService } from './modules/repo-connections/repo-connection.service';
import { RepositoryAccounts } from './modules/repositories/repository-accounts';
import { RepositoryService } from './modules/repositories/repository.service';
import { createDefaultBranchResolver, type DefaultBranchResolver } from './modules/repositories/default-branch';
import { ServiceMappingService } from './modules/service-mappings/service-mapping.service';
import { CodeLocationService } from './modules/service-mappings/code-location.service';
import { SyncService } from './modules/sync/sync.service';
import { PlatformService } from './modules/platforms/platform.service';
import { Quota } from './modules/tenancy/quota';
import { createStores } from './stores';
import { ApiKeyService } from './modules/api-keys/api-key.service';
import { ApiKeyStore } from './modules/api-keys/api-key.store';
import { createCodeHostServices } from './modules/code-host-accounts/code-host.module';
import { createWebhookProcessor, createWebhookServices } from './modules/webhooks/webhook.module';
import { createReconciler } from './modules/reconciliation/reconciliation.module';

export interface ServiceDeps {
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
  resolveDefaultBranch?: DefaultBranchResolver;
}

/**
 * Stateless services, built once per server. Each gets its collaborators here (stores, other
 * services, the credentials' owner, configuration); each method takes the request's narrow scope
 * (RequestScope) first.
 */
export function createServices(deps: ServiceDeps) {
  const { dataSource, config } = deps;
  const stores = createStores(dataSource);
  const credentials = new ConnectionCredentials(deps.cipher);
  const quota = new Quota(config, stores.projectCounters);
  const auth = new AuthService(dataSource, stores.auth);
  // A new or re-authorized account queues linking the repositories that wait for it (the sync queue, in the account's transaction).
  let sync: SyncService | null = null;
  const codeHosts = createCodeHostServices({ ...deps, auth, onAccountConnected: (em, account) => sync!.enqueueLink(em, account) });
  const connectionAccounts = new ConnectionAccounts(codeHosts.access);
  const platforms = new PlatformService(config, stores, credentials, codeHosts.access, connectionAccounts, codeHosts.rateBudget);
  const repositoryAccounts = new RepositoryAccounts(stores, codeHosts.access, platforms);
  sync = new SyncService(dataSource, config, stores, credentials, platforms, repositoryAccounts, codeHosts.rateBudget);
  const resolveDefaultBranch =
    deps.resolveDefaultBranch ?? (config.resolveDefaultBranch ? createDefaultBranchResolver({ allowPrivate: config.remoteAllowPrivate }) : undefined);
  const webhooks = createWebhookServices(deps, codeHosts.apps);
  return {
    auth,
    repositories: new RepositoryService(stores, quota, platforms, repositoryAccounts, resolveDefaultBranch),
    repoConnections: new RepoConnectionService(stores, quota, credentials, platforms, sync, connectionAccounts),
    serviceMappings: new ServiceMappingService(stores),
    nodes: new NodeService(codeHosts.accounts),
    platforms,
    sync,
    codeLocations: new CodeLocationService(stores),
    codeHosts,
    apiKeys: new ApiKeyService(new ApiKeyStore(deps.dataSource)),
    webhooks: { ...webhooks, processor: createWebhookProcessor(deps, webhooks.store, { repositories: stores.repositories, connections: stores.repoConnections, accounts: codeHosts.store, sync }) },
    reconciler: createReconciler({
      dataSource,
      config,
      accounts: codeHosts.store,
      repositories: stores.repositories,
      repoConnections: stores.repoConnections,
      tokens: codeHosts.tokens,
      budget: codeHosts.rateBudget,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
