import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import type { ReconcileConfig } from '../../config';
import type { ReconcileOutcome } from '../../db/entities/code-host-account.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { isValidBranchName } from '../../lib/validation';
import type { CodeHostAccountStore, ReconcileClaim } from '../code-host-accounts/code-host-account.store';
import { HostSuspendedError, type CodeHostApi, type HostAuth, type HostRepository } from '../code-host-accounts/code-host-api';
import type { CodeHostEndpoints } from '../code-host-accounts/code-host-endpoints';
import { AccountNotFoundError, AccountRefreshError, AccountUnavailableError, type AccountToken, type CodeHostTokens } from '../code-host-accounts/code-host-tokens';
import { PlatformError, type RateObserver } from '../platforms/host-http';
import { platformHost } from '../platforms/platform-facts';
import type { RepoConnectionStore } from '../repo-connections/repo-connection.store';
import type { ReconciledChange, ReconciledRepository, RepositoryStore } from '../repositories/repository.store';
import type { QueueCompanion } from '../sync/sync-worker';
import { movedRemoteUrl } from '../webhooks/webhook-processor';
import { nextRun } from './reconcile-schedule';

/**
 * Whether background work may spend an account's host budget now. Exactly the method of the rate
 * budget service (issue 19 §4) that reconciliation needs; until it is merged, `ALLOW_ALL_BUDGET`.
 */
export interface BackgroundBudget {
  backgroundAllowed(accountId: string): Promise<{ allowed: true } | { allowed: false; resumeAt: Date }>;
  /** Records what the host's answers say of the account's budget; for background work, stops the client at the floor (its next page fails: a listing cut short, nothing marked). */
  observer?(tenantId: string, accountId: string, background: boolean): RateObserver;
}

/** Lets every run go: the stand-in until the rate budget service is wired (src/services.ts). */
export const ALLOW_ALL_BUDGET: BackgroundBudget = { backgroundAllowed: async () => ({ allowed: true }) };

interface Log {
  warn(obj: object, msg: string): void;
}

const QUIET: Log = { warn: () => undefined };

/** Repositories read at most per account and per kind (connections, linked sources): what one run compares. */
const MAX_STORED = 20_000;

/** What one run did, for logs, the admin command and tests. */
export interface ReconcileReport {
  accountId: string;
  tenantId: string;
  /** `postponed`: the rate budget said not now (nothing was asked of the host); `lease_lost`: another process took the run over, nothing was written. */
  outcome: ReconcileOutcome | 'postponed' | 'lease_lost';
  message: string;
  /** Repositories whose facts or marks changed. */
  changes: number;
  /** Repositories marked unavailable by this run. */
  markedUnavailable: number;
}

type Failure = { outcome: Exclude<ReconcileOutcome, 'complete'>; message: string };

const plural = (n: number, one: string, many = one.endsWith('y') ? `${one.slice(0, -1)}ies` : `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Reconciliation of code-host accounts (issue 19 §3), the backstop for webhooks: one run per due
 * account compares the host's full list of the repositories the account can see with the ones
 * stored through it (its connections' repositories, and the Heimdall sources linked to it).
 *
 * - Matched by the host's id (on the account's host), so renames and transfers move the stored
 *   path; a repository stored without an id is matched by its path and learns its id. Archived
 *   flags and default branches follow the list.
 * - A repository with an id that a COMPLETE list lacks is asked about by its id (a public
 *   repository, or one outside a user's memberships, is readable without being listed); only a
 *   404 (or a 403 that is no rate limit) marks it unavailable: marked, never deleted, and cleared
 *   when it is listed again.
 * - Safety rails: any page that fails (an error, a timeout, a 5xx, a rate limit, a body that is
 *   not the host's list, a repository without an id) makes the list PARTIAL_LISTING, and a refused
 *   credential (401 after one renewal, 403) CREDENTIAL_FAILING: what was read is applied, nothing is
 *   marked. An account that is not ACTIVE, or that the host says is suspended, is STOPPED: it
 *   is not due again until it is ACTIVE again.
 * - One run per account across processes: the claim is a lease on the account row (FOR UPDATE SKIP
 *   LOCKED on the due index), renewed while the run goes on; results are written in one transaction
 *   fenced on the lease, locking the account and then the repositories (webhook processing's order).
 * - Host calls happen outside any transaction; the rate budget is asked first (`BackgroundBudget`).
 */
export class Reconciler implements QueueCompanion {
  readonly owner = `${hostname().slice(0, 20)}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: ReconcileConfig,
    private readonly stores: { accounts: CodeHostAccountStore; repositories: RepositoryStore; repoConnections: RepoConnectionStore },
    private readonly tokens: Pick<CodeHostTokens, 'tokenFor'>,
    private readonly api: CodeHostApi,
    private readonly endpoints: CodeHostEndpoints,
    private readonly budget: BackgroundBudget = ALLOW_ALL_BUDGET,
  ) {}

  /** Claims and reconciles up to `limit` due accounts (of `only`, when given); answers how many it took. */
  async runBatch(limit = 1, log: Log = QUIET, only: readonly string[] | null = null): Promise<number> {
    let took = 0;
    while (took < limit) {
      const report = await this.runOnce(only);
      if (report === null) break;
      took++;
      if (report.outcome !== 'complete' && report.outcome !== 'postponed') log.warn({ account: report.accountId, outcome: report.outcome, reason: report.message }, 'reconciliation did not complete');
    }
    return took;
  }

  /** Claims the longest-due account (of `only`) and reconciles it; null when none is due. */
  async runOnce(only: readonly string[] | null = null): Promise<ReconcileReport | null> {
    const claim = await this.stores.accounts.claimReconcile(this.owner, this.config.leaseMs, only);
    if (claim === null) return null;
    const heartbeat = setInterval(() => void this.stores.accounts.renewReconcile(claim.id, this.owner, this.config.leaseMs).catch(() => undefined), Math.max(50, Math.floor(this.config.leaseMs / 3)));
    try {
      return await this.run(claim);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** `reconcile:run`: the account due now and reconciled in this process; null when it cannot be (unknown, deleted, not ACTIVE, or a run holds it). */
  async runNow(accountId: string): Promise<ReconcileReport | null> {
    if (!(await this.stores.accounts.makeReconcileDue(accountId))) return null;
    return this.runOnce([accountId]);
  }

  private async run(claim: ReconcileClaim): Promise<ReconcileReport> {
    const base = { accountId: claim.id, tenantId: claim.tenantId };
    const allowed = await this.budget.backgroundAllowed(claim.id);
    if (!allowed.allowed) {
      const message = `Postponed until ${allowed.resumeAt.toISOString()}: the account's rate budget is kept for user-initiated work`;
      const ok = await this.dataSource.transaction((em) => this.stores.accounts.finishReconcile(em, claim.id, this.owner, { outcome: null, message, intervalSeconds: null, next: { at: allowed.resumeAt } }));
      return { ...base, outcome: ok ? 'postponed' : 'lease_lost', message, changes: 0, markedUnavailable: 0 };
    }
    // Webhooks applied after this moment win over the list read below (an older answer never undoes a newer event).
    const startedAt = new Date(Date.now() - 5_000);
    const stored = await this.stored(claim);
    if (stored.length === 0) {
      return this.conclude(claim, { outcome: 'complete', message: 'No repositories are stored through the account: the host was not asked' }, new Map(), new Set(), null, startedAt);
    }
    const listing = await this.list(claim, stored);
    if (listing.found === undefined) return this.conclude(claim, listing.failure, new Map(), new Set(), null, startedAt);
    return this.conclude(claim, listing.failure ?? { outcome: 'complete', message: listing.summary }, listing.found, listing.gone, listing.latestActivity, startedAt);
  }

  /** What is stored through the account: its connections' live repositories and the Heimdall sources linked to it. */
  private async stored(claim: ReconcileClaim): Promise<ReconciledRepository[]> {
    const db = this.dataSource.manager;
    const connections = await this.stores.repoConnections.liveIdsThroughAccount(db, claim.tenantId, claim.id, MAX_STORED);
    const rows: ReconciledRepository[] = [];
    for (let i = 0; i < connections.length; i += 500) rows.push(...(await this.stores.repositories.liveOfConnectionsForReconcile(db, connections.slice(i, i + 500))));
    if (claim.host === 'github' || claim.host === 'gitlab') rows.push(...(await this.stores.repositories.liveLinkedToAccountForReconcile(db, claim.tenantId, claim.host as Platform, claim.id, MAX_STORED)));
    // A repository belongs to the account's tenant whatever path led to it.
    return rows.filter((r) => r.tenantId === claim.tenantId);
  }

  /**
   * Reads the host's whole list with the account's current token (renewed once on a 401), matches
   * it with `stored`, and asks about the repositories a complete list lacks. Answers the matches
   * (stored id → the host's view), the ones to mark unavailable, and a failure when the list was
   * cut short or the credential failed (with the matches read so far, or none).
   */
  private async list(
    claim: ReconcileClaim,
    stored: ReconciledRepository[],
  ): Promise<
    | { failure: Failure; found?: undefined }
    | { failure: Failure | null; found: Map<string, HostRepository>; gone: Set<string>; latestActivity: Date | null; summary: string }
  > {
    let token: AccountToken;
    try {
      token = await this.tokens.tokenFor(claim.tenantId, claim.id);
    } catch (error) {
      return { failure: await this.failure(claim, error, 'getting a token') };
    }
    const endpoints = this.endpoints.for(claim.host, claim.baseUrl);
    const renewable = token.kind === 'github_app_installation' || token.kind === 'oauth';
    let renewed = false;
    const call = async <T>(work: (auth: HostAuth) => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await work({ scheme: token.scheme, token: token.token, username: token.username });
        } catch (error) {
          // A token the host refused before its stated expiry: renewed once for the whole run.
          if (error instanceof PlatformError && error.kind === 'unauthorized' && renewable && !renewed) {
            renewed = true;
            token = await this.tokens.tokenFor(claim.tenantId, claim.id, { rejected: token });
            continue;
          }
          throw error;
        }
      }
    };

    const listed: HostRepository[] = [];
    let cut: Failure | null = null;
    let pages = 0;
    for (let page = 1; ; page++) {
      if (page > this.config.maxPages) {
        cut = { outcome: 'partial_listing', message: `The host's list is longer than ${this.config.maxPages} pages of ${this.config.pageSize}: the rest was not read, nothing was marked unavailable` };
        break;
      }
      let result;
      try {
        result = await call((auth) => this.api.repositoriesPage(endpoints, claim.kind === 'github_app_installation' ? 'installation' : 'user', auth, page, this.config.pageSize, null, this.budget.observer?.(claim.tenantId, claim.id, true), true));
      } catch (error) {
        cut = await this.failure(claim, error, `reading page ${page} of the list`);
        break;
      }
      pages++;
      const withoutId = result.unreadable + result.items.filter((r) => r.hostId === null).length;
      listed.push(...result.items.filter((r) => r.hostId !== null));
      if (withoutId > 0) {
        cut = { outcome: 'partial_listing', message: `Page ${page} of the host's list held ${plural(withoutId, 'repository')} without a path or an id: nothing was marked unavailable` };
        break;
      }
      if (!result.hasMore) break;
    }
    if (cut !== null && cut.outcome === 'stopped') return { failure: cut };
    if (cut !== null && cut.outcome === 'credential_failing') return { failure: cut };

    const accountHost = platformHost(claim.baseUrl);
    const byId = new Map(listed.map((r) => [r.hostId!, r]));
    const byPath = new Map(listed.map((r) => [r.path.toLowerCase(), r]));
    const found = new Map<string, HostRepository>();
    const missing: ReconciledRepository[] = [];
    for (const row of stored) {
      if (row.hostRepositoryId !== null && row.platformHost !== null) {
        // An id of another host (the repository was read through something else) is not this list's to judge.
        if (row.platformHost.toLowerCase() !== accountHost) continue;
        const hit = byId.get(row.hostRepositoryId);
        if (hit) found.set(row.id, hit);
        else missing.push(row);
      } else {
        // No id yet (never synced): the path finds it, and it learns its id; not listed, it is left for a sync to identify.
        const hit = byPath.get(row.path.toLowerCase());
        if (hit) found.set(row.id, hit);
      }
    }

    const gone = new Set<string>();
    let unconfirmed = 0;
    if (cut === null) {
      const asked = missing.slice(0, this.config.maxConfirmations);
      unconfirmed = missing.length - asked.length;
      for (const row of asked) {
        try {
          const answer = await call((auth) => this.api.repositoryById(endpoints, auth, row.hostRepositoryId!, row.path, this.budget.observer?.(claim.tenantId, claim.id, true)));
          if (answer.kind === 'absent') gone.add(row.id);
          else if (answer.repository.hostId === row.hostRepositoryId) found.set(row.id, answer.repository);
        } catch (error) {
          const failure = await this.failure(claim, error, `asking about a repository the list lacks (id ${row.hostRepositoryId})`);
          if (failure.outcome === 'stopped' || failure.outcome === 'credential_failing') return { failure };
          // Not every absence could be confirmed: none is marked.
          cut = { outcome: 'partial_listing', message: failure.message };
          gone.clear();
          break;
        }
      }
    }
    let latestActivity: Date | null = null;
    for (const hit of found.values()) if (hit.activityAt !== null && (latestActivity === null || hit.activityAt > latestActivity)) latestActivity = hit.activityAt;
    const summary = `Listed ${plural(listed.length, 'repository')} on ${plural(pages, 'page')}; ${stored.length} stored through the account${
      unconfirmed > 0 ? `; ${unconfirmed} missing from the list left for the next run` : ''
    }`;
    return { failure: cut, found, gone, latestActivity, summary };
  }

  /** A failure of the run in safe words; a host that says the account is suspended marks it SUSPENDED. Other errors (the database away) are thrown. */
  private async failure(claim: ReconcileClaim, error: unknown, doing: string): Promise<Failure> {
    if (error instanceof AccountUnavailableError) return { outcome: 'stopped', message: `The account is ${error.status.toUpperCase()}: not reconciled until it is ACTIVE again` };
    if (error instanceof AccountNotFoundError) return { outcome: 'stopped', message: 'The account is gone' };
    if (error instanceof HostSuspendedError) {
      const reason = `${error.message}; not used until it is unsuspended`;
      await this.stores.accounts.setStatusFromHost(this.dataSource.manager, claim.id, 'suspended', reason);
      return { outcome: 'stopped', message: `${error.message}: the account is SUSPENDED and not reconciled until it is ACTIVE again` };
    }
    if (error instanceof AccountRefreshError) return { outcome: 'credential_failing', message: `No token could be had while ${doing}: ${error.message}; nothing was changed` };
    if (error instanceof PlatformError) {
      if (error.kind === 'unauthorized' || error.kind === 'forbidden') return { outcome: 'credential_failing', message: `${error.message} while ${doing}; nothing was changed` };
      return { outcome: 'partial_listing', message: `${error.message} while ${doing}: nothing was marked unavailable` };
    }
    throw error;
  }

  /**
   * Writes what the run found, in one transaction fenced on the lease: each matched repository's
   * facts (against its row as it is now, locked), the marks, and the account's outcome and schedule.
   */
  private async conclude(
    claim: ReconcileClaim,
    result: Failure | { outcome: 'complete'; message: string },
    found: Map<string, HostRepository>,
    gone: Set<string>,
    latestActivity: Date | null,
    startedAt: Date,
  ): Promise<ReconcileReport> {
    const base = { accountId: claim.id, tenantId: claim.tenantId };
    const accountHost = platformHost(claim.baseUrl);
    const written = await this.dataSource.transaction(async (em) => {
      if (!(await this.stores.accounts.lockReconcileLease(em, claim.id, this.owner))) return null;
      const rows = await this.stores.repositories.lockLiveForReconcile(em, [...found.keys(), ...gone]);
      const counts = { moved: 0, archived: 0, unarchived: 0, defaultBranch: 0, unavailable: 0, available: 0, identified: 0, kept: 0, newer: 0 };
      let changes = 0;
      for (const row of rows) {
        const change: ReconciledChange = {};
        const hit = found.get(row.id);
        if (hit) {
          if (row.lastWebhookReceivedAt !== null && row.lastWebhookReceivedAt > startedAt) {
            counts.newer++;
            continue;
          }
          if (row.hostRepositoryId === null && hit.hostId !== null) {
            change.hostId = { platformHost: accountHost, hostRepositoryId: hit.hostId };
            counts.identified++;
          }
          if (hit.path !== row.path) {
            const sameName = hit.path.toLowerCase() === row.path.toLowerCase();
            const taken = sameName ? new Set<string>() : await this.stores.repositories.livePathsTaken(em, row.projectId, row.sourceType as Platform, [hit.path]);
            if (taken.size > 0) counts.kept++;
            else {
              change.moved = { path: hit.path, name: hit.path.split('/').pop() ?? hit.path, remoteUrl: movedRemoteUrl(row.remoteUrl, row.path, hit.path) };
              counts.moved++;
            }
          }
          if (hit.archived !== null && hit.archived !== row.archived) {
            change.archived = hit.archived;
            counts[hit.archived ? 'archived' : 'unarchived']++;
          }
          if (hit.defaultBranch !== null && hit.defaultBranch !== row.defaultBranch && isValidBranchName(hit.defaultBranch)) {
            change.defaultBranch = hit.defaultBranch;
            counts.defaultBranch++;
          }
          if (row.hostUnavailableAt !== null || row.hostDeletedAt !== null) {
            change.hostUnavailable = false;
            counts.available++;
          }
        } else if (gone.has(row.id) && row.hostUnavailableAt === null) {
          change.hostUnavailable = true;
          counts.unavailable++;
        }
        if (Object.keys(change).length > 0) {
          await this.stores.repositories.applyReconciledChange(em, row.id, change);
          changes++;
        }
      }
      const parts = [
        counts.moved && `${plural(counts.moved, 'repository')} moved to the host's path`,
        counts.kept && `${plural(counts.kept, 'repository')} left at its path (the new one is another repository of its project)`,
        counts.archived && `${counts.archived} archived`,
        counts.unarchived && `${counts.unarchived} unarchived`,
        counts.defaultBranch && `${plural(counts.defaultBranch, 'default branch')} changed`,
        counts.unavailable && `${plural(counts.unavailable, 'repository')} marked unavailable`,
        counts.available && `${plural(counts.available, 'repository')} available again`,
        counts.identified && `${plural(counts.identified, 'host id')} learned`,
        counts.newer && `${plural(counts.newer, 'repository')} left as a newer webhook event set it`,
      ].filter(Boolean);
      const message = `${result.message}${parts.length > 0 ? `. ${parts.join('; ')}` : result.outcome === 'complete' ? '. Nothing changed' : ''}`;
      const next = nextRun({ outcome: result.outcome, previousIntervalSeconds: claim.intervalSeconds, changes, latestActivity, now: new Date() }, this.config);
      const ok = await this.stores.accounts.finishReconcile(em, claim.id, this.owner, { outcome: result.outcome, message, intervalSeconds: next.intervalSeconds, next: { inSeconds: next.inSeconds } });
      return ok ? { changes, message, unavailable: counts.unavailable } : null;
    });
    if (written === null) return { ...base, outcome: 'lease_lost', message: 'Another process took the run over: nothing was written', changes: 0, markedUnavailable: 0 };
    return { ...base, outcome: result.outcome, message: written.message, changes: written.changes, markedUnavailable: written.unavailable };
  }
}
