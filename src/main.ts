import 'reflect-metadata';
import { boundHeapGrowth } from './boot/heap';
import { loadConfig, ConfigError } from './config';
import { openDatabase, type Database } from './boot/database';
import { ensureDemoAccount, welcomeLines, type DemoAccount } from './boot/demo';
import { MysqlServerNotFoundError } from './db/private-mysql';
import { CredentialCipher, EncryptionKeyError, loadKeyRing } from './modules/crypto';
import { createServer, type RepolinkServer } from './server';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Everything a new user needs, in one write, ending with the line scripts wait for. */
function printWelcome(url: string, demo: DemoAccount | null) {
  const lines = ['', ...welcomeLines(url, demo), '', `repolink is listening on ${url}`, ''];
  process.stdout.write(lines.join('\n'));
}

async function main(): Promise<void> {
  // First thing: the old generation grows to at most 2× what is live before a full collection (src/boot/heap.ts).
  boundHeapGrowth();
  const config = loadConfig();
  const keys = loadKeyRing({ envValue: config.encryptionKey ?? undefined, keyFile: config.keyFile, createIfMissing: true });
  if (keys.created) say(`Created a new encryption key file at ${config.keyFile}; back it up: stored credentials cannot be read without it.`);

  let database: Database | null = null;
  let server: RepolinkServer | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await server?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  database = await openDatabase(config, say);
  const demo = config.demo ? await ensureDemoAccount(database.dataSource) : null;
  server = await createServer({
    dataSource: database.dataSource,
    config,
    cipher: new CredentialCipher(keys.ring),
    logger: { level: config.logLevel },
  });
  const address = await server.app.listen({ host: config.host, port: config.port });
  if (config.sync.worker) server.syncWorker.start();
  printWelcome(address, demo);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof MysqlServerNotFoundError || error instanceof EncryptionKeyError) {
    process.stderr.write(`repolink: ${error.message}\n`);
  } else {
    process.stderr.write(`repolink failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
