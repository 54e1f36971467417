import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';

/** Work that must commit or roll back with a mutation's own writes. */
export type BeforeCommitHook = (em: EntityManager, result: unknown) => Promise<void>;

export interface TransactionScope {
  /**
   * The request's database handle. When the request runs inside a transaction of its own (an
   * idempotent request stores its response in it), a mutation's transaction nests as a SAVEPOINT.
   */
  db: EntityManager;
  beforeCommit: BeforeCommitHook[];
}

/**
 * Runs a mutation's writes in one transaction. A result that carries user errors rolls back too:
 * a mutation that refuses changes nothing.
 */
export async function inTransaction<T extends { userErrors: unknown[] }>(
  scope: TransactionScope,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  const rollback = Symbol('rollback');
  let refused: T | undefined;
  throwIfDoomed();
  const once = async () => {
    try {
      return await scope.db.transaction(async (em) => {
        const result = await work(em);
        if (result.userErrors.length > 0) {
          refused = result;
          throw rollback;
        }
        for (const hook of scope.beforeCommit) await hook(em, result);
        throwIfDoomed();
        return result;
      });
    } catch (error) {
      if (error === rollback && refused) return refused;
      throw error;
    }
  };
  // Nested in a request's own transaction (a SAVEPOINT): that outermost transaction retries.
  return scope.db.queryRunner?.isTransactionActive ? once() : retryTransaction(once);
}

/**
 * Errors after which the whole transaction is gone and running it again is safe: a lost Galera
 * certification or an InnoDB deadlock (1213, the server rolled everything back, a later COMMIT
 * commits nothing), and a node cut off from the cluster's primary component (1047: nothing ran).
 */
export function isRetryableTransactionError(error: unknown): boolean {
  if (error instanceof DoomedTransactionError) return true;
  const errno = driverErrno(error);
  return errno === 1213 || errno === 1047;
}

/** Errors that mean the database is away or cannot serve right now (the client may retry: 503). */
export function isDatabaseUnavailable(error: unknown): boolean {
  // graphql-js wraps a thrown value that is not an Error of its realm (NonErrorThrown).
  const thrown = (error as { thrownValue?: unknown } | null)?.thrownValue;
  if (thrown !== undefined && thrown !== error) return isDatabaseUnavailable(thrown);
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e?.driverError?.code ?? e?.code ?? '';
  return (
    error instanceof DoomedTransactionError ||
    isRetryableTransactionError(error) ||
    ['ECONNREFUSED', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'ETIMEDOUT', 'EPIPE', 'ER_CON_COUNT_ERROR', 'PROTOCOL_SEQUENCE_TIMEOUT'].includes(code) ||
    /Pool is closed|connect ETIMEDOUT|Connection lost|Can't add new command when connection is in closed state/i.test(e?.message ?? '')
  );
}

function driverErrno(error: unknown): number | undefined {
  const e = error as { errno?: number; driverError?: { errno?: number } } | null;
  return e?.driverError?.errno ?? e?.errno;
}

/** A connection that broke or could not be made: whatever ran on it before COMMIT was sent did not commit. */
export function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code ?? '';
  return ['ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'EPIPE', 'ECONNREFUSED'].includes(code);
}

/** One attempt at an outermost transaction, as seen by every statement issued inside it. */
interface Attempt {
  /** The first failure that cost the attempt its transaction, even one a resolver caught. */
  doomed: unknown;
  /** COMMIT was sent and the connection broke: the outcome is unknown, never retry. */
  commitUncertain: boolean;
}

const attempts = new AsyncLocalStorage<Attempt>();

export class DoomedTransactionError extends Error {
  constructor(readonly cause: unknown) {
    super('The transaction was rolled back by the database (certification conflict, deadlock or lost connection); it is retried');
  }
}

/**
 * Called by the data source's logger for every failed statement. A statement of the current
 * attempt that lost its transaction marks the attempt, so that the outermost transaction rolls back
 * and runs again even when the error was caught and turned into a GraphQL error on the way up.
 */
export function noteFailedStatement(error: unknown, query: string): void {
  const attempt = attempts.getStore();
  if (!attempt) return;
  if (query === 'COMMIT' && isConnectionLoss(error)) attempt.commitUncertain = true;
  else if (attempt.doomed === undefined && (isRetryableTransactionError(error) || isConnectionLoss(error))) attempt.doomed = error;
}

/**
 * Called before every statement: once an attempt has lost its transaction, the server runs further
 * statements outside any transaction (autocommit), so nothing but the ROLLBACK may run.
 */
export function refuseIfDoomed(query: string): void {
  const attempt = attempts.getStore();
  if (attempt?.doomed !== undefined && !query.startsWith('ROLLBACK')) throw new DoomedTransactionError(attempt.doomed);
}

/** Throws when the current attempt has lost its transaction (call it right before COMMIT). */
export function throwIfDoomed(): void {
  const attempt = attempts.getStore();
  if (attempt?.doomed !== undefined) throw new DoomedTransactionError(attempt.doomed);
}

export interface RetryOptions {
  attempts?: number;
  /** The first backoff's upper bound; each later one doubles it (full jitter). */
  baseDelayMs?: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** How many transactions were run again, by this process (exposed for tests and metrics). */
export const transactionRetries = { count: 0 };

/**
 * Runs an OUTERMOST transaction, again as a whole when the database threw it away (see
 * isRetryableTransactionError), at most `attempts` times with jittered exponential backoff. A
 * connection lost before COMMIT is retried too (nothing committed); one lost during COMMIT is not.
 */
export async function retryTransaction<T>(run: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const max = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 20;
  for (let n = 1; ; n++) {
    const attempt: Attempt = { doomed: undefined, commitUncertain: false };
    let failure: unknown;
    try {
      return await attempts.run(attempt, run);
    } catch (error) {
      failure = error;
    }
    const retryable = !attempt.commitUncertain && (isRetryableTransactionError(failure) || attempt.doomed !== undefined || isConnectionLoss(failure));
    if (!retryable || n >= max) throw failure;
    transactionRetries.count += 1;
    options.onRetry?.(failure, n);
    await sleep(Math.random() * base * 2 ** (n - 1));
  }
}

export function isDuplicateKey(error: unknown, index?: string): boolean {
  const e = error as { driverError?: { code?: string; sqlMessage?: string }; code?: string; sqlMessage?: string };
  const code = e?.driverError?.code ?? e?.code;
  const message = e?.driverError?.sqlMessage ?? e?.sqlMessage ?? '';
  return code === 'ER_DUP_ENTRY' && (index === undefined || message.includes(index));
}
