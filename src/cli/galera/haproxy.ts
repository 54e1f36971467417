import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { logTail, spawnLogged } from './machine';
import type { GaleraNode } from './node-config';
import { nodeState } from './node-process';

/** HAProxy in front of the nodes, and the per-node health checks it routes by. */

/**
 * One tiny HTTP check per node for HAProxy's `option httpchk`: 200 only while the node is Synced
 * and ready, so a node that is joining, donating or cut off from the primary component (1047)
 * gets no traffic — a plain TCP or mysql-check only sees the handshake.
 */
export async function startHealthChecks(nodes: GaleraNode[]): Promise<http.Server[]> {
  const servers: http.Server[] = [];
  for (const n of nodes) {
    const server = http.createServer((_req, res) => {
      void nodeState(n).then((state) => {
        res.writeHead(state === 'Synced' ? 200 : 503, { 'content-type': 'text/plain' }).end(`${n.name}: ${state ?? 'down'}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(n.ports.check, '127.0.0.1', () => resolve()));
    servers.push(server);
  }
  return servers;
}

export interface HaproxyOptions {
  /** The folder of haproxy.cfg and haproxy.log. */
  root: string;
  port: number;
  statsPort: number;
  nodes: GaleraNode[];
}

function haproxyConfig({ port, statsPort, nodes }: HaproxyOptions): string {
  return [
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
    `    bind 127.0.0.1:${port}`,
    // One writer at a time (the others are hot standbys): writes from every process land on
    // one node, so they do not fail Galera certification against each other (one hot row
    // written on two nodes lost certification 23-46 % of the time); the app retries what
    // still conflicts, e.g. while connections move back after a failover.
    '    balance first',
    // Routed by Galera state: the per-node HTTP check answers 200 only while the node is Synced.
    '    option httpchk GET /',
    '    http-check expect status 200',
    '    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions',
    ...nodes.map((n, i) => `    server ${n.name} 127.0.0.1:${n.ports.sql} check port ${n.ports.check}${i === 0 ? '' : ' backup'}`),
    'listen stats',
    `    bind 127.0.0.1:${statsPort}`,
    '    mode http',
    '    stats enable',
    '    stats uri /',
    '',
  ].join('\n');
}

/** Writes haproxy.cfg and starts HAProxy (not yet passing connections: see {@link waitForHaproxy}). */
export function startHaproxy(opts: HaproxyOptions): ChildProcess {
  const cfg = path.join(opts.root, 'haproxy.cfg');
  fs.writeFileSync(cfg, haproxyConfig(opts));
  return spawnLogged('haproxy', ['-f', cfg, '-db'], path.join(opts.root, 'haproxy.log'));
}

/** Waits until a connection through HAProxy reaches a node (20 s at most). */
export async function waitForHaproxy(child: ChildProcess, opts: HaproxyOptions, database: string): Promise<void> {
  const logFile = path.join(opts.root, 'haproxy.log');
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}); log ${logFile}:\n${logTail(logFile)}`);
    const c = await createConnection({ host: '127.0.0.1', port: opts.port, user: 'root', database, connectTimeout: 1000 }).catch(() => null);
    if (c) {
      c.destroy();
      break;
    }
    if (Date.now() > deadline) throw new Error(`haproxy did not pass connections within 20 s; log ${logFile}`);
    await sleep(250);
  }
}
