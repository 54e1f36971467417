import type { EntityManager } from 'typeorm';
import { RepoConnectionEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { QueryRepoConnectionsArgs } from '../../generated/schema-types';
import { lockOwnRow } from '../../db/locks';
import { paginate, paginateRows, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';
import type { SealedValue } from '../crypto';

/** A connection as a sync reads it: what it needs to ask the platform, credentials included. */
export interface ConnectionForSync {
  id: string;
  tenantId: string;
  projectId: string;
  platform: Platform;
  baseUrl: string | null;
  /** Null for a connection through a code-host account. */
  credentialsKeyId: string | null;
  credentialsCiphertext: Buffer | null;
  /** The account it reads through, or null when it has credentials of its own. */
  codeHostAccountId: string | null;
  deletedAt: Date | null;
}

/**
 * The SQL of `repo_connections`. Lists and counts run on the (project_id, …, created_at, id)
 * indexes, everything else on the primary key. Pages and loaders never read the sealed
 * credentials (rows.ts); the statements that do are the ones that open them.
 */
export class RepoConnectionStore {
  async insert(em: EntityManager, connection: RepoConnectionEntity): Promise<void> {
    await insertRows(em, RepoConnectionEntity, [connection]);
  }

  /** A page of the project's connections; `liveCount` counts an unfiltered list of live ones (the project's counter). */
  async page(db: EntityManager, projectId: string, args: QueryRepoConnectionsArgs, liveCount: () => Promise<number>, options: ListOptions): Promise<Page<RepoConnectionEntity>> {
    const filter = args.filter ?? {};
    // The unfiltered list of live ones (the dashboard's, the shim's): its SQL written here, the builder's statement without the builder.
    if (!filter.includeDeleted && !filter.platform) {
      return paginateRows({ db, entity: RepoConnectionEntity, where: '`e`.`project_id` = ? AND `e`.`deleted_at` IS NULL', parameters: [projectId] }, args, liveCount, options);
    }
    const query = db.getRepository(RepoConnectionEntity).createQueryBuilder('c').where('c.projectId = :projectId', { projectId });
    if (!filter.includeDeleted) query.andWhere('c.deletedAt IS NULL');
    if (filter.platform) query.andWhere('c.platform = :platform', { platform: filter.platform });
    return paginate(query, 'c', args, filter.includeDeleted ? undefined : filter.platform ? { db, index: 'ix_repo_connections_live' } : liveCount, options);
  }

  /** A connection of the project (live or deleted), locked for the rest of the transaction; NOT_FOUND otherwise. */
  async lockOwn(em: EntityManager, projectId: string, id: string): Promise<RepoConnectionEntity> {
    return lockOwnRow(em, RepoConnectionEntity, 'Repo connection', projectId, id);
  }

  /** A connection known to exist (a repository points at it). */
  async byId(em: EntityManager, id: string): Promise<RepoConnectionEntity> {
    return em.getRepository(RepoConnectionEntity).findOneByOrFail({ id });
  }

  /** The project's newest live connections of a platform, in full (credentials included); a project has few. */
  async liveOfPlatform(db: EntityManager, projectId: string, platform: Platform, limit: number): Promise<RepoConnectionEntity[]> {
    // Newest first on ix_repo_connections_list (project_id, created_at, id).
    return db
      .getRepository(RepoConnectionEntity)
      .createQueryBuilder('c')
      .where('c.projectId = :projectId AND c.platform = :platform AND c.deletedAt IS NULL', { projectId, platform })
      .orderBy('c.createdAt', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** The ids of the tenant's live connections made through a code-host account (on ix_repo_connections_account). */
  async liveIdsOfAccount(db: EntityManager, tenantId: string, accountId: string): Promise<string[]> {
    const rows: { id: string }[] = await db.query('SELECT id FROM repo_connections FORCE INDEX (ix_repo_connections_account) WHERE code_host_account_id = ? AND tenant_id = ? AND deleted_at IS NULL', [
      accountId,
      tenantId,
    ]);
    return rows.map((r) => r.id);
  }

  async update(em: EntityManager, id: string, set: Partial<RepoConnectionEntity>): Promise<void> {
    await em.getRepository(RepoConnectionEntity).update({ id }, set);
  }

  /** A connection of a project as a sync reads it, or null. */
  async forSync(db: EntityManager, id: string, projectId: string): Promise<ConnectionForSync | null> {
    const [connection] = await db.query(
      `SELECT id, tenant_id AS tenantId, project_id AS projectId, platform, base_url AS baseUrl, credentials_key_id AS credentialsKeyId,
              credentials_ciphertext AS credentialsCiphertext, code_host_account_id AS codeHostAccountId, deleted_at AS deletedAt
         FROM repo_connections WHERE id = ? AND project_id = ?`,
      [id, projectId],
    );
    return connection ?? null;
  }

  /** A sync was asked for. */
  /** The tenant's live connections made through a code-host account (their ids), on ix_repo_connections_account; at most `limit`. */
  async liveIdsThroughAccount(db: EntityManager, tenantId: string, accountId: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await db.query(
      'SELECT id FROM repo_connections WHERE code_host_account_id = ? AND tenant_id = ? AND deleted_at IS NULL LIMIT ?',
      [accountId, tenantId, limit],
    );
    return rows.map((r) => r.id);
  }

  async markSyncPending(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE repo_connections SET sync_status = 'pending' WHERE id = ?`, [id]);
  }

  /** A sync ended well. */
  async recordSyncOk(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE repo_connections SET sync_status = 'ok', synced_at = UTC_TIMESTAMP(3), sync_error = NULL WHERE id = ?`, [id]);
  }

  /** A sync runs again (a retry, with why; or asked for while it ran, without). */
  async recordSyncPending(em: EntityManager, id: string, error: string | null): Promise<void> {
    await em.query(`UPDATE repo_connections SET sync_status = 'pending', sync_error = ? WHERE id = ?`, [error, id]);
  }

  /** A sync failed for good: why, in our own words. */
  async recordSyncError(em: EntityManager, id: string, error: string): Promise<void> {
    await em.query(`UPDATE repo_connections SET sync_status = 'error', sync_error = ? WHERE id = ?`, [error.slice(0, 1024), id]);
  }

  /** Up to `limit` connections (any project, deleted ones too) after the id `after`, in id order, locked. */
  async lockBatchAfter(em: EntityManager, after: string, limit: number): Promise<RepoConnectionEntity[]> {
    return em.getRepository(RepoConnectionEntity).createQueryBuilder('c').where('c.id > :after', { after }).orderBy('c.id', 'ASC').limit(limit).setLock('pessimistic_write').getMany();
  }

  async updateCredentials(em: EntityManager, id: string, sealed: SealedValue): Promise<void> {
    await em.getRepository(RepoConnectionEntity).update({ id }, { credentialsKeyId: sealed.keyId, credentialsCiphertext: sealed.blob });
  }
}
