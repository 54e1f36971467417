import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SyncConfig } from '../../config';
import type { SyncAttempt, SyncService } from './sync.service';

interface Log {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Other queue work run by the same loop (webhook processing, reconciliation): one batch at a time, answering how many items it took. */
export interface QueueCompanion {
  runBatch(limit: undefined, log: Pick<Log, 'warn'>): Promise<number>;
}

/**
 * A worker on the shared sync queue, inside the server process. It polls for due jobs, claims one
 * at a time (FOR UPDATE SKIP LOCKED, so several processes share the queue and none takes a job
 * another holds), renews its lease while the job runs, and stops between jobs on shutdown: a job
 * cut short is taken over by another worker once its lease expires, so nothing is lost.
 */
export class SyncWorker {
  readonly owner = `${hostname().slice(0, 20)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly sync: SyncService,
    private readonly config: SyncConfig,
    private readonly log: Log,
    private readonly companions: readonly QueueCompanion[] = [],
  ) {}

  get started(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the job in hand (at most `waitMs`; past it the lease will hand it over). */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
  }

  /** Claims and runs one due job; null when none is due. Used by the loop and by tests. */
  async runOnce(): Promise<SyncAttempt | null> {
    const job = await this.sync.store.claim(this.owner, this.config.leaseMs);
    if (!job) return null;
    const heartbeat = setInterval(() => void this.sync.store.renew(job.id, this.owner, this.config.leaseMs).catch(() => undefined), Math.max(50, Math.floor(this.config.leaseMs / 3)));
    try {
      const attempt = await this.sync.run(job, this.owner);
      if (attempt.outcome === 'defer') this.log.info({ job: attempt.jobId, connection: attempt.connectionId, account: attempt.accountId, reason: attempt.message }, 'sync job deferred for the rate budget');
      else if (attempt.outcome !== 'done' && attempt.outcome !== 'gone') this.log.warn({ job: attempt.jobId, connection: attempt.connectionId, outcome: attempt.outcome, reason: attempt.message }, 'sync attempt did not succeed');
      return attempt;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.drain().finally(() => {
        this.running = null;
        this.schedule(this.config.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Runs due jobs and companion batches by turns until neither has work left or the worker stops. */
  private async drain(): Promise<void> {
    let jobs = true;
    let batches = this.companions.length > 0;
    while (!this.stopped && (jobs || batches)) {
      if (jobs) {
        try {
          jobs = (await this.runOnce()) !== null;
        } catch (error) {
          // The database away or a bug: log without details that could hold data, and poll again later.
          this.log.warn({ code: String((error as { code?: unknown })?.code ?? 'unknown') }, 'sync worker could not run a job');
          jobs = false;
        }
      }
      if (batches && !this.stopped) {
        try {
          let took = 0;
          for (const companion of this.companions) took += await companion.runBatch(undefined, this.log);
          batches = took > 0;
        } catch (error) {
          this.log.warn({ code: String((error as { code?: unknown })?.code ?? 'unknown') }, 'a queue companion (webhook processing, reconciliation) could not run a batch');
          batches = false;
        }
      }
    }
  }
}
