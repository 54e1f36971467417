import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import { startHaproxy, startHealthChecks, waitForHaproxy, type HaproxyOptions } from './haproxy';
import { freePorts, terminate, type Log } from './machine';
import { createNodeFolders, galeraNode, writeNodeConfig, type GaleraNode } from './node-config';
import { adminConnection, defaultServerBinary, installDatadir, nodeState, recoverPosition, refuseIfRunning, startNode, stopNode, type StartNodeOptions } from './node-process';
import { hasData, markSafeToBootstrap, readGrastate, transferKind } from './node-state-files';

/**
 * A 3-node MariaDB Galera cluster, HAProxy in front of it and a Galera-aware health check, all on
 * 127.0.0.1 with their data under one folder. Used by `npm run cluster` and by test/cluster.
 * ../shared/docs/GALERA-NOTES.md has the measurements these choices rest on.
 */

export interface GaleraClusterOptions {
  /** Holds n1..n3, the HAProxy config and the SST scratch folders. */
  root: string;
  log?: Log;
  size?: number;
  database?: string;
  /** The mariadbd binary (default: /usr/sbin/mariadbd when present, else mariadbd on the PATH). */
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
    this.binary = options.serverBinary ?? defaultServerBinary();
  }

  /** A node's own URL (direct, not through HAProxy). */
  nodeUrl(i: number): string {
    return `mysql://root@127.0.0.1:${this.nodes[i].ports.sql}/${this.database}`;
  }

  /** The URL applications use: HAProxy, which sends connections only to Synced nodes. */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.haproxyPort}/${this.database}`;
  }

  get haproxyPid(): number | undefined {
    return this.haproxy?.pid;
  }

  /** Starts every node (fresh, restarted or recovered), then the checker and HAProxy. */
  async start(): Promise<void> {
    const started = Date.now();
    await this.layout();
    if (this.nodes.every((n) => !hasData(n))) await this.startFresh();
    else await this.restart();
    this.checkers = await startHealthChecks(this.nodes);
    const haproxy: HaproxyOptions = { root: this.options.root, port: this.haproxyPort, statsPort: this.haproxyStatsPort, nodes: this.nodes };
    this.haproxy = startHaproxy(haproxy);
    await waitForHaproxy(this.haproxy, haproxy, this.database);
    this.log(`cluster: ${this.nodes.length} Galera nodes Synced, HAProxy on 127.0.0.1:${this.haproxyPort} (${Date.now() - started} ms)`);
  }

  /** Ports for every node and HAProxy, each node's folders and my.cnf. */
  private async layout(): Promise<void> {
    const size = this.options.size ?? 3;
    const ports = await freePorts(size * 5 + 2);
    this.haproxyPort = ports[size * 5];
    this.haproxyStatsPort = ports[size * 5 + 1];
    this.nodes.length = 0;
    for (let i = 0; i < size; i++) this.nodes.push(galeraNode(this.options.root, i, ports.slice(i * 5, i * 5 + 5)));
    const members = this.nodes.map((n) => `127.0.0.1:${n.ports.gcomm}`).join(',');
    for (const n of this.nodes) {
      createNodeFolders(n);
      refuseIfRunning(n);
      writeNodeConfig(n, members);
    }
  }

  /** A new cluster: n1 installed and bootstrapped with the users and database, the others join it by SST. */
  private async startFresh(): Promise<void> {
    installDatadir(this.nodes[0], this.log);
    await this.startNode(0, { bootstrap: true });
    await this.prepareUsers();
    for (let i = 1; i < this.nodes.length; i++) {
      fs.rmSync(this.nodes[i].datadir, { recursive: true, force: true });
      fs.mkdirSync(this.nodes[i].datadir, { recursive: true });
      await this.startNode(i, {});
    }
  }

  /** An existing cluster: bootstrap the node with the most recent data, the others rejoin it. */
  private async restart(): Promise<void> {
    let first = this.nodes.findIndex((n) => readGrastate(n.datadir)?.safeToBootstrap);
    let positions: (string | null)[] = this.nodes.map(() => null);
    if (first === -1) ({ first, positions } = await this.recoverAfterCrash());
    this.log(`cluster: bootstrapping ${this.nodes[first].name} (its data is the most recent)`);
    await this.startNode(first, { bootstrap: true, startPosition: positions[first] });
    for (let i = 0; i < this.nodes.length; i++) {
      if (i !== first) await this.startNode(i, { startPosition: positions[i] });
    }
  }

  /** No clean last node: the cluster was killed. Recovers each node's last committed position and marks the most advanced safe to bootstrap. */
  private async recoverAfterCrash(): Promise<{ first: number; positions: (string | null)[] }> {
    this.log('cluster: no node is safe to bootstrap (it was not stopped cleanly); recovering positions');
    const positions: (string | null)[] = this.nodes.map(() => null);
    let first = -1;
    let best = -2;
    for (let i = 0; i < this.nodes.length; i++) {
      if (!hasData(this.nodes[i])) continue;
      const pos = await this.recoverPosition(i);
      positions[i] = pos ? `${pos.uuid}:${pos.seqno}` : null;
      if (pos && pos.seqno > best) {
        best = pos.seqno;
        first = i;
      }
    }
    if (first === -1) throw new Error('No Galera node has a recoverable position; remove the cluster folder to start afresh');
    markSafeToBootstrap(this.nodes[first].datadir);
    return { first, positions };
  }

  private async prepareUsers(): Promise<void> {
    const admin = await adminConnection(this.nodes[0]);
    try {
      await admin.query(`CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'`);
      await admin.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`);
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${this.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
  }

  /** Runs `mariadbd --wsrep-recover` on a stopped node: its last committed position (0.2 s). */
  recoverPosition(i: number): Promise<{ uuid: string; seqno: number } | null> {
    return recoverPosition(this.nodes[i], this.binary);
  }

  /** Starts one node and waits until it is Synced. */
  startNode(i: number, opts: StartNodeOptions): Promise<void> {
    return startNode(this.nodes[i], this.binary, opts, this.log);
  }

  /** wsrep_local_state_comment of a node (Synced, Donor/Desynced, Joining…), or null when it does not answer. */
  nodeState(i: number): Promise<string | null> {
    return nodeState(this.nodes[i]);
  }

  /** Clean stop of one node (SIGTERM: it writes its position to grastate.dat). */
  stopNode(i: number): Promise<void> {
    return stopNode(this.nodes[i], 'SIGTERM');
  }

  /** SIGKILL one node (tests of a crash). */
  killNode(i: number): Promise<void> {
    return stopNode(this.nodes[i], 'SIGKILL');
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

  /** Stops HAProxy, the checks and the nodes (the first node last, so it is the one safe to bootstrap). */
  async stop(): Promise<void> {
    if (this.haproxy) await terminate(this.haproxy, 'SIGTERM', 5_000);
    this.haproxy = null;
    await Promise.all(this.checkers.map((s) => new Promise((resolve) => s.close(resolve))));
    this.checkers = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) await this.stopNode(i);
  }
}
