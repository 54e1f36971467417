import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { terminate as terminateWithin, watchdog as watchdogOf } from '../../lib/processes';

/** What the cluster needs of this machine: its Debian packages, free ports, and child processes that end with us. */

export const GALERA_PACKAGES = ['mariadb-server', 'galera-4', 'mariadb-backup', 'socat', 'haproxy'];
const STOP_TIMEOUT_MS = 60_000;

export type Log = (line: string) => void;

/** Installs the Debian packages the cluster needs when some are missing (apt-get only then, and only as root). */
export function ensurePackages(log: Log, packages = GALERA_PACKAGES): void {
  const missing = packages.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Missing Debian packages: ${missing.join(' ')}. Install them: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing ${missing.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status})`);
  }
}

/** Distinct free ports on 127.0.0.1, probed together so that none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** SIGTERMs `pid` if this process dies without stopping it. */
export const watchdog = (pid: number) => watchdogOf(pid, 'repolink-cluster-watchdog');

export const terminate = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS) => terminateWithin(child, signal, timeoutMs);

/**
 * Starts a server in its own process group, its output appended to `logFile`; a watchdog SIGTERMs
 * it if this process dies first.
 */
export function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  child.unref();
  const dog = child.pid ? watchdog(child.pid) : null;
  child.once('exit', () => dog?.kill('SIGKILL'));
  return child;
}

/** The end of a log file ('' when there is none). */
export function logTail(file: string, bytes = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}
