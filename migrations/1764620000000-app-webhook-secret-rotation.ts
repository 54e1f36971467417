import type { MigrationInterface, QueryRunner } from 'typeorm';

const ASCII = (n: number) => `VARCHAR(${n}) CHARACTER SET ascii COLLATE ascii_bin`;

/**
 * A GitHub App's webhook secret can be rotated with a window (issue 19), as a hook's can
 * (`webhook_hooks.previous_secret_*`): the secret a rotation replaced, sealed under its own AAD
 * (`code_host_app:…:previous_webhook_secret`, so `credentials:rotate-key` re-seals it with the rest),
 * accepted until `previous_webhook_secret_valid_until`; and when the current one was set. The table
 * holds the operator's handful of apps: no index is needed.
 */
export class AppWebhookSecretRotation1764620000000 implements MigrationInterface {
  name = 'AppWebhookSecretRotation1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE code_host_apps
      ADD COLUMN previous_webhook_secret_key_id ${ASCII(64)} NULL,
      ADD COLUMN previous_webhook_secret_ciphertext VARBINARY(8192) NULL,
      ADD COLUMN previous_webhook_secret_valid_until DATETIME(3) NULL,
      ADD COLUMN webhook_secret_rotated_at DATETIME(3) NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE code_host_apps
      DROP COLUMN webhook_secret_rotated_at,
      DROP COLUMN previous_webhook_secret_valid_until,
      DROP COLUMN previous_webhook_secret_ciphertext,
      DROP COLUMN previous_webhook_secret_key_id`);
  }
}
