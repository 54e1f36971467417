import { RateLimitService } from '../src/modules/rate-limit/rate-limit.service';
import { onStatement } from '../src/db/data-source';
import { createAccount } from './support/factories';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

const LIMIT = 5;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  const env = { REPOLINK_RATE_LIMIT_PER_MINUTE: String(LIMIT) };
  [one, two] = await Promise.all([startTestServer({ env }), startTestServer({ env })]);
});
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
});

/** The count is per minute: keep a test's requests inside one window. */
async function insideOneWindow() {
  const second = new Date().getSeconds();
  if (second >= 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
}

test('past the limit a caller gets 429 with Retry-After, on GraphQL and the shim, counted in the database two servers share', async () => {
  await insideOneWindow();
  const a = await createAccount(one.dataSource);
  const other = await createAccount(one.dataSource);
  const auth = { authorization: `Bearer ${a.apiKey}` };
  // Alternating between two servers: the count lives in the shared database.
  for (let i = 0; i < LIMIT; i++) {
    const server = i % 2 === 0 ? one : two;
    const res = await server.gql('{ viewer { kind } }', {}, auth);
    expect(res.status).toBe(200);
  }
  const limited = await two.gql('{ viewer { kind } }', {}, auth);
  expect(limited.status).toBe(429);
  expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

  const shim = await rest(one.url, 'GET', '/v1/config/repos', { headers: auth });
  expect(shim.status).toBe(429);
  expect(shim.body).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: expect.stringContaining('Rate limit') } });
  expect(Number(shim.headers.get('retry-after'))).toBeGreaterThan(0);

  // Another caller is not affected.
  expect((await one.gql('{ viewer { kind } }', {}, { authorization: `Bearer ${other.apiKey}` })).status).toBe(200);
});

test('the window is one minute: a new minute starts a new count', async () => {
  const service = new RateLimitService(one.dataSource, 2);
  const principal = `test:${Date.now()}`;
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
  expect((await service.hit(principal, start + 1_000)).allowed).toBe(true);
  expect((await service.hit(principal, start + 2_000)).allowed).toBe(true);
  const third = await service.hit(principal, start + 50_000);
  expect(third).toEqual({ allowed: false, limit: 2, remaining: 0, retryAfterSeconds: 10 });
  expect((await service.hit(principal, start + 61_000)).allowed).toBe(true);
});

test('an idempotent request counts once, whether it runs, replays or is refused', async () => {
  await insideOneWindow();
  const a = await createAccount(one.dataSource);
  const auth = { authorization: `Bearer ${a.apiKey}`, 'idempotency-key': 'count-once' };
  const mutation = 'mutation($input: CreateRepositoryInput!) { createRepository(input: $input) { repository { id } userErrors { code } } }';
  await one.gql(mutation, { input: { name: 'a', remoteUrl: 'https://example.com/a.git' } }, auth); // runs
  await one.gql(mutation, { input: { name: 'a', remoteUrl: 'https://example.com/a.git' } }, auth); // replays
  const refused = await one.gql(mutation, { input: { name: 'b', remoteUrl: 'https://example.com/b.git' } }, auth);
  expect(refused.body.data.createRepository.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
  const [{ total }] = await one.dataSource.query('SELECT SUM(request_count) AS total FROM rate_limit_windows WHERE principal = ?', [`apikey:${a.apiKeyId}`]);
  expect(Number(total)).toBe(3);
});

describe('without a database write per request', () => {
  const BATCH = 5;
  const LIMIT_HIGH = 1000;

  test("one caller's requests are written in batches, and every counted hit reaches the database by shutdown", async () => {
    await insideOneWindow();
    // No timer writes during the test: only a full batch writes, so the count of writes is what batching allows.
    const three = await startTestServer({ env: { REPOLINK_RATE_LIMIT_PER_MINUTE: String(LIMIT_HIGH), REPOLINK_RATE_LIMIT_BATCH: String(BATCH), REPOLINK_RATE_LIMIT_FLUSH_MS: '60000' } });
    const principal = `apikey:${three.account.apiKeyId}`;
    const writes: unknown[][] = [];
    const stop = onStatement((query, parameters) => {
      if (/rate_limit_windows/.test(query) && parameters[0] === principal) writes.push([...parameters]);
    });
    const REQUESTS = 23;
    let closed = false;
    try {
    try {
      for (let i = 0; i < REQUESTS; i++) expect((await three.gql('{ viewer { kind } }')).status).toBe(200);
    } finally {
      stop();
    }
    // The first hit of the window, then a write (in the background) per half batch at most: 1 + ceil(22 / 3) = 9
    // writes at most for 23 requests, never one per request.
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.length).toBeLessThanOrEqual(1 + Math.ceil((REQUESTS - 1) / Math.ceil(BATCH / 2)));
    const count = async () => {
      const rows = await one.dataSource.query('SELECT SUM(request_count) AS total FROM rate_limit_windows WHERE principal = ?', [principal]);
      return Number(rows[0].total);
    };
    expect(await count()).toBeLessThanOrEqual(REQUESTS);
    await three.close();
    closed = true;
    expect(await count()).toBe(REQUESTS);
    } finally {
      // A failed expectation must not leave the server running (jest would wait for it forever).
      if (!closed) await three.close();
    }
  });

  test('one process admits exactly the limit when many requests of one caller cross it at once', async () => {
    await insideOneWindow();
    const LIMIT = 20;
    const env = { REPOLINK_RATE_LIMIT_PER_MINUTE: String(LIMIT), REPOLINK_RATE_LIMIT_BATCH: String(BATCH), REPOLINK_RATE_LIMIT_FLUSH_MS: '60000' };
    const server = await startTestServer({ env });
    try {
      const auth = { authorization: `Bearer ${server.apiKey}` };
      // 12 clients at once, 5 requests each: writes carry several requests across the limit, and each still gets its own place.
      const statuses = (await Promise.all(Array.from({ length: 12 }, async () => {
        const seen: number[] = [];
        for (let i = 0; i < 5; i++) seen.push((await server.gql('{ viewer { kind } }', {}, auth)).status);
        return seen;
      }))).flat();
      expect(statuses.filter((s) => s === 200).length).toBe(LIMIT);
      expect(statuses.filter((s) => s === 429).length).toBe(60 - LIMIT);
    } finally {
      await server.close();
    }
  });

  test('two processes on one database admit at most limit + (processes - 1) x batch, and at least the limit', async () => {
    await insideOneWindow();
    const LIMIT = 20;
    const env = { REPOLINK_RATE_LIMIT_PER_MINUTE: String(LIMIT), REPOLINK_RATE_LIMIT_BATCH: String(BATCH), REPOLINK_RATE_LIMIT_FLUSH_MS: '60000' };
    const [a, b] = await Promise.all([startTestServer({ env }), startTestServer({ env })]);
    try {
      const auth = { authorization: `Bearer ${a.apiKey}` };
      // 8 clients at once, 4 on each process, 10 requests each: 80 requests for a limit of 20.
      const statuses = await Promise.all(
        Array.from({ length: 8 }, async (_, client) => {
          const server = client % 2 === 0 ? a : b;
          const seen: number[] = [];
          for (let i = 0; i < 10; i++) seen.push((await server.gql('{ viewer { kind } }', {}, auth)).status);
          return seen;
        }),
      );
      const all = statuses.flat();
      expect(all.every((s) => s === 200 || s === 429)).toBe(true);
      const admitted = all.filter((s) => s === 200).length;
      expect(admitted).toBeGreaterThanOrEqual(LIMIT);
      expect(admitted).toBeLessThanOrEqual(LIMIT + (2 - 1) * BATCH);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
