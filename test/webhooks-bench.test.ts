import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { createConnection } from 'mysql2/promise';
import { startBaseline, type BaselineServer } from '../bench/baseline-server';
import { WEBHOOK_BASELINE_INSERT, benchApp, ingestRequest, pushDelivery, seedProcessedDeliveries, verifyIngestAnswer } from '../bench/webhook-ingest';
import { Secret } from '../src/modules/crypto';
import { INSERT_DELIVERY_SQL } from '../src/modules/webhooks/webhook.store';
import { testDatabaseUrl } from './support/db';
import { useTestServer } from './support/test-server';

/**
 * The ingestion benchmark's baseline (bench/webhook-ingest.ts, served by bench/baseline-server.ts as
 * `npm run bench` runs it) does the same work as repolink for the bench's deliveries: the same
 * statement, the same answers, the same row (columns and stored body), the same refusals; and the
 * seed of processed deliveries writes rows the server's own statements read.
 */

const t = useTestServer();
let baseline: BaselineServer;
let app: ReturnType<typeof benchApp> & { rowId: string };

beforeAll(async () => {
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const made = benchApp(privateKey);
  // A number of its own (apps of other test files live in the same database).
  const githubAppId = 1_500_000_000 + Math.floor(Math.random() * 400_000_000);
  const registered = await t.server.services.codeHosts.apps.register({
    kind: 'github_app', host: 'github', baseUrl: `https://ghe-bench-${githubAppId}.example.com`, githubAppId: String(githubAppId), slug: 'repolink-bench',
    clientId: made.env.REPOLINK_GITHUB_APP_CLIENT_ID, clientSecret: new Secret(made.env.REPOLINK_GITHUB_APP_CLIENT_SECRET), privateKey: new Secret(privateKey),
    webhookSecret: new Secret(made.webhookSecret), source: 'config',
  });
  app = { ...made, githubAppId, rowId: registered.id };
  baseline = await startBaseline({
    databaseUrl: testDatabaseUrl(),
    poolSize: 2,
    encryptionKey: randomBytes(32),
    quotas: { ...t.config.planQuotas },
    webhook: { githubAppId, webhookSecret: made.webhookSecret, appRowId: registered.id },
  });
});

afterAll(async () => {
  await baseline?.close();
});

async function post(base: string, request: ReturnType<typeof ingestRequest>) {
  const res = await fetch(`${base}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text() };
}

const COLUMNS = 'source_id, installation_key, host, event, action, repository_host_id, repository_full_name, status, outcome, body_bytes, body_gzip';

test('the baseline sends the very INSERT that repolink sends', () => {
  expect(WEBHOOK_BASELINE_INSERT).toBe(INSERT_DELIVERY_SQL);
});

test('repolink and the baseline answer a delivery, its redelivery and a forged one alike, and store the same row', async () => {
  const delivery = pushDelivery(app);
  const rows: Record<string, unknown>[] = [];
  for (const base of [t.url, baseline.url]) {
    const request = ingestRequest(delivery);
    const first = await post(base, request);
    expect(verifyIngestAnswer(first.status, first.body)).toBe(true);
    expect(await post(base, request)).toEqual({ status: 200, body: '{"status":"duplicate"}' });
    const forged = { ...ingestRequest(delivery), headers: { ...request.headers, 'x-github-delivery': globalThis.crypto.randomUUID(), 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } };
    expect(await post(base, forged)).toEqual({ status: 401, body: '{"error":"Unauthorized"}' });
    const [row] = await t.dataSource.query(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE source_id = ? AND delivery_key = ?`, [app.rowId, request.headers['x-github-delivery']]);
    rows.push(row);
  }
  expect(rows[0]).toMatchObject({ source_id: app.rowId, installation_key: '4242', host: 'github', event: 'push', repository_host_id: '1296269', repository_full_name: 'acme/api', status: 'queued' });
  const [repolinkRow, baselineRow] = rows.map((r) => ({ ...r, body_gzip: gunzipSync(r.body_gzip as Buffer).toString('utf8') }));
  expect(baselineRow).toEqual(repolinkRow);
  expect(repolinkRow.body_gzip).toBe(delivery.body);
});

test('the seed writes processed deliveries that the purge and the listing read as the server wrote them', async () => {
  const db = await createConnection({ uri: testDatabaseUrl(), timezone: 'Z' });
  const source = `app_${'b'.repeat(28)}${Date.now().toString(16).slice(-4)}`;
  try {
    await seedProcessedDeliveries(db, 12_000, [source]);
  } finally {
    await db.end();
  }
  const [counts] = await t.dataSource.query('SELECT COUNT(*) AS n, MIN(received_at) AS oldest, MAX(received_at) AS newest, SUM(status = \'processed\') AS processed FROM webhook_deliveries WHERE source_id = ?', [source]);
  expect(Number(counts.n)).toBe(12_000);
  expect(Number(counts.processed)).toBe(12_000);
  expect(Date.now() - counts.oldest.getTime()).toBeGreaterThan(5.9 * 86_400_000);
  expect(Date.now() - counts.newest.getTime()).toBeLessThan((6 * 86_400_000) / 12_000 + 60_000);
  // Ids are time-ordered with received_at, as the server makes them: the last day's page is a range of them.
  const page = await t.server.services.webhooks.store.deliveriesPage(t.dataSource.manager, source, '1499', '0', null, 1000);
  expect(page.map((d) => d.receivedAt.getTime())).toEqual([...page.map((d) => d.receivedAt.getTime())].sort((a, b) => b - a));
});
