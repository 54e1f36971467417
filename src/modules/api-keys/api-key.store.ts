import type { DataSource, EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../../db/entities';
import { paginate, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';

/**
 * The SQL of a project's API keys as people manage them in the dashboard (the admin CLI's
 * statements are in the tenancy module). Every statement runs on an index: the primary key,
 * `ix_api_keys_project` (project_id, created_at, id) for the list and its count.
 */
export class ApiKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  page(db: EntityManager, projectId: string, args: { first?: number | null; after?: string | null; includeRevoked?: boolean | null }, options: ListOptions): Promise<Page<ApiKeyEntity>> {
    const query = db.getRepository(ApiKeyEntity).createQueryBuilder('k').where('k.projectId = :projectId', { projectId });
    if (!args.includeRevoked) query.andWhere('k.revokedAt IS NULL');
    return paginate(query, 'k', args, { db, index: 'ix_api_keys_project' }, options);
  }

  async insert(db: EntityManager, key: ApiKeyEntity): Promise<void> {
    await insertRows(db, ApiKeyEntity, [key]);
  }

  /** The key, if it is one of the project's own (a tenant-scoped or another project's key is "not found"). */
  async findInProject(db: EntityManager, projectId: string, id: string): Promise<ApiKeyEntity | null> {
    return db.getRepository(ApiKeyEntity).findOneBy({ id, projectId });
  }

  /** Sets `revoked_at` once; a revoked key keeps its first revocation time. */
  async revoke(db: EntityManager, projectId: string, id: string): Promise<void> {
    await db.query('UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(3) WHERE id = ? AND project_id = ? AND revoked_at IS NULL', [id, projectId]);
  }

  /** Notes that keys authenticated requests now (a background write; at most one a minute per key and process). */
  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(3) WHERE id IN (${ids.map(() => '?').join(', ')})`, [...ids]);
  }
}
