import { QueryFailedError, QueryRunnerAlreadyReleasedError, type DataSource, type EntityManager } from 'typeorm';

/**
 * Statements sent straight to mysql2, for the hot statements of the stores and the kit's readers.
 *
 * TypeORM's `query()` costs per statement, besides the round trip: a QueryRunner made and released
 * (outside a transaction), its broadcaster's events, a QueryResult, a copy of every row, and mysql2's
 * `PoolConnection.promise()` (a `require` and a new event emitter each time). A statement sent here
 * keeps what the rest of the code relies on: it runs on the transaction's connection when `db` is a
 * transaction's manager, on the connection TypeORM would pick otherwise (a replica for a read inside
 * `readFromReplicas`), the data source's logger sees it as it sees TypeORM's statements (the statement
 * capture of tests, `refuseIfDoomed`, the failed-statement note of a broken transaction), and a failed
 * one is thrown as TypeORM throws it (`QueryFailedError` with `driverError`), so the error
 * classification (Galera retry, `isDatabaseUnavailable`, duplicate keys) is unchanged.
 */

interface CallbackConnection {
  query(sql: string, values: unknown, callback: (error: Error | null, result: unknown) => void): void;
  release(): void;
}

interface ConnectingDriver {
  isReplicated: boolean;
  obtainMasterConnection(): Promise<CallbackConnection>;
  obtainSlaveConnection(): Promise<CallbackConnection>;
}

function send<R>(dataSource: DataSource, connection: CallbackConnection, sql: string, parameters: unknown[]): Promise<R> {
  const logger = dataSource.logger;
  logger.logQuery(sql, parameters);
  return new Promise<R>((resolve, reject) =>
    connection.query(sql, parameters, (error, result) => {
      if (error === null) return resolve(result as R);
      logger.logQueryError(error, sql, parameters);
      reject(new QueryFailedError(sql, parameters, error));
    }),
  );
}

/**
 * Runs one statement on `db`: the transaction's connection when `db` belongs to one, else a pool
 * connection for this statement only (the primary; a replica's for `read` inside a read request).
 * Answers what mysql2 answers: the rows of a SELECT, the result header (affectedRows, insertId) of a write.
 */
export async function runStatement<R = unknown>(db: EntityManager, sql: string, parameters: unknown[] = [], read = false): Promise<R> {
  const dataSource = db.connection;
  const runner = db.queryRunner;
  if (runner) {
    if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
    // MysqlQueryRunner.connect(): the connection it holds (a transaction's), or the one it takes first.
    const connection = await (runner as unknown as { connect(): Promise<CallbackConnection> }).connect();
    return send<R>(dataSource, connection, sql, parameters);
  }
  const driver = dataSource.driver as unknown as ConnectingDriver;
  const connection = await (read && driver.isReplicated && dataSource.defaultReplicationModeForReads() === 'slave'
    ? driver.obtainSlaveConnection()
    : driver.obtainMasterConnection());
  try {
    return await send<R>(dataSource, connection, sql, parameters);
  } finally {
    connection.release();
  }
}

/**
 * TypeORM's own statements (transactions, the entity manager, migrations) call mysql2's
 * `connection.promise()` for every statement, which builds a new wrapper each time; the wrapper holds
 * nothing but the connection, so one per connection is made and kept.
 */
export function keepPromiseWrappers(dataSource: DataSource): void {
  const driver = dataSource.driver as unknown as { prepareDbConnection(connection: object): object };
  const prepare = driver.prepareDbConnection.bind(driver);
  const kept = Symbol('promise wrapper');
  driver.prepareDbConnection = (connection) => {
    const c = connection as { promise(impl?: unknown): unknown; [kept]?: unknown };
    if (c[kept] === undefined) {
      const make = c.promise.bind(c);
      const wrapper = make();
      c[kept] = wrapper;
      c.promise = (impl?: unknown) => (impl === undefined ? wrapper : make(impl));
    }
    return prepare(connection);
  };
}
