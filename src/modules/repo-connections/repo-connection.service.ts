import type { EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity, type TenantEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { NotFoundError, UserErrorCode, userError, type UserError } from '../../errors';
import type { ConnectReposInput, QueryRepoConnectionsArgs, ReplaceRepoConnectionInput, UpdateRepoConnectionInput } from '../../generated/graphql';
import { prefixedId, uuidv7 } from '../../lib/ids';
import type { GraphQLContext } from '../../context';
import { requireScope } from '../auth/auth.service';
import { CredentialCipher, Secret } from '../crypto';
import { countLiveRows, releaseRepositorySlots, reserveRepositorySlots } from '../projects/project-quota';
import { paginate, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';
import { lockOwnRow } from '../../db/locks';
import { inTransaction, isDuplicateKey } from '../../db/transaction';
import type { RepositoryReport } from '../platforms/platform-client';
import { verificationErrors } from '../platforms/platform.service';
import { cloneUrl } from '../platforms/platform-facts';
import type { Checked } from '../../lib/validation';
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

export type StoredCredentials = { token: string } | { username: string; appPassword: string };

/** The additional authenticated data that binds a ciphertext to its row: moved elsewhere, it no longer opens. */
export function credentialsAad(row: Pick<RepoConnectionEntity, 'tenantId' | 'projectId' | 'id'>): string {
  return `repo_connection:${row.tenantId}:${row.projectId}:${row.id}`;
}

export function credentialHint(credentials: StoredCredentials): string {
  return new Secret('token' in credentials ? credentials.token : credentials.appPassword).hint() || '…';
}

export class RepoConnectionService {
  constructor(
    private readonly cipher: CredentialCipher,
    private readonly config: Config,
  ) {}

  async connectRepos(ctx: GraphQLContext, input: ConnectReposInput, verify = false): Promise<ConnectReposResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkConnectRepos(input);
    if (!checked.ok) return { repoConnection: null, userErrors: checked.userErrors };
    const data = checked.value;
    const verified = verify ? await this.verify(ctx, data) : null;
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
  private newConnection(tenant: TenantEntity, projectId: string, data: NormalizedConnectRepos, facts?: Map<string, RepositoryReport>): Written {
    const now = new Date();
    const base = { tenantId: tenant.id, projectId, createdAt: now, updatedAt: now, deletedAt: null };
    const connection: RepoConnectionEntity = Object.assign(new RepoConnectionEntity(), base, {
      id: prefixedId('rc'),
      platform: data.platform,
      baseUrl: data.baseUrl,
      lookbackDays: data.lookbackDays,
      cacheInvalidatedAt: null,
      credentialsHint: credentialHint(data.credentials),
    });
    const sealed = this.cipher.seal(JSON.stringify(data.credentials), credentialsAad(connection));
    connection.credentialsKeyId = sealed.keyId;
    connection.credentialsCiphertext = sealed.blob;
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
    const quotaError = await reserveRepositorySlots(em, this.config, tenant, projectId, data.repositories.length, ['repositories'], {
      connections: 1,
      mappings: data.serviceMappings.length,
    });
    if (quotaError) return { repoConnection: null, userErrors: [quotaError] };

    const conflicts = await this.findConflicts(em, projectId, data.platform, data.repositories, data.serviceMappings);
    if (conflicts.length > 0) return { repoConnection: null, userErrors: conflicts };

    await insertRows(em, RepoConnectionEntity, [connection]);
    await insertRows(em, RepositoryEntity, repositories);
    await insertRows(em, ServiceMappingEntity, mappings);
    return { repoConnection: connection, userErrors: [] };
  }

  private newRepository(
    base: Pick<RepositoryEntity, 'tenantId' | 'projectId' | 'createdAt' | 'updatedAt' | 'deletedAt'>,
    connectionId: string,
    platform: Platform,
    baseUrl: string | null,
    path: string,
    mappings: NormalizedConnectRepos['serviceMappings'],
    facts?: Map<string, RepositoryReport>,
  ): RepositoryEntity {
    const known = facts?.get(path.toLowerCase());
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
    // Both checks read the unique indexes on the generated live_* columns (NULL once deleted), so
    // they cost one index lookup per name however many rows the project holds; their collation is
    // the columns', case-insensitive like the uniqueness rule itself.
    const existing: { path: string }[] = paths.length === 0 ? [] : await em.query(
      `SELECT live_path AS path FROM repositories WHERE project_id = ? AND source_type = ? AND live_path IN (${paths.map(() => '?').join(', ')})`,
      [projectId, platform, ...paths],
    );
    const taken = new Set(existing.map((r) => r.path.toLowerCase()));
    paths.forEach((path, i) => {
      if (taken.has(path.toLowerCase())) {
        errors.push(userError(UserErrorCode.CONFLICT, ['repositories', i], `"${path}" is already connected to this project`));
      }
    });
    if (serviceMappings.length > 0) {
      const names: { serviceName: string }[] = await em.query(
        `SELECT live_service_name AS serviceName FROM service_mappings WHERE project_id = ? AND live_service_name IN (${serviceMappings.map(() => '?').join(', ')})`,
        [projectId, ...serviceMappings.map((m) => m.serviceName)],
      );
      const used = new Set(names.map((n) => n.serviceName.toLowerCase()));
      serviceMappings.forEach((m, i) => {
        if (used.has(m.serviceName.toLowerCase())) {
          errors.push(userError(UserErrorCode.CONFLICT, ['serviceMappings', i, 'serviceName'], `Service "${m.serviceName}" is already mapped in this project`));
        }
      });
    }
    return errors;
  }

  async list(ctx: GraphQLContext, args: QueryRepoConnectionsArgs, options: ListOptions = {}): Promise<Page<RepoConnectionEntity>> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    const filter = args.filter ?? {};
    const query = ctx.db.getRepository(RepoConnectionEntity).createQueryBuilder('c').where('c.projectId = :projectId', { projectId: project.id });
    if (!filter.includeDeleted) query.andWhere('c.deletedAt IS NULL');
    if (filter.platform) query.andWhere('c.platform = :platform', { platform: filter.platform });
    const page = await paginate(query, 'c', args, filter.includeDeleted ? undefined : filter.platform ? { db: ctx.db, index: 'ix_repo_connections_live' } : () => countLiveRows(ctx.db, project.id, 'connections'), options);
    ctx.loaders.prime(page.edges.map((e) => e.node));
    return page;
  }

  /**
   * Applies an update in one transaction: new credentials are sealed for the same row, removed
   * repositories are soft-deleted with their mappings (freeing quota), added ones reserve quota
   * and must be free in the project, and a given mapping list replaces the connection's mappings.
   */
  async updateRepoConnection(ctx: GraphQLContext, input: UpdateRepoConnectionInput): Promise<ConnectReposResult> {
    const { id, ...fields } = input;
    return this.applyChanges(ctx, id, (current) => checkUpdateRepoConnection(fields, current));
  }

  /**
   * `verify: true`: asks the platform before any transaction opens (network calls never hold row
   * locks) and refuses with one user error per failing repository.
   */
  private async verify(ctx: GraphQLContext, data: Pick<NormalizedConnectRepos, 'platform' | 'credentials' | 'baseUrl' | 'repositories'>) {
    const check = await ctx.services.platforms.check(data.platform, data.credentials, data.baseUrl, data.repositories);
    const userErrors = verificationErrors(check);
    return { ok: userErrors.length === 0, userErrors, facts: new Map(check.repositories.map((r) => [r.repository.toLowerCase(), r])) };
  }

  /** PUT semantics: the body of connectRepos replaces the connection's whole configuration. */
  async replaceRepoConnection(ctx: GraphQLContext, input: ReplaceRepoConnectionInput, verify = false): Promise<ConnectReposResult> {
    const { id, ...body } = input;
    let facts: Map<string, RepositoryReport> | undefined;
    if (verify) {
      requireScope(ctx.viewer, 'config:write');
      const checked = await checkConnectRepos(body);
      // Invalid input is reported below, with the platform rule, exactly as without verify.
      if (checked.ok) {
        const verified = await this.verify(ctx, checked.value);
        if (!verified.ok) return { repoConnection: null, userErrors: verified.userErrors };
        facts = verified.facts;
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
      return { ok: true, value: changes };
    }, facts);
  }

  private async applyChanges(
    ctx: GraphQLContext,
    id: string,
    check: (current: { platform: Platform; repositories: string[] }) => Promise<Checked<RepoConnectionChanges>>,
    facts?: Map<string, RepositoryReport>,
  ): Promise<ConnectReposResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    try {
      return await inTransaction(ctx, async (em) => {
        const connection = await this.lockLive(em, project.id, id);
        const liveRepos = await em
          .getRepository(RepositoryEntity)
          .createQueryBuilder('r')
          .where('r.repoConnectionId = :id AND r.deletedAt IS NULL', { id: connection.id })
          .getMany();
        const checked = await check({ platform: connection.platform, repositories: liveRepos.map((r) => r.path) });
        if (!checked.ok) return { repoConnection: null, userErrors: checked.userErrors };
        const changes = checked.value;
        const now = new Date();

        const newPaths = changes.repositories ?? liveRepos.map((r) => r.path);
        const wanted = new Set(newPaths.map((p) => p.toLowerCase()));
        const current = new Set(liveRepos.map((r) => r.path.toLowerCase()));
        const removed = liveRepos.filter((r) => !wanted.has(r.path.toLowerCase()));
        const added = newPaths.filter((p) => !current.has(p.toLowerCase()));

        let mappingsRemoved = 0;
        if (removed.length > 0) {
          const ids = removed.map((r) => r.id);
          await em.createQueryBuilder().update(RepositoryEntity).set({ deletedAt: now, updatedAt: now }).where('id IN (:...ids)', { ids }).execute();
          const gone = await em
            .createQueryBuilder()
            .update(ServiceMappingEntity)
            .set({ deletedAt: now, updatedAt: now })
            .where('repositoryId IN (:...ids) AND deletedAt IS NULL', { ids })
            .execute();
          mappingsRemoved += gone.affected ?? 0;
        }
        if (changes.serviceMappings) {
          mappingsRemoved += await this.softDeleteMappings(em, connection.id, now);
        }
        const mappings = changes.serviceMappings ?? [];
        // One UPDATE of the project row: the removed repositories' slots are freed and the added
        // ones reserved under the quota guard, and the mapping counter moves by the net change.
        const quotaError = await reserveRepositorySlots(em, this.config, tenant, project.id, added.length, ['repositories'], {
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
        await insertRows(em, RepositoryEntity, newRepos);
        const repoIdByPath = new Map([...liveRepos, ...newRepos].map((r) => [r.path.toLowerCase(), r.id]));
        const newMappings = mappings.map((m) => this.newMapping(base, connection.id, repoIdByPath.get(m.repo.toLowerCase())!, m));
        await insertRows(em, ServiceMappingEntity, newMappings);

        const set: Partial<RepoConnectionEntity> = { updatedAt: now };
        if (changes.lookbackDays !== undefined) set.lookbackDays = changes.lookbackDays;
        if (changes.baseUrl !== undefined) set.baseUrl = changes.baseUrl;
        if (changes.credentials) {
          const sealed = this.cipher.seal(JSON.stringify(changes.credentials), credentialsAad(connection));
          Object.assign(set, { credentialsKeyId: sealed.keyId, credentialsCiphertext: sealed.blob, credentialsHint: credentialHint(changes.credentials) });
        }
        await em.getRepository(RepoConnectionEntity).update({ id: connection.id }, set);
        return { repoConnection: Object.assign(connection, set), userErrors: [] };
      });
    } catch (error) {
      const conflict = this.conflictFromDuplicate(error);
      if (conflict) return conflict;
      throw error;
    }
  }

  /** Soft-deletes the connection with its repositories and mappings, freeing their quota slots. */
  async deleteRepoConnection(ctx: GraphQLContext, id: string): Promise<ConnectReposResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const connection = await this.lockLive(em, project.id, id);
      const now = new Date();
      const released = await em
        .createQueryBuilder()
        .update(RepositoryEntity)
        .set({ deletedAt: now, updatedAt: now })
        .where('repoConnectionId = :id AND deletedAt IS NULL', { id })
        .execute();
      const mappings = await this.softDeleteMappings(em, id, now);
      await em.getRepository(RepoConnectionEntity).update({ id }, { deletedAt: now, updatedAt: now });
      await releaseRepositorySlots(em, project.id, released.affected ?? 0, { connections: -1, mappings: -mappings });
      return { repoConnection: Object.assign(connection, { deletedAt: now, updatedAt: now }), userErrors: [] };
    });
  }

  async invalidateCache(ctx: GraphQLContext, id: string): Promise<ConnectReposResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const connection = await this.lockLive(em, project.id, id);
      const now = new Date();
      await em.getRepository(RepoConnectionEntity).update({ id }, { cacheInvalidatedAt: now });
      await ctx.services.sync.enqueue(em, connection);
      return { repoConnection: Object.assign(connection, { cacheInvalidatedAt: now, syncStatus: 'pending' as const }), userErrors: [] };
    });
  }

  /** Soft-deletes a connection's live mappings; answers how many, for the project's counter. */
  private async softDeleteMappings(em: EntityManager, connectionId: string, now: Date): Promise<number> {
    const result = await em
      .createQueryBuilder()
      .update(ServiceMappingEntity)
      .set({ deletedAt: now, updatedAt: now })
      .where('repoConnectionId = :id AND deletedAt IS NULL', { id: connectionId })
      .execute();
    return result.affected ?? 0;
  }

  private async lockLive(em: EntityManager, projectId: string, id: string): Promise<RepoConnectionEntity> {
    const connection = await lockOwnRow(em, RepoConnectionEntity, 'Repo connection', projectId, id);
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

  async getById(ctx: GraphQLContext, id: string): Promise<RepoConnectionEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.repoConnectionById.load(id);
  }

  /** Decrypts a connection's credentials for the code that uses them; fails closed. */
  openCredentials(connection: RepoConnectionEntity): Secret<string> {
    // Lists and loaders read connections without their credentials.
    if (!connection.credentialsCiphertext) throw new Error('This connection was read without its credentials; read the row in full');
    return this.cipher.open({ keyId: connection.credentialsKeyId, blob: connection.credentialsCiphertext }, credentialsAad(connection));
  }
}
