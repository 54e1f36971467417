import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const PREFIXED_ID = 'VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin';
const ASCII = (n: number) => `VARCHAR(${n}) CHARACTER SET ascii COLLATE ascii_bin`;
const HOST = "ENUM('github','gitlab','bitbucket')";
/** A sealed value: the id of the key that sealed it, and version | IV | tag | ciphertext. */
const SEALED = (name: string, bytes: string, nullable = true) => `
  ${name}_key_id ${ASCII(64)} ${nullable ? 'NULL' : 'NOT NULL'},
  ${name}_ciphertext ${bytes} ${nullable ? 'NULL' : 'NOT NULL'}`;

/**
 * Code-host accounts (issue 17): the apps an operator registers (GitHub Apps, OAuth applications
 * and consumers), the accounts a tenant connects through them or with a pasted token, and the
 * single-use states of the browser flows that create them. Every secret is sealed with the
 * credential cipher (a key id beside each ciphertext, so `credentials:rotate-key` re-seals them).
 * Tokens are VARBINARY(8192): no code assumes a token's length (GitHub's `ghs_` tokens grow).
 */
export class CodeHostAccounts1764400000000 implements MigrationInterface {
  name = 'CodeHostAccounts1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE code_host_apps (
      id ${PREFIXED_ID} NOT NULL PRIMARY KEY,
      kind ENUM('github_app','oauth_app') NOT NULL,
      host ${HOST} NOT NULL,
      base_url ${ASCII(255)} NOT NULL,
      github_app_id ${ASCII(32)} NULL,
      slug VARCHAR(100) NULL,
      client_id ${ASCII(255)} NOT NULL,
      ${SEALED('client_secret', 'VARBINARY(8192)', false)},
      ${SEALED('private_key', 'BLOB')},
      ${SEALED('webhook_secret', 'VARBINARY(8192)')},
      source ENUM('config','admin') NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_code_host_apps_host (kind, host, base_url)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE code_host_accounts (
      id ${PREFIXED_ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      kind ENUM('github_app_installation','oauth','api_token','access_token') NOT NULL,
      host ${HOST} NOT NULL,
      base_url ${ASCII(255)} NOT NULL,
      app_id ${PREFIXED_ID} NULL,
      external_id ${ASCII(64)} NULL,
      link_key ${ASCII(160)} NULL,
      status ENUM('active','suspended','needs_reauthorization','revoked') NOT NULL,
      status_reason VARCHAR(512) NULL,
      identity VARCHAR(255) NULL,
      auth_username VARCHAR(255) NULL,
      scopes TEXT NULL,
      installation TEXT NULL,
      credential_hint VARCHAR(16) NULL,
      ${SEALED('access_token', 'VARBINARY(8192)')},
      access_token_expires_at DATETIME(3) NULL,
      ${SEALED('refresh_token', 'VARBINARY(8192)')},
      refresh_token_expires_at DATETIME(3) NULL,
      refreshed_at DATETIME(3) NULL,
      lease_owner ${ASCII(64)} NULL,
      lease_until DATETIME(3) NULL,
      created_by_user_id ${ID} NULL,
      created_by_api_key_id ${ID} NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      deleted_at DATETIME(3) NULL,
      live_link_key ${ASCII(160)} GENERATED ALWAYS AS (IF(deleted_at IS NULL, link_key, NULL)) STORED,
      KEY ix_code_host_accounts_live (tenant_id, deleted_at, created_at, id),
      UNIQUE KEY uq_code_host_accounts_link (tenant_id, live_link_key),
      KEY ix_code_host_accounts_app (app_id),
      CONSTRAINT fk_code_host_accounts_app FOREIGN KEY (app_id) REFERENCES code_host_apps (id),
      CONSTRAINT fk_code_host_accounts_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE code_host_oauth_states (
      id ${ID} NOT NULL PRIMARY KEY,
      state_hash BINARY(32) NOT NULL,
      tenant_id ${ID} NOT NULL,
      started_by ${ASCII(80)} NOT NULL,
      purpose ENUM('oauth','github_app_installation') NOT NULL,
      host ${HOST} NOT NULL,
      base_url ${ASCII(255)} NOT NULL,
      app_id ${PREFIXED_ID} NOT NULL,
      ${SEALED('pkce_verifier', 'VARBINARY(512)', false)},
      return_url VARCHAR(2048) NULL,
      installation_id ${ASCII(32)} NULL,
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      consumed_at DATETIME(3) NULL,
      UNIQUE KEY uq_code_host_oauth_states_hash (state_hash),
      KEY ix_code_host_oauth_states_expiry (expires_at),
      CONSTRAINT fk_code_host_oauth_states_app FOREIGN KEY (app_id) REFERENCES code_host_apps (id)
    ) ${TABLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE code_host_oauth_states');
    await q.query('DROP TABLE code_host_accounts');
    await q.query('DROP TABLE code_host_apps');
  }
}
