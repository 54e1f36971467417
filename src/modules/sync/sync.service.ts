import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../../config';
import type { RepoConnectionEntity } from '../../db/entities';
import { NotFoundError, type UserError } from '../../errors';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import type { ConnectionCredentials } from '../repo-connections/connection-credentials';
import type { RepositoryReport } from '../platforms/platform-client';
import type { CheckAuth, ConnectionCheck, PlatformService } from '../platforms/platform.service';
import type { RepositoryHostFacts } from '../repositories/repository.store';
import { isLinkedSource, type RepositoryAccounts } from '../repositories/repository-accounts';
import { inTransaction } from '../../db/transaction';
import { isValidBranchName } from '../../lib/validation';
import type { ClaimedJob, JobOutcome, SyncJobStore } from './sync-job.store';
import type { BackgroundAllowance } from '../code-host-accounts/rate-budget';

/** What the sync asks of the rate budget (code-host-accounts/rate-budget.ts): may background work spend the account's requests now? */
export interface BackgroundGate {
  backgroundAllowed(accountId: string): Promise<BackgroundAllowance>;
}

/** What one attempt did, for logs and tests. */
export interface SyncAttempt {
  jobId: string;
  /** A sync's connection; null for a link job. */
  connectionId: string | null;
  /** A link job's account, and how many repositories it linked. */
  accountId?: string;
  linked?: number;
  outcome: JobOutcome['kind'] | 'lease_lost' | 'gone';
  message: string | null;
}

/** `syncRepoConnection`'s payload: the connection, now pending. */
export interface SyncRepoConnectionResult {
  repoConnection: RepoConnectionEntity;
  userErrors: UserError[];
}

const MAX_RETRY_DELAY_MS = 10 * 60_000;

/** A job deferred for the account's rate budget: not failed, not an attempt, back at `resumeAt`. */
export function deferral(accountId: string, resumeAt: Date): Extract<JobOutcome, { kind: 'defer' }> {
  return {
    kind: 'defer',
    runAt: resumeAt,
    error: `Waiting for the rate budget of code-host account ${accountId}: it is below the floor kept for what people ask, so background work yields until ${resumeAt.toISOString()}`,
  };
}

/**
 * A moved repository's sync error. A sync never rewrites the stored path: the host's move is a
 * fact to show, and the path changes through the host's webhooks or reconciliation, which match the
 * repository by the host's id (issue 19), or by the person reconnecting it under its new name.
 */
export function movedError(path: string, report: RepositoryReport): string {
  return `${report.message ?? 'Moved on the platform'}. repolink still knows it as ${path} (its branch and head were read at the new place); the path follows through the host's webhooks or reconciliation, or connect it by its new path`;
}

export class SyncService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly stores: Pick<Stores, 'syncJobs' | 'repoConnections' | 'repositories'>,
    private readonly credentials: ConnectionCredentials,
    private readonly platforms: PlatformService,
    private readonly repositoryAccounts: RepositoryAccounts,
    private readonly budget: BackgroundGate = { backgroundAllowed: async () => ({ allowed: true }) },
  ) {}

  /** The queue's store (workers claim and renew through it). */
  get store(): SyncJobStore {
    return this.stores.syncJobs;
  }

  /**
   * Queues a sync of a connection inside the caller's transaction (the connection row is locked by
   * the caller), and shows the connection and its live repositories as pending.
   */
  async enqueue(em: EntityManager, connection: Pick<RepoConnectionEntity, 'id' | 'tenantId' | 'projectId'>): Promise<void> {
    await this.stores.syncJobs.enqueue(em, { tenantId: connection.tenantId, projectId: connection.projectId, connectionId: connection.id }, this.config.sync.maxAttempts);
    await this.stores.repoConnections.markSyncPending(em, connection.id);
    await this.stores.repositories.markSyncPendingOfConnection(em, connection.id);
  }

  /**
   * Queues linking the tenant's repositories that wait for an account on its host (Heimdall's GitHub
   * and GitLab sources created before it was connected), in the transaction that stores a new or
   * re-authorized ACTIVE account. The host calls it takes run on the queue, not in the request.
   */
  async enqueueLink(em: EntityManager, account: { id: string; tenantId: string; host: string; status: string }): Promise<void> {
    if (account.status !== 'active' || !isLinkedSource(account.host)) return;
    await this.stores.syncJobs.enqueueLink(em, { tenantId: account.tenantId, accountId: account.id }, this.config.sync.maxAttempts);
  }

  /** `syncRepoConnection`: queue a sync and answer at once; the client polls `syncStatus`. */
  async syncRepoConnection(ctx: RequestScope, id: string): Promise<SyncRepoConnectionResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const connection = await this.stores.repoConnections.lockOwn(em, project.id, id);
      if (connection.deletedAt !== null) throw new NotFoundError('Repo connection');
      await this.enqueue(em, connection);
      return { repoConnection: Object.assign(connection, { syncStatus: 'pending' as const }), userErrors: [] };
    });
  }

  /**
   * Runs one claimed job: asks the platform about every live repository of the connection, then
   * stores the answers and ends the attempt in one transaction — only if the lease is still ours.
   * Network calls happen outside any transaction.
   */
  async run(job: ClaimedJob, owner: string): Promise<SyncAttempt> {
    if (job.kind === 'link_account') return this.runLink(job, owner);
    const db = this.dataSource.manager;
    const connection = await this.stores.repoConnections.forSync(db, job.connectionId, job.projectId);
    if (!connection || connection.deletedAt !== null) {
      const ended = await this.dataSource.transaction((em) => this.stores.syncJobs.finish(em, job.id, owner, { kind: 'done' }));
      return { jobId: job.id, connectionId: job.connectionId, outcome: ended ? 'gone' : 'lease_lost', message: null };
    }
    const repos = await this.stores.repositories.livePathsOfConnection(db, connection.id);

    // Past its attempts only by lease takeovers: its workers died with it in hand each time. A job
    // that takes its worker down must not be taken up forever; it fails, and a new request queues it again.
    if (job.attempt > job.maxAttempts) {
      const error = `The sync was interrupted ${job.attempt - 1} times (its worker stopped before finishing); ask for it again with syncRepoConnection`;
      return this.conclude(job, owner, connection.id, repos, null, { kind: 'failed', error });
    }

    // Through an account: its current token, fetched now (never a copy on the connection); first,
    // whether its rate budget lets background work spend requests now (else: back at its reset).
    let auth: CheckAuth;
    if (connection.codeHostAccountId !== null) {
      const gate = await this.budget.backgroundAllowed(connection.codeHostAccountId);
      if (!gate.allowed) return this.conclude(job, owner, connection.id, repos, null, deferral(connection.codeHostAccountId, gate.resumeAt));
      auth = { account: { tenantId: connection.tenantId, id: connection.codeHostAccountId }, baseUrl: connection.baseUrl };
    } else {
      try {
        auth = { credentials: this.credentials.read(connection), baseUrl: connection.baseUrl };
      } catch {
        return this.conclude(job, owner, connection.id, repos, null, { kind: 'failed', error: 'The stored credentials cannot be opened with the configured encryption keys' });
      }
    }

    const check = await this.platforms.check(connection.platform, auth, repos.map((r) => r.path), { background: true });
    const last = job.attempt >= job.maxAttempts;
    const { credential } = check;
    let outcome: JobOutcome;
    if (check.accountProblem) {
      // SUSPENDED, NEEDS_REAUTHORIZATION, REVOKED or deleted: a person must act, so it is not retried.
      outcome = { kind: 'failed', error: `${check.accountProblem.message}. The sync was not retried; ask for it again once the account is usable` };
    } else if (credential.valid === false) {
      outcome = { kind: 'failed', error: `The platform refused the credentials: ${credential.message ?? 'invalid'}` };
    } else {
      const unreachable = credential.valid === null ? credential.message : check.repositories.find((r) => r.status === 'unreachable')?.message;
      // Cut short by the account's rate limit (the host refused, or the budget fell below the floor
      // while it ran): what was read is stored, and the rest waits for the budget, not for a retry.
      const gate = unreachable != null && connection.codeHostAccountId !== null ? await this.budget.backgroundAllowed(connection.codeHostAccountId) : null;
      if (gate !== null && !gate.allowed) {
        outcome = deferral(connection.codeHostAccountId!, gate.resumeAt);
      } else if (unreachable !== undefined && unreachable !== null) {
        const error = `Attempt ${job.attempt} of ${job.maxAttempts}: ${unreachable}`;
        outcome = last ? { kind: 'failed', error } : { kind: 'retry', delayMs: Math.min(MAX_RETRY_DELAY_MS, this.config.sync.retryBaseMs * 2 ** (job.attempt - 1)), error };
      } else if (credential.valid === null) {
        outcome = { kind: 'failed', error: 'The platform could not be asked' };
      } else {
        outcome = { kind: 'done' };
      }
    }
    return this.conclude(job, owner, connection.id, repos, check, outcome);
  }

  /**
   * A link job: the tenant's waiting repositories the account covers (asked of the host outside
   * any transaction) are linked in the transaction that ends the job, only if the lease is still
   * ours. An account that cannot be used (any more) links nothing, and the job ends.
   */
  private async runLink(job: Extract<ClaimedJob, { kind: 'link_account' }>, owner: string): Promise<SyncAttempt> {
    let covered: string[] | null = null;
    let outcome: JobOutcome;
    try {
      // Background work like a sync: it waits for the account's rate budget, and what a budget cut short is linked later.
      const before = await this.budget.backgroundAllowed(job.accountId);
      if (!before.allowed) {
        outcome = deferral(job.accountId, before.resumeAt);
      } else {
        covered = await this.repositoryAccounts.coveredBy(this.dataSource.manager, job.tenantId, job.accountId, { background: true });
        const after = await this.budget.backgroundAllowed(job.accountId);
        outcome = after.allowed ? { kind: 'done' } : deferral(job.accountId, after.resumeAt);
      }
    } catch (error) {
      // The database away, or a bug: tried again later like a sync, never with details that could hold data.
      covered = null;
      const reason = `Linking repositories to ${job.accountId} failed (${String((error as { code?: unknown })?.code ?? 'unknown')})`;
      outcome = job.attempt >= job.maxAttempts ? { kind: 'failed', error: reason } : { kind: 'retry', delayMs: Math.min(MAX_RETRY_DELAY_MS, this.config.sync.retryBaseMs * 2 ** (job.attempt - 1)), error: reason };
    }
    const linked = await this.dataSource.transaction(async (em) => {
      const state = await this.stores.syncJobs.finish(em, job.id, owner, outcome);
      if (state === null) return null;
      return covered ? this.stores.repositories.linkToAccount(em, covered, job.accountId, new Date()) : 0;
    });
    return { jobId: job.id, connectionId: null, accountId: job.accountId, linked: linked ?? 0, outcome: linked === null ? 'lease_lost' : outcome.kind, message: outcome.kind === 'done' ? null : outcome.error };
  }

  /** The facts of a report worth storing, each checked for its shape (a host's answer is not trusted as is). */
  private hostFacts(check: ConnectionCheck, report: RepositoryReport): RepositoryHostFacts {
    return {
      defaultBranch: report.defaultBranch && isValidBranchName(report.defaultBranch) ? report.defaultBranch : null,
      headCommit: report.headCommit && /^[0-9a-f]{7,64}$/i.test(report.headCommit) ? report.headCommit : null,
      archived: report.archived,
      platformHost: check.platformHost,
      hostRepositoryId: report.hostRepositoryId,
    };
  }

  private async conclude(
    job: ClaimedJob,
    owner: string,
    connectionId: string,
    repos: { id: string; path: string }[],
    check: ConnectionCheck | null,
    outcome: JobOutcome,
  ): Promise<SyncAttempt> {
    const ended = await this.dataSource.transaction(async (em) => {
      const state = await this.stores.syncJobs.finish(em, job.id, owner, outcome);
      if (state === null) return null;
      const byPath = new Map(check?.repositories.map((r) => [r.repository.toLowerCase(), r]) ?? []);
      for (const repo of repos) {
        const report = byPath.get(repo.path.toLowerCase());
        if (report && (report.status === 'found' || (report.status === 'moved' && report.atNewPlace === 'found'))) {
          // A moved repository read at its new place is the same repository (the host's id says so):
          // its facts are stored, and the move is reported, not followed (module docs).
          await this.stores.repositories.recordSyncFound(em, repo.id, this.hostFacts(check!, report), report.status === 'moved' ? movedError(repo.path, report) : null);
        } else if (report && report.status !== 'unreachable') {
          await this.stores.repositories.recordSyncError(em, repo.id, report.message ?? report.status);
        } else if (outcome.kind === 'failed') {
          await this.stores.repositories.recordSyncError(em, repo.id, outcome.error);
        }
      }
      if (state === 'requeued' || outcome.kind === 'retry') {
        const why = outcome.kind === 'retry' ? `${outcome.error}; retrying` : outcome.kind === 'defer' ? outcome.error : null;
        await this.stores.repoConnections.recordSyncPending(em, connectionId, why);
      } else if (outcome.kind === 'done') {
        await this.stores.repoConnections.recordSyncOk(em, connectionId);
      } else {
        await this.stores.repoConnections.recordSyncError(em, connectionId, outcome.error);
      }
      return state;
    });
    const message = outcome.kind === 'done' ? null : outcome.error;
    return { jobId: job.id, connectionId, outcome: ended === null ? 'lease_lost' : outcome.kind, message };
  }
}
