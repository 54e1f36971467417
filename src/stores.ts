import type { DataSource } from 'typeorm';
import { AuthStore } from './modules/auth/auth.store';
import { RepoConnectionStore } from './modules/repo-connections/repo-connection.store';
import { RepositoryStore } from './modules/repositories/repository.store';
import { ServiceMappingStore } from './modules/service-mappings/service-mapping.store';
import { SyncJobStore } from './modules/sync/sync-job.store';
import { ProjectCountersStore } from './modules/tenancy/project-counters.store';
import { TenancyStore } from './modules/tenancy/tenancy.store';

/**
 * Every domain's store: the only code that holds SQL (besides src/db/, the data-access kit).
 * Stateless; a method takes the handle to run on (the request's, or a transaction's).
 */
export function createStores(dataSource: DataSource) {
  return {
    auth: new AuthStore(),
    tenancy: new TenancyStore(),
    projectCounters: new ProjectCountersStore(),
    repositories: new RepositoryStore(),
    repoConnections: new RepoConnectionStore(),
    serviceMappings: new ServiceMappingStore(),
    syncJobs: new SyncJobStore(dataSource),
  };
}

export type Stores = ReturnType<typeof createStores>;
