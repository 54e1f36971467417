import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Connection } from 'mysql2/promise';
import { createDataSource, runMigrations } from '../../src/db/data-source';
import { createAccount } from '../support/factories';
import { startServerProcess, type ServerProcess } from '../support/process-server';
import { rest } from '../support/rest';
import { SHORT, figure, poll, replicate, sharedKeyFile, startPlainMariadb, statusCounter, tempRoot, type PlainServer } from './support';

/** A plain primary with one replica (GTID replication), and repolink with DATABASE_REPLICA_URLS. */

let root: string;
let primary: PlainServer;
let replica: PlainServer;
let ds: DataSource;
let server: ServerProcess;
let p: Connection;
let r: Connection;

beforeAll(async () => {
  root = tempRoot('replica');
  const t0 = Date.now();
  [primary, replica] = await Promise.all([startPlainMariadb(path.join(root, 'primary'), 1), startPlainMariadb(path.join(root, 'replica'), 2)]);
  await replicate(primary, replica);
  p = await primary.admin();
  r = await replica.admin();
  await p.query('CREATE DATABASE repolink CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await runMigrations(primary.url);
  await poll(async () => ((await r.query("SHOW TABLES FROM repolink LIKE 'repositories'"))[0] as unknown[]).length === 1, 30_000, 'the schema on the replica');
  ds = createDataSource({ url: primary.url, poolSize: 2 });
  await ds.initialize();
  server = await startServerProcess({
    DATABASE_URL: primary.url,
    DATABASE_REPLICA_URLS: replica.url,
    REPOLINK_DATA_DIR: path.join(root, 'app'),
    REPOLINK_KEY_FILE: sharedKeyFile(root),
    REPOLINK_DEMO: 'false',
    REPOLINK_RATE_LIMIT_PER_MINUTE: 'unlimited',
    REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false',
    LOG_LEVEL: 'error',
  });
  figure(`replica: primary + GTID replica + repolink up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ds?.destroy().catch(() => undefined);
  await p?.end().catch(() => undefined);
  await r?.end().catch(() => undefined);
  await Promise.all([primary?.stop(), replica?.stop()]);
  if (root && process.env.CLUSTER_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
}, 120_000);

const auth = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

test('queries and REST GETs read from the replica (its counters show it), and read-your-writes holds in write-then-read pairs', async () => {
  const a = await createAccount(ds, { plan: 'enterprise' });
  const pairs = SHORT ? 100 : 1000;
  let stale = 0;
  let staleWithoutWait = 0;
  const t0 = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const made = await rest(server.url, 'POST', '/v1/config/repos', { headers: auth(a.apiKey), body: { platform: 'github', credentials: { token: 'ghp_replica' }, repositories: [`acme/ryw-${i}`] } });
    expect(made.status).toBe(201);
    const id = made.body.data.id as string;
    ids.push(id);
    // The control: the same read straight on the replica, without waiting for its position.
    const [rows] = await r.query('SELECT id FROM repolink.repo_connections WHERE id = ?', [id]);
    if ((rows as unknown[]).length === 0) staleWithoutWait += 1;
    const read =
      i % 2 === 0
        ? await rest(server.url, 'GET', `/v1/config/repos/${id}`, { headers: auth(a.apiKey) })
        : await rest(server.url, 'POST', '/graphql', { headers: auth(a.apiKey), body: { query: 'query($id: ID!) { repoConnection(id: $id) { id } }', variables: { id } } });
    const seen = i % 2 === 0 ? read.status === 200 && read.body?.data?.id === id : read.body?.data?.repoConnection?.id === id;
    if (!seen) stale += 1;
  }
  const pairsSeconds = (Date.now() - t0) / 1000;

  // Reads alone: where do their statements run?
  const reads = 200;
  const before = { p: await statusCounter(p, 'Com_select'), r: await statusCounter(r, 'Com_select') };
  for (let i = 0; i < reads; i++) {
    const read = await rest(server.url, 'GET', `/v1/config/repos/${ids[i % ids.length]}`, { headers: auth(a.apiKey) });
    expect(read.status).toBe(200);
  }
  const after = { p: await statusCounter(p, 'Com_select'), r: await statusCounter(r, 'Com_select') };
  const onReplica = after.r - before.r;
  const onPrimary = after.p - before.p;
  figure(
    `replica: ${pairs} write-then-read pairs (REST GET and GraphQL query alternately) in ${pairsSeconds.toFixed(1)} s: ${stale} stale reads ` +
      `(the same read straight on the replica, without the GTID wait, missed ${staleWithoutWait} of ${pairs}); ` +
      `${reads} GETs alone: Com_select replica +${onReplica}, primary +${onPrimary} (one GTID position query per read request)`,
  );
  expect(stale).toBe(0);
  // Every statement of a read request but the position query ran on the replica.
  expect(onReplica).toBeGreaterThanOrEqual(2 * reads);
  expect(onPrimary).toBeLessThanOrEqual(reads + 2);
}, 300_000);

test('/readyz reports a stopped or gone replica without failing, and reads fall back to the primary', async () => {
  const a = await createAccount(ds, { plan: 'enterprise' });
  const ok = await rest(server.url, 'GET', '/readyz');
  expect(ok.status).toBe(200);
  expect(ok.body.replicas).toEqual([{ replica: `127.0.0.1:${replica.port}`, status: 'ok', lagSeconds: 0 }]);

  await r.query('STOP SLAVE SQL_THREAD');
  const stopped = await rest(server.url, 'GET', '/readyz');
  expect([stopped.status, stopped.body.status, stopped.body.replicas[0].status]).toEqual([200, 'ready', 'stopped']);
  // The replica no longer applies writes: a read after a write is served by the primary.
  const made = await rest(server.url, 'POST', '/v1/config/repos', { headers: auth(a.apiKey), body: { platform: 'github', credentials: { token: 'ghp_replica' }, repositories: ['acme/fallback'] } });
  const t0 = Date.now();
  const read = await rest(server.url, 'GET', `/v1/config/repos/${made.body.data.id}`, { headers: auth(a.apiKey) });
  const fallbackMs = Date.now() - t0;
  expect(read.status).toBe(200);
  await r.query('START SLAVE SQL_THREAD');

  await replica.stop();
  const gone = await rest(server.url, 'GET', '/readyz');
  expect([gone.status, gone.body.status, gone.body.replicas[0].status]).toEqual([200, 'ready', 'unreachable']);
  const list = await rest(server.url, 'GET', '/v1/config/repos', { headers: auth(a.apiKey) });
  expect(list.status).toBe(200);
  expect(list.body.data.map((c: { id: string }) => c.id)).toContain(made.body.data.id);
  figure(`replica: /readyz stays 200 and names the replica 'stopped', then 'unreachable'; a read-after-write with the replica stopped fell back to the primary in ${fallbackMs} ms (1 s GTID wait), reads with the replica gone are served by the primary`);
}, 120_000);
