import { DELIVERY_STATUSES, type WebhookStore } from './webhook.store';

interface Log {
  warn(obj: object, msg: string): void;
}

/** Rows deleted per statement: short enough that no DELETE holds its locks for long. */
export const PURGE_BATCH = 1_000;
/** Statements per run and status at most; what is left goes at the next run. */
const MAX_BATCHES = 100;

/**
 * Deletes deliveries older than the retention, oldest first, in bounded DELETEs on the time index
 * (`status, received_at`), status by status, so the table holds about `retentionDays` of deliveries
 * however long the server runs. Answers how many rows went.
 */
export async function purgeOldDeliveries(store: WebhookStore, retentionDays: number, batch = PURGE_BATCH): Promise<number> {
  let deleted = 0;
  for (const status of DELIVERY_STATUSES) {
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await store.purgeBatch(status, retentionDays, batch);
      deleted += n;
      if (n < batch) break;
    }
  }
  return deleted;
}

/**
 * Runs the purge every `intervalMs` in a process that runs workers (`REPOLINK_SYNC_WORKER`), as the
 * sync queue's worker runs there; one run at a time. Stopped by the returned function.
 */
export function schedulePurge(store: WebhookStore, retentionDays: number, intervalMs: number, log: Log): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purgeOldDeliveries(store, retentionDays)
      .catch((error: unknown) => log.warn({ code: String((error as { code?: unknown })?.code ?? 'unknown') }, 'webhook delivery purge failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
