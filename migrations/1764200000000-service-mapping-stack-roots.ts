import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A service mapping's stack roots (code mappings: stack root → source root), as a JSON array. */
export class ServiceMappingStackRoots1764200000000 implements MigrationInterface {
  name = 'ServiceMappingStackRoots1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // TEXT, not JSON: MySQL 8 and MariaDB disagree on the JSON type, and it is only read whole.
    await q.query('ALTER TABLE service_mappings ADD COLUMN stack_roots TEXT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE service_mappings DROP COLUMN stack_roots');
  }
}
