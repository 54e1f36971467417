import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';
import { createConnection } from 'mysql2/promise';

/**
 * Read replicas (DATABASE_REPLICA_URLS, TypeORM's `replication`): by default every statement goes
 * to the primary; inside `readFromReplicas(fn)` (GraphQL queries and REST GETs) the SELECTs that
 * run outside a transaction go to a replica.
 *
 * Read-your-writes, across processes: before a replica connection serves a request's reads, it
 * waits until it has applied everything the primary had committed when the request's first read
 * began (MariaDB MASTER_GTID_WAIT, MySQL WAIT_FOR_EXECUTED_GTID_SET). A caller's write was
 * committed before its response went out, so any later read sees it, whichever process serves
 * it. A replica that cannot catch up within REPLICA_WAIT_SECONDS, or is gone, leaves the read to
 * the primary. The cost: one trivial statement on the primary per read request, and one on the
 * replica per connection a request uses.
 */

export const REPLICA_WAIT_SECONDS = 1;
/** A replica further behind than this is reported as lagging by /readyz. */
export const REPLICA_LAG_WARN_SECONDS = 10;

interface ReadScope {
  /** The primary's GTID position when the request's first read began (null: unknown, read on the primary). */
  position?: Promise<string | null>;
  /** Replica connections this request already waited on. */
  waited: WeakSet<object>;
  /** A replica did not catch up in time: the rest of the request reads on the primary. */
  primaryOnly?: boolean;
}

const readScope = new AsyncLocalStorage<ReadScope>();

/** Runs `fn` with its reads on the replicas (when any are configured). */
export function readFromReplicas<T>(fn: () => Promise<T>): Promise<T> {
  return readScope.run({ waited: new WeakSet() }, fn);
}

/** Counters of where reads went, per process (tests and metrics). */
export const replicaStats = { replicaReads: 0, primaryFallbacks: 0 };

interface CallbackConnection {
  query(sql: string, values: unknown[], cb: (error: Error | null, rows: unknown) => void): void;
  release(): void;
}

interface ReplicatedDriver {
  obtainMasterConnection(): Promise<CallbackConnection>;
  obtainSlaveConnection(): Promise<CallbackConnection>;
}

function ask(connection: CallbackConnection, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => connection.query(sql, values, (error, rows) => (error ? reject(error) : resolve(rows as Record<string, unknown>[]))));
}

/** Makes a DataSource created with `replication` route reads as described above. */
export function routeReadsToReplicas(dataSource: DataSource): void {
  let flavor: Promise<'mariadb' | 'mysql'> | null = null;
  // SELECTs outside a transaction use this mode; writes and transactions always use the primary.
  Object.assign(dataSource, { defaultReplicationModeForReads: () => (readScope.getStore() ? 'slave' : 'master') });

  const driver = () => dataSource.driver as unknown as ReplicatedDriver;
  const onPrimary = async <T>(fn: (c: CallbackConnection) => Promise<T>): Promise<T> => {
    const c = await driver().obtainMasterConnection();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };
  const primaryPosition = async (): Promise<string | null> => {
    try {
      flavor ??= onPrimary(async (c) => (/mariadb/i.test(String((await ask(c, 'SELECT VERSION() AS v'))[0].v)) ? 'mariadb' : 'mysql'));
      const sql = (await flavor) === 'mariadb' ? 'SELECT @@GLOBAL.gtid_binlog_pos AS p' : 'SELECT @@GLOBAL.gtid_executed AS p';
      const position = String((await onPrimary((c) => ask(c, sql)))[0].p ?? '');
      return position === '' ? null : position;
    } catch {
      return null;
    }
  };

  const d = driver();
  const slave = d.obtainSlaveConnection.bind(d);
  d.obtainSlaveConnection = async () => {
    const scope = readScope.getStore();
    if (!scope || scope.primaryOnly) return d.obtainMasterConnection();
    scope.position ??= primaryPosition();
    const position = await scope.position;
    if (position === null) {
      replicaStats.primaryFallbacks += 1;
      return d.obtainMasterConnection();
    }
    let connection: CallbackConnection;
    try {
      connection = await slave();
    } catch {
      replicaStats.primaryFallbacks += 1;
      return d.obtainMasterConnection();
    }
    if (!scope.waited.has(connection)) {
      const sql = (await flavor) === 'mariadb' ? 'SELECT MASTER_GTID_WAIT(?, ?) AS w' : 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS w';
      const waited = await ask(connection, sql, [position, REPLICA_WAIT_SECONDS]).catch(() => [{ w: -1 }]);
      if (Number(waited[0].w) !== 0) {
        connection.release();
        scope.primaryOnly = true;
        replicaStats.primaryFallbacks += 1;
        return d.obtainMasterConnection();
      }
      scope.waited.add(connection);
    }
    replicaStats.replicaReads += 1;
    return connection;
  };
}

export interface ReplicaHealth {
  /** host:port only: a URL may carry a password. */
  replica: string;
  status: 'ok' | 'lagging' | 'stopped' | 'not a replica' | 'unreachable';
  lagSeconds: number | null;
}

/** Each replica's state for /readyz: reachable, replicating, and how far behind. */
export async function replicaHealth(urls: readonly string[]): Promise<ReplicaHealth[]> {
  return Promise.all(
    urls.map(async (url): Promise<ReplicaHealth> => {
      const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
      const replica = `${u.hostname}:${u.port || 3306}`;
      const c = await createConnection({ uri: u.toString(), connectTimeout: 1_000 }).catch(() => null);
      if (!c) return { replica, status: 'unreachable', lagSeconds: null };
      try {
        const [rows] = await c.query('SHOW SLAVE STATUS');
        const s = (rows as Record<string, unknown>[])[0];
        if (!s) return { replica, status: 'not a replica', lagSeconds: null };
        const running = s.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes';
        const lag = s.Seconds_Behind_Master === null || s.Seconds_Behind_Master === undefined ? null : Number(s.Seconds_Behind_Master);
        if (!running) return { replica, status: 'stopped', lagSeconds: lag };
        return { replica, status: lag !== null && lag > REPLICA_LAG_WARN_SECONDS ? 'lagging' : 'ok', lagSeconds: lag };
      } catch {
        return { replica, status: 'unreachable', lagSeconds: null };
      } finally {
        c.destroy();
      }
    }),
  );
}
