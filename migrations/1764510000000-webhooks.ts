import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const PREFIXED_ID = 'VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin';
const ASCII = (n: number) => `VARCHAR(${n}) CHARACTER SET ascii COLLATE ascii_bin`;
const HOST = "ENUM('github','gitlab','bitbucket')";

/**
 * Webhooks (issue 19): the tenant's per-hook endpoints with their sealed secrets (a previous secret
 * stays accepted until `previous_secret_valid_until` during a rotation), and the deliveries every
 * endpoint received.
 *
 * A delivery's INSERT touches three B-trees and no more, so ingestion stays flat however many
 * processed deliveries the table holds:
 * - the primary key (source_id, installation_key, id), clustered: one endpoint's (one app
 *   installation's) deliveries lie together in time order (`id` is a UUIDv7), so an insert appends
 *   at the end of its endpoint's range and "this hook's deliveries of the last day" is one range of
 *   the primary key;
 * - the de-duplication key (source_id, delivery_key): a redelivery fails on it, whatever process or
 *   node receives it (no SELECT-then-INSERT race);
 * - the time index (status, received_at): the purge deletes old rows of each status in time order
 *   and later processing claims queued rows in arrival order; inserts append at its 'queued' end.
 */
export class Webhooks1764510000000 implements MigrationInterface {
  name = 'Webhooks1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhook_hooks (
      id ${PREFIXED_ID} NOT NULL PRIMARY KEY,
      tenant_id ${ID} NOT NULL,
      host ${HOST} NOT NULL,
      base_url ${ASCII(255)} NOT NULL,
      description VARCHAR(255) NULL,
      secret_key_id ${ASCII(64)} NOT NULL,
      secret_ciphertext VARBINARY(1024) NOT NULL,
      previous_secret_key_id ${ASCII(64)} NULL,
      previous_secret_ciphertext VARBINARY(1024) NULL,
      previous_secret_valid_until DATETIME(3) NULL,
      secret_rotated_at DATETIME(3) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      deleted_at DATETIME(3) NULL,
      KEY ix_webhook_hooks_live (tenant_id, deleted_at, created_at, id),
      CONSTRAINT fk_webhook_hooks_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE webhook_deliveries (
      source_id ${PREFIXED_ID} NOT NULL,
      installation_key ${ASCII(20)} NOT NULL DEFAULT '',
      id ${ID} NOT NULL,
      delivery_key ${ASCII(100)} NOT NULL,
      host ${HOST} NOT NULL,
      event ${ASCII(64)} NOT NULL,
      action ${ASCII(64)} NULL,
      repository_host_id ${ASCII(64)} NULL,
      repository_full_name VARCHAR(512) NULL,
      received_at DATETIME(3) NOT NULL,
      status ENUM('queued','processed','ignored','failed') NOT NULL,
      outcome VARCHAR(512) NULL,
      processed_at DATETIME(3) NULL,
      body_bytes INT UNSIGNED NOT NULL,
      body_gzip MEDIUMBLOB NULL,
      PRIMARY KEY (source_id, installation_key, id),
      UNIQUE KEY uq_webhook_deliveries_delivery (source_id, delivery_key),
      KEY ix_webhook_deliveries_status (status, received_at)
    ) ${TABLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_hooks');
  }
}
