import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, type Logger } from 'typeorm';
import { migrations } from '../../migrations';
import { noteFailedStatement, refuseIfDoomed } from './transaction';
import { entities } from './entities';
import { routeReadsToReplicas } from './replicas';
import { keepPromiseWrappers } from './driver';

/**
 * Counts the SQL statements issued inside `countStatements(fn)`. Tests use it to prove that a
 * request's statement count does not grow with the size of its input or of a page.
 */
const statementCounter = new AsyncLocalStorage<{ count: number; statements: string[] }>();

export async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; count: number; statements: string[] }> {
  const box = { count: 0, statements: [] as string[] };
  const result = await statementCounter.run(box, fn);
  return { result, count: box.count, statements: box.statements };
}

type StatementListener = (query: string, parameters: readonly unknown[]) => void;
const statementListeners = new Set<StatementListener>();

/**
 * Calls `listener` with every statement any data source of this process sends, until the returned
 * function is called. Tests use it to see what a server does for a request (plans, write counts).
 */
export function onStatement(listener: StatementListener): () => void {
  statementListeners.add(listener);
  return () => statementListeners.delete(listener);
}

class CountingLogger implements Logger {
  logQuery(query: string, parameters?: unknown[]): void {
    refuseIfDoomed(query);
    for (const listener of statementListeners) listener(query, parameters ?? []);
    const box = statementCounter.getStore();
    if (box && query !== 'START TRANSACTION' && query !== 'COMMIT' && query !== 'ROLLBACK') {
      box.count += 1;
      box.statements.push(query);
    }
  }
  logQueryError(error: unknown, query: string): void {
    noteFailedStatement(error, query);
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  /** Read replicas of `url`: GraphQL queries and REST GETs read there (src/db/replicas.ts). */
  replicaUrls?: readonly string[];
}

export function createDataSource({ url, poolSize = 10, replicaUrls = [] }: DataSourceOptions): DataSource {
  const mysqlUrl = (u: string) => u.replace(/^mariadb:/, 'mysql:');
  const dataSource = new DataSource({
    type: 'mysql',
    url: mysqlUrl(url),
    ...(replicaUrls.length > 0 && {
      replication: {
        master: { url: mysqlUrl(url) },
        slaves: replicaUrls.map((r) => ({ url: mysqlUrl(r) })),
        defaultMode: 'master' as const,
        // A replica that fails is left out for 5 s, then tried again (reads meanwhile go elsewhere).
        removeNodeErrorCount: 1,
        restoreNodeTimeout: 5_000,
      },
    }),
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    poolSize,
    connectTimeout: 10_000,
    logging: ['query'],
    logger: new CountingLogger(),
    // trace: false — mysql2 otherwise captures a stack trace for every statement (a few % of a
    // request's CPU in the profile); a failed statement's error still says what failed.
    extra: { enableKeepAlive: true, maxIdle: poolSize, idleTimeout: 60_000, trace: false },
  });
  keepPromiseWrappers(dataSource);
  if (replicaUrls.length > 0) routeReadsToReplicas(dataSource);
  return dataSource;
}

export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource({ url, poolSize: 1 });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

export async function hasPendingMigrations(dataSource: DataSource): Promise<boolean> {
  return dataSource.showMigrations();
}

/** One round trip to the database (readiness): throws when it cannot be reached. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query('SELECT 1');
}
