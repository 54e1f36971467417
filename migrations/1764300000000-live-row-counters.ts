import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters of live connections and mappings on the project row, beside `repository_count` (the
 * quota counter, live repositories), so that an unfiltered list's `totalCount` is one primary-key
 * read. The columns are added, then filled from the rows in one UPDATE: a single statement, so one
 * transaction, whose subqueries read each project's rows on its (project_id, deleted_at, …) index.
 */
export class LiveRowCounters1764300000000 implements MigrationInterface {
  name = 'LiveRowCounters1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projects
      ADD COLUMN connection_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER repository_count,
      ADD COLUMN mapping_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER connection_count`);
    await q.query(`UPDATE projects p SET
      p.connection_count = (SELECT COUNT(*) FROM repo_connections c WHERE c.project_id = p.id AND c.deleted_at IS NULL),
      p.mapping_count = (SELECT COUNT(*) FROM service_mappings m WHERE m.project_id = p.id AND m.deleted_at IS NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE projects DROP COLUMN mapping_count, DROP COLUMN connection_count');
  }
}
