import fs from 'node:fs';
import type { PrivateMysql } from '../../src/db/private-mysql';

declare global {
  /** The private instance global-setup started (jest runs setup and teardown in one process). */
  var __repolinkTestDatabase: { instance: PrivateMysql; tempDir: string } | undefined;
}

export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.__repolinkTestDatabase;
  if (!handle) return;
  globalThis.__repolinkTestDatabase = undefined;
  await handle.instance.stop();
  await fs.promises.rm(handle.tempDir, { recursive: true, force: true });
}
