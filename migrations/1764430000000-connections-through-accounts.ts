import type { MigrationInterface, QueryRunner } from 'typeorm';

const ASCII = (n: number) => `VARCHAR(${n}) CHARACTER SET ascii COLLATE ascii_bin`;
const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';

/**
 * Connections and repositories that read their host through a code-host account (issue 17, parts
 * 3 and 4).
 *
 * - `repo_connections.code_host_account_id`: a connection made through an account records it and
 *   keeps no credentials of its own (the credential columns become nullable; a CHECK holds that a
 *   connection has exactly one of the two). Indexed, for the connections of an account.
 * - `repositories.ix_repositories_oauth_link`: the tenant's repositories of a source type by their
 *   linked account (`oauth_connection_id`, Heimdall's field), outside connections, live: the link job
 *   reads the unlinked ones (`oauth_connection_id IS NULL`) of a host on it in id order, a batch at
 *   a time, and never the rest of the table.
 * - `sync_jobs` carries a second kind of job, `link_account` (link those repositories to a newly
 *   connected account: host calls, so on the queue, off the request): a job names an account
 *   instead of a connection and project, at most one open per account (`uq_sync_jobs_open_account`).
 */
export class ConnectionsThroughAccounts1764430000000 implements MigrationInterface {
  name = 'ConnectionsThroughAccounts1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repo_connections
      MODIFY credentials_key_id ${ASCII(64)} NULL,
      MODIFY credentials_ciphertext VARBINARY(8192) NULL,
      MODIFY credentials_hint VARCHAR(16) NULL,
      ADD COLUMN code_host_account_id ${ASCII(40)} NULL,
      ADD KEY ix_repo_connections_account (code_host_account_id),
      ADD CONSTRAINT fk_repo_connections_account FOREIGN KEY (code_host_account_id) REFERENCES code_host_accounts (id),
      ADD CONSTRAINT ck_repo_connections_one_credential CHECK ((credentials_ciphertext IS NULL) <> (code_host_account_id IS NULL))`);
    await q.query(`ALTER TABLE repositories
      ADD KEY ix_repositories_oauth_link (tenant_id, source_type, oauth_connection_id, repo_connection_id, deleted_at, id)`);
    await q.query(`ALTER TABLE sync_jobs
      ADD COLUMN kind ENUM('sync','link_account') NOT NULL DEFAULT 'sync' AFTER id,
      MODIFY project_id ${ID} NULL,
      MODIFY repo_connection_id ${ASCII(40)} NULL,
      ADD COLUMN code_host_account_id ${ASCII(40)} NULL,
      ADD COLUMN open_account_id ${ASCII(40)} GENERATED ALWAYS AS (IF(status IN ('queued','running'), code_host_account_id, NULL)) STORED,
      ADD UNIQUE KEY uq_sync_jobs_open_account (open_account_id),
      ADD CONSTRAINT fk_sync_jobs_account FOREIGN KEY (code_host_account_id) REFERENCES code_host_accounts (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Connections made through an account have no credentials to go back to: they cannot survive the downgrade.
    const orphans = await q.query('SELECT COUNT(*) AS n FROM repo_connections WHERE code_host_account_id IS NOT NULL');
    if (Number(orphans[0]?.n ?? 0) > 0) throw new Error('Connections made through code-host accounts exist: delete them (they hold no credentials) before reverting this migration');
    await q.query("DELETE FROM sync_jobs WHERE kind = 'link_account'");
    await q.query(`ALTER TABLE sync_jobs
      DROP FOREIGN KEY fk_sync_jobs_account,
      DROP KEY uq_sync_jobs_open_account,
      DROP COLUMN open_account_id,
      DROP COLUMN code_host_account_id,
      MODIFY repo_connection_id ${ASCII(40)} NOT NULL,
      MODIFY project_id ${ID} NOT NULL,
      DROP COLUMN kind`);
    await q.query('ALTER TABLE repositories DROP KEY ix_repositories_oauth_link');
    await q.query(`ALTER TABLE repo_connections
      DROP CONSTRAINT ck_repo_connections_one_credential,
      DROP FOREIGN KEY fk_repo_connections_account,
      DROP KEY ix_repo_connections_account,
      DROP COLUMN code_host_account_id,
      MODIFY credentials_hint VARCHAR(16) NOT NULL,
      MODIFY credentials_ciphertext VARBINARY(8192) NOT NULL,
      MODIFY credentials_key_id ${ASCII(64)} NOT NULL`);
  }
}
