import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../../config';
import type { GraphQLContext } from '../../context';
import { RepoConnectionEntity } from '../../db/entities';
import { NotFoundError } from '../../errors';
import { requireScope } from '../auth/auth.service';
import type { CredentialCipher } from '../crypto';
import { credentialsAad, type ConnectReposResult, type StoredCredentials } from '../repo-connections/repo-connection.service';
import type { PlatformService } from '../platforms/platform.service';
import { lockOwnRow } from '../../db/locks';
import { inTransaction } from '../../db/transaction';
import { isValidBranchName } from '../../lib/validation';
import { SyncJobStore, type ClaimedJob, type JobOutcome } from './sync-job.store';

/** What one attempt did, for logs and tests. */
export interface SyncAttempt {
  jobId: string;
  connectionId: string;
  outcome: JobOutcome['kind'] | 'lease_lost' | 'gone';
  message: string | null;
}

const MAX_RETRY_DELAY_MS = 10 * 60_000;

export class SyncService {
  readonly store: SyncJobStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly cipher: CredentialCipher,
    private readonly platforms: PlatformService,
  ) {
    this.store = new SyncJobStore(dataSource);
  }

  /** Queues a sync of a connection inside the caller's transaction (the connection row is locked by the caller). */
  async enqueue(em: EntityManager, connection: Pick<RepoConnectionEntity, 'id' | 'tenantId' | 'projectId'>): Promise<void> {
    await this.store.enqueue(em, { tenantId: connection.tenantId, projectId: connection.projectId, connectionId: connection.id }, this.config.sync.maxAttempts);
  }

  /** `syncRepoConnection`: queue a sync and answer at once; the client polls `syncStatus`. */
  async syncRepoConnection(ctx: GraphQLContext, id: string): Promise<ConnectReposResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const connection = await lockOwnRow(em, RepoConnectionEntity, 'Repo connection', project.id, id);
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
    const [connection] = await this.dataSource.query(
      `SELECT id, tenant_id AS tenantId, project_id AS projectId, platform, base_url AS baseUrl, credentials_key_id AS credentialsKeyId,
              credentials_ciphertext AS credentialsCiphertext, deleted_at AS deletedAt
         FROM repo_connections WHERE id = ? AND project_id = ?`,
      [job.connectionId, job.projectId],
    );
    if (!connection || connection.deletedAt !== null) {
      const ended = await this.dataSource.transaction((em) => this.store.finish(em, job.id, owner, { kind: 'done' }));
      return { jobId: job.id, connectionId: job.connectionId, outcome: ended ? 'gone' : 'lease_lost', message: null };
    }
    const repos: { id: string; path: string }[] = await this.dataSource.query('SELECT id, path FROM repositories WHERE repo_connection_id = ? AND deleted_at IS NULL', [connection.id]);

    // Past its attempts only by lease takeovers: its workers died with it in hand each time. A job
    // that takes its worker down must not be taken up forever; it fails, and a new request queues it again.
    if (job.attempt > job.maxAttempts) {
      const error = `The sync was interrupted ${job.attempt - 1} times (its worker stopped before finishing); ask for it again with syncRepoConnection`;
      return this.conclude(job, owner, connection.id, repos, null, { kind: 'failed', error });
    }

    let credentials: StoredCredentials;
    try {
      credentials = JSON.parse(this.cipher.open({ keyId: connection.credentialsKeyId, blob: connection.credentialsCiphertext }, credentialsAad(connection)).reveal()) as StoredCredentials;
    } catch {
      return this.conclude(job, owner, connection.id, repos, null, { kind: 'failed', error: 'The stored credentials cannot be opened with the configured encryption keys' });
    }

    const check = await this.platforms.check(connection.platform, credentials, connection.baseUrl, repos.map((r) => r.path));
    const last = job.attempt >= job.maxAttempts;
    const { credential } = check;
    let outcome: JobOutcome;
    if (credential.valid === false) {
      outcome = { kind: 'failed', error: `The platform refused the credentials: ${credential.message ?? 'invalid'}` };
    } else {
      const unreachable = credential.valid === null ? credential.message : check.repositories.find((r) => r.status === 'unreachable')?.message;
      if (unreachable !== undefined && unreachable !== null) {
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

  private async conclude(
    job: ClaimedJob,
    owner: string,
    connectionId: string,
    repos: { id: string; path: string }[],
    check: Awaited<ReturnType<PlatformService['check']>> | null,
    outcome: JobOutcome,
  ): Promise<SyncAttempt> {
    const ended = await this.dataSource.transaction(async (em) => {
      const state = await this.store.finish(em, job.id, owner, outcome);
      if (state === null) return null;
      const byPath = new Map(check?.repositories.map((r) => [r.repository.toLowerCase(), r]) ?? []);
      for (const repo of repos) {
        const report = byPath.get(repo.path.toLowerCase());
        if (report?.status === 'found') {
          const branch = report.defaultBranch && isValidBranchName(report.defaultBranch) ? report.defaultBranch : null;
          await em.query(
            `UPDATE repositories SET default_branch = COALESCE(?, default_branch), last_commit_sha = COALESCE(?, last_commit_sha), sync_status = 'ok', synced_at = UTC_TIMESTAMP(3), sync_error = NULL WHERE id = ?`,
            [branch, report.headCommit && /^[0-9a-f]{7,64}$/i.test(report.headCommit) ? report.headCommit : null, repo.id],
          );
        } else if (report && report.status !== 'unreachable') {
          await em.query(`UPDATE repositories SET sync_status = 'error', sync_error = ? WHERE id = ?`, [(report.message ?? report.status).slice(0, 1024), repo.id]);
        } else if (outcome.kind === 'failed') {
          await em.query(`UPDATE repositories SET sync_status = 'error', sync_error = ? WHERE id = ?`, [outcome.error.slice(0, 1024), repo.id]);
        }
      }
      if (state === 'requeued' || outcome.kind === 'retry') {
        await em.query(`UPDATE repo_connections SET sync_status = 'pending', sync_error = ? WHERE id = ?`, [outcome.kind === 'retry' ? `${outcome.error}; retrying` : null, connectionId]);
      } else if (outcome.kind === 'done') {
        await em.query(`UPDATE repo_connections SET sync_status = 'ok', synced_at = UTC_TIMESTAMP(3), sync_error = NULL WHERE id = ?`, [connectionId]);
      } else {
        await em.query(`UPDATE repo_connections SET sync_status = 'error', sync_error = ? WHERE id = ?`, [outcome.error.slice(0, 1024), connectionId]);
      }
      return state;
    });
    const message = outcome.kind === 'done' ? null : outcome.error;
    return { jobId: job.id, connectionId, outcome: ended === null ? 'lease_lost' : outcome.kind, message };
  }
}
