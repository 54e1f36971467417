import type { DataSource, EntityManager } from 'typeorm';
import type { RateObservation } from '../platforms/host-http';

/** A code-host account's budget as stored: what the host's headers said last. */
export interface RateBudgetRow {
  accountId: string;
  tenantId: string;
  limit: number | null;
  remaining: number | null;
  resetsAt: Date | null;
  resource: string | null;
  nearLimit: boolean | null;
  retryAt: Date | null;
  observedAt: Date;
}

const COLUMNS = 'account_id, tenant_id, host_limit, remaining, resets_at, resource, near_limit, retry_at, observed_at';

const fromRow = (row: Record<string, unknown>): RateBudgetRow => ({
  accountId: row.account_id as string,
  tenantId: row.tenant_id as string,
  limit: row.host_limit === null ? null : Number(row.host_limit),
  remaining: row.remaining === null ? null : Number(row.remaining),
  resetsAt: (row.resets_at as Date | null) ?? null,
  resource: (row.resource as string | null) ?? null,
  nearLimit: row.near_limit === null || row.near_limit === undefined ? null : Boolean(Number(row.near_limit)),
  retryAt: (row.retry_at as Date | null) ?? null,
  observedAt: row.observed_at as Date,
});

/**
 * An answer's count belongs to the stored window when it has one and its window is not older: a
 * later reset is a newer window. Assigned in this order because MySQL and MariaDB evaluate an
 * ON DUPLICATE KEY UPDATE's assignments left to right, each seeing the ones before it: every
 * expression below reads the stored `resets_at`, so it is assigned last.
 */
const NEWER_WINDOW = '(VALUES(remaining) IS NOT NULL AND (resets_at IS NULL OR VALUES(resets_at) IS NULL OR VALUES(resets_at) >= resets_at))';

/**
 * The SQL of `code_host_rate_budgets`, every statement on the primary key (account_id): one upsert
 * per observation (the service coalesces them per account), a read by account for the background
 * gate, and a batch read by ids within the caller's tenant for GraphQL.
 */
export class RateBudgetStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Merges an observation into the account's row, on the primary: within one window the lower
   * remaining count wins (answers of concurrent calls arrive in any order), a later window replaces
   * an earlier one, a refusal's retry time only moves later, and what an answer does not say is kept.
   */
  async record(accountId: string, tenantId: string, o: RateObservation): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO code_host_rate_budgets (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE
         host_limit = IF(VALUES(host_limit) IS NOT NULL AND (VALUES(remaining) IS NULL OR ${NEWER_WINDOW}), VALUES(host_limit), host_limit),
         remaining = IF(${NEWER_WINDOW}, IF(VALUES(resets_at) <=> resets_at AND remaining IS NOT NULL, LEAST(remaining, VALUES(remaining)), VALUES(remaining)), remaining),
         resource = COALESCE(VALUES(resource), resource),
         near_limit = COALESCE(VALUES(near_limit), near_limit),
         retry_at = GREATEST(COALESCE(retry_at, VALUES(retry_at)), COALESCE(VALUES(retry_at), retry_at)),
         observed_at = UTC_TIMESTAMP(3),
         resets_at = IF(${NEWER_WINDOW}, VALUES(resets_at), resets_at)`,
      [accountId, tenantId, o.limit, o.remaining, o.resetsAt, o.resource, o.nearLimit, o.retryAt],
    );
  }

  /** The account's budget, on the primary (background work decides on the newest facts); null when nothing was observed. */
  async byAccount(accountId: string): Promise<RateBudgetRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM code_host_rate_budgets WHERE account_id = ?`, [accountId]);
    return row ? fromRow(row) : null;
  }

  /** The budgets of the tenant's accounts among `ids`, in one statement (a request's loader batches them). */
  async byAccounts(db: EntityManager, tenantId: string, ids: readonly string[]): Promise<RateBudgetRow[]> {
    if (ids.length === 0) return [];
    const rows: Record<string, unknown>[] = await db.query(`SELECT ${COLUMNS} FROM code_host_rate_budgets WHERE account_id IN (${ids.map(() => '?').join(', ')}) AND tenant_id = ?`, [
      ...ids,
      tenantId,
    ]);
    return rows.map(fromRow);
  }
}
