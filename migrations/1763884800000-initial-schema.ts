import type { MigrationInterface, QueryRunner } from 'typeorm';

const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const PREFIXED_ID = 'VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin';
const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * The whole first data model. Uniqueness rules that must ignore soft-deleted rows use a STORED
 * generated column that is NULL for deleted rows (NULLs never collide in a unique index), which
 * works the same on MySQL 8 and MariaDB 10.6+.
 */
export class InitialSchema1763884800000 implements MigrationInterface {
  name = 'InitialSchema1763884800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE tenants (
      id ${ID} NOT NULL PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      kind ENUM('organization','personal') NOT NULL,
      plan ENUM('free','team','enterprise') NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL
    ) ${TABLE}`);

    await q.query(`CREATE TABLE projects (
      id ${ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      name VARCHAR(200) NOT NULL,
      repository_count INT UNSIGNED NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_projects_tenant_name (tenant_id, name),
      CONSTRAINT fk_projects_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE api_keys (
      id ${ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      project_id ${ID} NULL,
      prefix VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      key_hash BINARY(32) NOT NULL,
      permissions VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      created_at DATETIME(3) NOT NULL,
      revoked_at DATETIME(3) NULL,
      UNIQUE KEY uq_api_keys_hash (key_hash),
      KEY ix_api_keys_tenant (tenant_id),
      CONSTRAINT fk_api_keys_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
      CONSTRAINT fk_api_keys_project FOREIGN KEY (project_id) REFERENCES projects (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE users (
      id ${ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      email VARCHAR(320) NOT NULL,
      name VARCHAR(200) NULL,
      default_project_id ${ID} NULL,
      created_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_users_email (email),
      KEY ix_users_tenant (tenant_id),
      CONSTRAINT fk_users_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
      CONSTRAINT fk_users_project FOREIGN KEY (default_project_id) REFERENCES projects (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE sessions (
      id ${ID} NOT NULL PRIMARY KEY,
      user_id ${ID} NOT NULL,
      tenant_id ${ID} NOT NULL,
      token_hash BINARY(32) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      revoked_at DATETIME(3) NULL,
      UNIQUE KEY uq_sessions_hash (token_hash),
      KEY ix_sessions_user (user_id),
      CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE repo_connections (
      id ${PREFIXED_ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      project_id ${ID} NOT NULL,
      platform ENUM('github','gitlab','bitbucket') NOT NULL,
      credentials_key_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      credentials_ciphertext VARBINARY(8192) NOT NULL,
      credentials_hint VARCHAR(16) NOT NULL,
      base_url VARCHAR(2048) NULL,
      lookback_days SMALLINT UNSIGNED NOT NULL,
      cache_invalidated_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      deleted_at DATETIME(3) NULL,
      KEY ix_repo_connections_list (project_id, created_at, id),
      KEY ix_repo_connections_key (credentials_key_id),
      CONSTRAINT fk_repo_connections_project FOREIGN KEY (project_id) REFERENCES projects (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE repositories (
      id ${ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      project_id ${ID} NOT NULL,
      repo_connection_id ${PREFIXED_ID} NULL,
      user_id ${ID} NULL,
      name VARCHAR(255) NOT NULL,
      source_type ENUM('git_url','github','gitlab','bitbucket') NOT NULL,
      path VARCHAR(512) NOT NULL,
      remote_url VARCHAR(2048) NULL,
      default_branch VARCHAR(255) NOT NULL,
      last_commit_sha VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      oauth_connection_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      issue_auto_create_enabled BOOLEAN NOT NULL,
      issue_auto_create_min_severity ENUM('low','medium','high','critical') NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      deleted_at DATETIME(3) NULL,
      live_path VARCHAR(512) GENERATED ALWAYS AS (IF(deleted_at IS NULL, path, NULL)) STORED,
      UNIQUE KEY uq_repositories_live_path (project_id, source_type, live_path),
      KEY ix_repositories_list (project_id, created_at, id),
      KEY ix_repositories_connection (repo_connection_id),
      CONSTRAINT fk_repositories_project FOREIGN KEY (project_id) REFERENCES projects (id),
      CONSTRAINT fk_repositories_connection FOREIGN KEY (repo_connection_id) REFERENCES repo_connections (id),
      CONSTRAINT fk_repositories_user FOREIGN KEY (user_id) REFERENCES users (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE service_mappings (
      id ${PREFIXED_ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      project_id ${ID} NOT NULL,
      repository_id ${ID} NOT NULL,
      repo_connection_id ${PREFIXED_ID} NULL,
      service_name VARCHAR(255) NOT NULL,
      path_prefix VARCHAR(1024) NOT NULL,
      default_branch VARCHAR(255) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      deleted_at DATETIME(3) NULL,
      live_service_name VARCHAR(255) GENERATED ALWAYS AS (IF(deleted_at IS NULL, service_name, NULL)) STORED,
      UNIQUE KEY uq_service_mappings_live_name (project_id, live_service_name),
      KEY ix_service_mappings_list (project_id, created_at, id),
      KEY ix_service_mappings_repository (repository_id),
      KEY ix_service_mappings_connection (repo_connection_id),
      CONSTRAINT fk_service_mappings_project FOREIGN KEY (project_id) REFERENCES projects (id),
      CONSTRAINT fk_service_mappings_repository FOREIGN KEY (repository_id) REFERENCES repositories (id),
      CONSTRAINT fk_service_mappings_connection FOREIGN KEY (repo_connection_id) REFERENCES repo_connections (id)
    ) ${TABLE}`);

    await q.query(`CREATE TABLE idempotency_records (
      id ${ID} NOT NULL PRIMARY KEY,
      scope VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      idempotency_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      request_hash BINARY(32) NOT NULL,
      locked_until DATETIME(3) NULL,
      response_status SMALLINT UNSIGNED NULL,
      response_body MEDIUMTEXT NULL,
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_idempotency_scope_key (scope, idempotency_key),
      KEY ix_idempotency_expires (expires_at)
    ) ${TABLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_records',
      'service_mappings',
      'repositories',
      'repo_connections',
      'sessions',
      'users',
      'api_keys',
      'projects',
      'tenants',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
