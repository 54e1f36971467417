import { RateLimitService } from '../src/modules/rate-limit/rate-limit.service';
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
