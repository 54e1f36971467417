import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the reads every list makes, so none of them scans a table or sorts in memory
 * (test/no-full-scan.test.ts):
 * - (project_id, deleted_at, created_at, id): a list of live rows and its count read only the
 *   project's live rows, in page order; the count is covered by the index. The older
 *   (project_id, created_at, id) stays for lists that include deleted rows.
 * - (parent_id, created_at, id) replaces (parent_id): a list filtered by its connection or
 *   repository comes out of the index in page order instead of through a filesort. It still
 *   serves the foreign key, so the old one-column index goes.
 */
export class ListIndexes1764100000000 implements MigrationInterface {
  name = 'ListIndexes1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repo_connections
      ADD KEY ix_repo_connections_live (project_id, deleted_at, created_at, id)`);
    await q.query(`ALTER TABLE repositories
      ADD KEY ix_repositories_live (project_id, deleted_at, created_at, id),
      ADD KEY ix_repositories_connection_list (repo_connection_id, created_at, id),
      DROP KEY ix_repositories_connection`);
    await q.query(`ALTER TABLE service_mappings
      ADD KEY ix_service_mappings_live (project_id, deleted_at, created_at, id),
      ADD KEY ix_service_mappings_repository_list (repository_id, created_at, id),
      ADD KEY ix_service_mappings_connection_list (repo_connection_id, created_at, id),
      DROP KEY ix_service_mappings_repository,
      DROP KEY ix_service_mappings_connection`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_mappings
      ADD KEY ix_service_mappings_repository (repository_id),
      ADD KEY ix_service_mappings_connection (repo_connection_id),
      DROP KEY ix_service_mappings_live,
      DROP KEY ix_service_mappings_repository_list,
      DROP KEY ix_service_mappings_connection_list`);
    await q.query(`ALTER TABLE repositories
      ADD KEY ix_repositories_connection (repo_connection_id),
      DROP KEY ix_repositories_live,
      DROP KEY ix_repositories_connection_list`);
    await q.query('ALTER TABLE repo_connections DROP KEY ix_repo_connections_live');
  }
}
