import type DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from './db/entities';
import type { Viewer } from './modules/auth/viewer';
import { byCreation, byIdLoader, byParentLoader, type LoaderScope } from './db/scoped-loader';

/**
 * A by-id loader with the rows the request has already read kept aside: priming is a Map entry (not
 * a resolved promise per row, as DataLoader's `prime` makes), and the DataLoader itself is made on
 * the first key it must fetch. As with DataLoader's cache, the first value a key gets wins.
 */
class ById<T extends { id: string }> {
  private seen: Map<string, T> | undefined;
  private asked: Set<string> | undefined;
  private loader: DataLoader<string, T | null> | undefined;

  constructor(
    private readonly scope: LoaderScope,
    private readonly entity: new () => T,
  ) {}

  load(id: string): Promise<T | null> {
    const row = this.seen?.get(id);
    if (row !== undefined) return Promise.resolve(row);
    (this.asked ??= new Set()).add(id);
    return (this.loader ??= byIdLoader(this.scope, this.entity)).load(id);
  }

  prime(id: string, row: T): void {
    const seen = (this.seen ??= new Map());
    if (!seen.has(id) && !this.asked?.has(id)) seen.set(id, row);
  }
}

/**
 * One set per request, scoped to the caller's project, so nothing is cached across requests or
 * tenants. Each loader is made when the request first uses it: most requests use one or two of them.
 */
export function createLoaders(db: EntityManager, viewer: Viewer | null) {
  const scope: LoaderScope = { db, projectId: viewer?.project?.id ?? null };
  const repositoryById = new ById(scope, RepositoryEntity);
  const repoConnectionById = new ById(scope, RepoConnectionEntity);
  const serviceMappingById = new ById(scope, ServiceMappingEntity);
  /**
   * Every row the request has read (lists included) is primed into the by-id loaders, so nested
   * fields that point back at it cost nothing and the statement count follows the query's shape,
   * not the data.
   */
  const prime = (rows: readonly object[]) => {
    for (const row of rows) {
      if (row instanceof RepositoryEntity) repositoryById.prime(row.id, row);
      else if (row instanceof RepoConnectionEntity) repoConnectionById.prime(row.id, row);
      else if (row instanceof ServiceMappingEntity) serviceMappingById.prime(row.id, row);
    }
  };
  scope.seen = prime;
  let repositoriesByConnection: DataLoader<string, RepositoryEntity[]> | undefined;
  let mappingsByConnection: DataLoader<string, ServiceMappingEntity[]> | undefined;
  let mappingsByRepository: DataLoader<string, ServiceMappingEntity[]> | undefined;
  const byParent = {
    get repositoriesByConnectionId() {
      return (repositoriesByConnection ??= byParentLoader(scope, RepositoryEntity, 'repoConnectionId', 'ix_repositories_connection_list'));
    },
    get serviceMappingsByConnectionId() {
      return (mappingsByConnection ??= byParentLoader(scope, ServiceMappingEntity, 'repoConnectionId', 'ix_service_mappings_connection_list'));
    },
    get serviceMappingsByRepositoryId() {
      return (mappingsByRepository ??= byParentLoader(scope, ServiceMappingEntity, 'repositoryId', 'ix_service_mappings_repository_list'));
    },
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
  return {
    repositoryById,
    repoConnectionById,
    serviceMappingById,
    get repositoriesByConnectionId() {
      return byParent.repositoriesByConnectionId;
    },
    get serviceMappingsByConnectionId() {
      return byParent.serviceMappingsByConnectionId;
    },
    get serviceMappingsByRepositoryId() {
      return byParent.serviceMappingsByRepositoryId;
    },
    prime,
    primeConnection,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
