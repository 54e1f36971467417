/**
 * The baseline of `npm run bench`: bare `node:http` + `mysql2` (a promise pool of the same size as
 * repolink's), hand-written SQL doing the same database work as a lean, correct repolink for the
 * bench's requests, and answering with the same JSON that repolink's GraphQL answers for them:
 *
 * - every request: one authentication lookup, the API key by SHA-256 hash joined with its tenant
 *   and project, the very statement repolink sends (src/modules/auth/auth.service.ts); no
 *   rate-limit statement (repolink counts requests in memory and writes them in batches);
 * - viewer: nothing more (the answer comes from the authentication row and the plan's quota);
 * - node(id:) of a repository: one SELECT of its columns by project and id;
 * - the dashboard list (ids, platforms, repository paths, mapping service names): the keyset page
 *   of connections, their repositories and their connection's mappings, on the indexes repolink
 *   forces, each group sorted in creation order here as repolink sorts it; only the columns the
 *   answer needs;
 * - createRepository: BEGIN, the guarded quota UPDATE, INSERT, COMMIT;
 * - connectRepos: BEGIN, the guarded quota UPDATE, the two conflict checks on the unique indexes of
 *   the live_* columns, INSERT of the connection (credentials sealed with AES-256-GCM), one
 *   multi-row INSERT of repositories and one of mappings, COMMIT;
 * - repoConnections: the live-connection counter of the project row, the keyset page of connections, their repositories, their mappings;
 * - `POST /webhooks/github` (when `webhook` is given: the bench's GitHub App): bench/webhook-ingest.ts's
 *   handler on the same pool (verify the signature, one INSERT of the delivery row).
 *
 * It knows only the bench's documents (matched by their text) and project-scoped API keys.
 * test/bench-baseline.test.ts holds it to repolink's answers and rows, so it cannot do less.
 * Run alone: `node dist/bench/baseline-server.js` with DATABASE_URL, REPOLINK_ENCRYPTION_KEY,
 * BASELINE_POOL_SIZE, PORT (and REPOLINK_QUOTA_* as repolink reads them); for the webhook endpoint,
 * REPOLINK_GITHUB_APP_* as repolink reads them and BASELINE_WEBHOOK_SOURCE_ID (the app's row id).
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool, type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { UUID_PATTERN, prefixedId, uuidv7 } from '../src/lib/ids';
import { CONNECT_REPOS, CREATE_REPOSITORY, CREATE_REPOSITORY_ID, DASHBOARD_QUERY, LIST_QUERY, NODE_QUERY, VIEWER_QUERY } from './operations';
import { webhookIngestHandler, type WebhookBaselineOptions } from './webhook-ingest';

type Plan = 'free' | 'team' | 'enterprise';

export interface BaselineOptions {
  databaseUrl: string;
  poolSize: number;
  /** The 32-byte key repolink runs with (REPOLINK_ENCRYPTION_KEY, one key, base64 or hex). */
  encryptionKey: Buffer;
  /** Repositories per project for each plan; null is unlimited (as repolink's config). */
  quotas: Record<Plan, number | null>;
  host?: string;
  port?: number;
  /** The bench's GitHub App: serves `POST /webhooks/github` as bench/webhook-ingest.ts describes. */
  webhook?: WebhookBaselineOptions;
}

export interface BaselineServer {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

interface Viewer {
  tenantId: string;
  tenantName: string;
  tenantKind: 'organization' | 'personal';
  plan: Plan;
  projectId: string;
  projectName: string;
  repositoryCount: number;
  permissions: string[];
}

interface Answer {
  status: number;
  body: unknown;
}

const API_KEY = /^ss_secret_[A-Za-z0-9_-]{43}$/;
const GITHUB_PATH = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const PLATFORM_HOSTS: Record<string, string> = { github: 'https://github.com', gitlab: 'https://gitlab.com', bitbucket: 'https://bitbucket.org' };

const graphqlError = (status: number, message: string, code: string): Answer => ({ status, body: { errors: [{ message, extensions: { code } }] } });
type UserError = { code: string; field: string[] | null; message: string };
const userError = (code: string, field: (string | number)[] | null, message: string): UserError => ({ code, field: field?.map(String) ?? null, message });
const upper = (value: string | null) => (value === null ? null : value.toUpperCase());
/** GraphQL's enum name of a stored permission (`config:read` is CONFIG_READ). */
const permissionName = (value: string) => value.toUpperCase().replace(':', '_');
/** Creation order (created_at, then id), as repolink sorts each loader group (src/db/scoped-loader.ts). */
const byCreation = (a: { created_at: Date; id: string }, b: { created_at: Date; id: string }) =>
  a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const isDuplicate = (error: unknown) => (error as { code?: string })?.code === 'ER_DUP_ENTRY';

/** The key id repolink derives for a key given without one (src/modules/crypto/key-ring.ts). */
const keyIdOf = (key: Buffer) => `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

/** A git remote's identity `host/path` as repolink computes it for https remotes; null when it is not one. */
function remotePath(remote: string): string | null {
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return null;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol) || url.password !== '' || (url.username !== '' && url.protocol !== 'ssh:')) return null;
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return path === '' ? null : `${url.host.toLowerCase()}/${path}`;
}

export async function startBaseline(options: BaselineOptions): Promise<BaselineServer> {
  const pool = createPool({
    uri: options.databaseUrl.replace(/^mariadb:/, 'mysql:'),
    connectionLimit: options.poolSize,
    maxIdle: options.poolSize,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
  });
  const keyId = keyIdOf(options.encryptionKey);

  async function authenticate(authorization: string | undefined): Promise<Viewer | null> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    if (!API_KEY.test(token)) return null;
    const hash = createHash('sha256').update(token, 'utf8').digest();
    // repolink's statement (src/modules/auth/auth.service.ts), byte for byte: it takes X-Project-Id for a tenant-scoped key, which the bench never sends.
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT k.id AS key_id, k.key_hash, k.project_id AS key_project_id, k.permissions, k.revoked_at, t.id AS t_id, t.name AS t_name, t.kind AS t_kind, t.plan AS t_plan, t.default_project_id AS t_default_project_id,
  t.created_at AS t_created_at, t.updated_at AS t_updated_at,
  p.id AS p_id, p.tenant_id AS p_tenant_id, p.name AS p_name, p.repository_count AS p_repository_count,
  p.created_at AS p_created_at, p.updated_at AS p_updated_at
       FROM api_keys k
       JOIN tenants t ON t.id = k.tenant_id
       LEFT JOIN projects p ON p.tenant_id = k.tenant_id AND p.id = COALESCE(k.project_id, ?)
       WHERE k.key_hash = ?`,
      [null, hash],
    );
    const row = rows[0];
    // The baseline knows project-scoped keys only.
    if (!row || row.revoked_at !== null || row.p_id === null) return null;
    return {
      tenantId: row.t_id,
      tenantName: row.t_name,
      tenantKind: row.t_kind,
      plan: row.t_plan,
      projectId: row.p_id,
      projectName: row.p_name,
      repositoryCount: Number(row.p_repository_count),
      permissions: String(row.permissions).split(','),
    };
  }

  /** BEGIN … COMMIT on one pooled connection; a result with user errors rolls back. */
  async function transaction(work: (c: PoolConnection) => Promise<{ userErrors: unknown[] }>): Promise<{ userErrors: unknown[] }> {
    const c = await pool.getConnection();
    try {
      await c.query('START TRANSACTION');
      let result: { userErrors: unknown[] };
      try {
        result = await work(c);
      } catch (error) {
        await c.query('ROLLBACK');
        throw error;
      }
      await c.query(result.userErrors.length > 0 ? 'ROLLBACK' : 'COMMIT');
      return result;
    } finally {
      c.release();
    }
  }

  /**
   * The guarded quota UPDATE of src/modules/tenancy/project-counters.store.ts, with the live-row counters
   * of a connect (its connection and mappings) in the same statement; a user error when the slots
   * are not there.
   */
  async function reserveSlots(c: PoolConnection, viewer: Viewer, count: number, field: string[] | null, also: { connections: number; mappings: number } = { connections: 0, mappings: 0 }) {
    const quota = options.quotas[viewer.plan];
    const set = [`repository_count = repository_count + ${count}`];
    if (also.connections > 0) set.push(`connection_count = connection_count + ${also.connections}`);
    if (also.mappings > 0) set.push(`mapping_count = mapping_count + ${also.mappings}`);
    const [result] =
      quota === null
        ? await c.query<ResultSetHeader>(`UPDATE projects SET ${set.join(', ')} WHERE id = ?`, [viewer.projectId])
        : await c.query<ResultSetHeader>(`UPDATE projects SET ${set.join(', ')} WHERE id = ? AND CAST(repository_count AS SIGNED) + ? <= ?`, [
            viewer.projectId,
            count,
            quota,
          ]);
    if (result.affectedRows === 1) return null;
    const [[project]] = await c.query<RowDataPacket[]>('SELECT repository_count FROM projects WHERE id = ?', [viewer.projectId]);
    return userError('QUOTA_EXCEEDED', field, `The ${viewer.plan} plan allows ${quota} repositories per project; this project has ${project.repository_count} and the request adds ${count}`);
  }

  /** `onlyId`: the document asks the new repository's id alone (CREATE_REPOSITORY_ID), else every scalar. */
  async function createRepository(viewer: Viewer, input: any, onlyId = false): Promise<Answer> {
    const name = typeof input?.name === 'string' ? input.name.trim() : '';
    const path = typeof input?.remoteUrl === 'string' ? remotePath(input.remoteUrl) : null;
    const errors: UserError[] = [];
    if (name.length < 1 || name.length > 255) errors.push(userError('BAD_USER_INPUT', ['name'], 'name must be 1 to 255 characters'));
    if ((input?.sourceType ?? 'GIT_URL') !== 'GIT_URL') errors.push(userError('BAD_USER_INPUT', ['sourceType'], 'the baseline creates GIT_URL repositories only'));
    if (path === null) errors.push(userError('BAD_USER_INPUT', ['remoteUrl'], 'remoteUrl must be a git remote'));
    const answer = (repository: unknown, userErrors: unknown[]) => ({ status: 200, body: { data: { createRepository: { repository, userErrors } } } });
    if (errors.length > 0) return answer(null, errors);
    const now = new Date();
    const row = {
      id: uuidv7(),
      name,
      sourceType: 'GIT_URL',
      path: path!,
      remoteUrl: input.remoteUrl as string,
      defaultBranch: typeof input.defaultBranch === 'string' ? input.defaultBranch : 'main',
      lastCommitSha: null,
      oauthConnectionId: null,
      issueAutoCreateEnabled: input.issueAutoCreateEnabled === true,
      issueAutoCreateMinSeverity: typeof input.issueAutoCreateMinSeverity === 'string' ? input.issueAutoCreateMinSeverity : 'HIGH',
      userId: null,
      orgId: viewer.tenantKind === 'organization' ? viewer.tenantId : null,
      syncStatus: 'NEVER',
      syncedAt: null,
      syncError: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    try {
      const result = await transaction(async (c) => {
        const quotaError = await reserveSlots(c, viewer, 1, null);
        if (quotaError) return { userErrors: [quotaError] };
        await c.query(
          'INSERT INTO repositories (id, tenant_id, project_id, repo_connection_id, user_id, name, source_type, path, remote_url, default_branch, ' +
            'last_commit_sha, oauth_connection_id, issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at, deleted_at) ' +
            'VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, NULL)',
          [row.id, viewer.tenantId, viewer.projectId, row.name, 'git_url', row.path, row.remoteUrl, row.defaultBranch, row.issueAutoCreateEnabled, row.issueAutoCreateMinSeverity.toLowerCase(), now, now],
        );
        return { userErrors: [] };
      });
      return result.userErrors.length > 0 ? answer(null, result.userErrors) : answer(onlyId ? { id: row.id } : row, []);
    } catch (error) {
      if (isDuplicate(error)) return answer(null, [userError('CONFLICT', ['remoteUrl'], `This repository (${path}) is already in the project`)]);
      throw error;
    }
  }

  function seal(plaintext: string, aad: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', options.encryptionKey, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), ciphertext]);
  }

  async function connectRepos(viewer: Viewer, input: any): Promise<Answer> {
    const answer = (repoConnection: unknown, userErrors: unknown[]) => ({ status: 200, body: { data: { connectRepos: { repoConnection, userErrors } } } });
    const platform = typeof input?.platform === 'string' ? input.platform.toLowerCase() : '';
    const token = input?.credentials?.token;
    const paths: string[] = Array.isArray(input?.repositories) ? input.repositories : [];
    const mappings: { serviceName: string; repo: string; pathPrefix: string; defaultBranch: string }[] = Array.isArray(input?.serviceMappings) ? input.serviceMappings : [];
    const lookbackDays = input?.lookbackDays ?? 30;
    const errors: UserError[] = [];
    if (platform !== 'github') errors.push(userError('BAD_USER_INPUT', ['platform'], 'the baseline connects GitHub repositories only'));
    if (typeof token !== 'string' || token.length < 1 || token.length > 1024) errors.push(userError('BAD_USER_INPUT', ['credentials', 'token'], 'a token is required'));
    if (paths.length < 1 || paths.length > 500) errors.push(userError('BAD_USER_INPUT', ['repositories'], 'repositories must contain 1 to 500 repositories'));
    const byLower = new Map<string, string>();
    paths.forEach((p, i) => {
      if (typeof p !== 'string' || !GITHUB_PATH.test(p)) errors.push(userError('BAD_USER_INPUT', ['repositories', i], 'must be owner/repo'));
      else if (byLower.has(p.toLowerCase())) errors.push(userError('BAD_USER_INPUT', ['repositories', i], `"${p}" is listed twice`));
      else byLower.set(p.toLowerCase(), p);
    });
    const names = new Set<string>();
    mappings.forEach((m, i) => {
      if (typeof m?.serviceName !== 'string' || m.serviceName.length < 1 || m.serviceName.length > 255 || names.has(m.serviceName.toLowerCase())) {
        errors.push(userError('BAD_USER_INPUT', ['serviceMappings', i, 'serviceName'], 'serviceName must be 1 to 255 characters and unique'));
      } else names.add(m.serviceName.toLowerCase());
      if (typeof m?.repo !== 'string' || !byLower.has(m.repo.toLowerCase())) errors.push(userError('BAD_USER_INPUT', ['serviceMappings', i, 'repo'], 'repo is not one of repositories'));
      if (typeof m?.pathPrefix !== 'string' || typeof m?.defaultBranch !== 'string') errors.push(userError('BAD_USER_INPUT', ['serviceMappings', i], 'pathPrefix and defaultBranch are required'));
    });
    if (!Number.isInteger(lookbackDays) || lookbackDays < 1 || lookbackDays > 365) errors.push(userError('BAD_USER_INPUT', ['lookbackDays'], 'lookbackDays must be an integer from 1 to 365'));
    if (errors.length > 0) return answer(null, errors);

    const now = new Date();
    const connectionId = prefixedId('rc');
    const hint = token.length >= 16 ? `…${token.slice(-4)}` : '…';
    const blob = seal(JSON.stringify({ token }), `repo_connection:${viewer.tenantId}:${viewer.projectId}:${connectionId}`);
    const repoRows = paths.map((path) => [
      uuidv7(), viewer.tenantId, viewer.projectId, connectionId, null, path.split('/').pop()!, platform, path, `${PLATFORM_HOSTS[platform]}/${path}.git`,
      mappings.find((m) => m.repo.toLowerCase() === path.toLowerCase())?.defaultBranch ?? 'main', null, null, false, 'high', now, now, null,
    ]);
    const repoIdByPath = new Map(repoRows.map((r) => [String(r[7]).toLowerCase(), r[0] as string]));
    const mappingRows = mappings.map((m) => [
      prefixedId('sm'), viewer.tenantId, viewer.projectId, repoIdByPath.get(m.repo.toLowerCase())!, connectionId, m.serviceName, m.pathPrefix, m.defaultBranch, now, now, null,
    ]);
    try {
      const result = await transaction(async (c) => {
        const quotaError = await reserveSlots(c, viewer, paths.length, ['repositories'], { connections: 1, mappings: mappings.length });
        if (quotaError) return { userErrors: [quotaError] };
        const conflicts: UserError[] = [];
        const [taken] = await c.query<RowDataPacket[]>('SELECT live_path FROM repositories WHERE project_id = ? AND source_type = ? AND live_path IN (?)', [
          viewer.projectId,
          platform,
          paths,
        ]);
        const takenPaths = new Set(taken.map((r) => String(r.live_path).toLowerCase()));
        paths.forEach((p, i) => takenPaths.has(p.toLowerCase()) && conflicts.push(userError('CONFLICT', ['repositories', i], `"${p}" is already connected to this project`)));
        if (mappings.length > 0) {
          const [used] = await c.query<RowDataPacket[]>('SELECT live_service_name FROM service_mappings WHERE project_id = ? AND live_service_name IN (?)', [
            viewer.projectId,
            mappings.map((m) => m.serviceName),
          ]);
          const usedNames = new Set(used.map((r) => String(r.live_service_name).toLowerCase()));
          mappings.forEach((m, i) => usedNames.has(m.serviceName.toLowerCase()) && conflicts.push(userError('CONFLICT', ['serviceMappings', i, 'serviceName'], `Service "${m.serviceName}" is already mapped in this project`)));
        }
        if (conflicts.length > 0) return { userErrors: conflicts };
        await c.query(
          'INSERT INTO repo_connections (id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, base_url, lookback_days, ' +
            'cache_invalidated_at, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, NULL)',
          [connectionId, viewer.tenantId, viewer.projectId, platform, keyId, blob, hint, lookbackDays, now, now],
        );
        await c.query(
          'INSERT INTO repositories (id, tenant_id, project_id, repo_connection_id, user_id, name, source_type, path, remote_url, default_branch, ' +
            'last_commit_sha, oauth_connection_id, issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at, deleted_at) VALUES ?',
          [repoRows],
        );
        if (mappingRows.length > 0) {
          await c.query(
            'INSERT INTO service_mappings (id, tenant_id, project_id, repository_id, repo_connection_id, service_name, path_prefix, default_branch, created_at, updated_at, deleted_at) VALUES ?',
            [mappingRows],
          );
        }
        return { userErrors: [] };
      });
      return result.userErrors.length > 0 ? answer(null, result.userErrors) : answer({ id: connectionId, platform: platform.toUpperCase() }, []);
    } catch (error) {
      if (isDuplicate(error)) return answer(null, [userError('CONFLICT', ['repositories'], 'A repository or service name in this request was connected at the same time')]);
      throw error;
    }
  }

  function viewerAnswer(viewer: Viewer): Answer {
    return {
      status: 200,
      body: {
        data: {
          viewer: {
            kind: 'API_KEY',
            permissions: viewer.permissions.map(permissionName),
            tenant: { id: viewer.tenantId, name: viewer.tenantName, kind: upper(viewer.tenantKind), plan: upper(viewer.plan) },
            project: { id: viewer.projectId, name: viewer.projectName, repositoryCount: viewer.repositoryCount, repositoryQuota: options.quotas[viewer.plan] },
          },
        },
      },
    };
  }

  /** node(id:) of a repository (a bare UUID; repolink lower-cases it); any other id that is not a connection's or mapping's is null without a lookup, as in repolink. */
  async function node(viewer: Viewer, id: unknown): Promise<Answer> {
    if (typeof id !== 'string' || id.startsWith('rc_') || id.startsWith('sm_')) return graphqlError(400, 'The baseline answers node(id:) for repositories only', 'BAD_REQUEST');
    if (!UUID_PATTERN.test(id)) return { status: 200, body: { data: { node: null } } };
    const [rows] = await pool.query<RowDataPacket[]>('SELECT id, name, path FROM repositories WHERE project_id = ? AND id IN (?)', [viewer.projectId, id.toLowerCase()]);
    const r = rows[0];
    return { status: 200, body: { data: { node: r ? { id: r.id, name: r.name, path: r.path } : null } } };
  }

  /** The dashboard table: a keyset page of connections with their repositories' paths and their mappings' service names. */
  async function dashboard(viewer: Viewer, first: number): Promise<Answer> {
    const [connections] = await pool.query<RowDataPacket[]>(
      'SELECT id, platform, created_at FROM repo_connections WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?',
      [viewer.projectId, first + 1],
    );
    const shown = connections.slice(0, first);
    const repositories = new Map<string, any[]>(shown.map((c) => [c.id, []]));
    const mappings = new Map<string, any[]>(shown.map((c) => [c.id, []]));
    if (shown.length > 0) {
      // Both children at once, as DataLoader batches them in repolink; each on the index repolink forces.
      const ids = shown.map((c) => c.id);
      const [[repoRows], [mappingRows]] = await Promise.all([
        pool.query<RowDataPacket[]>(
          'SELECT id, repo_connection_id, path, created_at FROM repositories FORCE INDEX (ix_repositories_connection_list) WHERE project_id = ? AND repo_connection_id IN (?) AND deleted_at IS NULL',
          [viewer.projectId, ids],
        ),
        pool.query<RowDataPacket[]>(
          'SELECT id, repo_connection_id, service_name, created_at FROM service_mappings FORCE INDEX (ix_service_mappings_connection_list) WHERE project_id = ? AND repo_connection_id IN (?) AND deleted_at IS NULL',
          [viewer.projectId, ids],
        ),
      ]);
      for (const r of (repoRows as any[]).sort(byCreation)) repositories.get(r.repo_connection_id)?.push({ id: r.id, path: r.path });
      for (const m of (mappingRows as any[]).sort(byCreation)) mappings.get(m.repo_connection_id)?.push({ serviceName: m.service_name });
    }
    const last = shown.at(-1);
    return {
      status: 200,
      body: {
        data: {
          repoConnections: {
            pageInfo: { hasNextPage: connections.length > first, endCursor: last ? Buffer.from(`${(last.created_at as Date).getTime()}:${last.id}`, 'utf8').toString('base64url') : null },
            edges: shown.map((c) => ({ node: { id: c.id, platform: upper(c.platform), repositories: repositories.get(c.id)!, serviceMappings: mappings.get(c.id)! } })),
          },
        },
      },
    };
  }

  async function listConnections(viewer: Viewer, first: number): Promise<Answer> {
    // The project's live-connection counter (src/modules/tenancy/project-counters.store.ts): one primary-key read.
    const count = pool.query<RowDataPacket[]>('SELECT connection_count AS n FROM projects WHERE id = ?', [viewer.projectId]);
    const page = (async () => {
      const [connections] = await pool.query<RowDataPacket[]>(
        'SELECT id, platform, base_url, lookback_days, credentials_hint, cache_invalidated_at, sync_status, synced_at, sync_error, created_at, updated_at, deleted_at FROM repo_connections ' +
          'WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?',
        [viewer.projectId, first + 1],
      );
      const shown = connections.slice(0, first);
      const repositories = new Map<string, any[]>(shown.map((c) => [c.id, []]));
      const mappings = new Map<string, any[]>();
      if (shown.length > 0) {
        const [repoRows] = await pool.query<RowDataPacket[]>(
          'SELECT id, repo_connection_id, name, source_type, path, remote_url, default_branch, last_commit_sha, oauth_connection_id, issue_auto_create_enabled, ' +
            'issue_auto_create_min_severity, user_id, sync_status, synced_at, sync_error, created_at, updated_at, deleted_at FROM repositories ' +
            'WHERE project_id = ? AND repo_connection_id IN (?) AND deleted_at IS NULL ORDER BY created_at, id',
          [viewer.projectId, shown.map((c) => c.id)],
        );
        const orgId = viewer.tenantKind === 'organization' ? viewer.tenantId : null;
        for (const r of repoRows) {
          const serviceMappings: any[] = [];
          mappings.set(r.id, serviceMappings);
          repositories.get(r.repo_connection_id)?.push({
            id: r.id,
            name: r.name,
            sourceType: upper(r.source_type),
            path: r.path,
            remoteUrl: r.remote_url,
            defaultBranch: r.default_branch,
            lastCommitSha: r.last_commit_sha,
            oauthConnectionId: r.oauth_connection_id,
            issueAutoCreateEnabled: r.issue_auto_create_enabled === 1,
            issueAutoCreateMinSeverity: upper(r.issue_auto_create_min_severity),
            userId: r.user_id,
            orgId,
            syncStatus: upper(r.sync_status),
            syncedAt: r.synced_at,
            syncError: r.sync_error,
            createdAt: r.created_at,
            updatedAt: r.updated_at,
            deletedAt: r.deleted_at,
            serviceMappings,
          });
        }
        if (repoRows.length > 0) {
          const [mappingRows] = await pool.query<RowDataPacket[]>(
            'SELECT id, repository_id, service_name, path_prefix, default_branch, created_at, updated_at, deleted_at FROM service_mappings ' +
              'WHERE project_id = ? AND repository_id IN (?) AND deleted_at IS NULL ORDER BY created_at, id',
            [viewer.projectId, repoRows.map((r) => r.id)],
          );
          for (const m of mappingRows) {
            mappings.get(m.repository_id)?.push({
              id: m.id,
              serviceName: m.service_name,
              pathPrefix: m.path_prefix,
              defaultBranch: m.default_branch,
              createdAt: m.created_at,
              updatedAt: m.updated_at,
              deletedAt: m.deleted_at,
            });
          }
        }
      }
      const edges = shown.map((c) => ({
        cursor: Buffer.from(`${(c.created_at as Date).getTime()}:${c.id}`, 'utf8').toString('base64url'),
        node: {
          id: c.id,
          platform: upper(c.platform),
          baseUrl: c.base_url,
          lookbackDays: c.lookback_days,
          credentialsHint: c.credentials_hint,
          cacheInvalidatedAt: c.cache_invalidated_at,
          syncStatus: upper(c.sync_status),
          syncedAt: c.synced_at,
          syncError: c.sync_error,
          createdAt: c.created_at,
          updatedAt: c.updated_at,
          deletedAt: c.deleted_at,
          repositories: repositories.get(c.id)!,
        },
      }));
      return { hasNextPage: connections.length > first, edges };
    })();
    const [[[{ n }]], { hasNextPage, edges }] = await Promise.all([count, page]);
    return {
      status: 200,
      body: {
        data: {
          repoConnections: {
            totalCount: Number(n),
            pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
            edges,
          },
        },
      },
    };
  }

  async function answer(request: http.IncomingMessage, text: string): Promise<Answer> {
    if (request.method !== 'POST' || request.url !== '/graphql') return { status: 404, body: { error: 'not found' } };
    let document: { query?: unknown; variables?: Record<string, any> };
    try {
      document = JSON.parse(text);
    } catch {
      return graphqlError(400, 'The body is not JSON', 'BAD_REQUEST');
    }
    const viewer = await authenticate(request.headers.authorization);
    if (viewer === null) return graphqlError(401, 'Authentication required', 'UNAUTHENTICATED');
    const variables = document.variables ?? {};
    const need = (permission: string) => viewer.permissions.includes(permission);
    const pageSize = () => {
      const first = variables.first ?? 20;
      return Number.isInteger(first) && first >= 1 && first <= 100 ? (first as number) : null;
    };
    switch (document.query) {
      case VIEWER_QUERY:
        return viewerAnswer(viewer);
      case NODE_QUERY:
        if (!need('config:read')) return graphqlError(200, 'This API key lacks the config:read permission', 'FORBIDDEN');
        return node(viewer, variables.id);
      case DASHBOARD_QUERY:
      case LIST_QUERY: {
        if (!need('config:read')) return graphqlError(200, 'This API key lacks the config:read permission', 'FORBIDDEN');
        const first = pageSize();
        if (first === null) return graphqlError(200, '`first` must be from 1 to 100', 'BAD_USER_INPUT');
        return document.query === LIST_QUERY ? listConnections(viewer, first) : dashboard(viewer, first);
      }
      case CREATE_REPOSITORY:
      case CREATE_REPOSITORY_ID:
        if (!need('config:write')) return graphqlError(200, 'This API key lacks the config:write permission', 'FORBIDDEN');
        return createRepository(viewer, variables.input, document.query === CREATE_REPOSITORY_ID);
      case CONNECT_REPOS:
        if (!need('config:write')) return graphqlError(200, 'This API key lacks the config:write permission', 'FORBIDDEN');
        return connectRepos(viewer, variables.input);
      default:
        return graphqlError(400, 'The baseline answers only the bench documents', 'BAD_REQUEST');
    }
  }

  const webhook = options.webhook ? webhookIngestHandler(pool, options.webhook) : null;
  const server = http.createServer((request, response) => {
    if (webhook !== null && request.method === 'POST' && request.url === '/webhooks/github') return webhook(request, response);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const send = ({ status, body }: Answer) => {
        const json = JSON.stringify(body);
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
        response.end(json);
      };
      if (request.method === 'GET' && request.url === '/healthz') return send({ status: 200, body: { status: 'ok' } });
      answer(request, Buffer.concat(chunks).toString('utf8')).then(send, (error: unknown) =>
        send(graphqlError(500, `baseline failed: ${error instanceof Error ? error.message : String(error)}`, 'INTERNAL_SERVER_ERROR')),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** `REPOLINK_ENCRYPTION_KEY` as repolink takes one key: 64 hex characters or base64(url). */
export function decodeKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw new Error('REPOLINK_ENCRYPTION_KEY must be one 32-byte key');
  return key;
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('../src/config') as typeof import('../src/config');
  const env = process.env;
  const config = loadConfig(env);
  if (!env.DATABASE_URL || !env.REPOLINK_ENCRYPTION_KEY || !env.BASELINE_POOL_SIZE) {
    process.stderr.write('baseline: set DATABASE_URL, REPOLINK_ENCRYPTION_KEY and BASELINE_POOL_SIZE\n');
    process.exit(2);
  }
  const app = config.codeHosts.apps.find((a) => a.kind === 'github_app');
  const webhook =
    app && app.githubAppId !== null && app.webhookSecret !== null && env.BASELINE_WEBHOOK_SOURCE_ID
      ? { githubAppId: app.githubAppId, webhookSecret: app.webhookSecret.reveal(), appRowId: env.BASELINE_WEBHOOK_SOURCE_ID, bodyLimitBytes: config.webhooks.bodyLimitBytes }
      : undefined;
  startBaseline({
    databaseUrl: env.DATABASE_URL,
    poolSize: Number(env.BASELINE_POOL_SIZE),
    encryptionKey: decodeKey(env.REPOLINK_ENCRYPTION_KEY),
    quotas: { ...config.planQuotas },
    host: '127.0.0.1',
    port: config.port,
    webhook,
  }).then(
    (server) => {
      process.stdout.write(`baseline is listening on ${server.url}\n`);
      const stop = () => void server.close().finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`baseline failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
