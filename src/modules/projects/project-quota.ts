import type { EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { ProjectEntity, type TenantEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';
import { readRows } from '../../db/rows';

export function repositoryQuota(config: Config, tenant: TenantEntity): number | null {
  return config.planQuotas[tenant.plan];
}

/**
 * The project row keeps one counter of live (not soft-deleted) rows per table, exact at every
 * commit: every write that creates, soft-deletes or restores rows changes them in the statement
 * that already takes the project row (the quota UPDATE), in the same transaction. An unfiltered
 * list's `totalCount` is then one primary-key read, however many rows the project holds.
 * `repository_count` is also the quota counter. See docs/decisions.md ("Live-row counters").
 */
export const COUNTER_COLUMNS = {
  repositories: 'repository_count',
  connections: 'connection_count',
  mappings: 'mapping_count',
} as const;
export type CountedTable = keyof typeof COUNTER_COLUMNS;

/** Live rows a write adds (positive) or removes (negative), per table. */
export type LiveRowChanges = Partial<Record<CountedTable, number>>;

/** SET assignments for the non-zero changes; a removal never takes a counter below zero. */
function counterSet(changes: LiveRowChanges): string[] {
  const set: string[] = [];
  for (const table of Object.keys(COUNTER_COLUMNS) as CountedTable[]) {
    const delta = Math.trunc(Number(changes[table] ?? 0));
    if (delta === 0) continue;
    const column = COUNTER_COLUMNS[table];
    set.push(delta > 0 ? `${column} = ${column} + ${delta}` : `${column} = GREATEST(CAST(${column} AS SIGNED) - ${-delta}, 0)`);
  }
  return set;
}

/**
 * Reserves `count` repository slots with one guarded UPDATE on the project row: it only matches
 * while the project stays within its plan, and its row lock serialises every writer of the
 * project until the transaction ends, so no interleaving can pass the limit (no gap locks).
 * The same statement applies `also` to the other counters (a connectRepos adds its connection and
 * its mappings), and `also.releasing` repository slots freed earlier in the same transaction
 * (an update that removes some repositories and adds others): the guard then counts the project
 * as it is after the removal, exactly as a release followed by a reservation would.
 * Returns a QUOTA_EXCEEDED user error when the slots are not there.
 */
export async function reserveRepositorySlots(
  em: EntityManager,
  config: Config,
  tenant: TenantEntity,
  projectId: string,
  count: number,
  field: string[] | null,
  also: { connections?: number; mappings?: number; releasing?: number } = {},
): Promise<UserError | null> {
  const releasing = Math.max(0, also.releasing ?? 0);
  const reserving = Math.max(0, count);
  const set = counterSet({ repositories: reserving - releasing, connections: also.connections, mappings: also.mappings });
  const quota = reserving > 0 ? repositoryQuota(config, tenant) : null;
  if (set.length === 0) {
    if (quota === null) return null;
    // Slots freed and taken in equal number: the guard still holds the project to its plan.
    set.push('repository_count = repository_count');
  }
  // Raw SQL (the statement is a handful of fixed assignments): building it with the update builder
  // showed in the CPU profile of every write. Affected rows are matched rows (mysql2's FOUND_ROWS).
  const result = (await (quota === null
    ? em.query(`UPDATE projects SET ${set.join(', ')} WHERE id = ?`, [projectId])
    : em.query(`UPDATE projects SET ${set.join(', ')} WHERE id = ? AND CAST(repository_count AS SIGNED) + ? <= ?`, [projectId, reserving - releasing, quota]))) as { affectedRows?: number };
  if ((result.affectedRows ?? 0) === 1) return null;
  const project = await em.getRepository(ProjectEntity).findOneByOrFail({ id: projectId });
  return userError(
    UserErrorCode.QUOTA_EXCEEDED,
    field,
    `The ${tenant.plan} plan allows ${quota} repositories per project; this project has ${Math.max(project.repositoryCount - releasing, 0)} and the request adds ${count}`,
  );
}

/**
 * Frees `count` repository slots and applies `also` (negative: connections and mappings
 * soft-deleted with them) in one UPDATE of the project row; no statement when nothing changes.
 */
export async function releaseRepositorySlots(em: EntityManager, projectId: string, count: number, also: { connections?: number; mappings?: number } = {}): Promise<void> {
  await changeLiveRowCounters(em, projectId, { repositories: -Math.max(0, count), ...also });
}

/** Applies changes to the project's live-row counters: one UPDATE by primary key, none when nothing changes. */
export async function changeLiveRowCounters(em: EntityManager, projectId: string, changes: LiveRowChanges): Promise<void> {
  const set = counterSet(changes);
  if (set.length === 0) return;
  await em.query(`UPDATE projects SET ${set.join(', ')} WHERE id = ?`, [projectId]);
}

/** The project's live rows of one table, from its counter: one primary-key read. */
export async function countLiveRows(db: EntityManager, projectId: string, table: CountedTable): Promise<number> {
  const rows = (await readRows(db, `SELECT ${COUNTER_COLUMNS[table]} AS n FROM projects WHERE id = ?`, [projectId])) as { n: string | number }[];
  return Number(rows[0]?.n ?? 0);
}

/**
 * Sets every counter of a project from its rows (for rows written straight into the tables: the
 * bench's seed, test fixtures). Reads every row of the project: not for a request path.
 */
export const RECOUNT_PROJECT_SQL = `UPDATE projects p SET
  p.repository_count = (SELECT COUNT(*) FROM repositories r WHERE r.project_id = p.id AND r.deleted_at IS NULL),
  p.connection_count = (SELECT COUNT(*) FROM repo_connections c WHERE c.project_id = p.id AND c.deleted_at IS NULL),
  p.mapping_count = (SELECT COUNT(*) FROM service_mappings m WHERE m.project_id = p.id AND m.deleted_at IS NULL)
  WHERE p.id = ?`;
