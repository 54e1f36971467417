/**
 * Seeds the bench's projects fast, with multi-row INSERTs straight into the tables, writing rows as
 * repolink writes them (src/modules/repo-connections/repo-connection.service.ts and
 * src/modules/repositories/repository.service.ts): UUIDv7 and `rc_`/`sm_` ids carrying the row's
 * creation time, credentials sealed by repolink's own cipher for the row's identity, the live_*
 * columns left to the database (they are generated), and the project's live-row counters
 * (repository_count, connection_count, mapping_count: src/modules/tenancy/project-counters.store.ts) set
 * from its rows.
 */
import { randomBytes } from 'node:crypto';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { CredentialCipher } from '../src/modules/crypto';
import { RECOUNT_PROJECT_SQL } from '../src/modules/tenancy/project-counters.store';
import { credentialsAad } from '../src/modules/repo-connections/connection-credentials';

export interface Scope {
  tenantId: string;
  projectId: string;
}

/** repolink's UUIDv7 layout (src/lib/ids.ts) for a given millisecond; `seq` keeps ids of one millisecond increasing. */
export function uuidv7At(ms: number, seq: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((seq >> 8) & 0x0f);
  bytes[7] = seq & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Hands out increasing (time, id) pairs from `startMs`, `perMs` ids per millisecond. */
export class Clock {
  private n = 0;
  constructor(
    private readonly startMs: number,
    private readonly perMs: number,
  ) {}
  next(): { at: Date; uuid: string } {
    const ms = this.startMs + Math.floor(this.n / this.perMs);
    const uuid = uuidv7At(ms, this.n % this.perMs);
    this.n += 1;
    return { at: new Date(ms), uuid };
  }
  get nowMs(): number {
    return this.startMs + Math.floor(this.n / this.perMs);
  }
}

const REPOSITORY_COLUMNS =
  'id, tenant_id, project_id, repo_connection_id, user_id, name, source_type, path, remote_url, default_branch, last_commit_sha, oauth_connection_id, ' +
  'issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at, deleted_at';
const MAPPING_COLUMNS = 'id, tenant_id, project_id, repository_id, repo_connection_id, service_name, path_prefix, default_branch, created_at, updated_at, deleted_at';
const CONNECTION_COLUMNS =
  'id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, base_url, lookback_days, cache_invalidated_at, created_at, updated_at, deleted_at';

/** Collects rows per table and writes them in multi-row INSERTs of `chunk` rows, parents first. */
class Batch {
  private readonly tables = new Map<string, { columns: string; rows: unknown[][] }>();
  constructor(
    private readonly db: Connection,
    private readonly chunk = 2000,
  ) {}
  add(table: string, columns: string, row: unknown[]) {
    let entry = this.tables.get(table);
    if (!entry) this.tables.set(table, (entry = { columns, rows: [] }));
    entry.rows.push(row);
  }
  async flushIfFull() {
    if ([...this.tables.values()].some((t) => t.rows.length >= this.chunk)) await this.flush();
  }
  async flush() {
    for (const table of ['repo_connections', 'repositories', 'service_mappings']) {
      const entry = this.tables.get(table);
      if (!entry || entry.rows.length === 0) continue;
      await this.db.query<ResultSetHeader>(`INSERT INTO ${table} (${entry.columns}) VALUES ?`, [entry.rows]);
      entry.rows = [];
    }
  }
}

export interface SeedPlan {
  /** Repo connections of `reposPer` GitHub repositories, the first `mappingsPer` of them mapped to a service. */
  connections: number;
  reposPer: number;
  mappingsPer: number;
  /** Repositories created alone (createRepository, git_url), older than the connections. */
  standalone: number;
  label: string;
}

/**
 * Writes the plan's rows into the project from `clock` on, standalone repositories first, then the
 * connections in creation order, and returns what it wrote.
 */
export async function seedProject(db: Connection, scope: Scope, cipher: CredentialCipher, clock: Clock, plan: SeedPlan) {
  const batch = new Batch(db);
  for (let i = 0; i < plan.standalone; i += 1) {
    const { at, uuid } = clock.next();
    const name = `${plan.label}-solo-${i}`;
    batch.add('repositories', REPOSITORY_COLUMNS, [
      uuid, scope.tenantId, scope.projectId, null, null, name, 'git_url', `git.example.com/seed/${name}`, `https://git.example.com/seed/${name}.git`, 'main',
      null, null, false, 'high', at, at, null,
    ]);
    await batch.flushIfFull();
  }
  for (let i = 0; i < plan.connections; i += 1) {
    const { at, uuid } = clock.next();
    const id = `rc_${uuid.replace(/-/g, '')}`;
    const token = `ghp_${randomBytes(18).toString('hex')}`;
    const sealed = cipher.seal(JSON.stringify({ token }), credentialsAad({ tenantId: scope.tenantId, projectId: scope.projectId, id }));
    batch.add('repo_connections', CONNECTION_COLUMNS, [id, scope.tenantId, scope.projectId, 'github', sealed.keyId, sealed.blob, `…${token.slice(-4)}`, null, 30, null, at, at, null]);
    const owner = `${plan.label}-org-${i}`;
    const repoIds: string[] = [];
    for (let r = 0; r < plan.reposPer; r += 1) {
      const repoId = uuidv7At(at.getTime(), 0x800 + r); // same millisecond as the connection, as one connectRepos writes them
      repoIds.push(repoId);
      const path = `${owner}/repo-${r}`;
      batch.add('repositories', REPOSITORY_COLUMNS, [
        repoId, scope.tenantId, scope.projectId, id, null, `repo-${r}`, 'github', path, `https://github.com/${path}.git`, 'main', null, null, false, 'high', at, at, null,
      ]);
    }
    for (let m = 0; m < Math.min(plan.mappingsPer, plan.reposPer); m += 1) {
      const mappingId = `sm_${uuidv7At(at.getTime(), 0xc00 + m).replace(/-/g, '')}`;
      batch.add('service_mappings', MAPPING_COLUMNS, [mappingId, scope.tenantId, scope.projectId, repoIds[m], id, `${owner}-svc-${m}`, m === 0 ? '' : `services/s${m}`, 'main', at, at, null]);
    }
    await batch.flushIfFull();
  }
  await batch.flush();
  await db.query(RECOUNT_PROJECT_SQL, [scope.projectId]);
  return { repositories: plan.standalone + plan.connections * plan.reposPer, mappings: plan.connections * Math.min(plan.mappingsPer, plan.reposPer), connections: plan.connections };
}

/**
 * The project's live rows, counted, and its quota counter (`counter`). Throws when the connection
 * or mapping counter differs from the rows it counts: a run whose writes left them wrong fails.
 */
export async function projectCounts(db: Connection, projectId: string) {
  const count = (table: string) => `(SELECT COUNT(*) FROM ${table} WHERE project_id = ? AND deleted_at IS NULL)`;
  const [[row]] = await db.query<RowDataPacket[]>(
    `SELECT ${count('repo_connections')} AS connections, ${count('repositories')} AS repositories, ${count('service_mappings')} AS mappings, ` +
      'p.repository_count AS counter, p.connection_count AS connection_counter, p.mapping_count AS mapping_counter FROM projects p WHERE p.id = ?',
    [projectId, projectId, projectId, projectId],
  );
  const counts = { connections: Number(row.connections), repositories: Number(row.repositories), mappings: Number(row.mappings), counter: Number(row.counter) };
  if (Number(row.connection_counter) !== counts.connections || Number(row.mapping_counter) !== counts.mappings) {
    throw new Error(`project ${projectId}: connection_count ${row.connection_counter} for ${counts.connections} live connections, mapping_count ${row.mapping_counter} for ${counts.mappings} live mappings`);
  }
  return counts;
}
