import type { EntityManager } from 'typeorm';
import { ProjectEntity } from '../../db/entities';
import { readRows } from '../../db/rows';
import { runStatement } from '../../db/driver';

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
 * The SQL of the project row's live-row counters (the projects table's counter columns; the
 * tenancy store creates the rows). Every statement is one primary-key access.
 */
export class ProjectCountersStore {
  /**
   * Applies `changes` with one UPDATE of the project row. With `guard`, the statement only matches
   * while the repository counter plus `guard.adding` stays within `guard.quota`, and its row lock
   * serialises every writer of the project until the transaction ends, so no interleaving can pass
   * the limit (no gap locks). Answers whether the row matched. A guard with nothing to change still
   * runs (it holds the project to its plan); no guard and nothing to change is no statement.
   */
  async apply(em: EntityManager, projectId: string, changes: LiveRowChanges, guard: { adding: number; quota: number } | null): Promise<boolean> {
    const set = counterSet(changes);
    if (set.length === 0) {
      if (guard === null) return true;
      // Slots freed and taken in equal number: the guard still holds the project to its plan.
      set.push('repository_count = repository_count');
    }
    // Raw SQL (the statement is a handful of fixed assignments): building it with the update builder
    // showed in the CPU profile of every write. Affected rows are matched rows (mysql2's FOUND_ROWS).
    const result = (await (guard === null
      ? runStatement(em, `UPDATE projects SET ${set.join(', ')} WHERE id = ?`, [projectId])
      : runStatement(em, `UPDATE projects SET ${set.join(', ')} WHERE id = ? AND CAST(repository_count AS SIGNED) + ? <= ?`, [projectId, guard.adding, guard.quota]))) as { affectedRows?: number };
    return (result.affectedRows ?? 0) === 1;
  }

  /** Applies changes to the project's live-row counters: one UPDATE by primary key, none when nothing changes. */
  async change(em: EntityManager, projectId: string, changes: LiveRowChanges): Promise<void> {
    const set = counterSet(changes);
    if (set.length === 0) return;
    await em.query(`UPDATE projects SET ${set.join(', ')} WHERE id = ?`, [projectId]);
  }

  /** The project's live repositories, read in the caller's transaction (for a refusal's message). */
  async repositoryCount(em: EntityManager, projectId: string): Promise<number> {
    const project = await em.getRepository(ProjectEntity).findOneByOrFail({ id: projectId });
    return project.repositoryCount;
  }

  /** The project's live rows of one table, from its counter: one primary-key read. */
  async countLive(db: EntityManager, projectId: string, table: CountedTable): Promise<number> {
    const rows = (await readRows(db, `SELECT ${COUNTER_COLUMNS[table]} AS n FROM projects WHERE id = ?`, [projectId])) as { n: string | number }[];
    return Number(rows[0]?.n ?? 0);
  }
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
