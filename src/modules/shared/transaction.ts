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
  try {
    return await scope.db.transaction(async (em) => {
      const result = await work(em);
      if (result.userErrors.length > 0) {
        refused = result;
        throw rollback;
      }
      for (const hook of scope.beforeCommit) await hook(em, result);
      return result;
    });
  } catch (error) {
    if (error === rollback && refused) return refused;
    throw error;
  }
}

export function isDuplicateKey(error: unknown, index?: string): boolean {
  const e = error as { driverError?: { code?: string; sqlMessage?: string }; code?: string; sqlMessage?: string };
  const code = e?.driverError?.code ?? e?.code;
  const message = e?.driverError?.sqlMessage ?? e?.sqlMessage ?? '';
  return code === 'ER_DUP_ENTRY' && (index === undefined || message.includes(index));
}
