import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run cluster`: a 3-node Galera cluster, HAProxy in front, and REPOLINK_WORKERS repolink
 * processes (default: the number of cores) sharing one HTTP port through node:cluster. Everything
 * runs on 127.0.0.1 with its data under REPOLINK_DATA_DIR/cluster; Ctrl-C stops what it started.
 */

const say = (line: string) => process.stdout.write(`${line}\n`);

if (cluster.isWorker) {
  // A worker is a normal repolink server (src/main.ts) on the shared port; the primary already
  // ran the migrations and made the demo account. If the primary dies, the worker stops too.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  require('../main');
} else {
  void primary().catch((error: unknown) => {
    process.stderr.write(`repolink cluster failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

async function primary(): Promise<void> {
  const { loadConfig } = await import('../config');
  const { loadKeyRing } = await import('../modules/crypto');
  const { createDataSource, runMigrations } = await import('../db/data-source');
  const { ensureDemoAccount, welcomeLines } = await import('../boot/demo');
  const { GaleraCluster } = await import('./galera/galera-cluster');
  const { ensurePackages, freePorts } = await import('./galera/machine');

  const config = loadConfig();
  const workersWanted = Number(process.env.REPOLINK_WORKERS ?? os.availableParallelism?.() ?? os.cpus().length);
  if (!Number.isInteger(workersWanted) || workersWanted < 1 || workersWanted > 64) throw new Error('REPOLINK_WORKERS must be an integer from 1 to 64');

  ensurePackages(say);
  const keys = loadKeyRing({ envValue: config.encryptionKey ?? undefined, keyFile: config.keyFile, createIfMissing: true });
  if (keys.created) say(`Created a new encryption key file at ${config.keyFile}; back it up: stored credentials cannot be read without it.`);

  const galera = new GaleraCluster({ root: path.join(config.dataDir, 'cluster'), log: say });
  const workers = new Set<Worker>();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping ${workers.size} repolink workers, HAProxy and the Galera nodes`);
    const force = setTimeout(() => process.exit(1), 120_000);
    force.unref();
    await Promise.all(
      [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await galera.stop().catch((e: unknown) => say(`stopping the cluster: ${(e as Error).message}`));
    say('cluster stopped; `npm run cluster` again reuses its data');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    await galera.start();
  } catch (error) {
    await galera.stop().catch(() => undefined);
    throw error;
  }
  const applied = await runMigrations(galera.url);
  if (applied.length > 0) say(`applied migrations: ${applied.join(', ')}`);
  let demo: Awaited<ReturnType<typeof ensureDemoAccount>> | null = null;
  if (config.demo) {
    const ds = createDataSource({ url: galera.url, poolSize: 1 });
    await ds.initialize();
    try {
      demo = await ensureDemoAccount(ds);
    } finally {
      await ds.destroy();
    }
  }

  const port = process.env.PORT ? config.port : (await freePorts(1))[0];
  const env = { DATABASE_URL: galera.url, PORT: String(port), REPOLINK_DEMO: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', REPOLINK_KEY_FILE: config.keyFile };
  cluster.setupPrimary({ silent: true });
  let listening = 0;
  const ready = new Promise<void>((resolve) => {
    const fork = (n: number) => {
      const worker = cluster.fork(env);
      workers.add(worker);
      let out = '';
      worker.process.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        let nl: number;
        while ((nl = out.indexOf('\n')) !== -1) {
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          if (line.startsWith('{')) process.stdout.write(`[w${n}] ${line}\n`);
          if (line.includes('repolink is listening on') && ++listening === workersWanted) resolve();
        }
      });
      worker.process.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[w${n}] ${chunk.toString()}`));
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        if (stopping) return;
        say(`worker ${n} (pid ${worker.process.pid}) exited (${signal ?? code}); starting another`);
        listening -= 1;
        fork(n);
      });
    };
    for (let n = 1; n <= workersWanted; n++) fork(n);
  });
  await ready;

  const url = `http://127.0.0.1:${port}`;
  const lines = [
    '',
    `  Galera: ${galera.nodes.map((n, i) => `${n.name} ${galera.nodeUrl(i)}`).join('  ')}`,
    `  HAProxy (routes to Synced nodes only): ${galera.url}  stats http://127.0.0.1:${galera.haproxyStatsPort}/`,
    `  ${workersWanted} repolink workers share one port`,
    '',
    ...welcomeLines(url, demo, `DATABASE_URL=${galera.url} `),
  ];
  lines.push('', `repolink cluster is listening on ${url}  (Ctrl-C stops everything)`, '');
  process.stdout.write(lines.join('\n'));
}
