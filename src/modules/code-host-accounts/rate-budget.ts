import type { RateBudgetConfig } from '../../config';
import type { RequestScope } from '../../request-scope';
import type { RateObservation, RateObserver } from '../platforms/host-http';
import type { RateBudgetRow, RateBudgetStore } from './rate-budget.store';

/** What background work is told before it spends an account's requests. */
export type BackgroundAllowance = { allowed: true } | { allowed: false; resumeAt: Date };

/** An account's budget as GraphQL shows it (`CodeHostRateBudget`). */
export interface RateBudgetView {
  limit: number | null;
  remaining: number | null;
  resetsAt: Date | null;
  resource: string | null;
  nearLimit: boolean | null;
  retryAt: Date | null;
  observedAt: Date;
  floor: number | null;
  backgroundPaused: boolean;
  backgroundResumesAt: Date | null;
}

/**
 * Bitbucket Cloud sends no count, only X-RateLimit-NearLimit (under 20% of its rolling hour left):
 * background work then waits this long, a sixth of the hour, for requests to flow back.
 */
export const NEAR_LIMIT_PAUSE_MS = 10 * 60_000;

/** Merges a later observation into an earlier one the way the store's upsert does (rate-budget.store.ts). */
export function mergeObservations(older: RateObservation, newer: RateObservation): RateObservation {
  const newerWindow = newer.remaining !== null && (older.resetsAt === null || newer.resetsAt === null || newer.resetsAt.getTime() >= older.resetsAt.getTime());
  const sameWindow = newerWindow && older.remaining !== null && older.resetsAt?.getTime() === newer.resetsAt?.getTime();
  const latest = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a.getTime() >= b.getTime() ? a : b);
  return {
    status: newer.status,
    limit: newer.limit !== null && (newer.remaining === null || newerWindow) ? newer.limit : older.limit,
    remaining: newerWindow ? (sameWindow ? Math.min(older.remaining!, newer.remaining!) : newer.remaining) : older.remaining,
    resetsAt: newerWindow ? newer.resetsAt : older.resetsAt,
    resource: newer.resource ?? older.resource,
    nearLimit: newer.nearLimit ?? older.nearLimit,
    retryAt: latest(older.retryAt, newer.retryAt),
  };
}

/**
 * The rate budget of each code-host account: what the hosts' rate-limit headers said last about
 * the requests made with its credential (an installation's for a GitHub App installation), kept in
 * the database so every process judges on the same facts, and the rule that lets background work
 * (syncs, link jobs, reconciliation) yield below a floor while what people ask still goes through.
 *
 * The floor is REPOLINK_RATE_BUDGET_FLOOR of the host's limit (a fraction, default 0.1), at least
 * REPOLINK_RATE_BUDGET_FLOOR_MIN requests, at most half the limit. Background work is paused while
 * the remaining count is under the floor and its window has not restarted, while a refusal's
 * Retry-After (or reset) has not passed, and for NEAR_LIMIT_PAUSE_MS after Bitbucket says it is near
 * its limit.
 *
 * Observations are written one upsert at a time per account and process: those that arrive while
 * one is being written are merged and written next, so a sync of hundreds of repositories costs a
 * handful of writes, and a failed write never fails the host call it came from.
 */
export class RateBudget {
  private readonly pending = new Map<string, { tenantId: string; observation: RateObservation }>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly config: RateBudgetConfig,
    private readonly store: RateBudgetStore,
  ) {}

  /** Asked by background work before it spends the account's requests (accounts are read by id: the caller has scoped the job). */
  async backgroundAllowed(accountId: string): Promise<BackgroundAllowance> {
    await this.settled(accountId);
    const row = await this.store.byAccount(accountId);
    const resumeAt = row === null ? null : this.pausedUntil(row, Date.now());
    return resumeAt === null ? { allowed: true } : { allowed: false, resumeAt };
  }

  /** What a PlatformHttp making calls with the account's credential reports to (and, for background work, is held by). */
  observer(tenantId: string, accountId: string, background: boolean): RateObserver {
    const observer: RateObserver = { observe: (observation) => this.record(tenantId, accountId, observation) };
    if (background) observer.holdUntil = (observation) => this.belowFloorUntil({ ...observation, observedAt: new Date() }, Date.now());
    return observer;
  }

  /** Notes an observation; written at once, or merged into the next write while one is under way. Never throws. */
  record(tenantId: string, accountId: string, observation: RateObservation): void {
    const queued = this.pending.get(accountId);
    this.pending.set(accountId, { tenantId, observation: queued ? mergeObservations(queued.observation, observation) : observation });
    if (!this.writing.has(accountId)) {
      const write = this.drain(accountId);
      this.writing.set(accountId, write);
    }
  }

  /** Resolves once what this process observed of the account (every account when none is named) is written, or failed to be. */
  async settled(accountId?: string): Promise<void> {
    for (;;) {
      const writes = accountId === undefined ? [...this.writing.values()] : [this.writing.get(accountId)].filter((w) => w !== undefined);
      if (writes.length === 0) return;
      await Promise.all(writes);
    }
  }

  /** The account's budget for GraphQL: null while nothing was observed (the request's loader reads the tenant's, in one statement per batch). */
  async view(scope: Pick<RequestScope, 'loaders'>, accountId: string): Promise<RateBudgetView | null> {
    const row = await scope.loaders.rateBudgetByAccountId.load(accountId);
    if (row === null) return null;
    const resumesAt = this.pausedUntil(row, Date.now());
    return {
      limit: row.limit,
      remaining: row.remaining,
      resetsAt: row.resetsAt,
      resource: row.resource,
      nearLimit: row.nearLimit,
      retryAt: row.retryAt,
      observedAt: row.observedAt,
      floor: row.limit === null ? null : this.floor(row.limit),
      backgroundPaused: resumesAt !== null,
      backgroundResumesAt: resumesAt,
    };
  }

  /** Requests kept for what people ask: a fraction of the limit, at least the minimum, at most half the limit. */
  floor(limit: number): number {
    return Math.min(Math.max(Math.ceil(limit * this.config.floor), this.config.floorMin), Math.floor(limit / 2));
  }

  /** Until when background work waits on this budget; null when it may go on. */
  private pausedUntil(row: Omit<RateBudgetRow, 'accountId' | 'tenantId'>, now: number): Date | null {
    const waits = [row.retryAt && row.retryAt.getTime() > now ? row.retryAt : null, this.belowFloorUntil(row, now)].filter((d): d is Date => d !== null);
    return waits.length === 0 ? null : new Date(Math.max(...waits.map((d) => d.getTime())));
  }

  /** The end of a window whose remaining count is under the floor (or of Bitbucket's near-limit pause); null otherwise. */
  private belowFloorUntil(row: Pick<RateBudgetRow, 'limit' | 'remaining' | 'resetsAt' | 'nearLimit' | 'observedAt'>, now: number): Date | null {
    if (row.remaining !== null && row.resetsAt !== null && row.resetsAt.getTime() > now) {
      const floor = row.limit === null ? this.config.floorMin : this.floor(row.limit);
      return row.remaining === 0 || row.remaining < floor ? row.resetsAt : null;
    }
    if (row.remaining === null && row.nearLimit === true && (this.config.floor > 0 || this.config.floorMin > 0)) {
      const until = row.observedAt.getTime() + NEAR_LIMIT_PAUSE_MS;
      return until > now ? new Date(until) : null;
    }
    return null;
  }

  private async drain(accountId: string): Promise<void> {
    try {
      for (let next = this.pending.get(accountId); next !== undefined; next = this.pending.get(accountId)) {
        this.pending.delete(accountId);
        try {
          await this.store.record(accountId, next.tenantId, next.observation);
        } catch {
          // The database away: the budget is not recorded this time; the next answer records it again.
        }
      }
    } finally {
      this.writing.delete(accountId);
    }
  }
}
