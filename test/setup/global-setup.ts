import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMigrations } from '../../src/db/data-source';
import { startPrivateMysql } from '../../src/db/private-mysql';
import globalTeardown from './global-teardown';

/** Uses REPOLINK_TEST_DATABASE_URL when set; otherwise a private instance in a fresh temp folder. Migrates either way. */
export default async function globalSetup(): Promise<void> {
  let url = process.env.REPOLINK_TEST_DATABASE_URL;
  if (!url) {
    const tempDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'repolink-test-db-'));
    try {
      const instance = await startPrivateMysql({ dataDir: tempDir, database: 'repolink_test' });
      globalThis.__repolinkTestDatabase = { instance, tempDir };
      url = instance.url;
    } catch (error) {
      await fs.promises.rm(tempDir, { recursive: true, force: true });
      throw error;
    }
  }
  try {
    await runMigrations(url);
  } catch (error) {
    await globalTeardown(); // jest skips globalTeardown when globalSetup throws
    throw error;
  }
  // Test workers are forked after this and inherit the environment.
  process.env.REPOLINK_TEST_DATABASE_URL = url;
}
