import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import { isAlive, terminate as terminateWithin, watchdog as watchdogOf } from '../lib/processes';

/**
 * A 3-node MariaDB Galera cluster, HAProxy in front of it and a Galera-aware health check, all on
 * 127.0.0.1 with their data under one folder. Used by `npm run cluster` and by test/cluster.
 * ../shared/docs/GALERA-NOTES.md has the measurements these choices rest on.
 */

export const GALERA_PACKAGES = ['mariadb-server', 'galera-4', 'mariadb-backup', 'socat', 'haproxy'];
const PROVIDER = '/usr/lib/galera/libgalera_smm.so';
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

type Log = (line: string) => void;

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

export interface NodePorts {
  sql: number;
  gcomm: number;
  sst: number;
  ist: number;
  check: number;
}

export interface GaleraNode {
  name: string;
  dir: string;
  datadir: string;
  socket: string;
  cnf: string;
  log: string;
  ports: NodePorts;
  child: ChildProcess | null;
}

export interface GrastateInfo {
  uuid: string;
  seqno: number;
  safeToBootstrap: boolean;
}

export function readGrastate(datadir: string): GrastateInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(datadir, 'grastate.dat'), 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(text)?.[1] ?? '';
  return { uuid: field('uuid'), seqno: Number(field('seqno') || -1), safeToBootstrap: field('safe_to_bootstrap') === '1' };
}

function tail(file: string, bytes = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

/** How a joiner got its state, from its log since it started: a full copy (SST) or the missing writesets only (IST). */
export function transferKind(log: string): 'SST' | 'IST' | 'nothing' {
  // The SST script runs on every joiner; it reports which transfer it completed.
  if (/IST completed on joiner/.test(log)) return 'IST';
  if (/SST completed on joiner/.test(log)) return 'SST';
  if (/IST received/.test(log)) return 'IST';
  return 'nothing';
}

export interface GaleraClusterOptions {
  /** Holds n1..n3, the HAProxy config and the SST scratch folders. */
  root: string;
  log?: Log;
  size?: number;
  database?: string;
  /** Each node's SQL port, fixed (tests); else probed. */
  serverBinary?: string;
}

/**
 * The nodes of one cluster on this machine. `start()` decides how: a fresh cluster (install n1,
 * bootstrap it, the others join by SST), a restart after a clean stop (bootstrap the node whose
 * grastate says safe_to_bootstrap: 1) or after a crash (--wsrep-recover on each, bootstrap the most
 * advanced, the others rejoin by IST from their recovered positions).
 */
export class GaleraCluster {
  readonly nodes: GaleraNode[] = [];
  readonly database: string;
  private readonly log: Log;
  private readonly binary: string;
  private checkers: http.Server[] = [];
  private haproxy: ChildProcess | null = null;
  haproxyPort = 0;
  haproxyStatsPort = 0;

  constructor(private readonly options: GaleraClusterOptions) {
    this.log = options.log ?? (() => undefined);
    this.database = options.database ?? 'repolink';
    this.binary = options.serverBinary ?? (fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd');
  }

  /** A node's own URL (direct, not through HAProxy). */
  nodeUrl(i: number): string {
    return `mysql://root@127.0.0.1:${this.nodes[i].ports.sql}/${this.database}`;
  }

  /** The URL applications use: HAProxy, which sends connections only to Synced nodes. */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.haproxyPort}/${this.database}`;
  }

  private async layout(): Promise<void> {
    const size = this.options.size ?? 3;
    const ports = await freePorts(size * 5 + 2);
    this.haproxyPort = ports[size * 5];
    this.haproxyStatsPort = ports[size * 5 + 1];
    this.nodes.length = 0;
    for (let i = 0; i < size; i++) {
      const name = `n${i + 1}`;
      const dir = path.join(this.options.root, name);
      const p = ports.slice(i * 5, i * 5 + 5);
      let socket = path.join(dir, 'mysqld.sock');
      if (socket.length >= 100) socket = path.join('/tmp', `repolink-galera-${process.pid}-${name}.sock`);
      this.nodes.push({
        name,
        dir,
        datadir: path.join(dir, 'data'),
        socket,
        cnf: path.join(dir, 'my.cnf'),
        log: path.join(dir, 'mysqld.log'),
        ports: { sql: p[0], gcomm: p[1], sst: p[2], ist: p[3], check: p[4] },
        child: null,
      });
    }
    const members = this.nodes.map((n) => `127.0.0.1:${n.ports.gcomm}`).join(',');
    const asRoot = process.getuid?.() === 0;
    for (const n of this.nodes) {
      for (const d of [n.dir, path.join(n.dir, 'sst-tmp'), path.join(n.dir, 'sst_log_archive')]) fs.mkdirSync(d, { recursive: true });
      this.refuseIfRunning(n);
      const cnf = [
        '[mariadbd]',
        ...(asRoot ? ['user=root'] : []),
        `datadir=${n.datadir}`,
        `socket=${n.socket}`,
        `pid-file=${path.join(n.dir, 'mysqld.pid')}`,
        `port=${n.ports.sql}`,
        'bind-address=127.0.0.1',
        'skip-name-resolve',
        'character-set-server=utf8mb4',
        'collation-server=utf8mb4_unicode_ci',
        'binlog_format=ROW',
        'default_storage_engine=InnoDB',
        'innodb_autoinc_lock_mode=2',
        'innodb_buffer_pool_size=64M',
        'performance_schema=OFF',
        'max_connections=300',
        'wsrep_on=ON',
        `wsrep_provider=${PROVIDER}`,
        'wsrep_cluster_name=repolink',
        `wsrep_cluster_address=gcomm://${members}`,
        `wsrep_node_name=${n.name}`,
        `wsrep_node_address=127.0.0.1:${n.ports.gcomm}`,
        `wsrep_node_incoming_address=127.0.0.1:${n.ports.sql}`,
        `wsrep_sst_receive_address=127.0.0.1:${n.ports.sst}`,
        'wsrep_sst_method=mariabackup',
        'wsrep_sst_auth=root:',
        // Refuse tables without a primary key (Galera cannot replicate their rows safely).
        'wsrep_mode=REQUIRED_PRIMARY_KEY',
        `wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:${n.ports.gcomm};ist.recv_addr=127.0.0.1:${n.ports.ist};gcache.size=64M"`,
        '[sst]',
        `tmpdir=${path.join(n.dir, 'sst-tmp')}`,
        `sst-log-archive-dir=${path.join(n.dir, 'sst_log_archive')}`,
        '',
      ];
      fs.writeFileSync(n.cnf, cnf.join('\n'));
    }
  }

  private refuseIfRunning(n: GaleraNode): void {
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

  /** Starts every node (fresh, restarted or recovered), then the checker and HAProxy. */
  async start(): Promise<void> {
    const started = Date.now();
    await this.layout();
    const fresh = this.nodes.every((n) => !fs.existsSync(path.join(n.datadir, 'mysql')));
    if (fresh) {
      await this.installFirstNode();
      await this.startNode(0, { bootstrap: true });
      await this.prepareUsers();
      for (let i = 1; i < this.nodes.length; i++) {
        fs.rmSync(this.nodes[i].datadir, { recursive: true, force: true });
        fs.mkdirSync(this.nodes[i].datadir, { recursive: true });
        await this.startNode(i, {});
      }
    } else {
      const states = this.nodes.map((n) => readGrastate(n.datadir));
      let first = states.findIndex((s) => s?.safeToBootstrap);
      const positions: (string | null)[] = this.nodes.map(() => null);
      if (first === -1) {
        // No clean last node: the cluster was killed. Recover each node's last committed position.
        this.log('cluster: no node is safe to bootstrap (it was not stopped cleanly); recovering positions');
        let best = -2;
        for (let i = 0; i < this.nodes.length; i++) {
          if (!fs.existsSync(path.join(this.nodes[i].datadir, 'mysql'))) continue;
          const pos = await this.recoverPosition(i);
          positions[i] = pos ? `${pos.uuid}:${pos.seqno}` : null;
          if (pos && pos.seqno > best) {
            best = pos.seqno;
            first = i;
          }
        }
        if (first === -1) throw new Error('No Galera node has a recoverable position; remove the cluster folder to start afresh');
        const grastate = path.join(this.nodes[first].datadir, 'grastate.dat');
        fs.writeFileSync(grastate, fs.readFileSync(grastate, 'utf8').replace(/^safe_to_bootstrap:.*$/m, 'safe_to_bootstrap: 1'));
      }
      this.log(`cluster: bootstrapping ${this.nodes[first].name} (its data is the most recent)`);
      await this.startNode(first, { bootstrap: true, startPosition: positions[first] });
      for (let i = 0; i < this.nodes.length; i++) {
        if (i !== first) await this.startNode(i, { startPosition: positions[i] });
      }
    }
    await this.startChecker();
    await this.startHaproxy();
    this.log(`cluster: ${this.nodes.length} Galera nodes Synced, HAProxy on 127.0.0.1:${this.haproxyPort} (${Date.now() - started} ms)`);
  }

  private async installFirstNode(): Promise<void> {
    const n = this.nodes[0];
    this.log(`cluster: initializing ${n.datadir}`);
    const staging = `${n.datadir}.init`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(n.datadir, { recursive: true, force: true });
    const args = ['--no-defaults', `--datadir=${staging}`, '--auth-root-authentication-method=normal', '--force', ...(process.getuid?.() === 0 ? ['--user=root'] : [])];
    const r = spawnSync('mariadb-install-db', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db failed (${r.status}): ${r.stderr?.slice(-2000)}`);
    fs.renameSync(staging, n.datadir);
  }

  private async prepareUsers(): Promise<void> {
    const admin = await this.adminConnection(0);
    try {
      await admin.query(`CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'`);
      await admin.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`);
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${this.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
  }

  private adminConnection(i: number): Promise<Connection> {
    return createConnection({ socketPath: this.nodes[i].socket, user: 'root', connectTimeout: 2_000 });
  }

  /** Runs `mariadbd --wsrep-recover` on a stopped node: its last committed position (0.2 s). */
  async recoverPosition(i: number): Promise<{ uuid: string; seqno: number } | null> {
    const n = this.nodes[i];
    const out = path.join(n.dir, 'recover.log');
    fs.rmSync(out, { force: true });
    const r = spawnSync(this.binary, [`--defaults-file=${n.cnf}`, '--wsrep-recover', `--log-error=${out}`], { encoding: 'utf8', timeout: 60_000 });
    const text = `${tail(out, 20_000)}${r.stderr ?? ''}`;
    const match = /Recovered position:\s*([0-9a-f-]{36}):(-?\d+)/.exec(text);
    return match ? { uuid: match[1], seqno: Number(match[2]) } : null;
  }

  /** Starts one node and waits until it is Synced. */
  async startNode(i: number, opts: { bootstrap?: boolean; startPosition?: string | null }): Promise<void> {
    const n = this.nodes[i];
    const from = fs.existsSync(n.log) ? fs.statSync(n.log).size : 0;
    const args = [`--defaults-file=${n.cnf}`, ...(opts.bootstrap ? ['--wsrep-new-cluster'] : []), ...(opts.startPosition ? [`--wsrep-start-position=${opts.startPosition}`] : [])];
    const t0 = Date.now();
    const fd = fs.openSync(n.log, 'a');
    const child = spawn(this.binary, args, { stdio: ['ignore', fd, fd], detached: true });
    fs.closeSync(fd);
    child.unref();
    n.child = child;
    const dog = child.pid ? watchdog(child.pid) : null;
    child.once('exit', () => dog?.kill('SIGKILL'));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`Galera node ${n.name} exited (${child.exitCode ?? child.signalCode}) while starting; log ${n.log}:\n${tail(n.log).slice(-(fs.statSync(n.log).size - from))}`);
      }
      if (Date.now() > deadline) throw new Error(`Galera node ${n.name} was not Synced within ${READY_TIMEOUT_MS / 1000} s; log ${n.log}`);
      if ((await this.nodeState(i)) === 'Synced') break;
      await sleep(250);
    }
    const how = opts.bootstrap ? 'bootstrapped' : `joined by ${transferKind(fs.readFileSync(n.log, 'utf8').slice(from))}`;
    this.log(`cluster: ${n.name} ${how} on 127.0.0.1:${n.ports.sql} (pid ${child.pid}, ${Date.now() - t0} ms)`);
  }

  /** wsrep_local_state_comment of a node (Synced, Donor/Desynced, Joining…), or null when it does not answer. */
  async nodeState(i: number): Promise<string | null> {
    const c = await this.adminConnection(i).catch(() => null);
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

  /** Clean stop of one node (SIGTERM: it writes its position to grastate.dat). */
  async stopNode(i: number): Promise<void> {
    const n = this.nodes[i];
    if (n.child) await terminate(n.child);
    n.child = null;
  }

  /** SIGKILL one node (tests of a crash). */
  async killNode(i: number): Promise<void> {
    const n = this.nodes[i];
    if (n.child) await terminate(n.child, 'SIGKILL');
    n.child = null;
  }

  /** Restarts a killed node the fast way: recover its position, then rejoin by IST. */
  async restartAfterCrash(i: number): Promise<{ position: string | null; ist: boolean; ms: number }> {
    const t0 = Date.now();
    const pos = await this.recoverPosition(i);
    const position = pos ? `${pos.uuid}:${pos.seqno}` : null;
    const from = fs.statSync(this.nodes[i].log).size;
    await this.startNode(i, { startPosition: position });
    const text = fs.readFileSync(this.nodes[i].log, 'utf8').slice(from);
    return { position, ist: transferKind(text) === 'IST', ms: Date.now() - t0 };
  }

  /**
   * One tiny HTTP check per node for HAProxy's `option httpchk`: 200 only while the node is Synced
   * and ready, so a node that is joining, donating or cut off from the primary component (1047)
   * gets no traffic — a plain TCP or mysql-check only sees the handshake.
   */
  private async startChecker(): Promise<void> {
    const servers: http.Server[] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      const server = http.createServer((_req, res) => {
        void this.nodeState(i).then((state) => {
          res.writeHead(state === 'Synced' ? 200 : 503, { 'content-type': 'text/plain' }).end(`${this.nodes[i].name}: ${state ?? 'down'}\n`);
        });
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.nodes[i].ports.check, '127.0.0.1', () => resolve()));
      servers.push(server);
    }
    this.checkers = servers;
  }

  private async startHaproxy(): Promise<void> {
    const cfg = path.join(this.options.root, 'haproxy.cfg');
    fs.writeFileSync(
      cfg,
      [
        'global',
        '    maxconn 4000',
        'defaults',
        '    mode tcp',
        '    timeout connect 2s',
        '    timeout client 1h',
        '    timeout server 1h',
        '    timeout check 2s',
        '    retries 2',
        '    option redispatch',
        'listen galera',
        `    bind 127.0.0.1:${this.haproxyPort}`,
        // One writer at a time (the others are hot standbys): writes from every process land on
        // one node, so they do not fail Galera certification against each other (one hot row
        // written on two nodes lost certification 23-46 % of the time); the app retries what
        // still conflicts, e.g. while connections move back after a failover.
        '    balance first',
        // Routed by Galera state: the per-node HTTP check answers 200 only while the node is Synced.
        '    option httpchk GET /',
        '    http-check expect status 200',
        '    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions',
        ...this.nodes.map((n, i) => `    server ${n.name} 127.0.0.1:${n.ports.sql} check port ${n.ports.check}${i === 0 ? '' : ' backup'}`),
        'listen stats',
        `    bind 127.0.0.1:${this.haproxyStatsPort}`,
        '    mode http',
        '    stats enable',
        '    stats uri /',
        '',
      ].join('\n'),
    );
    const logFile = path.join(this.options.root, 'haproxy.log');
    const fd = fs.openSync(logFile, 'a');
    const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', fd, fd], detached: true });
    fs.closeSync(fd);
    child.unref();
    this.haproxy = child;
    const dog = child.pid ? watchdog(child.pid) : null;
    child.once('exit', () => dog?.kill('SIGKILL'));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}); log ${logFile}:\n${tail(logFile)}`);
      const c = await createConnection({ host: '127.0.0.1', port: this.haproxyPort, user: 'root', database: this.database, connectTimeout: 1000 }).catch(() => null);
      if (c) {
        c.destroy();
        break;
      }
      if (Date.now() > deadline) throw new Error(`haproxy did not pass connections within 20 s; log ${logFile}`);
      await sleep(250);
    }
  }

  get haproxyPid(): number | undefined {
    return this.haproxy?.pid;
  }

  /** Stops HAProxy, the checks and the nodes (the first node last, so it is the one safe to bootstrap). */
  async stop(): Promise<void> {
    if (this.haproxy) await terminate(this.haproxy, 'SIGTERM', 5_000);
    this.haproxy = null;
    await Promise.all(this.checkers.map((s) => new Promise((resolve) => s.close(resolve))));
    this.checkers = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) await this.stopNode(i);
  }
}
