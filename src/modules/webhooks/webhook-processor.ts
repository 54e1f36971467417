import { gunzipSync } from 'node:zlib';
import type { DataSource, EntityManager } from 'typeorm';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { WebhookDeliveryStatus } from '../../db/entities/webhook-delivery.entity';
import { isDatabaseUnavailable } from '../../db/transaction';
import type { CodeHostAccountStore } from '../code-host-accounts/code-host-account.store';
import { platformHost } from '../platforms/platform-facts';
import type { RepoConnectionStore } from '../repo-connections/repo-connection.store';
import type { HostMatchedRepository, RepositoryStore, WebhookEventStamp, WebhookRepositoryChange } from '../repositories/repository.store';
import type { SyncService } from '../sync/sync.service';
import { parseBody, readIntent, type WebhookIntent } from './webhook-events';
import type { QueuedDelivery, WebhookStore } from './webhook.store';

interface Log {
  warn(obj: object, msg: string): void;
}

const QUIET: Log = { warn: () => undefined };

/** Deliveries claimed per transaction. */
export const PROCESS_BATCH = 25;
/** Repositories marked per statement when an installation's access ends. */
const MARK_BATCH = 500;

type Done = { status: Exclude<WebhookDeliveryStatus, 'queued'>; outcome: string };

/** Where a delivery came from: the tenants it may change and the host its ids belong to. */
interface Source {
  host: Platform;
  platformHost: string;
  /** The tenants the endpoint belongs to: a hook's tenant, or the tenants whose accounts link the app's installation. */
  tenantIds: string[];
  /** The accounts that link the installation (app deliveries). */
  accounts: { id: string; tenantId: string; status: string }[];
}

const plural = (n: number, word: string) => `${n} ${n === 1 ? word : word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
const short = (sha: string) => sha.slice(0, 12);
/** MariaDB's lock wait timeout rolls back the statement only: the batch is given up and claimed again later. */
const isLockWaitTimeout = (error: unknown) => ((error as { driverError?: { errno?: number }; errno?: number })?.driverError?.errno ?? (error as { errno?: number })?.errno) === 1205;

/** The remote URL of a repository that moved: the same address with the new path, when it ended with the old one. */
export function movedRemoteUrl(remoteUrl: string | null, oldPath: string, newPath: string): string | null {
  if (remoteUrl === null) return null;
  for (const suffix of [`/${oldPath}.git`, `/${oldPath}`]) {
    if (remoteUrl.toLowerCase().endsWith(suffix.toLowerCase())) return `${remoteUrl.slice(0, remoteUrl.length - suffix.length)}/${newPath}${suffix.endsWith('.git') ? '.git' : ''}`;
  }
  return remoteUrl;
}

/**
 * Processing of verified deliveries (issue 19 §2). A batch of queued deliveries is claimed in one
 * transaction (FOR UPDATE SKIP LOCKED on the time index); each delivery is applied in a savepoint
 * of it, so its changes are all or nothing, and is marked `processed` (it concerned stored rows),
 * `ignored` (nothing stored is concerned, or the event is not one repolink keeps) or `failed`, with
 * an outcome in our own words, its body dropped. A delivery changes only rows of the tenants its
 * endpoint belongs to: a hook's tenant, or the tenants whose accounts link the app installation it
 * names; repositories are matched by the host's id on the endpoint's host, never by path.
 */
export class WebhookProcessor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: WebhookStore,
    private readonly repositories: RepositoryStore,
    private readonly accounts: Pick<CodeHostAccountStore, 'appById' | 'lockLiveByInstallation' | 'setStatusFromHost' | 'endAccount'>,
    private readonly sync: Pick<SyncService, 'enqueue'>,
    private readonly connections: Pick<RepoConnectionStore, 'liveIdsOfAccount'>,
  ) {}

  /** Claims and processes one batch; answers how many deliveries it took (0: the queue is empty). */
  async runBatch(limit = PROCESS_BATCH, log: Log = QUIET, sources: readonly string[] | null = null): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const batch = await this.store.claimQueued(em, limit, sources);
      for (const delivery of batch) {
        let done: Done;
        try {
          done = await em.transaction((inner) => this.apply(inner, delivery));
        } catch (error) {
          // The database away, a deadlock (InnoDB rolled the whole transaction back) or a lock wait: the batch stays queued for later.
          if (isDatabaseUnavailable(error) || isLockWaitTimeout(error)) throw error;
          const code = String((error as { code?: unknown })?.code ?? (error as { name?: unknown })?.name ?? 'unknown');
          log.warn({ delivery: delivery.id, source: delivery.sourceId, code }, 'webhook delivery could not be processed');
          done = { status: 'failed', outcome: `processing failed (${code}); nothing of it was applied` };
        }
        await this.store.finishDelivery(em, delivery, done.status, done.outcome);
      }
      return batch.length;
    });
  }

  /** Processes batches until the queue (of `sources`, when given) is empty or `max` batches ran. */
  async drain(options: { log?: Log; max?: number; sources?: readonly string[] } = {}): Promise<number> {
    let total = 0;
    for (let i = 0; i < (options.max ?? 40); i++) {
      const n = await this.runBatch(PROCESS_BATCH, options.log ?? QUIET, options.sources ?? null);
      total += n;
      if (n < PROCESS_BATCH) break;
    }
    return total;
  }

  private async apply(em: EntityManager, delivery: QueuedDelivery): Promise<Done> {
    if (delivery.bodyGzip === null) return { status: 'failed', outcome: 'the body was not kept' };
    const doc = parseBody(gunzipSync(delivery.bodyGzip).toString('utf8'));
    if (doc === null) return { status: 'failed', outcome: 'not the JSON document the host sends' };
    const intent = readIntent(delivery.host, delivery.event, doc);
    if (intent.kind === 'none') return { status: 'ignored', outcome: intent.reason };

    const source = await this.source(em, delivery);
    if ('ignored' in source) return { status: 'ignored', outcome: source.ignored };
    const stamp: WebhookEventStamp = { event: delivery.event, action: delivery.action, receivedAt: delivery.receivedAt, deliveryId: delivery.id };

    if (intent.kind === 'installation') return this.installation(em, source, intent, stamp);
    if (intent.kind === 'installation_repositories') {
      const parts: string[] = [];
      let matched = 0;
      for (const [ids, unavailable] of [
        [intent.removed, true],
        [intent.added, false],
      ] as const) {
        let changed = 0;
        for (const hostId of ids) {
          for (const row of await this.repositories.lockLiveByHostRepositoryId(em, source.platformHost, hostId, source.tenantIds)) {
            matched++;
            const now = row.hostUnavailableAt !== null;
            if (now !== unavailable) changed++;
            await this.repositories.applyWebhookChange(em, row.id, now !== unavailable ? { hostUnavailable: unavailable } : {}, stamp);
          }
        }
        if (ids.length > 0) parts.push(`${plural(changed, 'repository')} ${unavailable ? 'marked unavailable' : 'available again'}`);
      }
      if (matched === 0) return { status: 'ignored', outcome: 'none of the repositories added or removed is stored for the installation’s tenants' };
      return { status: 'processed', outcome: parts.join('; ') };
    }

    const rows = await this.repositories.lockLiveByHostRepositoryId(em, source.platformHost, intent.hostRepositoryId, source.tenantIds);
    if (rows.length === 0) return { status: 'ignored', outcome: `no stored repository has id ${intent.hostRepositoryId} on ${source.platformHost}` };
    const outcomes = new Set<string>();
    const resync = new Map<string, HostMatchedRepository>();
    for (const row of rows) {
      const { change, outcome, sync } = await this.changeFor(em, delivery, intent, row, doc);
      if (outcome === 'stale') {
        outcomes.add('older than the last event applied: left as it was');
        continue;
      }
      await this.repositories.applyWebhookChange(em, row.id, change, stamp);
      outcomes.add(outcome);
      if (sync) {
        if (row.repoConnectionId === null) outcomes.add('no connection to sync it through');
        else resync.set(row.repoConnectionId, row);
      }
    }
    for (const [connectionId, row] of resync) await this.sync.enqueue(em, { id: connectionId, tenantId: row.tenantId, projectId: row.projectId });
    if (resync.size > 0) outcomes.add(`${plural(resync.size, 'sync')} queued`);
    return { status: 'processed', outcome: `${plural(rows.length, 'repository')}: ${[...outcomes].join('; ')}` };
  }

  /** What the intent changes on one stored repository, in words, and whether its connection should be synced. */
  private async changeFor(
    em: EntityManager,
    delivery: QueuedDelivery,
    intent: Exclude<WebhookIntent, { kind: 'none' | 'installation' | 'installation_repositories' }>,
    row: HostMatchedRepository,
    doc: Record<string, unknown>,
  ): Promise<{ change: WebhookRepositoryChange; outcome: string | 'stale'; sync: boolean }> {
    switch (intent.kind) {
      case 'push': {
        // Deliveries of one repository can arrive out of order: an older push never overwrites a newer event's head.
        if (row.lastWebhookReceivedAt !== null && row.lastWebhookReceivedAt > delivery.receivedAt) return { change: {}, outcome: 'stale', sync: false };
        const defaultBranch = intent.defaultBranch ?? row.defaultBranch;
        // GitLab project hooks carry no rename: a push naming another path says the project moved; a sync reads it again.
        const glPath = delivery.host === 'gitlab' ? (doc.project as { path_with_namespace?: unknown } | undefined)?.path_with_namespace : undefined;
        const sync = typeof glPath === 'string' && glPath.toLowerCase() !== row.path.toLowerCase();
        if (intent.branch !== defaultBranch) return { change: {}, outcome: `push to ${intent.branch}, not the default branch ${defaultBranch}`, sync };
        if (row.lastCommitSha === intent.head) return { change: {}, outcome: `head already ${short(intent.head)}`, sync };
        return { change: { lastCommitSha: intent.head }, outcome: `head set to ${short(intent.head)}`, sync };
      }
      case 'default_branch':
        return row.defaultBranch === intent.defaultBranch
          ? { change: {}, outcome: `default branch already ${intent.defaultBranch}`, sync: false }
          : { change: { defaultBranch: intent.defaultBranch }, outcome: `default branch set to ${intent.defaultBranch}`, sync: false };
      case 'moved': {
        if (row.path === intent.path) return { change: {}, outcome: `already at ${intent.path}`, sync: intent.resync };
        if (row.path.toLowerCase() !== intent.path.toLowerCase()) {
          const taken = await this.repositories.livePathsTaken(em, row.projectId, row.sourceType as Platform, [intent.path]);
          if (taken.size > 0) return { change: {}, outcome: `moved to ${intent.path}, which is another repository of its project: left at ${row.path}`, sync: false };
        }
        const name = intent.path.split('/').pop() ?? intent.path;
        return {
          change: { moved: { path: intent.path, name, remoteUrl: movedRemoteUrl(row.remoteUrl, row.path, intent.path) } },
          outcome: `moved from ${row.path} to ${intent.path}`,
          sync: intent.resync,
        };
      }
      case 'archived':
        return row.archived === intent.archived
          ? { change: {}, outcome: `already ${intent.archived ? 'archived' : 'not archived'}`, sync: false }
          : { change: { archived: intent.archived }, outcome: intent.archived ? 'archived' : 'unarchived', sync: false };
      case 'deleted':
        return row.hostDeletedAt !== null ? { change: {}, outcome: 'already marked deleted on the host', sync: false } : { change: { hostDeleted: true }, outcome: 'marked deleted on the host', sync: false };
      case 'resync':
        return { change: {}, outcome: `${intent.reason}: the repository is read again`, sync: true };
    }
  }

  /**
   * An installation's status moves its accounts' (the tenants that linked it). Deleted: the access
   * is gone for good (a new installation gets a new id, so a new account), so the repositories each
   * account read — those of its connections and those linked to it — are marked unavailable, each
   * in its own tenant; never deleted. Suspended: only the accounts' status changes; the repositories
   * are still the installation's, and unsuspending must not have to tell them apart from ones
   * removed from its selection.
   */
  private async installation(em: EntityManager, source: Source, intent: Extract<WebhookIntent, { kind: 'installation' }>, stamp: WebhookEventStamp): Promise<Done> {
    const changed: string[] = [];
    let marked = 0;
    if (intent.change === 'deleted') {
      for (const account of source.accounts) marked += await this.markAccountRepositoriesUnavailable(em, account, source.host, stamp);
    }
    for (const account of source.accounts) {
      if (intent.change === 'suspended' && (account.status === 'active' || account.status === 'needs_reauthorization')) {
        await this.accounts.setStatusFromHost(em, account.id, 'suspended', 'The installation was suspended on GitHub');
        changed.push(account.id);
      } else if ((intent.change === 'unsuspended' || intent.change === 'created') && account.status === 'suspended') {
        await this.accounts.setStatusFromHost(em, account.id, 'active', null);
        changed.push(account.id);
      } else if (intent.change === 'deleted' && account.status !== 'revoked') {
        await this.accounts.endAccount(em, account.tenantId, account.id, { status: 'revoked', reason: 'The installation was deleted on GitHub', delete: false });
        changed.push(account.id);
      }
    }
    const repositories = intent.change === 'deleted' ? `; ${plural(marked, 'repository')} marked unavailable` : '';
    return { status: 'processed', outcome: `installation ${intent.change}: ${plural(changed.length, 'account')} of ${source.accounts.length} changed${repositories}` };
  }

  /** The live repositories an account reads, in its own tenant, marked unavailable; answers how many were not marked before. */
  private async markAccountRepositoriesUnavailable(em: EntityManager, account: { id: string; tenantId: string }, host: Platform, stamp: WebhookEventStamp): Promise<number> {
    let marked = 0;
    const mark = async (rows: { id: string; hostUnavailableAt: Date | null }[]) => {
      marked += rows.filter((r) => r.hostUnavailableAt === null).length;
      for (let i = 0; i < rows.length; i += MARK_BATCH) await this.repositories.markUnavailableByWebhook(em, rows.slice(i, i + MARK_BATCH).map((r) => r.id), stamp);
    };
    for (const connectionId of await this.connections.liveIdsOfAccount(em, account.tenantId, account.id)) {
      await mark(await this.repositories.lockLiveOfConnection(em, account.tenantId, connectionId));
    }
    let after = '';
    for (;;) {
      const rows = await this.repositories.lockLiveLinkedToAccount(em, account.tenantId, host, account.id, after, MARK_BATCH);
      await mark(rows);
      if (rows.length < MARK_BATCH) break;
      after = rows[rows.length - 1].id;
    }
    return marked;
  }

  private async source(em: EntityManager, delivery: QueuedDelivery): Promise<Source | { ignored: string }> {
    if (delivery.sourceId.startsWith('wh_')) {
      const hook = await this.store.hookForProcessing(em, delivery.sourceId);
      if (hook === null || hook.deleted) return { ignored: 'the hook was deleted' };
      return { host: hook.host, platformHost: platformHost(hook.baseUrl), tenantIds: [hook.tenantId], accounts: [] };
    }
    const app = await this.accounts.appById(em, delivery.sourceId);
    if (app === null) return { ignored: 'the app is no longer registered' };
    if (delivery.installationKey === '') return { ignored: 'an app delivery about no installation' };
    const accounts = await this.accounts.lockLiveByInstallation(em, app.id, delivery.installationKey);
    if (accounts.length === 0) return { ignored: `installation ${delivery.installationKey} is not connected by any tenant` };
    return { host: app.host, platformHost: platformHost(app.baseUrl), tenantIds: [...new Set(accounts.map((a) => a.tenantId))], accounts };
  }
}
