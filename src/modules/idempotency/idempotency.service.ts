import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { UserErrorCode } from '../../errors';
import { uuidv7 } from '../../lib/ids';
import { isConnectionLoss, isDatabaseUnavailable, isDuplicateKey, retryTransaction, throwIfDoomed } from '../../db/transaction';
import { IdempotencyStore } from './idempotency.store';

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** What is wrong with a key that does not match the pattern (each transport names the header its own way). */
export const IDEMPOTENCY_KEY_PROBLEM = 'must be 1 to 255 visible ASCII characters';

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
 * A request's response as its transport sends it, and what it came to in terms every transport
 * shares: the codes of the failures it reports (none: it succeeded). GraphQL lists the
 * `extensions.code` of its `errors` and the `code` of its payloads' `userErrors`; the REST shim
 * the one failure its envelope carries.
 */
export interface Execution {
  status: number;
  body: string;
  failures: readonly string[];
}

/** Refusals decided by the state the request found, not by how it was sent: the same request gets them again. */
const STATE_REFUSALS: ReadonlySet<string> = new Set([UserErrorCode.CONFLICT, UserErrorCode.QUOTA_EXCEEDED]);

/**
 * The one rule for what an Idempotency-Key stores and replays, on every transport: the outcome of
 * executing the request — a success, or a refusal that depends on the state it found (CONFLICT,
 * QUOTA_EXCEEDED). Nothing else is stored, and the key is given back so it may be retried: a
 * request refused before its work (invalid input, authentication, permission, an id not found,
 * rate limit) or failed (database unavailable, an internal error). A response that reports any
 * such failure beside a success (a GraphQL operation with two mutations) is not stored either.
 */
export function isStoredOutcome(failures: readonly string[]): boolean {
  for (const code of failures) if (!STATE_REFUSALS.has(code)) return false;
  return true;
}

/** One request sent with an Idempotency-Key, as a transport hands it over. */
export interface IdempotentRequest<E extends Execution> {
  /** Whose key it is (the caller's principal): another caller's identical key is another record. */
  scope: string;
  /** The key, already checked against IDEMPOTENCY_KEY_PATTERN. */
  key: string;
  /** What makes two requests the same (transport, operation, arguments): the same key with others is refused. */
  fingerprint: unknown;
  /** Runs the request on the transaction's handle `db`; may run again when the transaction is retried. */
  execute(db: EntityManager): Promise<E>;
}

/** How an idempotent request ended; each transport answers it in its own envelope. */
export type IdempotentAnswer<E extends Execution> =
  /** Ran now (its last run, when the transaction was retried); stored when `isStoredOutcome` says so. */
  | { kind: 'executed'; execution: E }
  /** The stored response of an earlier request with this key and fingerprint. */
  | { kind: 'replayed'; status: number; body: string }
  /** Not run: the key belongs to another request, is still running, or the database is away (nothing committed, the key is free again). */
  | { kind: 'refused'; code: 'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_KEY_IN_USE' | 'SERVICE_UNAVAILABLE'; message: string };

const REUSED = { kind: 'refused', code: 'IDEMPOTENCY_KEY_REUSED', message: 'This Idempotency-Key was already used with a different request' } as const;
const IN_USE = { kind: 'refused', code: 'IDEMPOTENCY_KEY_IN_USE', message: 'A request with this Idempotency-Key is still running; retry shortly' } as const;
const UNAVAILABLE = { kind: 'refused', code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable; try again shortly' } as const;

type Claim = { kind: 'claimed'; id: string } | { kind: 'replayed'; status: number; body: string } | typeof REUSED | typeof IN_USE | { kind: 'retry' };

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
  private readonly store: IdempotencyStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { ttlMs: number; leaseMs: number } = { ttlMs: 24 * 3600_000, leaseMs: 60_000 },
  ) {
    this.store = new IdempotencyStore(dataSource);
  }

  /**
   * Runs a request once per caller and key: executes it and stores its response when
   * `isStoredOutcome`, replays a stored response, or refuses. The one path of GraphQL and the shim.
   */
  async run<E extends Execution>(request: IdempotentRequest<E>): Promise<IdempotentAnswer<E>> {
    try {
      return await this.claimAndRun(request);
    } catch (error) {
      // The database was away or kept refusing the transaction (retries spent): nothing was
      // committed and the key was given back, so the client may safely send it again.
      if (isDatabaseUnavailable(error)) return UNAVAILABLE;
      throw error;
    }
  }

  private async claimAndRun<E extends Execution>({ scope, key, fingerprint, execute }: IdempotentRequest<E>): Promise<IdempotentAnswer<E>> {
    const hash = requestHash(fingerprint);
    const owner = randomUUID();
    let recordId: string | null = null;
    for (let attempt = 0; attempt < 5 && recordId === null; attempt++) {
      // A connection lost during the claim (a database node failing over): try again; if the
      // INSERT did commit, the record carries our owner and is ours.
      const claim = await this.claim(scope, key, hash, owner).catch((error: unknown): Claim => {
        if (attempt < 4 && isConnectionLoss(error)) return { kind: 'retry' };
        throw error;
      });
      if (claim.kind === 'claimed') recordId = claim.id;
      else if (claim.kind !== 'retry') return claim;
    }
    if (recordId === null) return IN_USE;
    const id = recordId;

    // The outermost transaction of the request: a lost certification (Galera) or a deadlock runs
    // the whole request again; the claim (committed on its own) stays ours meanwhile.
    const once = () =>
      this.dataSource.transaction(async (em) => {
        const execution = await execute(em);
        throwIfDoomed();
        const store = isStoredOutcome(execution.failures);
        // Our lease ran out and another request took the key over: undo our work, it runs there.
        if (store && !(await this.store.storeResponse(em, id, owner, execution.status, execution.body))) throw new LostClaimError();
        return { execution, store };
      });
    let result: { execution: E; store: boolean };
    try {
      result = await retryTransaction(once);
    } catch (error) {
      await this.release(id, owner);
      if (error instanceof LostClaimError) return IN_USE;
      throw error;
    }
    if (!result.store) await this.release(id, owner);
    return { kind: 'executed', execution: result.execution };
  }

  private async claim(scope: string, key: string, hash: Buffer, owner: string): Promise<Claim> {
    const now = Date.now();
    const id = uuidv7();
    try {
      await this.store.insertClaim({
        id,
        scope,
        key,
        hash,
        owner,
        lockedUntil: new Date(now + this.options.leaseMs),
        createdAt: new Date(now),
        expiresAt: new Date(now + this.options.ttlMs),
      });
      return { kind: 'claimed', id };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const record = await this.store.find(scope, key);
    if (!record) return { kind: 'retry' };
    if (record.expiresAt.getTime() <= now) {
      await this.store.deleteIfExpired(record.id, new Date(now));
      return { kind: 'retry' };
    }
    if (!record.requestHash.equals(hash)) return REUSED;
    if (record.owner === owner && record.responseStatus === null) return { kind: 'claimed', id: record.id };
    if (record.responseStatus !== null) return { kind: 'replayed', status: record.responseStatus, body: record.responseBody ?? '' };
    if (record.lockedUntil !== null && record.lockedUntil.getTime() > now) return IN_USE;
    // The request that claimed it died mid-way; take its claim over, once.
    return (await this.store.takeOver(record.id, record.owner, owner, new Date(now + this.options.leaseMs))) ? { kind: 'claimed', id: record.id } : { kind: 'retry' };
  }

  /** Gives a key back so it may be retried (no response was stored); a failure leaves it to its lease. */
  private async release(id: string, owner: string): Promise<void> {
    await this.store.release(id, owner).catch(() => undefined);
  }

  /** Deletes expired records; run periodically. */
  purgeExpired(limit = 1000): Promise<number> {
    return this.store.purgeExpired(new Date(), limit);
  }
}

class LostClaimError extends Error {}
