import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Request counts per caller and minute, shared by every server process. */
export class RateLimits1763910000000 implements MigrationInterface {
  name = 'RateLimits1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE rate_limit_windows (
      principal VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      window_start DATETIME NOT NULL,
      request_count INT UNSIGNED NOT NULL,
      PRIMARY KEY (principal, window_start),
      KEY ix_rate_limit_windows_start (window_start)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limit_windows');
  }
}
