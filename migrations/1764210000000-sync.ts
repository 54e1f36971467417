import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const PREFIXED_ID = 'VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin';
const SYNC_COLUMNS = `
  ADD COLUMN sync_status ENUM('never','pending','ok','error') NOT NULL DEFAULT 'never',
  ADD COLUMN synced_at DATETIME(3) NULL,
  ADD COLUMN sync_error VARCHAR(1024) NULL`;

/**
 * Sync state on connections and repositories, and the queue that the sync workers of every server
 * process share: a job is claimed with SELECT … FOR UPDATE SKIP LOCKED and held by a lease.
 */
export class Sync1764210000000 implements MigrationInterface {
  name = 'Sync1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repo_connections ${SYNC_COLUMNS}`);
    await q.query(`ALTER TABLE repositories ${SYNC_COLUMNS}`);
    await q.query(`CREATE TABLE sync_jobs (
      id ${ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      project_id ${ID} NOT NULL,
      repo_connection_id ${PREFIXED_ID} NOT NULL,
      status ENUM('queued','running','done','failed') NOT NULL,
      attempts SMALLINT UNSIGNED NOT NULL DEFAULT 0,
      max_attempts SMALLINT UNSIGNED NOT NULL,
      run_after DATETIME(3) NOT NULL,
      lease_owner VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      lease_expires_at DATETIME(3) NULL,
      rerun BOOLEAN NOT NULL DEFAULT FALSE,
      last_error VARCHAR(1024) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NULL,
      open_connection_id ${PREFIXED_ID} GENERATED ALWAYS AS (IF(status IN ('queued','running'), repo_connection_id, NULL)) STORED,
      UNIQUE KEY uq_sync_jobs_open (open_connection_id),
      KEY ix_sync_jobs_due (status, run_after),
      KEY ix_sync_jobs_lease (status, lease_expires_at),
      KEY ix_sync_jobs_connection (repo_connection_id, created_at),
      KEY ix_sync_jobs_finished (finished_at),
      CONSTRAINT fk_sync_jobs_connection FOREIGN KEY (repo_connection_id) REFERENCES repo_connections (id)
    ) ${TABLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sync_jobs');
    await q.query('ALTER TABLE repositories DROP COLUMN sync_status, DROP COLUMN synced_at, DROP COLUMN sync_error');
    await q.query('ALTER TABLE repo_connections DROP COLUMN sync_status, DROP COLUMN synced_at, DROP COLUMN sync_error');
  }
}
