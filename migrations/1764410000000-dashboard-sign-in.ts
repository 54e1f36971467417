import type { MigrationInterface, QueryRunner } from 'typeorm';

const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * What the dashboard needs: single-use sign-in links (only the token's SHA-256 is stored; a link is
 * consumed by one guarded UPDATE on its unique hash), and on API keys a name people give them and
 * when each was last used, with an index to list a project's keys newest first.
 */
export class DashboardSignIn1764410000000 implements MigrationInterface {
  name = 'DashboardSignIn1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE sign_in_links (
      id ${ID} NOT NULL PRIMARY KEY,
      user_id ${ID} NOT NULL,
      tenant_id ${ID} NOT NULL,
      token_hash BINARY(32) NOT NULL,
      session_ttl_hours SMALLINT UNSIGNED NOT NULL,
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      used_at DATETIME(3) NULL,
      session_id ${ID} NULL,
      UNIQUE KEY uq_sign_in_links_hash (token_hash),
      KEY ix_sign_in_links_user (user_id),
      KEY ix_sign_in_links_expires (expires_at),
      CONSTRAINT fk_sign_in_links_user FOREIGN KEY (user_id) REFERENCES users (id)
    ) ${TABLE}`);
    await q.query(`ALTER TABLE api_keys
      ADD COLUMN name VARCHAR(200) NULL AFTER project_id,
      ADD COLUMN last_used_at DATETIME(3) NULL AFTER created_at,
      ADD KEY ix_api_keys_project (project_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The new index took over the foreign key's own (the server dropped that one): give it back first.
    await q.query('ALTER TABLE api_keys ADD KEY fk_api_keys_project (project_id)');
    await q.query('ALTER TABLE api_keys DROP KEY ix_api_keys_project, DROP COLUMN last_used_at, DROP COLUMN name');
    await q.query('DROP TABLE sign_in_links');
  }
}
