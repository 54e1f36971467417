import 'reflect-metadata';
import { boundHeapGrowth, boundYoungGeneration } from './boot/heap';
import type { DemoAccount } from './boot/demo';
import type { Database } from './boot/database';
import type { RepolinkServer } from './server';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Everything a new user needs, in one write, ending with the line scripts wait for. */
function printWelcome(lines: string[], url: string) {
  process.stdout.write(['', ...lines, '', `repolink is listening on ${url}`, ''].join('\n'));
}

async function main(): Promise<void> {
  // First thing, before the server's modules load: the young generation is bounded (on Node 24 by
  // starting this process again in place with the flag), and the old generation grows to at most
  // 2× what is live before a full collection (1.5× on Node 24: src/boot/heap.ts).
  boundYoungGeneration();
  boundHeapGrowth();
  const { loadConfig } = await import('./config');
  const { CredentialCipher, loadKeyRing } = await import('./modules/crypto');
  const { openDatabase } = await import('./boot/database');
  const { ensureDemoAccount, welcomeLines } = await import('./boot/demo');
  const { createServer } = await import('./server');

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
  const demo: DemoAccount | null = config.demo ? await ensureDemoAccount(database.dataSource) : null;
  server = await createServer({
    dataSource: database.dataSource,
    config,
    cipher: new CredentialCipher(keys.ring),
    logger: { level: config.logLevel },
  });
  const address = await server.app.listen({ host: config.host, port: config.port });
  if (config.sync.worker) server.syncWorker.start();
  printWelcome(welcomeLines(address, demo), address);
}

main().catch(async (error: unknown) => {
  const [{ ConfigError }, { MysqlServerNotFoundError }, { EncryptionKeyError }] = await Promise.all([import('./config'), import('./db/private-mysql'), import('./modules/crypto')]);
  if (error instanceof ConfigError || error instanceof MysqlServerNotFoundError || error instanceof EncryptionKeyError) {
    process.stderr.write(`repolink: ${error.message}\n`);
  } else {
    process.stderr.write(`repolink failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
