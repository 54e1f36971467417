import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { type CodeHostAccountEntity, RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from './db/entities';
import { CodeHostAccountStore } from './modules/code-host-accounts/code-host-account.store';
import { RateBudgetStore, type RateBudgetRow } from './modules/code-host-accounts/rate-budget.store';
import type { Viewer } from './modules/auth/viewer';
import { byCreation, byIdLoader, byParentLoader, type LoaderScope } from './db/scoped-loader';

/**
 * A by-id loader with the rows the request has already read kept aside: priming is a Map entry (not
 * a resolved promise per row, as DataLoader's `prime` makes), and the DataLoader itself is made on
 * the first key it must fetch. As with DataLoader's cache, the first value a key gets wins.
 */
export class ById<T extends { id: string }> {
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
 * tenants. Each loader is made when the request first uses it: most requests use one or two of them
 * (a class, so a request's set is one small object; its lazy getters live on the prototype).
 */
export class Loaders {
  readonly repositoryById: ById<RepositoryEntity>;
  readonly repoConnectionById: ById<RepoConnectionEntity>;
  readonly serviceMappingById: ById<ServiceMappingEntity>;
  private readonly scope: LoaderScope;
  private repositoriesByConnection: DataLoader<string, RepositoryEntity[]> | undefined;
  private mappingsByConnection: DataLoader<string, ServiceMappingEntity[]> | undefined;
  private mappingsByRepository: DataLoader<string, ServiceMappingEntity[]> | undefined;
  private accountsById: DataLoader<string, CodeHostAccountEntity | null> | undefined;
  private budgetsByAccountId: DataLoader<string, RateBudgetRow | null> | undefined;

  constructor(
    private readonly db: EntityManager,
    private readonly viewer: Viewer | null,
  ) {
    this.scope = { db, projectId: viewer?.project?.id ?? null, seen: (rows) => this.prime(rows) };
    this.repositoryById = new ById(this.scope, RepositoryEntity);
    this.repoConnectionById = new ById(this.scope, RepoConnectionEntity);
    this.serviceMappingById = new ById(this.scope, ServiceMappingEntity);
  }

  get repositoriesByConnectionId(): DataLoader<string, RepositoryEntity[]> {
    return (this.repositoriesByConnection ??= byParentLoader(this.scope, RepositoryEntity, 'repoConnectionId', 'ix_repositories_connection_list'));
  }

  get serviceMappingsByConnectionId(): DataLoader<string, ServiceMappingEntity[]> {
    return (this.mappingsByConnection ??= byParentLoader(this.scope, ServiceMappingEntity, 'repoConnectionId', 'ix_service_mappings_connection_list'));
  }

  /** The tenant's code-host accounts that connections and repositories read through (accounts belong to the tenant, not a project). */
  get codeHostAccountById(): DataLoader<string, CodeHostAccountEntity | null> {
    return (this.accountsById ??= new DataLoader<string, CodeHostAccountEntity | null>(async (ids) => {
      const viewer = this.viewer;
      if (viewer === null) return ids.map(() => null);
      const rows = await new CodeHostAccountStore(this.db.connection).accountsByIds(this.db, viewer.tenant.id, ids);
      const found = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => found.get(id) ?? null);
    }));
  }

  /** The rate budgets of the tenant's code-host accounts, one statement per batch of accounts (on the primary key, within the tenant). */
  get rateBudgetByAccountId(): DataLoader<string, RateBudgetRow | null> {
    return (this.budgetsByAccountId ??= new DataLoader<string, RateBudgetRow | null>(async (ids) => {
      const viewer = this.viewer;
      if (viewer === null) return ids.map(() => null);
      const rows = await new RateBudgetStore(this.db.connection).byAccounts(this.db, viewer.tenant.id, ids);
      const found = new Map(rows.map((r) => [r.accountId, r]));
      return ids.map((id) => found.get(id) ?? null);
    }));
  }

  get serviceMappingsByRepositoryId(): DataLoader<string, ServiceMappingEntity[]> {
    return (this.mappingsByRepository ??= byParentLoader(this.scope, ServiceMappingEntity, 'repositoryId', 'ix_service_mappings_repository_list'));
  }

  /**
   * Every row the request has read (lists included) is primed into the by-id loaders, so nested
   * fields that point back at it cost nothing and the statement count follows the query's shape,
   * not the data.
   */
  prime(rows: readonly object[]): void {
    for (const row of rows) {
      if (row instanceof RepositoryEntity) this.repositoryById.prime(row.id, row);
      else if (row instanceof RepoConnectionEntity) this.repoConnectionById.prime(row.id, row);
      else if (row instanceof ServiceMappingEntity) this.serviceMappingById.prime(row.id, row);
    }
  }

  /**
   * A connection this request has just created, with every child it has: its lists are complete,
   * so the response's nested fields need no statement.
   */
  primeConnection(written: { connection: RepoConnectionEntity; repositories: RepositoryEntity[]; mappings: ServiceMappingEntity[] }): void {
    const repositories = [...written.repositories].sort(byCreation);
    const mappings = [...written.mappings].sort(byCreation);
    this.prime([written.connection, ...repositories, ...mappings]);
    this.repositoriesByConnectionId.prime(written.connection.id, repositories);
    this.serviceMappingsByConnectionId.prime(written.connection.id, mappings);
    for (const repository of repositories) {
      this.serviceMappingsByRepositoryId.prime(repository.id, mappings.filter((m) => m.repositoryId === repository.id));
    }
  }
}

export function createLoaders(db: EntityManager, viewer: Viewer | null): Loaders {
  return new Loaders(db, viewer);
}
