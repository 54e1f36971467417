import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { createConnection } from 'mysql2/promise';
import { GaleraCluster } from '../../src/cli/galera/galera-cluster';
import { createDataSource, runMigrations } from '../../src/db/data-source';
import { createAccount } from '../support/factories';
import { startServerProcess, type ServerProcess } from '../support/process-server';
import { rest } from '../support/rest';
import { SHORT, figure, sharedKeyFile, statusCounter, tempRoot } from './support';

/**
 * repolink on a 3-node Galera cluster: three processes, each on its own node (so concurrent
 * requests really conflict across nodes), and one more behind HAProxy for the failover test.
 */

let root: string;
let galera: GaleraCluster;
let ds: DataSource;
let servers: ServerProcess[] = [];
let keyFile: string;

const serverEnv = (databaseUrl: string, name: string) => ({
  DATABASE_URL: databaseUrl,
  REPOLINK_DATA_DIR: path.join(root, name),
  REPOLINK_KEY_FILE: keyFile,
  REPOLINK_DEMO: 'false',
  REPOLINK_RATE_LIMIT_PER_MINUTE: 'unlimited',
  REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false',
  LOG_LEVEL: 'error',
});

beforeAll(async () => {
  root = tempRoot('galera');
  keyFile = sharedKeyFile(root);
  const t0 = Date.now();
  galera = new GaleraCluster({ root: path.join(root, 'cluster'), log: (l) => process.stdout.write(`${l}\n`) });
  await galera.start();
  await runMigrations(galera.url);
  ds = createDataSource({ url: galera.url, poolSize: 4 });
  await ds.initialize();
  servers = await Promise.all([0, 1, 2].map((i) => startServerProcess(serverEnv(galera.nodeUrl(i), `p${i + 1}`))));
  figure(`galera: 3 nodes Synced + HAProxy + 3 repolink processes (one per node) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, 300_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  await ds?.destroy().catch(() => undefined);
  await galera?.stop().catch(() => undefined);
  // CLUSTER_KEEP=1 keeps the nodes' data and logs for inspection.
  if (root && process.env.CLUSTER_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
}, 180_000);

const auth = (apiKey: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${apiKey}`, ...extra });

async function certificationConflicts(): Promise<number> {
  let total = 0;
  for (let i = 0; i < galera.nodes.length; i++) {
    const c = await createConnection({ socketPath: galera.nodes[i].socket, user: 'root' }).catch(() => null);
    if (!c) continue;
    total += (await statusCounter(c, 'wsrep_local_cert_failures')) + (await statusCounter(c, 'wsrep_local_bf_aborts'));
    await c.end();
  }
  return total;
}

test('50 concurrent POST /v1/config/repos with one Idempotency-Key over 3 processes on 3 nodes: one connection, identical successes, the rest 409', async () => {
  const rounds = SHORT ? 2 : 10;
  const conflictsBefore = await certificationConflicts();
  const summary = { ok: 0, inUse: 0 };
  const t0 = Date.now();
  for (let round = 0; round < rounds; round++) {
    const a = await createAccount(ds, { plan: 'enterprise' });
    const key = `cluster-idem-${round}-${randomUUID()}`;
    const body = { platform: 'github', credentials: { token: 'ghp_cluster_idempotency' }, repositories: [`acme/idem-${round}`] };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => rest(servers[i % 3].url, 'POST', '/v1/config/repos', { headers: auth(a.apiKey, { 'idempotency-key': key }), body })),
    );
    const ok = results.filter((r) => r.status === 201);
    const inUse = results.filter((r) => r.status === 409 && r.body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE');
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(ok.length + inUse.length).toBe(50);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.text)).size).toBe(1);
    const [row] = (await ds.query('SELECT COUNT(*) AS n FROM repo_connections WHERE project_id = ?', [a.project.id])) as { n: string }[];
    expect(Number(row.n)).toBe(1);
    summary.ok += ok.length;
    summary.inUse += inUse.length;
  }
  figure(
    `idempotency: ${rounds} rounds x 50 concurrent requests, one key, 3 processes on 3 nodes: 1 connection per round; ` +
      `${summary.ok} successes (byte-identical per round), ${summary.inUse} x 409 IDEMPOTENCY_KEY_IN_USE, 0 x 5xx; ` +
      `Galera certification conflicts retried: ${(await certificationConflicts()) - conflictsBefore}; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
});

test('quota race: a free project at limit - 1, 100 concurrent creates over 3 processes and 3 nodes: exactly one succeeds', async () => {
  const rounds = SHORT ? 3 : 20;
  const conflictsBefore = await certificationConflicts();
  let refused = 0;
  const t0 = Date.now();
  for (let round = 0; round < rounds; round++) {
    const a = await createAccount(ds, { plan: 'free' });
    const seed = await rest(servers[round % 3].url, 'POST', '/v1/config/repos', {
      headers: auth(a.apiKey),
      body: { platform: 'github', credentials: { token: 'ghp_quota' }, repositories: ['acme/s1', 'acme/s2', 'acme/s3', 'acme/s4'] },
    });
    expect(seed.status).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        rest(servers[i % 3].url, 'POST', '/v1/config/repos', { headers: auth(a.apiKey), body: { platform: 'github', credentials: { token: 'ghp_quota' }, repositories: [`acme/race-${i}`] } }),
      ),
    );
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 403 && r.body?.error?.code === 'QUOTA_EXCEEDED')).toHaveLength(99);
    const [row] = (await ds.query('SELECT repository_count AS c, (SELECT COUNT(*) FROM repositories r WHERE r.project_id = p.id AND r.deleted_at IS NULL) AS live FROM projects p WHERE p.id = ?', [a.project.id])) as {
      c: number;
      live: string;
    }[];
    expect([Number(row.c), Number(row.live)]).toEqual([5, 5]);
    refused += 99;
  }
  figure(
    `quota race: ${rounds} rounds x 100 concurrent creates at limit - 1 over 3 processes on 3 nodes: exactly 1 success per round, ${refused} x 403 QUOTA_EXCEEDED, 0 x 5xx, ` +
      `counter = live rows = 5 each round; certification conflicts retried: ${(await certificationConflicts()) - conflictsBefore}; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
});

interface LoadResult {
  acked: Map<string, string>; // idempotency key -> connection id
  attempts: number;
  failedAttempts: Map<string, number>; // status or error -> count
  unsafe5xx: number;
  gaveUp: number;
  replayed: number;
  maxMs: number;
}

/**
 * A steady write load: `workers` clients, each sending POST /v1/config/repos with a fresh
 * Idempotency-Key, retrying the SAME key (safe: it runs at most once) on 503, 409 in-use and
 * transport errors, on `pick(attempt)`'s server, until `until()`.
 */
async function writeLoad(opts: { workers: number; apiKey: string; pick: (n: number) => string; until: () => boolean; maxRetryMs: number }): Promise<LoadResult> {
  const r: LoadResult = { acked: new Map(), attempts: 0, failedAttempts: new Map(), unsafe5xx: 0, gaveUp: 0, replayed: 0, maxMs: 0 };
  const fail = (what: string) => r.failedAttempts.set(what, (r.failedAttempts.get(what) ?? 0) + 1);
  let seq = 0;
  const worker = async () => {
    while (!opts.until()) {
      const n = seq++;
      const key = `load-${n}-${randomUUID()}`;
      const body = { platform: 'github', credentials: { token: 'ghp_load' }, repositories: [`acme/load-${n}`] };
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        r.attempts += 1;
        const t = Date.now();
        const res = await rest(opts.pick(n + attempt), 'POST', '/v1/config/repos', { headers: auth(opts.apiKey, { 'idempotency-key': key }), body }).catch((e: Error) => ({
          status: 0,
          error: (e.cause as { code?: string })?.code ?? e.message,
          body: null as any,
          headers: new Headers(),
        }));
        r.maxMs = Math.max(r.maxMs, Date.now() - t);
        if (res.status === 201) {
          r.acked.set(key, res.body.data.id);
          if (res.headers.get('idempotent-replayed') === 'true') r.replayed += 1;
          break;
        }
        const what = res.status === 0 ? `transport ${(res as { error?: string }).error}` : `${res.status} ${res.body?.error?.code ?? ''}`.trim();
        fail(what);
        const retryable = res.status === 0 || res.status === 503 || (res.status === 409 && res.body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE');
        if (res.status >= 500 && res.status !== 503) r.unsafe5xx += 1;
        if (!retryable || Date.now() - started > opts.maxRetryMs) {
          r.gaveUp += 1;
          break;
        }
        await sleep(res.status === 409 ? 1000 : 200);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, worker));
  return r;
}

async function idsOnNode(i: number, projectId: string): Promise<string[]> {
  const c = await createConnection({ host: '127.0.0.1', port: galera.nodes[i].ports.sql, user: 'root', database: 'repolink' });
  try {
    const [rows] = await c.query('SELECT id FROM repo_connections WHERE project_id = ? ORDER BY id', [projectId]);
    return (rows as { id: string }[]).map((x) => x.id);
  } finally {
    await c.end();
  }
}

test('a Galera node killed with SIGKILL under a steady write load through HAProxy: no acknowledged write lost, failures counted, the node rejoins by IST with the same rows', async () => {
  const lb = await startServerProcess(serverEnv(galera.url, 'lb'));
  try {
    const a = await createAccount(ds, { plan: 'enterprise' });
    const victim = 0; // HAProxy's writer; n2 takes over
    const duration = SHORT ? 20_000 : 45_000;
    const killAt = 5_000;
    const restartAt = killAt + (SHORT ? 8_000 : 15_000);
    const t0 = Date.now();
    let restart: { position: string | null; ist: boolean; ms: number } | null = null;
    const chaos = (async () => {
      await sleep(killAt);
      await galera.killNode(victim);
      await sleep(restartAt - killAt);
      restart = await galera.restartAfterCrash(victim);
    })();
    const load = await writeLoad({ workers: 8, apiKey: a.apiKey, pick: () => lb.url, until: () => Date.now() - t0 > duration, maxRetryMs: 30_000 });
    await chaos;
    const acked = [...load.acked.values()];
    const failedTotal = [...load.failedAttempts.values()].reduce((x, y) => x + y, 0);
    const survivors = [1, 2];
    for (const i of survivors) {
      const ids = new Set(await idsOnNode(i, a.project.id));
      expect(acked.filter((id) => !ids.has(id))).toEqual([]);
    }
    // The restarted node holds exactly the survivors' rows.
    const [n1, n2, n3] = [await idsOnNode(0, a.project.id), await idsOnNode(1, a.project.id), await idsOnNode(2, a.project.id)];
    expect(n1).toEqual(n2);
    expect(n3).toEqual(n2);
    const r = restart as unknown as { position: string | null; ist: boolean; ms: number };
    expect(r.ist).toBe(true);
    figure(
      `node kill: ${load.acked.size} writes acknowledged in ${(duration / 1000).toFixed(0)} s by 8 clients through HAProxy (the writer n1 SIGKILLed at ${killAt / 1000} s); ` +
        `${load.attempts} requests, ${failedTotal} failed (${((100 * failedTotal) / load.attempts).toFixed(2)} %: ${JSON.stringify(Object.fromEntries(load.failedAttempts))}), ` +
        `${load.unsafe5xx} x 5xx not safely retryable, ${load.gaveUp} given up; slowest request ${(load.maxMs / 1000).toFixed(1)} s; ` +
        `all ${acked.length} acknowledged rows on both survivors; n1 restarted with --wsrep-recover (${r.position}) and rejoined by IST in ${(r.ms / 1000).toFixed(1)} s, same ${n2.length} rows on all 3`,
    );
    expect(load.unsafe5xx).toBe(0);
    expect(load.gaveUp).toBe(0);
    expect(failedTotal / load.attempts).toBeLessThan(0.01);
  } finally {
    await lb.stop();
  }
}, 240_000);

(SHORT ? test.skip : test)('a repolink process killed with SIGKILL mid-load: no acknowledged write lost, retries on another process replay instead of running again', async () => {
  const a = await createAccount(ds, { plan: 'enterprise' });
  const t0 = Date.now();
  const duration = 12_000;
  let killed = false;
  const chaos = (async () => {
    await sleep(4_000);
    servers[0].child.kill('SIGKILL');
    killed = true;
  })();
  // Requests go round-robin over the three processes; a retry goes to the next one.
  const alive = () => (killed ? servers.slice(1) : servers);
  const load = await writeLoad({ workers: 6, apiKey: a.apiKey, pick: (n) => alive()[n % alive().length].url, until: () => Date.now() - t0 > duration, maxRetryMs: 80_000 });
  await chaos;
  const ids = await idsOnNode(0, a.project.id);
  const names = (await ds.query('SELECT r.path AS p, COUNT(*) AS n FROM repositories r WHERE r.project_id = ? GROUP BY r.path HAVING COUNT(*) > 1', [a.project.id])) as unknown[];
  expect([...load.acked.values()].filter((id) => !ids.includes(id))).toEqual([]);
  // Every key ran once: no repository twice, one connection per acknowledged key.
  expect(names).toEqual([]);
  expect(ids.length).toBe(load.acked.size);
  // Acknowledged keys sent again to the surviving processes: replayed, byte for byte, never run again.
  const sample = [...load.acked.keys()].slice(0, 30);
  let replays = 0;
  for (const [i, key] of sample.entries()) {
    const n = Number(/^load-(\d+)-/.exec(key)![1]);
    const again = await rest(servers[1 + (i % 2)].url, 'POST', '/v1/config/repos', {
      headers: auth(a.apiKey, { 'idempotency-key': key }),
      body: { platform: 'github', credentials: { token: 'ghp_load' }, repositories: [`acme/load-${n}`] },
    });
    if (again.status === 201 && again.headers.get('idempotent-replayed') === 'true' && again.body.data.id === load.acked.get(key)) replays += 1;
  }
  expect(replays).toBe(sample.length);
  expect((await idsOnNode(0, a.project.id)).length).toBe(ids.length);
  const transport = [...load.failedAttempts.entries()].filter(([k]) => k.startsWith('transport')).reduce((x, [, v]) => x + v, 0);
  figure(
    `process kill: ${load.acked.size} writes acknowledged by 6 clients over 3 processes, one SIGKILLed at 4 s; ${transport} requests cut by the kill were retried with their key on another process: ` +
      `${load.replayed} replayed (Idempotent-Replayed), the rest ran there once (a key the dead process had claimed answers 409 in use until its 60 s lease runs out); slowest ${(load.maxMs / 1000).toFixed(1)} s per request; failures ${JSON.stringify(Object.fromEntries(load.failedAttempts))}; ` +
      `rows = acknowledged keys = ${ids.length}, no repository twice, ${load.gaveUp} given up; ${replays} of ${sample.length} acknowledged keys re-sent to the surviving processes replayed the stored response (nothing ran again)`,
  );
  expect(load.gaveUp).toBe(0);
  servers[0] = await startServerProcess(serverEnv(galera.nodeUrl(0), 'p1'));
}, 240_000);
