import type { MigrationInterface, QueryRunner } from 'typeorm';

const ASCII = (n: number) => `VARCHAR(${n}) CHARACTER SET ascii COLLATE ascii_bin`;

/**
 * Reconciliation of code-host accounts (issue 19 §3), the backstop for webhooks: a periodic job per
 * account compares the host's full list of repositories with the ones stored through the account.
 *
 * - `next_reconcile_at` (null: due at once), `reconcile_interval_seconds` (the interval the schedule
 *   has reached), and how the last run ended (`last_reconciled_at`, `last_reconcile_outcome`,
 *   `last_reconcile_message`).
 * - The lease: `reconcile_lease_owner`, `reconcile_lease_until`. A claim moves `next_reconcile_at`
 *   to the lease's end, so a run whose process died is due again when its lease runs out.
 * - `reconcile_due_at`, generated: `COALESCE(next_reconcile_at, created_at)` for live ACTIVE
 *   accounts, NULL for the others, indexed. Workers claim due accounts on it in time order, and an
 *   account that is revoked, suspended, needs authorization or is deleted leaves the index by its own
 *   status: nothing retries it until it is ACTIVE again, and then it is due at once.
 * Existing rows are due at once (NULL `next_reconcile_at`).
 */
export class Reconciliation1764610000000 implements MigrationInterface {
  name = 'Reconciliation1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE code_host_accounts
      ADD COLUMN next_reconcile_at DATETIME(3) NULL,
      ADD COLUMN reconcile_interval_seconds INT UNSIGNED NULL,
      ADD COLUMN last_reconciled_at DATETIME(3) NULL,
      ADD COLUMN last_reconcile_outcome ENUM('complete','partial_listing','credential_failing','stopped') NULL,
      ADD COLUMN last_reconcile_message VARCHAR(512) NULL,
      ADD COLUMN reconcile_lease_owner ${ASCII(64)} NULL,
      ADD COLUMN reconcile_lease_until DATETIME(3) NULL,
      ADD COLUMN reconcile_due_at DATETIME(3) GENERATED ALWAYS AS (IF(status = 'active' AND deleted_at IS NULL, COALESCE(next_reconcile_at, created_at), NULL)) STORED,
      ADD KEY ix_code_host_accounts_reconcile_due (reconcile_due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE code_host_accounts
      DROP KEY ix_code_host_accounts_reconcile_due,
      DROP COLUMN reconcile_due_at,
      DROP COLUMN reconcile_lease_until,
      DROP COLUMN reconcile_lease_owner,
      DROP COLUMN last_reconcile_message,
      DROP COLUMN last_reconcile_outcome,
      DROP COLUMN last_reconciled_at,
      DROP COLUMN reconcile_interval_seconds,
      DROP COLUMN next_reconcile_at`);
  }
}
