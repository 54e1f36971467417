import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import { isAlive, terminate, watchdog } from '../lib/processes';

export interface PrivateMysqlOptions {
  /** Folder that holds the instance's datadir, socket, pid file and log (created if missing). */
  dataDir: string;
  /** 0 or undefined: a free port on 127.0.0.1. */
  port?: number;
  /** Created if missing. */
  database: string;
  log?: (message: string) => void;
  /**
   * When a server already runs on this data folder (a repolink server started it), use it instead
   * of refusing; `stop()` then leaves it running. The admin CLI and `npm run migrate` attach.
   */
  attach?: boolean;
  /** A specific mariadbd/mysqld binary instead of searching PATH and the usual folders. */
  serverBinary?: string | null;
}

export interface PrivateMysql {
  /** mysql://root@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  pid: number;
  /** SIGTERM and wait for the exit (SIGKILL after a timeout); idempotent. */
  stop(): Promise<void>;
}

export class MysqlServerNotFoundError extends Error {
  constructor(missing = 'a MariaDB/MySQL server (mariadbd or mysqld)') {
    super(
      `No private database: ${missing} was not found in PATH, /usr/sbin, /usr/local/sbin or /usr/local/mysql/bin. ` +
        'Install MariaDB (Debian/Ubuntu: apt-get install -y mariadb-server) or set DATABASE_URL=mysql://… to use an existing server.',
    );
    this.name = 'MysqlServerNotFoundError';
  }
}

type Flavor = 'mariadb' | 'mysql';
interface Binaries {
  server: string;
  installDb: string | null;
  flavor: Flavor;
}

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin'];
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findExecutable(names: string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return null;
}

/** The server binary: `explicit` when given (it must be executable), else the first found on the usual paths. */
export function findMysqlServer(explicit: string | null = null): Binaries | null {
  const server = explicit === null ? findExecutable(['mariadbd', 'mysqld']) : isExecutable(explicit) ? explicit : null;
  if (!server) return null;
  // Debian's mysqld is a symlink to mariadbd; older MariaDB only ships mysqld, so ask it.
  const isMariadb =
    path.basename(fs.realpathSync(server)).startsWith('mariadb') ||
    /mariadb/i.test(spawnSync(server, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '');
  return isMariadb
    ? { server, installDb: findExecutable(['mariadb-install-db', 'mysql_install_db']), flavor: 'mariadb' }
    : { server, installDb: null, flavor: 'mysql' };
}

interface Paths {
  datadir: string;
  socket: string;
  pidFile: string;
  log: string;
}

function pathsFor(dataDir: string): Paths {
  const root = path.resolve(dataDir);
  // Unix socket paths are limited to ~104-108 bytes.
  let socket = path.join(root, 'mysqld.sock');
  if (socket.length >= 100) {
    socket = path.join(os.tmpdir(), `repolink-mysql-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.sock`);
  }
  return { datadir: path.join(root, 'data'), socket, pidFile: path.join(root, 'mysqld.pid'), log: path.join(root, 'mysqld.log') };
}

export async function startPrivateMysql(opts: PrivateMysqlOptions): Promise<PrivateMysql> {
  const started = Date.now();
  const binaries = findMysqlServer(opts.serverBinary ?? null);
  if (!binaries) throw new MysqlServerNotFoundError(opts.serverBinary ? `the server binary ${opts.serverBinary} (REPOLINK_MYSQLD)` : undefined);
  const log = opts.log ?? (() => undefined);
  const name = binaries.flavor === 'mariadb' ? 'MariaDB' : 'MySQL';
  const paths = pathsFor(opts.dataDir);
  fs.mkdirSync(path.dirname(paths.datadir), { recursive: true });

  if (opts.attach) {
    const running = await attachToRunning(paths, opts.database);
    if (running) {
      log(`using the private ${name} already running on 127.0.0.1:${running.port} (pid ${running.pid})`);
      return running;
    }
  }
  refuseIfRunning(paths);
  if (!fs.existsSync(path.join(paths.datadir, 'mysql'))) {
    log(`initializing private ${name} in ${paths.datadir}`);
    await initialize(binaries, paths);
  }

  for (let attempt = 1; ; attempt += 1) {
    const port = opts.port || (await freePort());
    log(`starting private ${name} on 127.0.0.1:${port}`);
    try {
      const instance = await launch(binaries, paths, port, opts.database);
      log(`private ${name} ready (pid ${instance.pid}, ${Date.now() - started} ms)`);
      return instance;
    } catch (error) {
      // A free port can be taken between probing and binding; only retry ports we picked.
      if (!(error instanceof PortInUseError) || opts.port || attempt === 3) throw error;
    }
  }
}

async function attachToRunning(paths: Paths, database: string): Promise<PrivateMysql | null> {
  const pid = Number.parseInt(readText(paths.pidFile), 10);
  if (!(pid > 0 && isAlive(pid) && servesDatadir(pid, paths.datadir))) return null;
  let port: number;
  try {
    const arg = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((a) => a.startsWith('--port='));
    port = Number(arg?.slice('--port='.length));
  } catch {
    return null;
  }
  if (!(port > 0)) return null;
  const url = `mysql://root@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const connection = await createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 5_000 }).catch(() => null);
  if (!connection) return null;
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`);
  } finally {
    await connection.end();
  }
  return { url, port, pid, stop: async () => undefined };
}

function refuseIfRunning(paths: Paths): void {
  const pid = Number.parseInt(readText(paths.pidFile), 10);
  if (pid > 0 && isAlive(pid) && servesDatadir(pid, paths.datadir)) {
    throw new Error(
      `Another database server (pid ${pid}, pid file ${paths.pidFile}) is already using ${paths.datadir}; stop it first (kill ${pid}).`,
    );
  }
  // Left behind by a crash; MySQL refuses to start while a <socket>.lock names a live pid.
  for (const stale of [paths.pidFile, paths.socket, `${paths.socket}.lock`]) fs.rmSync(stale, { force: true });
}

function servesDatadir(pid: number, datadir: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--datadir=${datadir}`);
  } catch {
    return !fs.existsSync('/proc/self'); // no procfs: assume the pid file is right
  }
}

async function initialize(binaries: Binaries, paths: Paths): Promise<void> {
  if (fs.existsSync(paths.datadir)) {
    throw new Error(`${paths.datadir} exists but holds no initialized database (no mysql/ folder); move it away and start again.`);
  }
  // Initialize into a staging folder and rename, so an interrupted run never looks initialized.
  const staging = `${paths.datadir}.init`;
  fs.rmSync(staging, { recursive: true, force: true });
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  let command: string;
  let args: string[];
  if (binaries.flavor === 'mariadb') {
    if (!binaries.installDb) throw new MysqlServerNotFoundError('mariadb-install-db (or mysql_install_db)');
    command = binaries.installDb;
    // --force skips the script's hostname DNS check, which fails or hangs in containers without DNS.
    args = ['--no-defaults', `--datadir=${staging}`, '--auth-root-authentication-method=normal', '--force', ...asRoot];
  } else {
    command = binaries.server;
    args = ['--no-defaults', '--initialize-insecure', `--datadir=${staging}`, ...asRoot];
  }
  const from = fileSize(paths.log);
  const child = spawnLogged(command, args, paths.log, false);
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', resolve));
  if (code !== 0 || !fs.existsSync(path.join(staging, 'mysql'))) {
    throw new Error(`Initializing ${paths.datadir} failed (${path.basename(command)} exited with ${code}); log ${paths.log}:\n${tail(paths.log, from)}`);
  }
  fs.renameSync(staging, paths.datadir);
}

class PortInUseError extends Error {}

async function launch(binaries: Binaries, paths: Paths, port: number, database: string): Promise<PrivateMysql> {
  const collation = binaries.flavor === 'mariadb' ? 'utf8mb4_unicode_ci' : 'utf8mb4_0900_ai_ci';
  const args = [
    '--no-defaults',
    `--datadir=${paths.datadir}`,
    `--socket=${paths.socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${paths.pidFile}`,
    '--skip-name-resolve', // no reverse DNS per connection; root@127.0.0.1 is granted below
    '--character-set-server=utf8mb4',
    `--collation-server=${collation}`,
    // MySQL 8's X plugin would bind port 33060 in every instance; binary logs are of no use here.
    ...(binaries.flavor === 'mysql' ? ['--loose-mysqlx=OFF', '--skip-log-bin'] : []),
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
  ];
  const from = fileSize(paths.log);
  // Own process group: Ctrl-C in the terminal reaches only the parent, which then calls stop().
  const child = spawnLogged(binaries.server, args, paths.log, true);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  // The 'exit' event never fires when the parent is killed by a signal; the watchdog covers that.
  const dog = child.pid ? watchdog(child.pid, 'repolink-mysql-watchdog') : null;
  child.once('exit', () => {
    process.off('exit', killOnExit);
    dog?.kill('SIGKILL');
  });

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= terminate(child, 'SIGTERM', STOP_TIMEOUT_MS));
  const fail = async (message: string, { portInUse = false, signal = 'SIGTERM' as NodeJS.Signals } = {}): Promise<never> => {
    await (stopping ??= terminate(child, signal, STOP_TIMEOUT_MS));
    const full = `${message}; log ${paths.log}:\n${tail(paths.log, from)}`;
    throw portInUse ? new PortInUseError(full) : new Error(full);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let admin: Connection | undefined;
  while (!admin) {
    if (spawnError) return fail(`Could not run ${binaries.server}: ${spawnError.message}`);
    const exited = child.exitCode !== null || child.signalCode !== null;
    const output = readFrom(paths.log, from);
    if (exited) {
      const portInUse = /Address already in use|Bind on TCP\/IP port/.test(output);
      return fail(`${path.basename(binaries.server)} exited with ${child.exitCode ?? child.signalCode} while starting`, { portInUse });
    }
    // MariaDB would retry the Aria lock for 30 s, deaf to SIGTERM; it has opened nothing yet, so SIGKILL is safe.
    if (/Can't lock aria control file|Unable to lock .*ibdata1/.test(output)) {
      return fail(`Another database server is already using ${paths.datadir} (its files are locked); stop it first`, { signal: 'SIGKILL' });
    }
    if (Date.now() > deadline) return fail(`${path.basename(binaries.server)} did not accept connections within ${READY_TIMEOUT_MS / 1000} s`);
    // The socket authenticates root@localhost, which exists even when root@127.0.0.1 does not (MySQL).
    admin = await createConnection({ socketPath: paths.socket, user: 'root', connectTimeout: 2_000 }).catch(() => undefined);
    if (!admin) await sleep(100);
  }

  try {
    await admin.query(`CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'`);
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`);
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE ${collation}`);
    await admin.end();
    const tcp = await createConnection({ host: '127.0.0.1', port, user: 'root', database });
    await tcp.end();
  } catch (error) {
    admin.destroy();
    return fail(`Preparing the private database failed: ${(error as Error).message}`);
  }

  return { url: `mysql://root@127.0.0.1:${port}/${encodeURIComponent(database)}`, port, pid: child.pid!, stop };
}

function spawnLogged(command: string, args: string[], logFile: string, detached: boolean): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached });
    if (detached) child.unref();
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The log written since `from`, at most its last 64 KiB. */
function readFrom(file: string, from: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(from, size - 65_536);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    fs.readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function tail(file: string, from: number, lines = 20): string {
  return readFrom(file, from).trimEnd().split('\n').slice(-lines).join('\n');
}
