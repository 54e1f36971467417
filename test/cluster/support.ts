import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import { freePorts, terminate, watchdog } from '../../src/cli/galera/machine';
import { loadKeyRing } from '../../src/modules/crypto';

/** The long form runs every scenario at the sizes; CLUSTER_TEST=short is CI's form. */
export const SHORT = process.env.CLUSTER_TEST === 'short';

export function tempRoot(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `repolink-${label}-`));
}

/** One key file shared by every repolink process of a test (credentials sealed by one, opened by another). */
export function sharedKeyFile(root: string): string {
  const keyFile = path.join(root, 'encryption-keys.json');
  loadKeyRing({ keyFile, createIfMissing: true });
  return keyFile;
}

/** A figure for the report: printed to stdout at once (jest buffers console.log) and kept for the summary. */
export function figure(line: string): void {
  process.stdout.write(`FIGURE ${line}\n`);
}

export interface PlainServer {
  port: number;
  url: string;
  child: ChildProcess;
  dir: string;
  admin(): Promise<Connection>;
  stop(): Promise<void>;
}

/** A plain MariaDB server (no Galera) with the binary log and GTIDs, for primary + replica tests. */
export async function startPlainMariadb(dir: string, serverId: number): Promise<PlainServer> {
  const datadir = path.join(dir, 'data');
  fs.mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  if (!fs.existsSync(path.join(datadir, 'mysql'))) {
    const r = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--force', ...asRoot], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db: ${r.stderr}`);
  }
  const [port] = await freePorts(1);
  const socket = path.join(dir, 'mysqld.sock');
  const log = path.join(dir, 'mysqld.log');
  const fd = fs.openSync(log, 'a');
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--server-id=${serverId}`,
      `--log-bin=${path.join(datadir, 'binlog')}`,
      '--binlog-format=ROW',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--innodb-buffer-pool-size=64M',
      '--performance-schema=OFF',
      ...asRoot,
    ],
    { stdio: ['ignore', fd, fd], detached: true },
  );
  fs.closeSync(fd);
  child.unref();
  const dog = child.pid ? watchdog(child.pid) : null;
  child.once('exit', () => dog?.kill('SIGKILL'));
  const admin = () => createConnection({ socketPath: socket, user: 'root', connectTimeout: 2_000, multipleStatements: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    const c = await admin().catch(() => null);
    if (c) {
      await c.query("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
      await c.end();
      break;
    }
    if (Date.now() > deadline) throw new Error('mariadbd did not start within 60 s');
    await sleep(100);
  }
  return { port, url: `mysql://root@127.0.0.1:${port}/repolink`, child, dir, admin, stop: () => terminate(child) };
}

/** Makes `replica` replicate `primary` by GTID (both fresh). */
export async function replicate(primary: PlainServer, replica: PlainServer): Promise<void> {
  const p = await primary.admin();
  await p.query("CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'");
  await p.end();
  const r = await replica.admin();
  await r.query(
    `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos; START SLAVE`,
  );
  await r.end();
}

/** A status counter of a server (Com_select, Questions…). */
export async function statusCounter(c: Connection, name: string): Promise<number> {
  const [rows] = await c.query('SHOW GLOBAL STATUS LIKE ?', [name]);
  return Number((rows as { Value: string }[])[0]?.Value ?? 0);
}

export async function poll<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
