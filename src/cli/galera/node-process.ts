import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import { isAlive } from '../../lib/processes';
import { logTail, spawnLogged, terminate, type Log } from './machine';
import type { GaleraNode } from './node-config';
import { transferKind } from './node-state-files';

/** One node's mariadbd: installing its datadir, starting it until Synced, asking its state, recovering its position, stopping it. */

const READY_TIMEOUT_MS = 120_000;

/** The server binary: Debian's, else whatever `mariadbd` is on the PATH. */
export const defaultServerBinary = () => (fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd');

/** Throws when a server of this node (its my.cnf) still runs, from an earlier run. */
export function refuseIfRunning(n: GaleraNode): void {
  const pid = Number.parseInt(fs.existsSync(path.join(n.dir, 'mysqld.pid')) ? fs.readFileSync(path.join(n.dir, 'mysqld.pid'), 'utf8') : '', 10);
  if (pid > 0 && isAlive(pid)) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      /* gone */
    }
    if (cmd.includes(n.cnf)) throw new Error(`A Galera node (pid ${pid}) already runs on ${n.datadir}; stop it first (kill ${pid}).`);
  }
}

/** A fresh datadir for the node (mariadb-install-db into a staging folder, then moved into place). */
export function installDatadir(n: GaleraNode, log: Log): void {
  log(`cluster: initializing ${n.datadir}`);
  const staging = `${n.datadir}.init`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(n.datadir, { recursive: true, force: true });
  const args = ['--no-defaults', `--datadir=${staging}`, '--auth-root-authentication-method=normal', '--force', ...(process.getuid?.() === 0 ? ['--user=root'] : [])];
  const r = spawnSync('mariadb-install-db', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mariadb-install-db failed (${r.status}): ${r.stderr?.slice(-2000)}`);
  fs.renameSync(staging, n.datadir);
}

/** root over the node's Unix socket. */
export function adminConnection(n: GaleraNode): Promise<Connection> {
  return createConnection({ socketPath: n.socket, user: 'root', connectTimeout: 2_000 });
}

/** wsrep_local_state_comment of a node (Synced, Donor/Desynced, Joining…), or null when it does not answer. */
export async function nodeState(n: GaleraNode): Promise<string | null> {
  const c = await adminConnection(n).catch(() => null);
  if (!c) return null;
  try {
    const [rows] = await c.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_ready')");
    const status = Object.fromEntries((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]));
    return status.wsrep_ready === 'ON' ? status.wsrep_local_state_comment : `not ready (${status.wsrep_local_state_comment})`;
  } catch {
    return null;
  } finally {
    c.destroy();
  }
}

/** Runs `mariadbd --wsrep-recover` on a stopped node: its last committed position (0.2 s). */
export async function recoverPosition(n: GaleraNode, binary: string): Promise<{ uuid: string; seqno: number } | null> {
  const out = path.join(n.dir, 'recover.log');
  fs.rmSync(out, { force: true });
  const r = spawnSync(binary, [`--defaults-file=${n.cnf}`, '--wsrep-recover', `--log-error=${out}`], { encoding: 'utf8', timeout: 60_000 });
  const text = `${logTail(out, 20_000)}${r.stderr ?? ''}`;
  const match = /Recovered position:\s*([0-9a-f-]{36}):(-?\d+)/.exec(text);
  return match ? { uuid: match[1], seqno: Number(match[2]) } : null;
}

export interface StartNodeOptions {
  /** Starts a new cluster from this node (`--wsrep-new-cluster`). */
  bootstrap?: boolean;
  /** The position recovered after a crash (`uuid:seqno`), so the node rejoins by IST. */
  startPosition?: string | null;
}

/** Starts one node and waits until it is Synced. */
export async function startNode(n: GaleraNode, binary: string, opts: StartNodeOptions, log: Log): Promise<void> {
  const from = fs.existsSync(n.log) ? fs.statSync(n.log).size : 0;
  const args = [`--defaults-file=${n.cnf}`, ...(opts.bootstrap ? ['--wsrep-new-cluster'] : []), ...(opts.startPosition ? [`--wsrep-start-position=${opts.startPosition}`] : [])];
  const t0 = Date.now();
  const child = spawnLogged(binary, args, n.log);
  n.child = child;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Galera node ${n.name} exited (${child.exitCode ?? child.signalCode}) while starting; log ${n.log}:\n${logTail(n.log).slice(-(fs.statSync(n.log).size - from))}`);
    }
    if (Date.now() > deadline) throw new Error(`Galera node ${n.name} was not Synced within ${READY_TIMEOUT_MS / 1000} s; log ${n.log}`);
    if ((await nodeState(n)) === 'Synced') break;
    await sleep(250);
  }
  const how = opts.bootstrap ? 'bootstrapped' : `joined by ${transferKind(fs.readFileSync(n.log, 'utf8').slice(from))}`;
  log(`cluster: ${n.name} ${how} on 127.0.0.1:${n.ports.sql} (pid ${child.pid}, ${Date.now() - t0} ms)`);
}

/** Stops the node's server: SIGTERM is a clean stop (it writes its position to grastate.dat), SIGKILL a crash. */
export async function stopNode(n: GaleraNode, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (n.child) await terminate(n.child, signal);
  n.child = null;
}
