import type { DataSource } from 'typeorm';
import { nonInnodbTables, tablesWithoutPrimaryKey } from '../src/db/galera';
import { createDataSource } from '../src/db/data-source';
import { createIsolatedDatabase, openTestDataSource } from './support/db';

let ds: DataSource;
beforeAll(async () => {
  ds = await openTestDataSource(1);
});
afterAll(async () => {
  await ds.destroy();
});

// Galera replicates only InnoDB tables, and rows of a table without a primary key cannot be
// applied safely on the other nodes: a migration that adds such a table fails here (and a server
// on a Galera node refuses to start on it, src/db/galera.ts).
test('every table the migrations create has a primary key and is InnoDB', async () => {
  const tables = (await ds.query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")) as { name: string }[];
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['projects', 'repositories', 'idempotency_records', 'rate_limit_windows', 'typeorm_migrations']));
  expect(await tablesWithoutPrimaryKey(ds)).toEqual([]);
  expect(await nonInnodbTables(ds)).toEqual([]);
});

test('the check names a table without a primary key or not InnoDB', async () => {
  const db = await createIsolatedDatabase('pk_probe');
  const other = createDataSource({ url: db.url, poolSize: 1 });
  await other.initialize();
  try {
    await other.query('CREATE TABLE no_pk_probe (a INT) ENGINE=InnoDB');
    await other.query('CREATE TABLE myisam_probe (a INT PRIMARY KEY) ENGINE=MyISAM');
    expect(await tablesWithoutPrimaryKey(other)).toEqual(['no_pk_probe']);
    expect(await nonInnodbTables(other)).toEqual(['myisam_probe']);
  } finally {
    await other.destroy();
    await db.drop();
  }
});
