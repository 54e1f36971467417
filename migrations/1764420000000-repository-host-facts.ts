import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a code host says about a repository beyond its branch and head: whether it is archived, and
 * its own id there, which stays the same through renames and transfers (issue 19's webhooks and
 * reconciliation find a renamed repository by it). Host ids are unique per host only (every GitHub
 * Enterprise Server counts from 1), so the id is stored with the host it belongs to and indexed as
 * the pair. Text, not a number: Bitbucket's id is a `{uuid}`. Added columns only; existing rows get
 * `archived = false` and no id until a sync or a verified connect reads them.
 */
export class RepositoryHostFacts1764420000000 implements MigrationInterface {
  name = 'RepositoryHostFacts1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories
      ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE,
      ADD COLUMN platform_host VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN host_repository_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD KEY ix_repositories_host_id (platform_host, host_repository_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE repositories DROP KEY ix_repositories_host_id, DROP COLUMN host_repository_id, DROP COLUMN platform_host, DROP COLUMN archived');
  }
}
