import type { EntityManager } from 'typeorm';
import { RepositoryEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { QueryRepositoriesArgs } from '../../generated/schema-types';
import { lockOwnRow } from '../../db/locks';
import { containsPattern, paginate, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';

/** What a platform said about a repository beyond its path: stored by a sync or a verified connect. */
export interface RepositoryHostFacts {
  defaultBranch: string | null;
  headCommit: string | null;
  archived: boolean | null;
  /** The host `hostRepositoryId` belongs to (platformHost()); stored only with it. */
  platformHost: string | null;
  hostRepositoryId: string | null;
}

/**
 * The SQL of `repositories`. Lists and counts run on the (project_id, …, created_at, id) indexes,
 * the conflict check on the unique live_path index, children of a connection on
 * ix_repositories_connection_list, a host's repository by its id on ix_repositories_host_id.
 */
export class RepositoryStore {
  /** One multi-row INSERT (none for no rows). */
  async insert(em: EntityManager, rows: readonly RepositoryEntity[]): Promise<void> {
    await insertRows(em, RepositoryEntity, rows);
  }

  /** A page of the project's repositories; `liveCount` counts an unfiltered list of live ones (the project's counter). */
  async page(db: EntityManager, projectId: string, args: QueryRepositoriesArgs, liveCount: () => Promise<number>, options: ListOptions): Promise<Page<RepositoryEntity>> {
    const filter = args.filter ?? {};
    const query = db.getRepository(RepositoryEntity).createQueryBuilder('r').where('r.projectId = :projectId', { projectId });
    if (!filter.includeDeleted) query.andWhere('r.deletedAt IS NULL');
    if (filter.sourceType) query.andWhere('r.sourceType = :sourceType', { sourceType: filter.sourceType });
    if (filter.platform) query.andWhere('r.sourceType = :platform', { platform: filter.platform });
    if (filter.repoConnectionId) query.andWhere('r.repoConnectionId = :connectionId', { connectionId: filter.repoConnectionId });
    if (filter.nameContains) query.andWhere('r.name LIKE :name', { name: containsPattern(filter.nameContains) });
    const counter = !filter.includeDeleted && !filter.sourceType && !filter.platform && !filter.repoConnectionId && !filter.nameContains;
    return paginate(query, 'r', args, counter ? liveCount : filter.includeDeleted || filter.repoConnectionId ? undefined : { db, index: 'ix_repositories_live' }, options);
  }

  /** A repository of the project (live or deleted), locked for the rest of the transaction; NOT_FOUND otherwise. */
  async lockOwn(em: EntityManager, projectId: string, id: string): Promise<RepositoryEntity> {
    return lockOwnRow(em, RepositoryEntity, 'Repository', projectId, id);
  }

  /** A live repository of the project, locked so it cannot be deleted under a new mapping (FOR UPDATE: MariaDB has no FOR SHARE); null otherwise. */
  async lockLive(em: EntityManager, projectId: string, id: string): Promise<RepositoryEntity | null> {
    return em
      .getRepository(RepositoryEntity)
      .createQueryBuilder('r')
      .where('r.id = :id AND r.projectId = :projectId AND r.deletedAt IS NULL', { id, projectId })
      .setLock('pessimistic_write')
      .getOne();
  }

  async update(em: EntityManager, id: string, set: Partial<RepositoryEntity>): Promise<void> {
    await em.getRepository(RepositoryEntity).update({ id }, set);
  }

  /** The live repositories of a connection. */
  async liveOfConnection(em: EntityManager, connectionId: string): Promise<RepositoryEntity[]> {
    return em.getRepository(RepositoryEntity).createQueryBuilder('r').where('r.repoConnectionId = :id AND r.deletedAt IS NULL', { id: connectionId }).getMany();
  }

  /** Id and path of a connection's live repositories (what a sync asks the platform about). */
  async livePathsOfConnection(db: EntityManager, connectionId: string): Promise<{ id: string; path: string }[]> {
    return db.query('SELECT id, path FROM repositories WHERE repo_connection_id = ? AND deleted_at IS NULL', [connectionId]);
  }

  /**
   * The given paths already live in the project on this platform, lower-cased. Reads the unique
   * index on the generated live_path column (NULL once deleted): one index lookup per path however
   * many rows the project holds; its collation is case-insensitive like the uniqueness rule itself.
   */
  async livePathsTaken(em: EntityManager, projectId: string, platform: Platform, paths: readonly string[]): Promise<Set<string>> {
    const existing: { path: string }[] =
      paths.length === 0
        ? []
        : await em.query(`SELECT live_path AS path FROM repositories WHERE project_id = ? AND source_type = ? AND live_path IN (${paths.map(() => '?').join(', ')})`, [
            projectId,
            platform,
            ...paths,
          ]);
    return new Set(existing.map((r) => r.path.toLowerCase()));
  }

  /** Soft-deletes repositories by id. */
  async softDelete(em: EntityManager, ids: readonly string[], now: Date): Promise<void> {
    await em.createQueryBuilder().update(RepositoryEntity).set({ deletedAt: now, updatedAt: now }).where('id IN (:...ids)', { ids }).execute();
  }

  /** Soft-deletes a connection's live repositories; answers how many, for the project's counters. */
  async softDeleteOfConnection(em: EntityManager, connectionId: string, now: Date): Promise<number> {
    const released = await em
      .createQueryBuilder()
      .update(RepositoryEntity)
      .set({ deletedAt: now, updatedAt: now })
      .where('repoConnectionId = :id AND deletedAt IS NULL', { id: connectionId })
      .execute();
    return released.affected ?? 0;
  }

  /** A sync was asked for: the connection's live repositories show it pending. */
  async markSyncPendingOfConnection(em: EntityManager, connectionId: string): Promise<void> {
    await em.query(`UPDATE repositories SET sync_status = 'pending' WHERE repo_connection_id = ? AND deleted_at IS NULL`, [connectionId]);
  }

  /**
   * A sync read the repository: its default branch, head, archived flag and host id (each kept when
   * null; the host is written with the id only) and the time. `problem` null: the sync is OK; else
   * it is an ERROR that says why although the facts were read (a repository that moved, read at
   * its new place: the stored path changes only through webhooks or reconciliation).
   */
  async recordSyncFound(em: EntityManager, id: string, facts: RepositoryHostFacts, problem: string | null = null): Promise<void> {
    const withHost = facts.hostRepositoryId !== null && facts.platformHost !== null;
    await em.query(
      `UPDATE repositories SET default_branch = COALESCE(?, default_branch), last_commit_sha = COALESCE(?, last_commit_sha), archived = COALESCE(?, archived),
         platform_host = COALESCE(?, platform_host), host_repository_id = COALESCE(?, host_repository_id),
         sync_status = IF(? IS NULL, 'ok', 'error'), synced_at = UTC_TIMESTAMP(3), sync_error = ? WHERE id = ?`,
      [facts.defaultBranch, facts.headCommit, facts.archived, withHost ? facts.platformHost : null, withHost ? facts.hostRepositoryId : null, problem, problem?.slice(0, 1024) ?? null, id],
    );
  }

  /**
   * The live repositories that a host's repository is connected as, in every project (a webhook or a
   * reconciliation names a repository by its host and its id there, which survive renames). Reads
   * ix_repositories_host_id; at most `limit` rows.
   */
  async liveByHostRepositoryId(db: EntityManager, platformHost: string, hostRepositoryId: string, limit = 1000): Promise<Pick<RepositoryEntity, 'id' | 'tenantId' | 'projectId' | 'repoConnectionId' | 'path'>[]> {
    return db.query(
      'SELECT id, tenant_id AS tenantId, project_id AS projectId, repo_connection_id AS repoConnectionId, path FROM repositories WHERE platform_host = ? AND host_repository_id = ? AND deleted_at IS NULL LIMIT ?',
      [platformHost.toLowerCase(), hostRepositoryId, limit],
    );
  }

  /**
   * A batch of the tenant's live repositories of a source type that wait for a code-host account:
   * not linked to one (`oauth_connection_id` NULL) and not in a connection, after `afterId` in id
   * order. On ix_repositories_oauth_link: the rows read are the waiting ones, never the rest.
   */
  async waitingForAccount(db: EntityManager, tenantId: string, sourceType: Platform, afterId: string, limit: number): Promise<{ id: string; path: string; remoteUrl: string | null }[]> {
    return db.query(
      `SELECT id, path, remote_url AS remoteUrl FROM repositories FORCE INDEX (ix_repositories_oauth_link)
        WHERE tenant_id = ? AND source_type = ? AND oauth_connection_id IS NULL AND repo_connection_id IS NULL AND deleted_at IS NULL AND id > ?
        ORDER BY id LIMIT ?`,
      [tenantId, sourceType, afterId, limit],
    );
  }

  /** Links waiting repositories (still unlinked, outside connections, live) to an account; answers how many. One statement, on the primary key. */
  async linkToAccount(em: EntityManager, ids: readonly string[], accountId: string, now: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await em.query(
      `UPDATE repositories SET oauth_connection_id = ?, updated_at = ?
        WHERE id IN (${ids.map(() => '?').join(', ')}) AND oauth_connection_id IS NULL AND repo_connection_id IS NULL AND deleted_at IS NULL`,
      [accountId, now, ...ids],
    );
    return Number(result?.affectedRows ?? 0);
  }

  /** A sync could not read the repository: why, in our own words. */
  async recordSyncError(em: EntityManager, id: string, error: string): Promise<void> {
    await em.query(`UPDATE repositories SET sync_status = 'error', sync_error = ? WHERE id = ?`, [error.slice(0, 1024), id]);
  }
}
