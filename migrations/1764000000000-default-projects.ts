import type { MigrationInterface, QueryRunner } from 'typeorm';
import { uuidv7 } from '../src/lib/ids';

const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';

/**
 * Every tenant has a default project, where callers that name none work (Heimdall's contract has
 * no projects). A tenant that already has projects gets its oldest one; a tenant without any gets
 * a new project named "Default".
 */
export class DefaultProjects1764000000000 implements MigrationInterface {
  name = 'DefaultProjects1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN default_project_id ${ID} NULL AFTER plan,
      ADD CONSTRAINT fk_tenants_default_project FOREIGN KEY (default_project_id) REFERENCES projects (id)`);
    await q.query(`UPDATE tenants t SET t.default_project_id = (
      SELECT p.id FROM projects p WHERE p.tenant_id = t.id ORDER BY p.created_at, p.id LIMIT 1
    ) WHERE t.default_project_id IS NULL`);
    const orphans = (await q.query('SELECT id FROM tenants WHERE default_project_id IS NULL')) as { id: string }[];
    for (const { id: tenantId } of orphans) {
      const projectId = uuidv7();
      await q.query(
        `INSERT INTO projects (id, tenant_id, name, repository_count, created_at, updated_at)
         VALUES (?, ?, 'Default', 0, CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3))`,
        [projectId, tenantId],
      );
      await q.query('UPDATE tenants SET default_project_id = ? WHERE id = ?', [projectId, tenantId]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE tenants DROP FOREIGN KEY fk_tenants_default_project, DROP COLUMN default_project_id');
  }
}
