import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { type CodeHostAccountEntity, RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from './db/entities';
import { CodeHostAccountStore } from './modules/code-host-accounts/code-host-account.store';
import type { Viewer } from './modules/auth/viewer';
import { byCreation, byIdLoader, byParentLoader, type LoaderScope } from './db/scoped-loader';

/** One set per request, scoped to the caller's project, so nothing is cached across requests or tenants. */
export function createLoaders(db: EntityManager, viewer: Viewer | null) {
  const scope: LoaderScope = { db, projectId: viewer?.project?.id ?? null };
  const byId = {
    repositoryById: byIdLoader(scope, RepositoryEntity),
    repoConnectionById: byIdLoader(scope, RepoConnectionEntity),
    serviceMappingById: byIdLoader(scope, ServiceMappingEntity),
  };
  /**
   * Every row the request has read (lists included) is primed into the by-id loaders, so nested
   * fields that point back at it cost nothing and the statement count follows the query's shape,
   * not the data.
   */
  const prime = (rows: readonly object[]) => {
    for (const row of rows) {
      if (row instanceof RepositoryEntity) byId.repositoryById.prime(row.id, row);
      else if (row instanceof RepoConnectionEntity) byId.repoConnectionById.prime(row.id, row);
      else if (row instanceof ServiceMappingEntity) byId.serviceMappingById.prime(row.id, row);
    }
  };
  scope.seen = prime;
  const byParent = {
    repositoriesByConnectionId: byParentLoader(scope, RepositoryEntity, 'repoConnectionId', 'ix_repositories_connection_list'),
    serviceMappingsByConnectionId: byParentLoader(scope, ServiceMappingEntity, 'repoConnectionId', 'ix_service_mappings_connection_list'),
    serviceMappingsByRepositoryId: byParentLoader(scope, ServiceMappingEntity, 'repositoryId', 'ix_service_mappings_repository_list'),
  };
  /**
   * A connection this request has just created, with every child it has: its lists are complete,
   * so the response's nested fields need no statement.
   */
  const primeConnection = (written: { connection: RepoConnectionEntity; repositories: RepositoryEntity[]; mappings: ServiceMappingEntity[] }) => {
    const repositories = [...written.repositories].sort(byCreation);
    const mappings = [...written.mappings].sort(byCreation);
    prime([written.connection, ...repositories, ...mappings]);
    byParent.repositoriesByConnectionId.prime(written.connection.id, repositories);
    byParent.serviceMappingsByConnectionId.prime(written.connection.id, mappings);
    for (const repository of repositories) {
      byParent.serviceMappingsByRepositoryId.prime(repository.id, mappings.filter((m) => m.repositoryId === repository.id));
    }
  };
  /** The tenant's code-host accounts that connections and repositories read through (accounts belong to the tenant, not a project). */
  const codeHostAccountById = new DataLoader<string, CodeHostAccountEntity | null>(async (ids) => {
    if (viewer === null) return ids.map(() => null);
    const rows = await new CodeHostAccountStore(db.connection).accountsByIds(db, viewer.tenant.id, ids);
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });
  return {
    ...byId,
    ...byParent,
    codeHostAccountById,
    prime,
    primeConnection,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
