import type { DataSource, EntityManager } from 'typeorm';
import { uuidv7 } from '../../lib/ids';

interface ClaimedBase {
  id: string;
  tenantId: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  maxAttempts: number;
}

/** A claimed job: a connection's sync, or linking the tenant's waiting repositories to an account. */
export type ClaimedJob = (ClaimedBase & { kind: 'sync'; projectId: string; connectionId: string }) | (ClaimedBase & { kind: 'link_account'; accountId: string });

/**
 * How an attempt ends. `defer`: the job waits until `runAt` without this attempt counting (the
 * account's rate budget is below its floor: background work yields, it does not fail).
 */
export type JobOutcome = { kind: 'done' } | { kind: 'retry'; delayMs: number; error: string } | { kind: 'failed'; error: string } | { kind: 'defer'; runAt: Date; error: string };

const NOW = 'UTC_TIMESTAMP(3)';
const later = (param = '?') => `DATE_ADD(${NOW}, INTERVAL ${param} MICROSECOND)`;

/**
 * The SQL of the sync queue (`sync_jobs`). Times come from the database clock, so processes with
 * skewed clocks agree on due jobs and expired leases. Every statement runs on an index:
 * `uq_sync_jobs_open` (one open job per connection), `uq_sync_jobs_open_account` (one open link job
 * per account), `ix_sync_jobs_due`, `ix_sync_jobs_lease`, the primary key.
 */
export class SyncJobStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Queues a sync in the caller's transaction. A connection has at most one open job: a second
   * request while one is queued makes it due now; while one runs, it is run once more afterwards.
   */
  async enqueue(em: EntityManager, row: { tenantId: string; projectId: string; connectionId: string }, maxAttempts: number): Promise<void> {
    await em.query(
      `INSERT INTO sync_jobs (id, tenant_id, project_id, repo_connection_id, status, attempts, max_attempts, run_after, rerun, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', 0, ?, ${NOW}, FALSE, ${NOW}, ${NOW})
       ON DUPLICATE KEY UPDATE rerun = IF(status = 'running', TRUE, rerun), run_after = IF(status = 'queued', LEAST(run_after, ${NOW}), run_after), updated_at = ${NOW}`,
      [uuidv7(), row.tenantId, row.projectId, row.connectionId, maxAttempts],
    );
  }

  /**
   * Queues linking the tenant's waiting repositories to an account, in the caller's transaction
   * (the one that stores the account). One open link job per account: asked again while one is
   * queued, it is due now; while it runs, it runs once more afterwards.
   */
  async enqueueLink(em: EntityManager, row: { tenantId: string; accountId: string }, maxAttempts: number): Promise<void> {
    await em.query(
      `INSERT INTO sync_jobs (id, kind, tenant_id, project_id, repo_connection_id, code_host_account_id, status, attempts, max_attempts, run_after, rerun, created_at, updated_at)
       VALUES (?, 'link_account', ?, NULL, NULL, ?, 'queued', 0, ?, ${NOW}, FALSE, ${NOW}, ${NOW})
       ON DUPLICATE KEY UPDATE rerun = IF(status = 'running', TRUE, rerun), run_after = IF(status = 'queued', LEAST(run_after, ${NOW}), run_after), updated_at = ${NOW}`,
      [uuidv7(), row.tenantId, row.accountId, maxAttempts],
    );
  }

  /**
   * Claims one due job, or one whose lease has expired (its worker died), for `owner`. SKIP LOCKED
   * lets several workers claim at once without waiting on each other or taking the same row.
   */
  async claim(owner: string, leaseMs: number): Promise<ClaimedJob | null> {
    return this.dataSource.transaction(async (em) => {
      const columns =
        'id, kind, tenant_id AS tenantId, project_id AS projectId, repo_connection_id AS connectionId, code_host_account_id AS accountId, attempts, max_attempts AS maxAttempts';
      let rows: { id: string; kind: ClaimedJob['kind']; tenantId: string; projectId: string | null; connectionId: string | null; accountId: string | null; attempts: number; maxAttempts: number }[] = await em.query(
        `SELECT ${columns} FROM sync_jobs WHERE status = 'queued' AND run_after <= ${NOW} ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) {
        rows = await em.query(`SELECT ${columns} FROM sync_jobs WHERE status = 'running' AND lease_expires_at < ${NOW} ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`);
      }
      const row = rows[0];
      if (!row) return null;
      await em.query(`UPDATE sync_jobs SET status = 'running', lease_owner = ?, lease_expires_at = ${later()}, attempts = attempts + 1, updated_at = ${NOW} WHERE id = ?`, [
        owner,
        leaseMs * 1000,
        row.id,
      ]);
      const base = { id: row.id, tenantId: row.tenantId, attempt: Number(row.attempts) + 1, maxAttempts: Number(row.maxAttempts) };
      return row.kind === 'link_account' ? { ...base, kind: 'link_account' as const, accountId: row.accountId! } : { ...base, kind: 'sync' as const, projectId: row.projectId!, connectionId: row.connectionId! };
    });
  }

  /** Extends the lease while the job runs; false when it is no longer this worker's. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.dataSource.query(`UPDATE sync_jobs SET lease_expires_at = ${later()} WHERE id = ? AND lease_owner = ? AND status = 'running'`, [leaseMs * 1000, id, owner]);
    return Number(result?.affectedRows ?? 0) > 0;
  }

  /**
   * Ends an attempt in the caller's transaction (the same one that stores the results), if the job
   * is still this worker's: a worker whose lease expired and was taken over writes nothing.
   * Answers null when the lease was lost, 'requeued' when a sync was asked for while it ran.
   */
  async finish(em: EntityManager, id: string, owner: string, outcome: JobOutcome): Promise<'finished' | 'requeued' | null> {
    const [row]: { status: string; leaseOwner: string | null; rerun: number }[] = await em.query(
      'SELECT status, lease_owner AS leaseOwner, rerun FROM sync_jobs WHERE id = ? FOR UPDATE',
      [id],
    );
    if (!row || row.status !== 'running' || row.leaseOwner !== owner) return null;
    if (outcome.kind === 'done' && Number(row.rerun)) {
      await em.query(`UPDATE sync_jobs SET status = 'queued', rerun = FALSE, attempts = 0, run_after = ${NOW}, lease_owner = NULL, lease_expires_at = NULL, updated_at = ${NOW} WHERE id = ?`, [id]);
      return 'requeued';
    }
    if (outcome.kind === 'defer') {
      // Queued again for when the budget allows, the attempt given back; a sync asked for meanwhile is this same run.
      await em.query(
        `UPDATE sync_jobs SET status = 'queued', attempts = GREATEST(attempts - 1, 0), rerun = FALSE, run_after = GREATEST(?, ${NOW}), lease_owner = NULL, lease_expires_at = NULL,
           last_error = ?, updated_at = ${NOW} WHERE id = ?`,
        [outcome.runAt, outcome.error.slice(0, 1024), id],
      );
      return 'requeued';
    }
    if (outcome.kind === 'retry') {
      await em.query(
        `UPDATE sync_jobs SET status = 'queued', run_after = ${later()}, lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ${NOW} WHERE id = ?`,
        [outcome.delayMs * 1000, outcome.error.slice(0, 1024), id],
      );
      return 'requeued';
    }
    await em.query(
      `UPDATE sync_jobs SET status = ?, lease_owner = NULL, lease_expires_at = NULL, last_error = ?, finished_at = ${NOW}, updated_at = ${NOW} WHERE id = ?`,
      [outcome.kind === 'done' ? 'done' : 'failed', outcome.kind === 'failed' ? outcome.error.slice(0, 1024) : null, id],
    );
    return 'finished';
  }

  /** Finished jobs are history; they go after a week. */
  async purgeFinished(): Promise<void> {
    await this.dataSource.query(`DELETE FROM sync_jobs WHERE finished_at < DATE_SUB(${NOW}, INTERVAL 7 DAY) LIMIT 1000`);
  }
}
