import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager, ObjectLiteral } from 'typeorm';
import { type CodeHostAccountEntity, RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from './db/entities';
import { CodeHostAccountStore } from './modules/code-host-accounts/code-host-account.store';
import { RateBudgetStore, type RateBudgetRow } from './modules/code-host-accounts/rate-budget.store';
import type { Viewer } from './modules/auth/viewer';
import { byCreation, byIdLoader, byParentLoader, type LoaderScope } from './db/scoped-loader';
import { selectedProperties, type TypeReads } from './graphql/selected-properties';

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
 * A by-parent loader of whole rows (every column; each row primed into the by-id loaders), and,
 * for a list field whose selection reads only some stored properties, loaders of those columns
 * only (one per distinct set; their rows are not primed). A key the whole loader already holds
 * (primed by a write, or read whole earlier in the request) is answered from it.
 */
class ByParent<T extends ObjectLiteral & { id: string }> {
  private whole: DataLoader<string, T[]> | undefined;
  private readonly cache = new Map<string, Promise<T[]>>();
  private partial: Map<string, DataLoader<string, T[]>> | undefined;

  constructor(
    private readonly scope: LoaderScope,
    private readonly entity: new () => T,
    private readonly typeName: string,
    private readonly property: keyof T & string,
    private readonly index: string,
  ) {}

  get loader(): DataLoader<string, T[]> {
    return (this.whole ??= byParentLoader(this.scope, this.entity, this.property, this.index, undefined, this.cache));
  }

  load(key: string, info: GraphQLResolveInfo | undefined): Promise<T[]> {
    const selected = info === undefined ? null : selectedProperties(info, this.typeName, (name) => typeReads(this.scope.db, name));
    if (selected === null) return this.loader.load(key);
    const held = this.cache.get(key);
    if (held !== undefined) return held;
    const partial = (this.partial ??= new Map());
    let loader = partial.get(selected.key);
    if (loader === undefined) {
      loader = byParentLoader(this.scope, this.entity, this.property, this.index, selected.properties);
      partial.set(selected.key, loader);
    }
    return loader.load(key);
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
  private repositoriesByConnection: ByParent<RepositoryEntity> | undefined;
  private mappingsByConnection: ByParent<ServiceMappingEntity> | undefined;
  private mappingsByRepository: ByParent<ServiceMappingEntity> | undefined;
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

  private get repositoriesOfConnections(): ByParent<RepositoryEntity> {
    return (this.repositoriesByConnection ??= new ByParent(this.scope, RepositoryEntity, 'Repository', 'repoConnectionId', 'ix_repositories_connection_list'));
  }

  private get mappingsOfConnections(): ByParent<ServiceMappingEntity> {
    return (this.mappingsByConnection ??= new ByParent(this.scope, ServiceMappingEntity, 'ServiceMapping', 'repoConnectionId', 'ix_service_mappings_connection_list'));
  }

  private get mappingsOfRepositories(): ByParent<ServiceMappingEntity> {
    return (this.mappingsByRepository ??= new ByParent(this.scope, ServiceMappingEntity, 'ServiceMapping', 'repositoryId', 'ix_service_mappings_repository_list'));
  }

  /** Whole rows (every column), primed into the by-id loaders. */
  get repositoriesByConnectionId(): DataLoader<string, RepositoryEntity[]> {
    return this.repositoriesOfConnections.loader;
  }

  get serviceMappingsByConnectionId(): DataLoader<string, ServiceMappingEntity[]> {
    return this.mappingsOfConnections.loader;
  }

  get serviceMappingsByRepositoryId(): DataLoader<string, ServiceMappingEntity[]> {
    return this.mappingsOfRepositories.loader;
  }

  /**
   * A connection's live repositories for a list field: with its resolve info, the columns its
   * selection reads when that is known exactly (src/graphql/selected-properties.ts), else whole rows.
   */
  repositoriesOfConnection(connectionId: string, info?: GraphQLResolveInfo): Promise<RepositoryEntity[]> {
    return this.repositoriesOfConnections.load(connectionId, info);
  }

  mappingsOfConnection(connectionId: string, info?: GraphQLResolveInfo): Promise<ServiceMappingEntity[]> {
    return this.mappingsOfConnections.load(connectionId, info);
  }

  mappingsOfRepository(repositoryId: string, info?: GraphQLResolveInfo): Promise<ServiceMappingEntity[]> {
    return this.mappingsOfRepositories.load(repositoryId, info);
  }

  /**
   * The stored properties a page field's selection reads of its rows (a page of `typeName`, e.g.
   * `RepoConnectionPage`), when known exactly; undefined: whole rows.
   */
  pageProperties(info: GraphQLResolveInfo, pageTypeName: string): readonly string[] | undefined {
    return selectedProperties(info, pageTypeName, (name) => typeReads(this.db, name))?.properties;
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

/**
 * What the list fields' selections may read without whole rows. A field with a resolver of its own
 * is listed here only when that resolver reads just these properties of its parent and nothing by
 * id (src/modules/repositories/resolvers/Repository.ts, src/modules/service-mappings/resolvers/
 * ServiceMapping.ts); any other field with a resolver (`repository`, `repoConnection`,
 * `codeHostAccount`, `lastWebhookEvent`, …) makes its list read whole rows.
 */
const CUSTOM_READS: Record<string, { entity?: new () => object; custom: TypeReads['custom'] }> = {
  Repository: { entity: RepositoryEntity, custom: { orgId: { reads: ['tenantId'] }, serviceMappings: { reads: ['id'], children: 'ServiceMapping' } } },
  ServiceMapping: { entity: ServiceMappingEntity, custom: { stackRoots: { reads: ['stackRoots'] } } },
  // src/modules/repo-connections/resolvers/RepoConnection.ts: its lists read the connection's id.
  RepoConnection: { entity: RepoConnectionEntity, custom: { repositories: { reads: ['id'], children: 'Repository' }, serviceMappings: { reads: ['id'], children: 'ServiceMapping' } } },
  // A page (src/db/pagination.ts): its count, pageInfo and cursors read nothing more of the rows than `id` and `createdAt`.
  RepoConnectionPage: { custom: { edges: { reads: [], through: 'RepoConnectionEdge' }, pageInfo: { reads: [] }, totalCount: { reads: [] } } },
  RepoConnectionEdge: { custom: { node: { reads: [], through: 'RepoConnection' }, cursor: { reads: [] } } },
};
const typeReadsOf = new Map<string, TypeReads>();

function typeReads(db: EntityManager, typeName: string): TypeReads | undefined {
  let reads = typeReadsOf.get(typeName);
  if (reads === undefined) {
    const rule = CUSTOM_READS[typeName];
    if (rule === undefined) return undefined;
    reads = { columns: new Set(rule.entity ? db.connection.getMetadata(rule.entity).columns.map((c) => c.propertyName) : []), custom: rule.custom };
    typeReadsOf.set(typeName, reads);
  }
  return reads;
}
