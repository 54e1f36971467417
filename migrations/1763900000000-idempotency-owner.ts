import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The claim token of an in-flight idempotent request, so only its owner stores the response. */
export class IdempotencyOwner1763900000000 implements MigrationInterface {
  name = 'IdempotencyOwner1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_records ADD COLUMN owner CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER request_hash`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_records DROP COLUMN owner`);
  }
}
