import type { QueryRunner } from 'typeorm';
import { MAX_OPERATION_LABELS } from '../src/observability/metrics';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** The samples of a Prometheus text exposition, keyed by `name{labels}` exactly as printed. */
async function scrape(server: TestServer = t): Promise<{ text: string; value(series: string): number | undefined }> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return { text, value: (series) => samples.get(series) };
}

const series = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
const requests = (labels: Record<string, string>) => series('repolink_http_requests_total', labels);

test('requests are counted and timed by route, GraphQL operation and outcome', async () => {
  const named = { method: 'POST', route: '/graphql', operation: 'MetricsViewer' };
  const before = await scrape();
  const base = (labels: Record<string, string>) => before.value(requests(labels)) ?? 0;
  const ok = { ...named, outcome: '2xx' };
  const unauthenticated = { ...named, outcome: 'UNAUTHENTICATED' };
  const invalid = { method: 'POST', route: '/graphql', operation: 'MetricsBroken', outcome: 'GRAPHQL_VALIDATION_FAILED' };
  const restList = { method: 'GET', route: '/v1/config/repos', operation: '', outcome: '2xx' };
  const restMissing = { method: 'GET', route: '/v1/config/repos/:id', operation: '', outcome: '4xx' };
  const counts = [ok, unauthenticated, invalid, restList, restMissing].map(base);

  for (let i = 0; i < 3; i++) expect((await t.gql('query MetricsViewer { viewer { kind } }')).status).toBe(200);
  expect((await t.gql('query MetricsViewer { viewer { kind } }', {}, { authorization: 'Bearer ss_secret_nonsense' })).status).toBe(401);
  expect((await t.gql('query MetricsBroken { viewer { nope } }')).status).toBe(400);
  expect((await rest(t.url, 'GET', '/v1/config/repos', { headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(200);
  expect((await rest(t.url, 'GET', '/v1/config/repos/rc_0000', { headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(404);

  const after = await scrape();
  expect([ok, unauthenticated, invalid, restList, restMissing].map((labels, i) => (after.value(requests(labels)) ?? 0) - counts[i])).toEqual([3, 1, 1, 1, 1]);
  // The histogram counts the same requests, in seconds.
  expect(after.value(series('repolink_http_request_duration_seconds_count', ok))).toBe(after.value(requests(ok)));
  expect(after.value(series('repolink_http_request_duration_seconds_bucket', { le: '+Inf', ...ok }))).toBe(after.value(requests(ok)));
  expect(after.value(series('repolink_http_request_duration_seconds_sum', ok))).toBeGreaterThan(0);
  // No raw id or query string ever becomes a label.
  expect(after.text).not.toContain('rc_0000');
});

test('the database pool gauges follow connections taken, returned and waited for', async () => {
  const gauge = (m: Awaited<ReturnType<typeof scrape>>, state: string) => m.value(series('repolink_db_pool_connections', { state }));
  // Background work may hold a connection for a moment: the rate limiter writes the earlier tests'
  // counts on a timer (250 ms). Let it fire, then wait, bounded, for a scrape that sees the pool at rest.
  await new Promise((resolve) => setTimeout(resolve, 400));
  let idle = await scrape();
  for (let i = 0; i < 40 && gauge(idle, 'in_use') !== 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    idle = await scrape();
  }
  const max = idle.value('repolink_db_pool_max_connections')!;
  expect(max).toBe(5); // the test data source's pool size
  expect(gauge(idle, 'in_use')).toBe(0);
  expect(idle.value('repolink_db_pool_queued_requests')).toBe(0);

  const held: QueryRunner[] = [];
  try {
    for (let i = 0; i < max; i++) {
      const runner = t.dataSource.createQueryRunner();
      await runner.connect();
      held.push(runner);
    }
    // Every connection is taken: one more query waits in the pool's queue.
    const waiting = t.dataSource.query('SELECT 1');
    const busy = await scrape();
    expect(gauge(busy, 'in_use')).toBe(max);
    expect(gauge(busy, 'total')).toBe(max);
    expect(gauge(busy, 'free')).toBe(0);
    expect(busy.value('repolink_db_pool_queued_requests')).toBe(1);
    await held.pop()!.release();
    await waiting;
  } finally {
    for (const runner of held) await runner.release();
  }
  const released = await scrape();
  expect(gauge(released, 'in_use')).toBe(0);
  expect(gauge(released, 'free')).toBe(gauge(released, 'total'));
  expect(released.value('repolink_db_pool_queued_requests')).toBe(0);
});

test('default process metrics are there', async () => {
  const { text } = await scrape();
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    expect(text).toMatch(new RegExp(`^${name} `, 'm'));
  }
});

test('each server has a registry of its own', async () => {
  const other = await startTestServer();
  try {
    await t.gql('query OnlyOnTheFirst { viewer { kind } }');
    const mine = await scrape();
    const theirs = await scrape(other);
    expect(mine.value(requests({ method: 'POST', route: '/graphql', operation: 'OnlyOnTheFirst', outcome: '2xx' }))).toBe(1);
    expect(theirs.text).not.toContain('OnlyOnTheFirst');
  } finally {
    await other.close();
  }
});

test('client-chosen operation names cannot grow the label set without bound', async () => {
  const other = await startTestServer();
  try {
    // Unauthenticated: refused before any database work, and still counted.
    for (let i = 0; i < MAX_OPERATION_LABELS + 5; i++) {
      const res = await fetch(`${other.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `query Op${i} { viewer { kind } }` }) });
      expect(res.status).toBeLessThan(500);
    }
    const { text, value } = await scrape(other);
    const names = new Set([...text.matchAll(/^repolink_http_requests_total\{[^}]*operation="([^"]*)"/gm)].map((m) => m[1]));
    expect(names.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 1);
    expect(names.has('other')).toBe(true);
    expect(value(requests({ method: 'POST', route: '/graphql', operation: 'other', outcome: '2xx' }))).toBe(5);
  } finally {
    await other.close();
  }
});
