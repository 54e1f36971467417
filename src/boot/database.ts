import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createDataSource, runMigrations } from '../db/data-source';
import { configureForGalera } from '../db/galera';
import { startPrivateMysql, type PrivateMysql } from '../db/private-mysql';

export interface Database {
  dataSource: DataSource;
  url: string;
  /** The private instance this process started, if it did. */
  privateMysql: PrivateMysql | null;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the private instance under the data folder. Migrations run either way. */
export async function openDatabase(config: Config, log: (line: string) => void, options: { attach?: boolean } = {}): Promise<Database> {
  let privateMysql: PrivateMysql | null = null;
  let url = config.databaseUrl;
  if (url === null) {
    privateMysql = await startPrivateMysql({ dataDir: path.join(config.dataDir, 'mysql'), database: 'repolink', log, attach: options.attach, serverBinary: config.mysqld });
    url = privateMysql.url;
    log(`private database: ${url} (data in ${path.join(config.dataDir, 'mysql')})`);
  }
  try {
    const applied = await runMigrations(url);
    if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
    const dataSource = createDataSource({ url, replicaUrls: config.databaseReplicaUrls });
    await dataSource.initialize();
    try {
      if (await configureForGalera(dataSource)) log('database: a Galera node; reads wait for the cluster (wsrep_sync_wait = 1)');
    } catch (error) {
      await dataSource.destroy().catch(() => undefined);
      throw error;
    }
    return {
      dataSource,
      url,
      privateMysql,
      close: async () => {
        await dataSource.destroy().catch(() => undefined);
        await privateMysql?.stop();
      },
    };
  } catch (error) {
    await privateMysql?.stop();
    throw error;
  }
}
