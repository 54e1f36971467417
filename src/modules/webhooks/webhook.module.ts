import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import type { CodeHostAppService } from '../code-host-accounts/code-host-app.service';
import { CodeHostEndpoints } from '../code-host-accounts/code-host-endpoints';
import type { CredentialCipher } from '../crypto';
import type { CodeHostAccountStore } from '../code-host-accounts/code-host-account.store';
import type { RepoConnectionStore } from '../repo-connections/repo-connection.store';
import type { RepositoryStore } from '../repositories/repository.store';
import type { SyncService } from '../sync/sync.service';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookProcessor } from './webhook-processor';
import { codeHostAppWebhookSecrets } from './webhook-secrets';
import { WebhookService } from './webhook.service';
import { WebhookStore } from './webhook.store';

export interface WebhookDeps {
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
}

/**
 * The webhooks module, built once per server: `ingest` (the endpoints' work: verify, de-duplicate,
 * record), `hooks` (the tenant's hooks for the admin command line and GraphQL, with their
 * deliveries) and `store` (every statement on webhook tables). GitHub Apps' webhook secrets come
 * from the code-host apps service.
 */
export interface WebhookProcessingDeps {
  repositories: RepositoryStore;
  connections: RepoConnectionStore;
  accounts: CodeHostAccountStore;
  sync: Pick<SyncService, 'enqueue'>;
}

export function createWebhookServices(deps: WebhookDeps, apps: Pick<CodeHostAppService, 'list'>) {
  const store = new WebhookStore(deps.dataSource);
  return {
    store,
    ingest: new WebhookIngestService(store, deps.cipher, codeHostAppWebhookSecrets(apps, deps.cipher)),
    hooks: new WebhookService(deps.dataSource, store, deps.cipher, new CodeHostEndpoints(deps.config)),
  };
}

/** Processing of queued deliveries (run by the sync worker's loop): the server's, not the admin command line's. */
export function createWebhookProcessor(deps: Pick<WebhookDeps, 'dataSource'>, store: WebhookStore, processing: WebhookProcessingDeps): WebhookProcessor {
  return new WebhookProcessor(deps.dataSource, store, processing.repositories, processing.accounts, processing.sync, processing.connections);
}

export type WebhookServices = ReturnType<typeof createWebhookServices>;
