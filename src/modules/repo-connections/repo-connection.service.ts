import type { EntityManager } from 'typeorm';
import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity, type TenantEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { NotFoundError, UserErrorCode, userError, type UserError } from '../../errors';
import type { ConnectReposInput, QueryRepoConnectionsArgs, ReplaceRepoConnectionInput, UpdateRepoConnectionInput } from '../../generated/schema-types';
import { prefixedId, uuidv7 } from '../../lib/ids';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import type { Secret } from '../crypto';
import type { Quota } from '../tenancy/quota';
import type { ListOptions, Page } from '../../db/pagination';
import { inTransaction, isDuplicateKey } from '../../db/transaction';
import type { RepositoryReport } from '../platforms/platform-client';
import { verificationErrors, type CheckAuth, type PlatformService } from '../platforms/platform.service';
import { cloneUrl } from '../platforms/platform-facts';
import type { SyncService } from '../sync/sync.service';
import type { Checked } from '../../lib/validation';
import type { ConnectionAccounts, ResolvedAccount } from './connection-account';
import type { ConnectionCredentials } from './connection-credentials';
import { checkConnectRepos, checkUpdateRepoConnection, type NormalizedConnectRepos, type RepoConnectionChanges } from './repo-connection.inputs';

export interface ConnectReposResult {
  repoConnection: RepoConnectionEntity | null;
  userErrors: UserError[];
}

/** A new connection with all its children, as written. */
export interface Written {
  connection: RepoConnectionEntity;
  repositories: RepositoryEntity[];
  mappings: ServiceMappingEntity[];
}

/** What a verified connect learnt from the platform: each repository's report by lower-cased path, and the host they live on. */
export interface VerifiedFacts {
  platformHost: string;
  byPath: Map<string, RepositoryReport>;
}

export class RepoConnectionService {
  constructor(
    private readonly stores: Pick<Stores, 'repoConnections' | 'repositories' | 'serviceMappings' | 'projectCounters'>,
    private readonly quota: Quota,
    private readonly credentials: ConnectionCredentials,
    private readonly platforms: PlatformService,
    private readonly sync: SyncService,
    private readonly accounts: ConnectionAccounts,
  ) {}

  async connectRepos(ctx: RequestScope, input: ConnectReposInput, verify = false): Promise<ConnectReposResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkConnectRepos(input);
    if (!checked.ok) return { repoConnection: null, userErrors: checked.userErrors };
    let data = checked.value;
    // Through an account: one read of the tenant's account (by its primary key) before anything else;
    // the credentials path sends no statement more than it did.
    let account: ResolvedAccount | null = null;
    if (data.codeHostAccountId !== null) {
      const resolved = await this.accounts.resolve(ctx.db, tenant.id, data.codeHostAccountId, data.platform, data.baseUrl);
      if (!resolved.ok) return { repoConnection: null, userErrors: resolved.userErrors };
      account = resolved.value;
      data = { ...data, codeHostAccountId: account.account.id, baseUrl: account.baseUrl };
    }
    const verified = verify ? await this.verify(tenant.id, data) : null;
    if (verified && !verified.ok) return { repoConnection: null, userErrors: verified.userErrors };
    // Rows, ids and the sealed credentials are made before the transaction opens: none of that work
    // runs while the project row is locked (a retried transaction writes the same rows again).
    const written = this.newConnection(tenant, project.id, data, verified?.facts);
    try {
      const result = await inTransaction(ctx, (em) => this.writeConnection(em, tenant, project.id, data, written));
      // The response reads back what was just written: serve it from memory, not the database.
      if (result.userErrors.length === 0) ctx.loaders.primeConnection(written);
      return result;
    } catch (error) {
      const conflict = this.conflictFromDuplicate(error);
      if (conflict) return conflict;
      throw error;
    }
  }

  /**
   * A new connection with its repositories and mappings, ids made here (nothing is read back),
   * credentials sealed. Rows take the shared fields as a second `Object.assign` source, not by an
   * object spread: V8 built each spread literal slowly (about 12 µs per row against 0.3, measured).
   */
  private newConnection(tenant: TenantEntity, projectId: string, data: NormalizedConnectRepos, facts?: VerifiedFacts): Written {
    const now = new Date();
    const base = { tenantId: tenant.id, projectId, createdAt: now, updatedAt: now, deletedAt: null };
    const connection: RepoConnectionEntity = Object.assign(new RepoConnectionEntity(), base, {
      id: prefixedId('rc'),
      platform: data.platform,
      baseUrl: data.baseUrl,
      lookbackDays: data.lookbackDays,
      cacheInvalidatedAt: null,
    });
    // A connection through an account stores no credentials: the account's current token is fetched at each use.
    if (data.credentials !== null) Object.assign(connection, this.credentials.seal(data.credentials, connection));
    else Object.assign(connection, { credentialsKeyId: null, credentialsCiphertext: null, credentialsHint: null, codeHostAccountId: data.codeHostAccountId });
    const repositories = data.repositories.map((path) => this.newRepository(base, connection.id, data.platform, data.baseUrl, path, data.serviceMappings, facts));
    const repoIdByPath = new Map(repositories.map((r) => [r.path, r.id]));
    const mappings = data.serviceMappings.map((m) => this.newMapping(base, connection.id, repoIdByPath.get(m.repo)!, m));
    return { connection, repositories, mappings };
  }

  /**
   * A constant number of statements whatever the number of repositories: the quota reservation,
   * two conflict checks, and one multi-row INSERT per table.
   */
  private async writeConnection(em: EntityManager, tenant: TenantEntity, projectId: string, data: NormalizedConnectRepos, written: Written): Promise<ConnectReposResult> {
    const { connection, repositories, mappings } = written;
    const quotaError = await this.quota.reserveRepositorySlots(em, tenant, projectId, data.repositories.length, ['repositories'], {
      connections: 1,
      mappings: data.serviceMappings.length,
    });
    if (quotaError) return { repoConnection: null, userErrors: [quotaError] };

    const conflicts = await this.findConflicts(em, projectId, data.platform, data.repositories, data.serviceMappings);
    if (conflicts.length > 0) return { repoConnection: null, userErrors: conflicts };

    await this.stores.repoConnections.insert(em, connection);
    await this.stores.repositories.insert(em, repositories);
    await this.stores.serviceMappings.insert(em, mappings);
    return { repoConnection: connection, userErrors: [] };
  }

  private newRepository(
    base: Pick<RepositoryEntity, 'tenantId' | 'projectId' | 'createdAt' | 'updatedAt' | 'deletedAt'>,
    connectionId: string,
    platform: Platform,
    baseUrl: string | null,
    path: string,
    mappings: NormalizedConnectRepos['serviceMappings'],
    facts?: VerifiedFacts,
  ): RepositoryEntity {
    const known = facts?.byPath.get(path.toLowerCase());
    return Object.assign(new RepositoryEntity(), base, {
      id: uuidv7(),
      repoConnectionId: connectionId,
      userId: null,
      name: path.split('/').pop()!,
      sourceType: platform,
      path,
      remoteUrl: cloneUrl(platform, baseUrl, path),
      // The platform's own when a verified connect asked it; else the branch the first mapping into it names.
      defaultBranch: known?.defaultBranch ?? mappings.find((m) => m.repo.toLowerCase() === path.toLowerCase())?.defaultBranch ?? 'main',
      lastCommitSha: known?.headCommit ?? null,
      archived: known?.archived ?? false,
      // The host's id with the host it belongs to, or neither.
      platformHost: known?.hostRepositoryId ? facts!.platformHost : null,
      hostRepositoryId: known?.hostRepositoryId ?? null,
      oauthConnectionId: null,
      issueAutoCreateEnabled: false,
      issueAutoCreateMinSeverity: 'high' as const,
    });
  }

  private newMapping(
    base: Pick<ServiceMappingEntity, 'tenantId' | 'projectId' | 'createdAt' | 'updatedAt' | 'deletedAt'>,
    connectionId: string,
    repositoryId: string,
    m: NormalizedConnectRepos['serviceMappings'][number],
  ): ServiceMappingEntity {
    return Object.assign(new ServiceMappingEntity(), base, {
      id: prefixedId('sm'),
      repositoryId,
      repoConnectionId: connectionId,
      serviceName: m.serviceName,
      pathPrefix: m.pathPrefix,
      defaultBranch: m.defaultBranch,
      stackRoots: m.stackRoots ?? [],
    });
  }

  private async findConflicts(
    em: EntityManager,
    projectId: string,
    platform: Platform,
    paths: string[],
    serviceMappings: NormalizedConnectRepos['serviceMappings'],
  ): Promise<UserError[]> {
    const errors: UserError[] = [];
    // Both checks read the unique indexes on the generated live_* columns: one index lookup per
    // name however many rows the project holds, case-insensitive like the uniqueness rule itself.
    const taken = await this.stores.repositories.livePathsTaken(em, projectId, platform, paths);
    paths.forEach((path, i) => {
      if (taken.has(path.toLowerCase())) {
        errors.push(userError(UserErrorCode.CONFLICT, ['repositories', i], `"${path}" is already connected to this project`));
      }
    });
    if (serviceMappings.length > 0) {
      const used = await this.stores.serviceMappings.liveNamesTaken(em, projectId, serviceMappings.map((m) => m.serviceName));
      serviceMappings.forEach((m, i) => {
        if (used.has(m.serviceName.toLowerCase())) {
          errors.push(userError(UserErrorCode.CONFLICT, ['serviceMappings', i, 'serviceName'], `Service "${m.serviceName}" is already mapped in this project`));
        }
      });
    }
    return errors;
  }

  async list(ctx: RequestScope, args: QueryRepoConnectionsArgs, options: ListOptions = {}): Promise<Page<RepoConnectionEntity>> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    const page = await this.stores.repoConnections.page(ctx.db, project.id, args, () => this.stores.projectCounters.countLive(ctx.db, project.id, 'connections'), options);
    // Rows of some columns only (options.only) are never primed: the by-id loaders answer whole rows.
    if (options.only === undefined) ctx.loaders.prime(page.edges.map((e) => e.node));
    return page;
  }

  /**
   * Applies an update in one transaction: new credentials are sealed for the same row, removed
   * repositories are soft-deleted with their mappings (freeing quota), added ones reserve quota
   * and must be free in the project, and a given mapping list replaces the connection's mappings.
   */
  async updateRepoConnection(ctx: RequestScope, input: UpdateRepoConnectionInput): Promise<ConnectReposResult> {
    const { id, ...fields } = input;
    return this.applyChanges(ctx, id, (current) => checkUpdateRepoConnection(fields, current));
  }

  /**
   * `verify: true`: asks the platform before any transaction opens (network calls never hold row
   * locks) and refuses with one user error per failing repository.
   */
  private async verify(tenantId: string, data: Pick<NormalizedConnectRepos, 'platform' | 'credentials' | 'codeHostAccountId' | 'baseUrl' | 'repositories'>) {
    const auth: CheckAuth =
      data.codeHostAccountId !== null ? { account: { tenantId, id: data.codeHostAccountId }, baseUrl: data.baseUrl } : { credentials: data.credentials!, baseUrl: data.baseUrl };
    const check = await this.platforms.check(data.platform, auth, data.repositories);
    const userErrors = verificationErrors(check);
    const facts: VerifiedFacts = { platformHost: check.platformHost, byPath: new Map(check.repositories.map((r) => [r.repository.toLowerCase(), r])) };
    return { ok: userErrors.length === 0, userErrors, facts };
  }

  /** PUT semantics: the body of connectRepos replaces the connection's whole configuration. */
  async replaceRepoConnection(ctx: RequestScope, input: ReplaceRepoConnectionInput, verify = false): Promise<ConnectReposResult> {
    const { id, ...body } = input;
    let facts: VerifiedFacts | undefined;
    if (verify) {
      const { tenant } = requireScope(ctx.viewer, 'config:write');
      const checked = await checkConnectRepos(body);
      // Invalid input (an unusable account too) is reported below, with the platform rule, exactly as without verify.
      if (checked.ok) {
        let data = checked.value;
        const account = data.codeHostAccountId === null ? null : await this.accounts.resolve(ctx.db, tenant.id, data.codeHostAccountId, data.platform, data.baseUrl);
        if (account?.ok) data = { ...data, codeHostAccountId: account.value.account.id, baseUrl: account.value.baseUrl };
        if (account === null || account.ok) {
          const verified = await this.verify(tenant.id, data);
          if (!verified.ok) return { repoConnection: null, userErrors: verified.userErrors };
          facts = verified.facts;
        }
      }
    }
    return this.applyChanges(ctx, id, async (current): Promise<Checked<RepoConnectionChanges>> => {
      const checked = await checkConnectRepos(body);
      const errors = checked.ok ? [] : [...checked.userErrors];
      if (body.platform !== current.platform && !errors.some((e) => e.field?.[0] === 'platform')) {
        errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['platform'], `A connection's platform cannot change (it is ${current.platform}); delete it and connect again`));
      }
      if (!checked.ok || errors.length > 0) return { ok: false, userErrors: errors };
      const { platform: _platform, ...changes } = checked.value;
      // PUT: the body is the whole configuration: through an account (its credentials erased), or with credentials (the account let go).
      return { ok: true, value: changes };
    }, facts);
  }

  private async applyChanges(
    ctx: RequestScope,
    id: string,
    check: (current: { platform: Platform; repositories: string[] }) => Promise<Checked<RepoConnectionChanges>>,
    facts?: VerifiedFacts,
  ): Promise<ConnectReposResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    try {
      return await inTransaction(ctx, async (em) => {
        const connection = await this.lockLive(em, project.id, id);
        const liveRepos = await this.stores.repositories.liveOfConnection(em, connection.id);
        const checked = await check({ platform: connection.platform, repositories: liveRepos.map((r) => r.path) });
        if (!checked.ok) return { repoConnection: null, userErrors: checked.userErrors };
        const changes = checked.value;
        const through = await this.accountChange(em, tenant.id, connection, changes);
        if (!through.ok) return { repoConnection: null, userErrors: through.userErrors };
        const now = new Date();

        const newPaths = changes.repositories ?? liveRepos.map((r) => r.path);
        const wanted = new Set(newPaths.map((p) => p.toLowerCase()));
        const current = new Set(liveRepos.map((r) => r.path.toLowerCase()));
        const removed = liveRepos.filter((r) => !wanted.has(r.path.toLowerCase()));
        const added = newPaths.filter((p) => !current.has(p.toLowerCase()));

        let mappingsRemoved = 0;
        if (removed.length > 0) {
          const ids = removed.map((r) => r.id);
          await this.stores.repositories.softDelete(em, ids, now);
          mappingsRemoved += await this.stores.serviceMappings.softDeleteOfRepositories(em, ids, now);
        }
        if (changes.serviceMappings) {
          mappingsRemoved += await this.stores.serviceMappings.softDeleteOfConnection(em, connection.id, now);
        }
        const mappings = changes.serviceMappings ?? [];
        // One UPDATE of the project row: the removed repositories' slots are freed and the added
        // ones reserved under the quota guard, and the mapping counter moves by the net change.
        const quotaError = await this.quota.reserveRepositorySlots(em, tenant, project.id, added.length, ['repositories'], {
          releasing: removed.length,
          mappings: mappings.length - mappingsRemoved,
        });
        if (quotaError) return { repoConnection: null, userErrors: [quotaError] };

        const conflicts = await this.findConflicts(em, project.id, connection.platform, added, mappings);
        if (conflicts.length > 0) {
          // Report conflicts at the positions the caller sent.
          return { repoConnection: null, userErrors: conflicts.map((e) => (e.field?.[0] === 'repositories' ? { ...e, field: ['repositories', String(newPaths.indexOf(added[Number(e.field[1])]))] } : e)) };
        }

        const base = { tenantId: tenant.id, projectId: project.id, createdAt: now, updatedAt: now, deletedAt: null };
        const newRepos = added.map((path) => this.newRepository(base, connection.id, connection.platform, changes.baseUrl === undefined ? connection.baseUrl : changes.baseUrl, path, mappings, facts));
        await this.stores.repositories.insert(em, newRepos);
        const repoIdByPath = new Map([...liveRepos, ...newRepos].map((r) => [r.path.toLowerCase(), r.id]));
        const newMappings = mappings.map((m) => this.newMapping(base, connection.id, repoIdByPath.get(m.repo.toLowerCase())!, m));
        await this.stores.serviceMappings.insert(em, newMappings);

        const set: Partial<RepoConnectionEntity> = { updatedAt: now };
        if (changes.lookbackDays !== undefined) set.lookbackDays = changes.lookbackDays;
        if (changes.baseUrl !== undefined) set.baseUrl = changes.baseUrl;
        if (changes.credentials) Object.assign(set, this.credentials.seal(changes.credentials, connection), { codeHostAccountId: null });
        else if (typeof changes.codeHostAccountId === 'string') {
          // Through an account from now on: the connection's own credentials are erased in the same statement.
          Object.assign(set, { codeHostAccountId: changes.codeHostAccountId, credentialsKeyId: null, credentialsCiphertext: null, credentialsHint: null });
        }
        await this.stores.repoConnections.update(em, connection.id, set);
        return { repoConnection: Object.assign(connection, set), userErrors: [] };
      });
    } catch (error) {
      const conflict = this.conflictFromDuplicate(error);
      if (conflict) return conflict;
      throw error;
    }
  }

  /**
   * The account side of an update: a new `codeHostAccountId` is checked as connectRepos checks it
   * and brings the account's `baseUrl`; a connection that stays with its account keeps its server
   * (a `baseUrl` given must still be the account's).
   */
  private async accountChange(em: EntityManager, tenantId: string, connection: RepoConnectionEntity, changes: RepoConnectionChanges): Promise<Checked<null>> {
    const target = changes.codeHostAccountId === undefined ? connection.codeHostAccountId : changes.codeHostAccountId;
    if (target === null) return { ok: true, value: null };
    if (target === connection.codeHostAccountId && (changes.baseUrl === undefined || changes.baseUrl === null || changes.baseUrl === connection.baseUrl)) {
      if (changes.baseUrl !== undefined) changes.baseUrl = connection.baseUrl;
      return { ok: true, value: null };
    }
    const resolved = await this.accounts.resolve(em, tenantId, target, connection.platform, changes.baseUrl ?? null);
    if (!resolved.ok) return resolved;
    changes.baseUrl = resolved.value.baseUrl;
    return { ok: true, value: null };
  }

  /** Soft-deletes the connection with its repositories and mappings, freeing their quota slots. */
  async deleteRepoConnection(ctx: RequestScope, id: string): Promise<ConnectReposResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const connection = await this.lockLive(em, project.id, id);
      const now = new Date();
      const released = await this.stores.repositories.softDeleteOfConnection(em, id, now);
      const mappings = await this.stores.serviceMappings.softDeleteOfConnection(em, id, now);
      await this.stores.repoConnections.update(em, id, { deletedAt: now, updatedAt: now });
      await this.quota.releaseRepositorySlots(em, project.id, released, { connections: -1, mappings: -mappings });
      return { repoConnection: Object.assign(connection, { deletedAt: now, updatedAt: now }), userErrors: [] };
    });
  }

  async invalidateCache(ctx: RequestScope, id: string): Promise<ConnectReposResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const connection = await this.lockLive(em, project.id, id);
      const now = new Date();
      await this.stores.repoConnections.update(em, id, { cacheInvalidatedAt: now });
      await this.sync.enqueue(em, connection);
      return { repoConnection: Object.assign(connection, { cacheInvalidatedAt: now, syncStatus: 'pending' as const }), userErrors: [] };
    });
  }

  private async lockLive(em: EntityManager, projectId: string, id: string): Promise<RepoConnectionEntity> {
    const connection = await this.stores.repoConnections.lockOwn(em, projectId, id);
    if (connection.deletedAt !== null) throw new NotFoundError('Repo connection');
    return connection;
  }

  private conflictFromDuplicate(error: unknown): ConnectReposResult | null {
    // The pre-checks see committed rows; a concurrent writer can still win the race, and the
    // unique indexes then refuse the second one.
    if (isDuplicateKey(error, 'uq_repositories_live_path')) {
      return { repoConnection: null, userErrors: [userError(UserErrorCode.CONFLICT, ['repositories'], 'A repository in this request was connected to the project at the same time')] };
    }
    if (isDuplicateKey(error, 'uq_service_mappings_live_name')) {
      return { repoConnection: null, userErrors: [userError(UserErrorCode.CONFLICT, ['serviceMappings'], 'A service name in this request was mapped in the project at the same time')] };
    }
    return null;
  }

  async getById(ctx: RequestScope, id: string): Promise<RepoConnectionEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.repoConnectionById.load(id);
  }

  /** Decrypts a connection's credentials (asked of their one owner, ConnectionCredentials); fails closed (a connection through an account has none). */
  openCredentials(connection: RepoConnectionEntity): Secret<string> {
    return this.credentials.open(connection);
  }
}
