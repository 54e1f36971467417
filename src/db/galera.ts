import type { DataSource } from 'typeorm';

/** Tables of the current schema without a primary key (Galera cannot apply their row events safely). */
export async function tablesWithoutPrimaryKey(dataSource: DataSource): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT t.TABLE_NAME AS name FROM information_schema.TABLES t
       LEFT JOIN information_schema.TABLE_CONSTRAINTS c
         ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY'
      WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND c.CONSTRAINT_NAME IS NULL
      ORDER BY t.TABLE_NAME`,
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

/** Tables of the current schema that are not InnoDB (Galera replicates InnoDB only). */
export async function nonInnodbTables(dataSource: DataSource): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB' ORDER BY TABLE_NAME`,
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

export class GaleraSchemaError extends Error {}

interface PoolConnectionLike {
  query(sql: string, callback: (error: unknown) => void): void;
}

/**
 * On a Galera node (wsrep_on): refuses a schema Galera cannot replicate (a table without a
 * primary key, or not InnoDB), and makes every connection wait for the cluster before reading
 * (`wsrep_sync_wait = 1`), so that a read right after a write on another node sees it — 191 of
 * 2,000 such reads were stale without it (../shared/docs/GALERA-NOTES.md), for reads about 8 %
 * slower. Returns whether the server is a Galera node. Nothing changes on a plain server.
 */
export async function configureForGalera(dataSource: DataSource): Promise<boolean> {
  const rows = (await dataSource.query("SHOW VARIABLES LIKE 'wsrep_on'")) as { Value: string }[];
  if (rows[0]?.Value !== 'ON') return false;
  const noKey = await tablesWithoutPrimaryKey(dataSource);
  const notInnodb = await nonInnodbTables(dataSource);
  if (noKey.length > 0 || notInnodb.length > 0) {
    throw new GaleraSchemaError(
      `This database is a Galera node, and Galera replicates only InnoDB tables with a primary key: ` +
        [noKey.length > 0 && `without a primary key: ${noKey.join(', ')}`, notInnodb.length > 0 && `not InnoDB: ${notInnodb.join(', ')}`].filter(Boolean).join('; '),
    );
  }
  // Every pooled connection passes through prepareDbConnection each time it is handed out; the
  // SET goes first in the connection's command queue, before the statement it was taken for.
  const driver = dataSource.driver as unknown as { prepareDbConnection(c: PoolConnectionLike): PoolConnectionLike };
  const prepared = new WeakSet<object>();
  const original = driver.prepareDbConnection.bind(driver);
  driver.prepareDbConnection = (connection) => {
    if (!prepared.has(connection)) {
      prepared.add(connection);
      connection.query('SET SESSION wsrep_sync_wait = 1', () => undefined);
    }
    return original(connection);
  };
  return true;
}
