import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook processing (issue 19, phase 2).
 * - repositories: what the host said of a repository's life (`host_deleted_at`: deleted on the
 *   host; `host_unavailable_at`: taken out of an app installation's selection), marked, never
 *   dropped; and its last webhook event (event, action, when received, the delivery), written by
 *   processing on the row it changed, so reading it costs no statement of its own.
 * - code_host_accounts: `ix_code_host_accounts_installation (app_id, external_id)`, the lookup of
 *   the accounts that link a GitHub App installation (one per tenant that connected it), so a
 *   delivery finds its tenants on an index however many accounts an app has.
 */
export class WebhookProcessing1764520000000 implements MigrationInterface {
  name = 'WebhookProcessing1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories
      ADD COLUMN host_deleted_at DATETIME(3) NULL,
      ADD COLUMN host_unavailable_at DATETIME(3) NULL,
      ADD COLUMN last_webhook_event VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN last_webhook_action VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN last_webhook_received_at DATETIME(3) NULL,
      ADD COLUMN last_webhook_delivery_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL`);
    await q.query('ALTER TABLE code_host_accounts ADD KEY ix_code_host_accounts_installation (app_id, external_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE code_host_accounts DROP KEY ix_code_host_accounts_installation');
    await q.query(`ALTER TABLE repositories DROP COLUMN last_webhook_delivery_id, DROP COLUMN last_webhook_received_at, DROP COLUMN last_webhook_action,
      DROP COLUMN last_webhook_event, DROP COLUMN host_unavailable_at, DROP COLUMN host_deleted_at`);
  }
}
