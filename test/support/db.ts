import 'reflect-metadata';
import type { DataSource, MigrationInterface } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';

export function testDatabaseUrl(): string {
  const url = process.env.REPOLINK_TEST_DATABASE_URL;
  if (!url) throw new Error('REPOLINK_TEST_DATABASE_URL is not set: run the tests through jest (its global setup starts the database)');
  return url;
}

/** A DataSource on the suite's database; each test file opens its own and closes it in afterAll. */
export async function openTestDataSource(poolSize = 5): Promise<DataSource> {
  const dataSource = createDataSource({ url: testDatabaseUrl(), poolSize });
  await dataSource.initialize();
  return dataSource;
}

/** An empty database of its own on the suite's server, and how to drop it. */
async function createEmptyDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(testDatabaseUrl());
  const name = `repolink_${label.replace(/\W/g, '_')}_${process.pid}_${Date.now().toString(36)}`;
  const admin = createDataSource({ url: base.toString(), poolSize: 1 });
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const ds = createDataSource({ url: base.toString(), poolSize: 1 });
      await ds.initialize();
      await ds.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await ds.destroy();
    },
  };
}

/** A database of its own on the suite's server, migrated, for tests that act on whole tables. */
export async function createIsolatedDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { runMigrations } = await import('../../src/db/data-source');
  const database = await createEmptyDatabase(label);
  await runMigrations(database.url);
  return database;
}

/**
 * A database of its own with every migration but `migration` applied: the state a migration meets
 * in production. `apply()` runs it; `drop()` closes and removes the database.
 */
export async function databaseBefore(label: string, migration: new () => MigrationInterface): Promise<{ db: DataSource; apply(): Promise<void>; drop(): Promise<void> }> {
  const { migrations } = await import('../../migrations');
  const database = await createEmptyDatabase(label);
  const db = createDataSource({ url: database.url, poolSize: 2 });
  Object.assign(db.options, { migrations: migrations.filter((m) => m !== migration) });
  const drop = async () => {
    if (db.isInitialized) await db.destroy();
    await database.drop();
  };
  try {
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    db,
    async apply() {
      const runner = db.createQueryRunner();
      try {
        await new migration().up(runner);
      } finally {
        await runner.release();
      }
    },
    drop,
  };
}
