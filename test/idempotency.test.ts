import { randomUUID } from 'node:crypto';
import { IdempotencyRecordEntity, RepoConnectionEntity, RepositoryEntity } from '../src/db/entities';
import { requestHash } from '../src/modules/idempotency/idempotency.service';
import { uuidv7 } from '../src/lib/ids';
import { CONNECT_REPOS, connectInput } from './support/operations';
import { buildDist } from './support/build';
import { createAccount, type TestAccount } from './support/factories';
import { startServerProcess, type ServerProcess } from './support/process-server';
import { rest } from './support/rest';
import { sigsentryExamples } from './support/seeds';
import { testDatabaseUrl } from './support/db';
import { useTestServer } from './support/test-server';

jest.setTimeout(120_000);
const seeds = sigsentryExamples();
const t = useTestServer();

const auth = (a: TestAccount) => ({ authorization: `Bearer ${a.apiKey}` });
const connections = (a: TestAccount) => t.dataSource.getRepository(RepoConnectionEntity).countBy({ projectId: a.project.id });
const postRepos = (a: TestAccount, key: string, body: unknown, base = t.url) => rest(base, 'POST', '/v1/config/repos', { body, headers: { ...auth(a), 'idempotency-key': key } });

describe('REST', () => {
  test('the same key and body replays the stored response (same status, same bytes); the work ran once', async () => {
    const a = await createAccount(t.dataSource);
    const first = await postRepos(a, 'key-1', seeds.full);
    expect(first.status).toBe(201);
    const again = await postRepos(a, 'key-1', { ...seeds.full });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await connections(a)).toBe(1);
  });

  test('the same key with another body is refused with 422', async () => {
    const a = await createAccount(t.dataSource);
    await postRepos(a, 'key-2', seeds.full);
    const other = await postRepos(a, 'key-2', seeds.github);
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ success: false, error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String) } });
    expect(await connections(a)).toBe(1);
  });

  test('a request that failed validation is not stored: the key may be retried with a corrected body', async () => {
    const a = await createAccount(t.dataSource);
    const bad = await postRepos(a, 'key-3', { ...seeds.full, lookbackDays: 999 });
    expect(bad.status).toBe(400);
    const fixed = await postRepos(a, 'key-3', seeds.full);
    expect(fixed.status).toBe(201);
  });

  test("keys are scoped to the caller: another tenant's identical key never replays this one's response", async () => {
    const a = await createAccount(t.dataSource);
    const b = await createAccount(t.dataSource);
    const mine = await postRepos(a, 'shared-key', seeds.full);
    const theirs = await postRepos(b, 'shared-key', seeds.full);
    expect(theirs.status).toBe(201);
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    expect(await connections(b)).toBe(1);
  });

  test('concurrent requests with one key run once; the others get 409 or the replay', async () => {
    const a = await createAccount(t.dataSource);
    const results = await Promise.all(Array.from({ length: 12 }, () => postRepos(a, 'race-key', seeds.full)));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(await connections(a)).toBe(1);
  });

  test('a claim whose request died mid-way is taken over once its lease runs out', async () => {
    const a = await createAccount(t.dataSource);
    const body = seeds.full;
    // A record exactly as a crashed request leaves it: claimed, no response, lease expired.
    await t.dataSource.getRepository(IdempotencyRecordEntity).insert({
      id: uuidv7(),
      scope: `apikey:${a.apiKeyId}`,
      idempotencyKey: 'crashed-key',
      requestHash: requestHash({ transport: 'rest', method: 'POST', url: '/v1/config/repos', body }),
      owner: randomUUID(),
      lockedUntil: new Date(Date.now() - 1000),
      responseStatus: null,
      responseBody: null,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const res = await postRepos(a, 'crashed-key', body);
    expect(res.status).toBe(201);
    expect(await connections(a)).toBe(1);
    // While a live claim holds, the key is in use.
    await t.dataSource.getRepository(IdempotencyRecordEntity).update({ idempotencyKey: 'crashed-key' }, { responseStatus: null, lockedUntil: new Date(Date.now() + 60_000) });
    expect((await postRepos(a, 'crashed-key', body)).status).toBe(409);
  });
});

describe('GraphQL', () => {
  test('a mutation with an Idempotency-Key replays; another body gets IDEMPOTENCY_KEY_REUSED in userErrors', async () => {
    const a = await createAccount(t.dataSource);
    const send = (input: object) => t.gql(CONNECT_REPOS, { input }, { ...auth(a), 'idempotency-key': 'gql-key' });
    const first = await send(connectInput(seeds.full));
    expect(first.body.data.connectRepos.userErrors).toEqual([]);
    const again = await send(connectInput(seeds.full));
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await send(connectInput(seeds.github));
    expect(other.body.data.connectRepos).toEqual({ repoConnection: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: null, message: expect.any(String) }] });
    expect(await connections(a)).toBe(1);
  });

  test('concurrent GraphQL requests with one key: IDEMPOTENCY_KEY_IN_USE for the losers, one execution', async () => {
    const a = await createAccount(t.dataSource);
    const results = await Promise.all(Array.from({ length: 8 }, () => t.gql(CONNECT_REPOS, { input: connectInput(seeds.full) }, { ...auth(a), 'idempotency-key': 'gql-race' })));
    const codes = results.map((r) => r.body.data.connectRepos.userErrors[0]?.code ?? 'OK');
    expect(codes.every((c) => c === 'OK' || c === 'IDEMPOTENCY_KEY_IN_USE')).toBe(true);
    expect(await connections(a)).toBe(1);
  });
});

describe('two server processes on one database', () => {
  let one: ServerProcess;
  let two: ServerProcess;
  beforeAll(async () => {
    buildDist();
    const env = { DATABASE_URL: testDatabaseUrl(), REPOLINK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), REPOLINK_DEMO: 'false', REPOLINK_DATA_DIR: '/tmp/repolink-two-process' };
    [one, two] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  test('racing one key against both processes executes it once', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await createAccount(t.dataSource);
      const key = `cross-process-${round}`;
      const results = await Promise.all([one, two, one, two, one, two].map((p) => postRepos(a, key, seeds.full, p.url)));
      expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      expect(await connections(a)).toBe(1);
      const created = results.filter((r) => r.status === 201);
      expect(new Set(created.map((r) => r.body.data.id)).size).toBe(1);
      // Once finished, both processes replay it.
      const replays = await Promise.all([one, two].map((p) => postRepos(a, key, seeds.full, p.url)));
      expect(replays.map((r) => r.status)).toEqual([201, 201]);
      expect(replays[0].text).toBe(replays[1].text);
    }
    expect(await t.dataSource.getRepository(RepositoryEntity).count()).toBeGreaterThan(0);
  });
});
