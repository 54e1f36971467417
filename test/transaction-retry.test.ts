import type { DataSource, EntityManager } from 'typeorm';
import { ProjectEntity } from '../src/db/entities';
import { DoomedTransactionError, retryTransaction, throwIfDoomed, transactionRetries } from '../src/db/transaction';
import { openTestDataSource } from './support/db';
import { createAccount } from './support/factories';

let ds: DataSource;
beforeAll(async () => {
  ds = await openTestDataSource(6);
});
afterAll(async () => {
  await ds.destroy();
});

const bump = (em: EntityManager, id: string) => em.query('UPDATE projects SET repository_count = repository_count + 1 WHERE id = ?', [id]);
const count = async (id: string) => (await ds.getRepository(ProjectEntity).findOneByOrFail({ id })).repositoryCount;

/**
 * Two transactions that update two rows in opposite orders: InnoDB picks one as the deadlock
 * victim (1213, the same error a transaction that lost Galera certification gets), rolls it back
 * whole, and retryTransaction runs it again. `swallow` catches the victim's error inside the
 * transaction, as a GraphQL resolver does, and then tries to go on writing.
 */
async function deadlock(swallow: boolean) {
  const [a, b] = [await createAccount(ds), await createAccount(ds)];
  const p1 = a.project.id;
  const p2 = b.project.id;
  let aHasP1!: () => void;
  let bHasP2!: () => void;
  const aReady = new Promise<void>((r) => (aHasP1 = r));
  const bReady = new Promise<void>((r) => (bHasP2 = r));
  const runs = { a: 0, b: 0 };
  const afterError: string[] = [];

  const tx = (name: 'a' | 'b', first: string, second: string, signal: () => void, wait: Promise<void>) =>
    retryTransaction(
      () =>
        ds.transaction(async (em) => {
          runs[name] += 1;
          await bump(em, first);
          if (runs[name] === 1) {
            signal();
            await wait;
          }
          try {
            await bump(em, second);
          } catch (error) {
            if (!swallow) throw error;
            // A resolver turned the error into a GraphQL error; the request then writes on.
            try {
              await em.query("UPDATE projects SET name = CONCAT(name, '!') WHERE id = ?", [first]);
            } catch (refused) {
              afterError.push((refused as Error).constructor.name);
            }
          }
          throwIfDoomed();
        }),
      { baseDelayMs: 5 },
    );

  const before = transactionRetries.count;
  await Promise.all([tx('a', p1, p2, aHasP1, bReady), tx('b', p2, p1, bHasP2, aReady)]);
  return { runs, retries: transactionRetries.count - before, counts: [await count(p1), await count(p2)], names: [(await ds.getRepository(ProjectEntity).findOneByOrFail({ id: p1 })).name, (await ds.getRepository(ProjectEntity).findOneByOrFail({ id: p2 })).name], accounts: [a, b], afterError };
}

test('a transaction rolled back by a deadlock (1213) runs again as a whole, and both commit exactly once', async () => {
  const r = await deadlock(false);
  expect(r.runs.a + r.runs.b).toBe(3); // the victim ran twice
  expect(r.retries).toBe(1);
  expect(r.counts).toEqual([2, 2]); // each transaction's two increments, once each
});

test('a deadlock caught inside the transaction (as a resolver catches errors) still retries, and nothing runs after it outside a transaction', async () => {
  const r = await deadlock(true);
  expect(r.runs.a + r.runs.b).toBe(3);
  expect(r.retries).toBe(1);
  expect(r.counts).toEqual([2, 2]);
  // The victim's next statement was refused instead of autocommitting on its own.
  expect(r.afterError).toEqual(['DoomedTransactionError']);
  expect(r.names.filter((n) => n.endsWith('!'))).toEqual([]);
});

test('other errors are not retried, and retries are bounded', async () => {
  let runs = 0;
  await expect(
    retryTransaction(async () => {
      runs += 1;
      throw new Error('a bug');
    }),
  ).rejects.toThrow('a bug');
  expect(runs).toBe(1);

  runs = 0;
  await expect(
    retryTransaction(
      async () => {
        runs += 1;
        throw Object.assign(new Error('Deadlock found'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });
      },
      { attempts: 4, baseDelayMs: 1 },
    ),
  ).rejects.toThrow('Deadlock found');
  expect(runs).toBe(4);
  expect(new DoomedTransactionError(null)).toBeInstanceOf(Error);
});
