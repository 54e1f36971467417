import type { EntityManager } from 'typeorm';
import { RepositoryEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { QueryRepositoriesArgs } from '../../generated/schema-types';
import { lockOwnRow } from '../../db/locks';
import { containsPattern, paginate, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';
import { runStatement } from '../../db/driver';

/** What a platform said about a repository beyond its path: stored by a sync or a verified connect. */
export interface RepositoryHostFacts {
  defaultBranch: string | null;
  headCommit: string | null;
  archived: boolean | null;
  /** The host `hostRepositoryId` belongs to (platformHost()); stored only with it. */
  platformHost: string | null;
  hostRepositoryId: string | null;
}

/** A repository a webhook names by its host id, as processing reads it (locked). */
export interface HostMatchedRepository {
  id: string;
  tenantId: string;
  projectId: string;
  repoConnectionId: string | null;
  sourceType: RepositoryEntity['sourceType'];
  name: string;
  path: string;
  remoteUrl: string | null;
  defaultBranch: string;
  lastCommitSha: string | null;
  archived: boolean;
  hostDeletedAt: Date | null;
  hostUnavailableAt: Date | null;
  lastWebhookReceivedAt: Date | null;
}

/** What a webhook changes on a repository (each field only when given). */
export interface WebhookRepositoryChange {
  /** The new head of the default branch; `synced_at` becomes now with it. */
  lastCommitSha?: string;
  defaultBranch?: string;
  /** The stored path follows a rename or a transfer (with the name and the remote URL). */
  moved?: { path: string; name: string; remoteUrl: string | null };
  archived?: boolean;
  /** True: deleted on the host now. */
  hostDeleted?: true;
  /** True: out of the installation's selection now; false: back in it. */
  hostUnavailable?: boolean;
}

/** A repository as reconciliation reads it: the webhook's view and the host id it is known by. */
export interface ReconciledRepository extends HostMatchedRepository {
  platformHost: string | null;
  hostRepositoryId: string | null;
}

/**
 * What reconciliation changes on a repository (each field only when given): the facts of the
 * host's listing, the host id learned for a repository that had none, and the availability marks.
 */
export interface ReconciledChange {
  defaultBranch?: string;
  moved?: { path: string; name: string; remoteUrl: string | null };
  archived?: boolean;
  /** True: gone from the account's complete listing now; false: listed again (the deleted mark goes too: the host shows it). */
  hostUnavailable?: boolean;
  hostId?: { platformHost: string; hostRepositoryId: string };
}

const RECONCILED_COLUMNS = `id, tenant_id, project_id, repo_connection_id, source_type, name, path, remote_url, default_branch, last_commit_sha, archived,
  host_deleted_at, host_unavailable_at, last_webhook_received_at, platform_host, host_repository_id`;

/** A row read by host id (webhook processing): what its handlers compare and change. */
function hostMatchedFromRow(r: Record<string, unknown>): HostMatchedRepository {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    projectId: r.project_id as string,
    repoConnectionId: (r.repo_connection_id as string | null) ?? null,
    sourceType: r.source_type as RepositoryEntity['sourceType'],
    name: r.name as string,
    path: r.path as string,
    remoteUrl: (r.remote_url as string | null) ?? null,
    defaultBranch: r.default_branch as string,
    lastCommitSha: (r.last_commit_sha as string | null) ?? null,
    archived: Boolean(Number(r.archived)),
    hostDeletedAt: (r.host_deleted_at as Date | null) ?? null,
    hostUnavailableAt: (r.host_unavailable_at as Date | null) ?? null,
    lastWebhookReceivedAt: (r.last_webhook_received_at as Date | null) ?? null,
  };
}

function matchedFromRow(r: Record<string, unknown>): ReconciledRepository {
  return {
    ...hostMatchedFromRow(r),
    platformHost: (r.platform_host as string | null) ?? null,
    hostRepositoryId: (r.host_repository_id as string | null) ?? null,
  };
}

/** The delivery recorded as a repository's last webhook event. */
export interface WebhookEventStamp {
  event: string;
  action: string | null;
  receivedAt: Date;
  deliveryId: string;
}

/**
 * The SQL of `repositories`. Lists and counts run on the (project_id, …, created_at, id) indexes,
 * the conflict check on the unique live_path index, children of a connection on
 * ix_repositories_connection_list, a host's repository by its id on ix_repositories_host_id, an
 * account's Heimdall sources (reconciliation) on ix_repositories_oauth_link.
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
        : await runStatement<{ path: string }[]>(em, `SELECT live_path AS path FROM repositories WHERE project_id = ? AND source_type = ? AND live_path IN (${paths.map(() => '?').join(', ')})`, [
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
   * The live repositories of the given tenants that a host's repository is connected as, locked for
   * webhook processing (in id order, so two deliveries lock them in the same order). Reads
   * ix_repositories_host_id (its entries end with the primary key: no sort).
   */
  async lockLiveByHostRepositoryId(em: EntityManager, platformHost: string, hostRepositoryId: string, tenantIds: readonly string[]): Promise<HostMatchedRepository[]> {
    if (tenantIds.length === 0) return [];
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT id, tenant_id, project_id, repo_connection_id, source_type, name, path, remote_url, default_branch, last_commit_sha, archived,
              host_deleted_at, host_unavailable_at, last_webhook_received_at
         FROM repositories FORCE INDEX (ix_repositories_host_id)
        WHERE platform_host = ? AND host_repository_id = ? AND deleted_at IS NULL AND tenant_id IN (${tenantIds.map(() => '?').join(', ')})
        ORDER BY id LIMIT 1000 FOR UPDATE`,
      [platformHost.toLowerCase(), hostRepositoryId, ...tenantIds],
    );
    return rows.map(hostMatchedFromRow);
  }

  /**
   * The live repositories of one of the tenant's connections, locked for webhook processing (on
   * ix_repositories_connection_list; a connection holds at most a few hundred).
   */
  async lockLiveOfConnection(em: EntityManager, tenantId: string, connectionId: string): Promise<{ id: string; hostUnavailableAt: Date | null }[]> {
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT id, host_unavailable_at FROM repositories FORCE INDEX (ix_repositories_connection_list)
        WHERE repo_connection_id = ? AND tenant_id = ? AND deleted_at IS NULL FOR UPDATE`,
      [connectionId, tenantId],
    );
    return rows.map((r) => ({ id: r.id as string, hostUnavailableAt: (r.host_unavailable_at as Date | null) ?? null }));
  }

  /**
   * A batch of the tenant's live repositories linked to a code-host account outside connections
   * (Heimdall's, `oauth_connection_id`), after `afterId` in id order, locked for webhook processing.
   * On ix_repositories_oauth_link: the rows read are the account's, never the rest.
   */
  async lockLiveLinkedToAccount(em: EntityManager, tenantId: string, sourceType: Platform, accountId: string, afterId: string, limit: number): Promise<{ id: string; hostUnavailableAt: Date | null }[]> {
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT id, host_unavailable_at FROM repositories FORCE INDEX (ix_repositories_oauth_link)
        WHERE tenant_id = ? AND source_type = ? AND oauth_connection_id = ? AND repo_connection_id IS NULL AND deleted_at IS NULL AND id > ?
        ORDER BY id LIMIT ? FOR UPDATE`,
      [tenantId, sourceType, accountId, afterId, limit],
    );
    return rows.map((r) => ({ id: r.id as string, hostUnavailableAt: (r.host_unavailable_at as Date | null) ?? null }));
  }

  /**
   * Marks repositories unavailable on the host (the access they were read through is gone) and
   * records the delivery as their last event, in one UPDATE on the primary key. `updated_at` moves
   * only on rows the mark changes (assignments run left to right: it reads the old mark).
   */
  async markUnavailableByWebhook(em: EntityManager, ids: readonly string[], stamp: WebhookEventStamp): Promise<void> {
    if (ids.length === 0) return;
    await em.query(
      `UPDATE repositories SET updated_at = IF(host_unavailable_at IS NULL, UTC_TIMESTAMP(3), updated_at), host_unavailable_at = COALESCE(host_unavailable_at, UTC_TIMESTAMP(3)),
         last_webhook_event = ?, last_webhook_action = ?, last_webhook_received_at = ?, last_webhook_delivery_id = ?
        WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [stamp.event.slice(0, 64), stamp.action?.slice(0, 64) ?? null, stamp.receivedAt, stamp.deliveryId, ...ids],
    );
  }

  /**
   * Applies what a webhook delivery says to one repository and records the delivery as its last
   * event, in one UPDATE on the primary key. `updated_at` moves only when a fact changed.
   */
  async applyWebhookChange(em: EntityManager, id: string, change: WebhookRepositoryChange, stamp: WebhookEventStamp): Promise<void> {
    const set: string[] = [];
    const params: unknown[] = [];
    if (change.lastCommitSha !== undefined) {
      set.push('last_commit_sha = ?', 'synced_at = UTC_TIMESTAMP(3)');
      params.push(change.lastCommitSha);
    }
    if (change.defaultBranch !== undefined) {
      set.push('default_branch = ?');
      params.push(change.defaultBranch);
    }
    if (change.moved !== undefined) {
      set.push('path = ?', 'name = ?', 'remote_url = ?');
      params.push(change.moved.path, change.moved.name, change.moved.remoteUrl);
    }
    if (change.archived !== undefined) {
      set.push('archived = ?');
      params.push(change.archived);
    }
    if (change.hostDeleted) set.push('host_deleted_at = COALESCE(host_deleted_at, UTC_TIMESTAMP(3))');
    if (change.hostUnavailable === true) set.push('host_unavailable_at = COALESCE(host_unavailable_at, UTC_TIMESTAMP(3))');
    if (change.hostUnavailable === false) set.push('host_unavailable_at = NULL');
    if (set.length > 0) set.push('updated_at = UTC_TIMESTAMP(3)');
    set.push('last_webhook_event = ?', 'last_webhook_action = ?', 'last_webhook_received_at = ?', 'last_webhook_delivery_id = ?');
    params.push(stamp.event.slice(0, 64), stamp.action?.slice(0, 64) ?? null, stamp.receivedAt, stamp.deliveryId, id);
    await em.query(`UPDATE repositories SET ${set.join(', ')} WHERE id = ?`, params);
  }

  // ---- reconciliation (src/modules/reconciliation/) ------------------------------------------------

  /** The live repositories of these connections (an account's), on ix_repositories_connection_list. */
  async liveOfConnectionsForReconcile(db: EntityManager, connectionIds: readonly string[]): Promise<ReconciledRepository[]> {
    if (connectionIds.length === 0) return [];
    const rows: Record<string, unknown>[] = await db.query(
      `SELECT ${RECONCILED_COLUMNS} FROM repositories FORCE INDEX (ix_repositories_connection_list)
        WHERE repo_connection_id IN (${connectionIds.map(() => '?').join(', ')}) AND deleted_at IS NULL`,
      [...connectionIds],
    );
    return rows.map(matchedFromRow);
  }

  /** The tenant's live repositories outside connections linked to an account (Heimdall sources), on ix_repositories_oauth_link; at most `limit`. */
  async liveLinkedToAccountForReconcile(db: EntityManager, tenantId: string, sourceType: Platform, accountId: string, limit: number): Promise<ReconciledRepository[]> {
    const rows: Record<string, unknown>[] = await db.query(
      `SELECT ${RECONCILED_COLUMNS} FROM repositories FORCE INDEX (ix_repositories_oauth_link)
        WHERE tenant_id = ? AND source_type = ? AND oauth_connection_id = ? AND repo_connection_id IS NULL AND deleted_at IS NULL LIMIT ?`,
      [tenantId, sourceType, accountId, limit],
    );
    return rows.map(matchedFromRow);
  }

  /** These repositories, still live, locked in id order (the order webhook processing locks in) for the transaction that stores a run's results. */
  async lockLiveForReconcile(em: EntityManager, ids: readonly string[]): Promise<ReconciledRepository[]> {
    if (ids.length === 0) return [];
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT ${RECONCILED_COLUMNS} FROM repositories WHERE id IN (${ids.map(() => '?').join(', ')}) AND deleted_at IS NULL ORDER BY id FOR UPDATE`,
      [...ids],
    );
    return rows.map(matchedFromRow);
  }

  /** Applies what reconciliation found to one repository, in one UPDATE on the primary key; `updated_at` moves with it. */
  async applyReconciledChange(em: EntityManager, id: string, change: ReconciledChange): Promise<void> {
    const set: string[] = [];
    const params: unknown[] = [];
    if (change.defaultBranch !== undefined) {
      set.push('default_branch = ?');
      params.push(change.defaultBranch);
    }
    if (change.moved !== undefined) {
      set.push('path = ?', 'name = ?', 'remote_url = ?');
      params.push(change.moved.path, change.moved.name, change.moved.remoteUrl);
    }
    if (change.archived !== undefined) {
      set.push('archived = ?');
      params.push(change.archived);
    }
    if (change.hostId !== undefined) {
      set.push('platform_host = ?', 'host_repository_id = ?');
      params.push(change.hostId.platformHost.toLowerCase(), change.hostId.hostRepositoryId);
    }
    if (change.hostUnavailable === true) set.push('host_unavailable_at = COALESCE(host_unavailable_at, UTC_TIMESTAMP(3))');
    if (change.hostUnavailable === false) set.push('host_unavailable_at = NULL', 'host_deleted_at = NULL');
    if (set.length === 0) return;
    set.push('updated_at = UTC_TIMESTAMP(3)');
    await em.query(`UPDATE repositories SET ${set.join(', ')} WHERE id = ?`, [...params, id]);
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
