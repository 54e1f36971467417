import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rate budget per code-host account (issue 19 §4): what the host's rate-limit headers said last
 * about the account's (or installation's) requests, one row per account on its primary key, so
 * every process judges background work on the same facts. `tenant_id` is the account's, so a
 * request reads only its own tenant's budgets. Written by an upsert per observed answer (coalesced
 * per process); never joined, never scanned.
 */
export class RateBudgets1764600000000 implements MigrationInterface {
  name = 'RateBudgets1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE code_host_rate_budgets (
      account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      tenant_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      host_limit INT UNSIGNED NULL,
      remaining INT UNSIGNED NULL,
      resets_at DATETIME(3) NULL,
      resource VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      near_limit BOOLEAN NULL,
      retry_at DATETIME(3) NULL,
      observed_at DATETIME(3) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE code_host_rate_budgets');
  }
}
