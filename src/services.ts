import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { AuthService } from './modules/auth/auth.service';
import { NodeService } from './modules/nodes/node.service';
import type { CredentialCipher } from './modules/crypto';
import { RepoConnectionService } from './modules/repo-connections/repo-connection.service';
import { RepositoryService, type DefaultBranchResolver } from './modules/repositories/repository.service';
import { createDefaultBranchResolver } from './modules/repositories/default-branch';
import { ServiceMappingService } from './modules/service-mappings/service-mapping.service';
import { CodeLocationService } from './modules/service-mappings/code-location.service';
import { SyncService } from './modules/sync/sync.service';
import { PlatformService } from './modules/platforms/platform.service';
import { createCodeHostServices } from './modules/code-host-accounts/code-host.module';
import { createWebhookServices } from './modules/webhooks/webhook.module';

export interface ServiceDeps {
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
  resolveDefaultBranch?: DefaultBranchResolver;
}

/** Stateless services, built once per server; each method takes the request context first. */
export function createServices(deps: ServiceDeps) {
  const platforms = new PlatformService(deps.config);
  const codeHosts = createCodeHostServices(deps);
  return {
    auth: new AuthService(deps.dataSource),
    repositories: new RepositoryService(
      deps.config,
      deps.resolveDefaultBranch ??
        (deps.config.resolveDefaultBranch ? createDefaultBranchResolver({ allowPrivate: deps.config.remoteAllowPrivate }) : undefined),
    ),
    repoConnections: new RepoConnectionService(deps.cipher, deps.config),
    serviceMappings: new ServiceMappingService(),
    nodes: new NodeService(),
    platforms,
    sync: new SyncService(deps.dataSource, deps.config, deps.cipher, platforms),
    codeLocations: new CodeLocationService(),
    codeHosts,
    webhooks: createWebhookServices(deps, codeHosts.apps),
  };
}

export type Services = ReturnType<typeof createServices>;
