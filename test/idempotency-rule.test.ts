/**
 * One rule decides what an Idempotency-Key stores and replays, on GraphQL and on both legacy REST
 * APIs: the outcome of executing the request (a success, or a CONFLICT / QUOTA_EXCEEDED refusal,
 * which depend on the state the request found) is stored; a request refused before its work
 * (invalid input, authentication, a missing id, rate limit) or failed (database away, internal
 * error) is not, and its key may be used again.
 */
import { graphQLFailures } from '../src/http/graphql-route';
import { isStoredOutcome } from '../src/modules/idempotency/idempotency.service';
import { createAccount, type TestAccount } from './support/factories';
import { rest } from './support/rest';
import { useTestServer } from './support/test-server';

const t = useTestServer();

describe('the rule, over a transport-neutral result', () => {
  test.each([
    [[], true],
    [['CONFLICT'], true],
    [['QUOTA_EXCEEDED'], true],
    [['CONFLICT', 'QUOTA_EXCEEDED'], true],
    [['BAD_USER_INPUT'], false],
    [['UNAUTHENTICATED'], false],
    [['FORBIDDEN'], false],
    [['NOT_FOUND'], false],
    [['RATE_LIMITED'], false],
    [['SERVICE_UNAVAILABLE'], false],
    [['INTERNAL_SERVER_ERROR'], false],
    [['CONFLICT', 'BAD_USER_INPUT'], false],
  ])('failures %j: stored %s', (failures, stored) => {
    expect(isStoredOutcome(failures)).toBe(stored);
  });

  test('a GraphQL response reports the codes of its errors and of its payloads’ userErrors', () => {
    expect(graphQLFailures(200, JSON.stringify({ data: { createRepository: { repository: { id: 'r' }, userErrors: [] } } }))).toEqual([]);
    expect(graphQLFailures(200, JSON.stringify({ data: { a: { userErrors: [] }, b: { userErrors: [{ code: 'CONFLICT' }] } } }))).toEqual(['CONFLICT']);
    expect(graphQLFailures(200, JSON.stringify({ data: { a: { userErrors: [] }, b: { userErrors: [{ code: 'BAD_USER_INPUT' }, { code: 'BAD_USER_INPUT' }] } } }))).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
    ]);
    expect(graphQLFailures(200, JSON.stringify({ errors: [{ message: 'x', extensions: { code: 'NOT_FOUND' } }], data: { deleteRepository: null } }))).toEqual(['NOT_FOUND']);
    // A user error whose code the client did not select is not known to be an outcome: not stored.
    expect(isStoredOutcome(graphQLFailures(200, JSON.stringify({ data: { createRepository: { userErrors: [{ message: 'taken' }] } } })))).toBe(false);
    expect(isStoredOutcome(graphQLFailures(400, JSON.stringify({ errors: [{ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } }] })))).toBe(false);
    expect(isStoredOutcome(graphQLFailures(500, '<html>'))).toBe(false);
    expect(isStoredOutcome(graphQLFailures(503, '{}'))).toBe(false);
  });
});

/** What a transport answered, in the terms the rule speaks. */
interface Answer {
  status: number;
  /** The failure code (`OK` for a success). */
  code: string;
  /** The id of what was created, on a success. */
  id: string | null;
  replayed: boolean;
  text: string;
}

/** Creating one repository (by path) through a transport, and removing it again. */
interface Transport {
  name: string;
  create(a: TestAccount, path: string, key: string | null, valid?: boolean): Promise<Answer>;
  remove(a: TestAccount, id: string): Promise<void>;
}

const bearer = (a: TestAccount) => ({ authorization: `Bearer ${a.apiKey}` });
const withKey = (a: TestAccount, key: string | null) => ({ ...bearer(a), ...(key === null ? {} : { 'idempotency-key': key }) });
/** The failure a REST answer reports: SigSentry names it in `error.code`, Heimdall only by its status. */
const restCode = (status: number, sigsentryCode?: string) => {
  if (status < 300) return 'OK';
  if (sigsentryCode !== undefined) return sigsentryCode === 'VALIDATION_ERROR' ? 'BAD_USER_INPUT' : sigsentryCode;
  return ({ 400: 'BAD_USER_INPUT', 403: 'QUOTA_EXCEEDED', 409: 'CONFLICT' } as Record<number, string>)[status] ?? String(status);
};

async function gql(a: TestAccount, query: string, variables: Record<string, unknown>, key: string | null) {
  const response = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...withKey(a, key) }, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', text, body: JSON.parse(text) };
}

const graphql: Transport = {
  name: 'GraphQL createRepository',
  async create(a, path, key, valid = true) {
    const query = 'mutation($input: CreateRepositoryInput!) { createRepository(input: $input) { repository { id } userErrors { code field message } } }';
    const r = await gql(a, query, { input: { name: path, remoteUrl: valid ? `https://example.com/${path}.git` : 'not a url' } }, key);
    const payload = r.body.data.createRepository;
    return { status: r.status, code: payload.userErrors[0]?.code ?? 'OK', id: payload.repository?.id ?? null, replayed: r.replayed, text: r.text };
  },
  async remove(a, id) {
    const r = await gql(a, 'mutation($input: RepositoryIdInput!) { deleteRepository(input: $input) { userErrors { code } } }', { input: { id } }, null);
    expect(r.body.data.deleteRepository.userErrors).toEqual([]);
  },
};

const sigsentry: Transport = {
  name: 'SigSentry POST /v1/config/repos',
  async create(a, path, key, valid = true) {
    const body = { platform: 'github', credentials: { token: 'ghp_rule' }, repositories: [`acme/${path}`], lookbackDays: valid ? 30 : 999 };
    const r = await rest(t.url, 'POST', '/v1/config/repos', { body, headers: withKey(a, key) });
    return { status: r.status, code: restCode(r.status, r.body.error?.code), id: r.body.data?.id ?? null, replayed: r.headers.get('idempotent-replayed') === 'true', text: r.text };
  },
  async remove(a, id) {
    expect((await rest(t.url, 'DELETE', `/v1/config/repos/${id}`, { headers: bearer(a) })).status).toBe(200);
  },
};

const heimdall: Transport = {
  name: 'Heimdall POST /api/repos',
  async create(a, path, key, valid = true) {
    const body = { name: path, source_type: 'git_url', remote_url: valid ? `https://example.com/${path}.git` : 'not a url' };
    const r = await rest(t.url, 'POST', '/api/repos', { body, headers: withKey(a, key) });
    const code = r.status === 403 && !/plan allows/.test(r.body.message) ? 'FORBIDDEN' : restCode(r.status);
    return { status: r.status, code, id: r.body.data?.id ?? null, replayed: r.headers.get('idempotent-replayed') === 'true', text: r.text };
  },
  async remove(a, id) {
    expect((await rest(t.url, 'DELETE', `/api/repos/${id}`, { headers: bearer(a) })).status).toBe(200);
  },
};

describe.each([graphql, sigsentry, heimdall])('$name', (transport) => {
  test('a CONFLICT is stored: the key replays it even after the conflicting repository is gone', async () => {
    const a = await createAccount(t.dataSource);
    const existing = await transport.create(a, 'taken', null);
    expect(existing.code).toBe('OK');
    const refused = await transport.create(a, 'taken', 'conflict-key');
    expect(refused).toMatchObject({ code: 'CONFLICT', replayed: false });
    await transport.remove(a, existing.id!);
    const again = await transport.create(a, 'taken', 'conflict-key');
    expect(again).toEqual({ ...refused, replayed: true });
    // Run anew (another key), the same request now succeeds: the replay was the stored outcome.
    expect((await transport.create(a, 'taken', 'another-key')).code).toBe('OK');
  });

  test('a QUOTA_EXCEEDED is stored: the key replays it even after a slot was freed', async () => {
    const a = await createAccount(t.dataSource, { plan: 'free' });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await transport.create(a, `fill-${i}`, null)).id!);
    const refused = await transport.create(a, 'one-too-many', 'quota-key');
    expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', replayed: false });
    await transport.remove(a, made[0]);
    const again = await transport.create(a, 'one-too-many', 'quota-key');
    expect(again).toEqual({ ...refused, replayed: true });
    expect((await transport.create(a, 'one-too-many', 'another-key')).code).toBe('OK');
  });

  test('invalid input is not stored: the same key runs again, and then with a corrected body', async () => {
    const a = await createAccount(t.dataSource);
    const bad = await transport.create(a, 'fixed-later', 'input-key', false);
    expect(bad).toMatchObject({ code: 'BAD_USER_INPUT', replayed: false });
    expect(await transport.create(a, 'fixed-later', 'input-key', false)).toMatchObject({ code: 'BAD_USER_INPUT', replayed: false });
    const fixed = await transport.create(a, 'fixed-later', 'input-key');
    expect(fixed).toMatchObject({ code: 'OK', replayed: false });
    // The success is stored.
    expect(await transport.create(a, 'fixed-later', 'input-key')).toEqual({ ...fixed, replayed: true });
  });
});
