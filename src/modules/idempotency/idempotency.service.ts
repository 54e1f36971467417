import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { IdempotencyRecordEntity } from '../../db/entities';
import { uuidv7 } from '../../lib/ids';
import { isConnectionLoss, isDuplicateKey, retryTransaction, throwIfDoomed } from '../../db/transaction';

export interface StoredResponse {
  status: number;
  body: string;
}

export interface Execution extends StoredResponse {
  /** False for a response that must not be replayed (invalid input, auth failure, server error): the key may be retried. */
  store: boolean;
}

export type IdempotentOutcome =
  | ({ kind: 'executed' | 'replayed' } & StoredResponse)
  | { kind: 'reused' }
  | { kind: 'in_use' };

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The fingerprint of a request: the same key with another fingerprint is refused. */
export function requestHash(parts: unknown): Buffer {
  return createHash('sha256').update(canonicalJson(parts)).digest();
}

/** JSON with object keys sorted, so two bodies that differ only in key order are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Idempotency-Key handling that holds across processes sharing one database.
 *
 * A request claims its key with an INSERT on the unique (scope, key) index: exactly one concurrent
 * request wins; the others see an in-flight claim (409) or, once it finished, its stored response.
 * The winner's work and its stored response commit in one transaction, so a crash can never leave
 * work done without its response (or the reverse). A claim whose process died is taken over when
 * its lease runs out.
 */
export class IdempotencyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { ttlMs: number; leaseMs: number } = { ttlMs: 24 * 3600_000, leaseMs: 60_000 },
  ) {}

  async run(scope: string, key: string, hash: Buffer, execute: (db: EntityManager) => Promise<Execution>): Promise<IdempotentOutcome> {
    const owner = randomUUID();
    let recordId: string | null = null;
    for (let attempt = 0; attempt < 5 && recordId === null; attempt++) {
      // A connection lost during the claim (a database node failing over): try again; if the
      // INSERT did commit, the record carries our owner and is ours.
      const claim = await this.claim(scope, key, hash, owner).catch((error: unknown) => {
        if (attempt < 4 && isConnectionLoss(error)) return { kind: 'retry' as const };
        throw error;
      });
      if (claim.kind === 'claimed') recordId = claim.id;
      else if (claim.kind !== 'retry') return claim.outcome;
    }
    if (recordId === null) return { kind: 'in_use' };
    const id = recordId;

    // The outermost transaction of the request: a lost certification (Galera) or a deadlock runs
    // the whole request again; the claim (committed on its own) stays ours meanwhile.
    const once = () =>
      this.dataSource.transaction(async (em) => {
        const out = await execute(em);
        throwIfDoomed();
        if (out.store) {
          const stored = await em
            .createQueryBuilder()
            .update(IdempotencyRecordEntity)
            .set({ responseStatus: out.status, responseBody: out.body, lockedUntil: null })
            .where('id = :id AND owner = :owner', { id, owner })
            .execute();
          // Our lease ran out and another request took the key over: undo our work, it runs there.
          if (stored.affected !== 1) throw new LostClaimError();
        }
        return out;
      });
    let result: Execution;
    try {
      result = await retryTransaction(once);
    } catch (error) {
      await this.release(id, owner);
      if (error instanceof LostClaimError) return { kind: 'in_use' };
      throw error;
    }
    if (!result.store) await this.release(id, owner);
    return { kind: 'executed', status: result.status, body: result.body };
  }

  private async claim(
    scope: string,
    key: string,
    hash: Buffer,
    owner: string,
  ): Promise<{ kind: 'claimed'; id: string } | { kind: 'done'; outcome: IdempotentOutcome } | { kind: 'retry' }> {
    const repo = this.dataSource.getRepository(IdempotencyRecordEntity);
    const now = Date.now();
    const id = uuidv7();
    try {
      await repo
        .createQueryBuilder()
        .insert()
        .values({
          id,
          scope,
          idempotencyKey: key,
          requestHash: hash,
          owner,
          lockedUntil: new Date(now + this.options.leaseMs),
          responseStatus: null,
          responseBody: null,
          createdAt: new Date(now),
          expiresAt: new Date(now + this.options.ttlMs),
        })
        .updateEntity(false)
        .execute();
      return { kind: 'claimed', id };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const record = await repo.findOneBy({ scope, idempotencyKey: key });
    if (!record) return { kind: 'retry' };
    if (record.expiresAt.getTime() <= now) {
      await repo.createQueryBuilder().delete().where('id = :id AND expires_at <= :now', { id: record.id, now: new Date(now) }).execute();
      return { kind: 'retry' };
    }
    if (!record.requestHash.equals(hash)) return { kind: 'done', outcome: { kind: 'reused' } };
    if (record.owner === owner && record.responseStatus === null) return { kind: 'claimed', id: record.id };
    if (record.responseStatus !== null) {
      return { kind: 'done', outcome: { kind: 'replayed', status: record.responseStatus, body: record.responseBody ?? '' } };
    }
    if (record.lockedUntil !== null && record.lockedUntil.getTime() > now) return { kind: 'done', outcome: { kind: 'in_use' } };
    // The request that claimed it died mid-way; take its claim over, once.
    const taken = await repo
      .createQueryBuilder()
      .update()
      .set({ owner, lockedUntil: new Date(now + this.options.leaseMs) })
      .where('id = :id AND responseStatus IS NULL AND (owner <=> :previous)', { id: record.id, previous: record.owner })
      .execute();
    return taken.affected === 1 ? { kind: 'claimed', id: record.id } : { kind: 'retry' };
  }

  /** Gives a key back so it may be retried (no response was stored). */
  private async release(id: string, owner: string): Promise<void> {
    await this.dataSource
      .getRepository(IdempotencyRecordEntity)
      .createQueryBuilder()
      .delete()
      .where('id = :id AND owner = :owner AND responseStatus IS NULL', { id, owner })
      .execute()
      .catch(() => undefined);
  }

  /** Deletes expired records; run periodically. */
  async purgeExpired(limit = 1000): Promise<number> {
    const result = await this.dataSource.query('DELETE FROM idempotency_records WHERE expires_at <= ? ORDER BY expires_at LIMIT ?', [new Date(), limit]);
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }
}

class LostClaimError extends Error {}
