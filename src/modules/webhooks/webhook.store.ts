import type { DataSource, EntityManager } from 'typeorm';
import { WebhookHookEntity } from '../../db/entities';
import type { WebhookDeliveryEntity, WebhookDeliveryStatus } from '../../db/entities/webhook-delivery.entity';
import type { SealedValue } from '../crypto';
import { insertRows, readRows } from '../../db/rows';
import { isRetryableTransactionError } from '../../db/transaction';

const NOW = 'UTC_TIMESTAMP(3)';

/** What lists and reads of a hook select: every column but the sealed secrets. */
const HOOK_LISTED = 'id, tenant_id, host, base_url, description, previous_secret_valid_until, secret_rotated_at, created_at, updated_at, deleted_at';

/** What a list of deliveries selects: everything but the body. */
const DELIVERY_LISTED = `source_id, installation_key, id, delivery_key, host, event, action, repository_host_id, repository_full_name,
  received_at, status, outcome, processed_at, body_bytes`;

/** One bounded purge statement, on `ix_webhook_deliveries_status (status, received_at)` (the benchmark EXPLAINs it on a million rows). */
export const PURGE_DELIVERIES_SQL = `DELETE FROM webhook_deliveries WHERE status = ? AND received_at < DATE_SUB(${NOW}, INTERVAL ? DAY) ORDER BY received_at LIMIT ?`;

export const DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ['queued', 'processed', 'ignored', 'failed'];

const sealed = (keyId: unknown, blob: unknown): SealedValue | null => (typeof keyId === 'string' && Buffer.isBuffer(blob) ? { keyId, blob } : null);

export function hookFromRow(row: Record<string, unknown>): WebhookHookEntity {
  return Object.assign(new WebhookHookEntity(), {
    id: row.id,
    tenantId: row.tenant_id,
    host: row.host,
    baseUrl: row.base_url,
    description: row.description ?? null,
    secretKeyId: '',
    secretCiphertext: Buffer.alloc(0),
    previousSecretKeyId: null,
    previousSecretCiphertext: null,
    previousSecretValidUntil: row.previous_secret_valid_until ?? null,
    secretRotatedAt: row.secret_rotated_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at ?? null,
  });
}

/** A delivery as listed (no body). */
export type DeliveryRow = Omit<WebhookDeliveryEntity, 'bodyGzip'>;

function deliveryFromRow(row: Record<string, unknown>): DeliveryRow {
  return {
    sourceId: row.source_id as string,
    installationKey: row.installation_key as string,
    id: row.id as string,
    deliveryKey: row.delivery_key as string,
    host: row.host as DeliveryRow['host'],
    event: row.event as string,
    action: (row.action as string | null) ?? null,
    repositoryHostId: (row.repository_host_id as string | null) ?? null,
    repositoryFullName: (row.repository_full_name as string | null) ?? null,
    receivedAt: row.received_at as Date,
    status: row.status as WebhookDeliveryStatus,
    outcome: (row.outcome as string | null) ?? null,
    processedAt: (row.processed_at as Date | null) ?? null,
    bodyBytes: Number(row.body_bytes),
  };
}

/** A queued delivery as processing claims it. */
export interface QueuedDelivery {
  sourceId: string;
  installationKey: string;
  id: string;
  host: WebhookDeliveryEntity['host'];
  event: string;
  action: string | null;
  receivedAt: Date;
  bodyGzip: Buffer | null;
}

/** A live hook with its sealed secrets, as verification needs it. */
export interface HookSecretsRow {
  id: string;
  tenantId: string;
  host: WebhookHookEntity['host'];
  current: SealedValue;
  previous: SealedValue | null;
  previousValidUntil: Date | null;
}

export interface NewDelivery {
  sourceId: string;
  installationKey: string;
  id: string;
  deliveryKey: string;
  host: WebhookDeliveryEntity['host'];
  event: string;
  action: string | null;
  repositoryHostId: string | null;
  repositoryFullName: string | null;
  receivedAt: Date;
  status: WebhookDeliveryStatus;
  outcome: string | null;
  bodyBytes: number;
  bodyGzip: Buffer | null;
}

/** The one statement that records a delivery (the benchmark's baseline sends this very text: bench/webhook-ingest.ts). */
export const INSERT_DELIVERY_SQL = `INSERT INTO webhook_deliveries (source_id, installation_key, id, delivery_key, host, event, action, repository_host_id,
  repository_full_name, received_at, status, outcome, body_bytes, body_gzip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const isDuplicateKey = (error: unknown): boolean => {
  const e = error as { errno?: number; driverError?: { errno?: number } } | null;
  return (e?.driverError?.errno ?? e?.errno) === 1062;
};

/**
 * Every SQL statement on webhook hooks and deliveries. Each runs on an index
 * (test/no-full-scan.test.ts): the hooks' primary key and `ix_webhook_hooks_live` (tenant_id,
 * deleted_at, created_at, id); the deliveries' primary key (source_id, installation_key, id),
 * `uq_webhook_deliveries_delivery` (source_id, delivery_key) and `ix_webhook_deliveries_status`
 * (status, received_at).
 */
export class WebhookStore {
  constructor(private readonly dataSource: DataSource) {}

  // ---- hooks -------------------------------------------------------------------------------------

  async insertHook(em: EntityManager, hook: WebhookHookEntity): Promise<void> {
    await insertRows(em, WebhookHookEntity, [hook]);
  }

  /** A live hook's sealed secrets, from the primary (a rotation just written must be seen). */
  async hookSecrets(id: string): Promise<HookSecretsRow | null> {
    const [row] = (await this.dataSource.query(
      `SELECT id, tenant_id, host, secret_key_id, secret_ciphertext, previous_secret_key_id, previous_secret_ciphertext, previous_secret_valid_until
       FROM webhook_hooks WHERE id = ? AND deleted_at IS NULL`,
      [id],
    )) as Record<string, unknown>[];
    if (!row) return null;
    return {
      id: row.id as string,
      tenantId: row.tenant_id as string,
      host: row.host as HookSecretsRow['host'],
      current: sealed(row.secret_key_id, row.secret_ciphertext)!,
      previous: sealed(row.previous_secret_key_id, row.previous_secret_ciphertext),
      previousValidUntil: (row.previous_secret_valid_until as Date | null) ?? null,
    };
  }

  async hookForTenant(db: EntityManager, tenantId: string, id: string): Promise<WebhookHookEntity | null> {
    const [row] = await readRows(db, `SELECT ${HOOK_LISTED} FROM webhook_hooks WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`, [id, tenantId]);
    return row ? hookFromRow(row) : null;
  }

  /** A page of the tenant's live hooks, newest first, keyset-paginated on (created_at, id). */
  async hooksPage(db: EntityManager, tenantId: string, limit: number, after: { createdAt: Date; id: string } | null): Promise<WebhookHookEntity[]> {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = ? AND deleted_at IS NULL';
    if (after) {
      where += ' AND (created_at < ? OR (created_at = ? AND id < ?))';
      params.push(after.createdAt, after.createdAt, after.id);
    }
    params.push(limit);
    const rows = await readRows(db, `SELECT ${HOOK_LISTED} FROM webhook_hooks FORCE INDEX (ix_webhook_hooks_live) WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`, params);
    return rows.map(hookFromRow);
  }

  async countHooks(db: EntityManager, tenantId: string): Promise<number> {
    const [row] = await readRows<{ n: number | string }>(db, 'SELECT COUNT(*) AS n FROM webhook_hooks FORCE INDEX (ix_webhook_hooks_live) WHERE tenant_id = ? AND deleted_at IS NULL', [tenantId]);
    return Number(row?.n ?? 0);
  }

  /** A live hook locked for a rotation or a deletion, with its current sealed secret. */
  async lockHook(em: EntityManager, id: string): Promise<(WebhookHookEntity & { current: SealedValue }) | null> {
    const [row] = (await em.query(`SELECT ${HOOK_LISTED}, secret_key_id, secret_ciphertext FROM webhook_hooks WHERE id = ? AND deleted_at IS NULL FOR UPDATE`, [id])) as Record<
      string,
      unknown
    >[];
    return row ? Object.assign(hookFromRow(row), { current: sealed(row.secret_key_id, row.secret_ciphertext)! }) : null;
  }

  /** A new current secret; the replaced one stays accepted until `previousValidUntil` (none when null). */
  async rotateSecret(em: EntityManager, id: string, next: SealedValue, previous: SealedValue | null, previousValidUntil: Date | null): Promise<void> {
    await em.query(
      `UPDATE webhook_hooks SET secret_key_id = ?, secret_ciphertext = ?, previous_secret_key_id = ?, previous_secret_ciphertext = ?,
         previous_secret_valid_until = ?, secret_rotated_at = ${NOW}, updated_at = ${NOW} WHERE id = ?`,
      [next.keyId, next.blob, previous?.keyId ?? null, previous?.blob ?? null, previousValidUntil, id],
    );
  }

  /** A deleted hook answers no more deliveries; its secrets are erased (the row stays, its deliveries are purged in time). */
  async deleteHook(em: EntityManager, id: string): Promise<void> {
    await em.query(
      `UPDATE webhook_hooks SET deleted_at = ${NOW}, updated_at = ${NOW}, secret_ciphertext = '', previous_secret_key_id = NULL,
         previous_secret_ciphertext = NULL, previous_secret_valid_until = NULL WHERE id = ?`,
      [id],
    );
  }

  /** A batch of hooks in id order, locked, with their sealed secrets (for `credentials:rotate-key`). */
  async lockSealedBatch(em: EntityManager, after: string, size: number): Promise<Record<string, unknown>[]> {
    return em.query(
      `SELECT id, tenant_id, secret_key_id, secret_ciphertext, previous_secret_key_id, previous_secret_ciphertext
       FROM webhook_hooks WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ? FOR UPDATE`,
      [after, size],
    );
  }

  async updateSealed(em: EntityManager, id: string, current: SealedValue, previous: SealedValue | null): Promise<void> {
    await em.query('UPDATE webhook_hooks SET secret_key_id = ?, secret_ciphertext = ?, previous_secret_key_id = ?, previous_secret_ciphertext = ? WHERE id = ?', [
      current.keyId,
      current.blob,
      previous?.keyId ?? null,
      previous?.blob ?? null,
      id,
    ]);
  }

  // ---- deliveries --------------------------------------------------------------------------------

  /**
   * Records a delivery in one autocommitted INSERT. A delivery seen before fails on the
   * de-duplication key (on any process or node) and is answered `duplicate`; nothing is written.
   */
  async insertDelivery(row: NewDelivery): Promise<'inserted' | 'duplicate'> {
    const params = [
      row.sourceId,
      row.installationKey,
      row.id,
      row.deliveryKey,
      row.host,
      row.event,
      row.action,
      row.repositoryHostId,
      row.repositoryFullName,
      row.receivedAt,
      row.status,
      row.outcome,
      row.bodyBytes,
      row.bodyGzip,
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dataSource.query(INSERT_DELIVERY_SQL, params);
        return 'inserted';
      } catch (error) {
        if (isDuplicateKey(error)) return 'duplicate';
        // Galera: the same delivery committed on another node at the same moment loses certification; once more, it is a duplicate.
        if (attempt < 3 && isRetryableTransactionError(error)) continue;
        throw error;
      }
    }
  }

  /**
   * One endpoint's deliveries (an app's deliveries of one installation) with ids from `sinceId`,
   * newest first, strictly before `beforeId` when given: a range of the primary key.
   */
  async deliveriesPage(db: EntityManager, sourceId: string, installationKey: string, sinceId: string, beforeId: string | null, limit: number): Promise<DeliveryRow[]> {
    const params: unknown[] = [sourceId, installationKey, sinceId];
    let where = 'source_id = ? AND installation_key = ? AND id >= ?';
    if (beforeId !== null) {
      where += ' AND id < ?';
      params.push(beforeId);
    }
    params.push(limit);
    const rows = await readRows(db, `SELECT ${DELIVERY_LISTED} FROM webhook_deliveries WHERE ${where} ORDER BY id DESC LIMIT ?`, params);
    return rows.map(deliveryFromRow);
  }

  // ---- processing --------------------------------------------------------------------------------

  /**
   * Claims up to `limit` queued deliveries, oldest first, for the caller's transaction: FOR UPDATE
   * SKIP LOCKED on the time index, so workers of several processes take disjoint batches without
   * waiting on each other. The rows stay locked (and `queued`) until the transaction ends.
   * `sources`: only these endpoints' deliveries (a process that shares the database with others'
   * endpoints, as the test files do).
   */
  async claimQueued(em: EntityManager, limit: number, sources: readonly string[] | null = null): Promise<QueuedDelivery[]> {
    const only = sources === null ? '' : ` AND source_id IN (${sources.map(() => '?').join(', ') || 'NULL'})`;
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT source_id, installation_key, id, host, event, action, received_at, body_gzip FROM webhook_deliveries FORCE INDEX (ix_webhook_deliveries_status)
        WHERE status = 'queued'${only} ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED`,
      [...(sources ?? []), limit],
    );
    return rows.map((r) => ({
      sourceId: r.source_id as string,
      installationKey: r.installation_key as string,
      id: r.id as string,
      host: r.host as QueuedDelivery['host'],
      event: r.event as string,
      action: (r.action as string | null) ?? null,
      receivedAt: r.received_at as Date,
      bodyGzip: (r.body_gzip as Buffer | null) ?? null,
    }));
  }

  /** A delivery is done: its status and outcome, when, and its body dropped (on the primary key). */
  async finishDelivery(em: EntityManager, d: Pick<QueuedDelivery, 'sourceId' | 'installationKey' | 'id'>, status: Exclude<WebhookDeliveryStatus, 'queued'>, outcome: string): Promise<void> {
    await em.query(
      `UPDATE webhook_deliveries SET status = ?, outcome = ?, processed_at = ${NOW}, body_gzip = NULL WHERE source_id = ? AND installation_key = ? AND id = ?`,
      [status, outcome.slice(0, 512), d.sourceId, d.installationKey, d.id],
    );
  }

  /** A hook as processing needs it (its tenant and the host's address), deleted or not; null when unknown. */
  async hookForProcessing(em: EntityManager, id: string): Promise<{ tenantId: string; host: WebhookHookEntity['host']; baseUrl: string; deleted: boolean } | null> {
    const [row] = (await em.query('SELECT tenant_id, host, base_url, deleted_at FROM webhook_hooks WHERE id = ?', [id])) as Record<string, unknown>[];
    return row ? { tenantId: row.tenant_id as string, host: row.host as WebhookHookEntity['host'], baseUrl: row.base_url as string, deleted: row.deleted_at !== null } : null;
  }

  /**
   * Deletes deliveries of one status received before `days` ago, oldest first, at most `limit`
   * rows, on the time index; answers how many went.
   */
  async purgeBatch(status: WebhookDeliveryStatus, days: number, limit: number): Promise<number> {
    const result = await this.dataSource.query(PURGE_DELIVERIES_SQL, [status, days, limit]);
    return Number((result as { affectedRows?: number })?.affectedRows ?? 0);
  }
}
