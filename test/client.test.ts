import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { RepoConnectionEntity } from '../src/db/entities';
import { ConnectReposDocument, createClient, RepolinkError, ViewerDocument, CreateRepositoryDocument, RepositoriesDocument, RepoConnectionDocument } from '../client/src';
import { ROOT } from './support/build';
import { createAccount, createSessionFor } from './support/factories';
import { startTestServer, useTestServer } from './support/test-server';

const t = useTestServer();
const tsc = (project: string) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { cwd: ROOT, stdio: 'pipe' });
const connectionsOf = (projectId: string) => t.dataSource.getRepository(RepoConnectionEntity).findBy({ projectId });

/** A fetch that answers the first `fakes` calls itself, then goes to the server; it keeps every request's headers. */
function scriptedFetch(fakes: (() => Response)[]) {
  const calls: Headers[] = [];
  const fn: typeof fetch = async (input, init) => {
    calls.push(new Headers(init?.headers));
    const fake = fakes.shift();
    return fake ? fake() : fetch(input, init);
  };
  return { fn, calls };
}
const unavailable = () => new Response(JSON.stringify({ errors: [{ message: 'The service is temporarily unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }), { status: 503, headers: { 'content-type': 'application/json' } });
const rateLimited = (seconds: number) => () =>
  new Response(JSON.stringify({ errors: [{ message: 'Rate limit reached', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } }] }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': String(seconds) } });
const github = (repositories: string[]) => ({ input: { platform: 'GITHUB' as const, credentials: { token: 'ghp_client_test' }, repositories } });

describe('the sample frontend snippet (client/examples/frontend.ts)', () => {
  test('compiles with tsc against the built client, and runs against a live server: connect, list pages to the end, resolve a UserError', async () => {
    tsc('client/tsconfig.json');
    tsc('client/tsconfig.examples.json');
    const account = await createAccount(t.dataSource);
    // The compiled JavaScript, importing @repolink/client as an application would (the workspace's dist/).
    const { run } = require(path.join(ROOT, 'client', 'dist-examples', 'frontend.js'));
    const result = await run({ url: t.url, apiKey: account.apiKey });

    expect(result.viewerKind).toBe('API_KEY');
    expect(result.userError).toEqual({ code: 'CONFLICT', field: ['repositories', '0'], connectedFirstTry: false });
    expect(result.resolved).toEqual(['acme/docs']);
    // Four connections, two per page: every page was read.
    expect([...result.listed].sort()).toEqual(['acme/api', 'acme/docs', 'acme/web', 'acme/worker']);
    expect(await connectionsOf(account.project.id)).toHaveLength(4);
  }, 60_000);
});

describe('createClient', () => {
  test('authenticates with an API key, a session as bearer, and a session as cookie', async () => {
    const account = await createAccount(t.dataSource);
    const { token } = await createSessionFor(t.dataSource, account);
    expect((await createClient({ url: t.url, apiKey: account.apiKey }).query(ViewerDocument)).viewer?.kind).toBe('API_KEY');
    expect((await createClient({ url: `${t.url}/graphql`, session: token }).query(ViewerDocument)).viewer?.project?.id).toBe(account.project.id);
    expect((await createClient({ url: t.url, session: token, sessionVia: 'cookie' }).query(ViewerDocument)).viewer?.kind).toBe('SESSION');
    await expect(createClient({ url: t.url, apiKey: 'rl_not_a_key' }).query(ViewerDocument)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  test("a mutation resolves with its payload, userErrors typed and filled for invalid input", async () => {
    const client = createClient({ url: t.url, apiKey: (await createAccount(t.dataSource)).apiKey });
    const created = await client.mutate(CreateRepositoryDocument, { input: { name: 'client-made', remoteUrl: 'https://git.example.com/acme/client-made.git' } });
    expect(created.userErrors).toEqual([]);
    expect(created.repository).toMatchObject({ name: 'client-made', sourceType: 'GIT_URL' });
    const invalid = await client.mutate(CreateRepositoryDocument, { input: { name: '', sourceType: 'GIT_URL' } });
    expect(invalid.repository).toBeNull();
    expect(invalid.userErrors.map((e) => e.code)).toContain('BAD_USER_INPUT');
    const names: string[] = [];
    for await (const repository of client.paginate(RepositoriesDocument, { first: 1 }, (data) => data.repositories)) names.push(repository.name);
    expect(names).toEqual(['client-made']);
  });

  test('an idempotent mutation sends one key per call: retried after 429 (honouring Retry-After), it runs once', async () => {
    const account = await createAccount(t.dataSource);
    const { fn, calls } = scriptedFetch([rateLimited(1)]);
    const client = createClient({ url: t.url, apiKey: account.apiKey, fetch: fn });
    const started = Date.now();
    const payload = await client.mutate(ConnectReposDocument, github(['acme/retried']), { idempotent: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(payload.repoConnection?.repositories.map((r) => r.path)).toEqual(['acme/retried']);
    expect(calls).toHaveLength(2);
    const key = calls[0].get('idempotency-key');
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[1].get('idempotency-key')).toBe(key);

    // A new logical call gets a new key; the same explicit key is the same call, answered again.
    const again = await client.mutate(ConnectReposDocument, github(['acme/other']), { idempotent: true });
    expect(calls[2].get('idempotency-key')).not.toBe(key);
    const replay = await client.mutate(ConnectReposDocument, github(['acme/other']), { idempotencyKey: calls[2].get('idempotency-key')! });
    expect(replay.repoConnection?.id).toBe(again.repoConnection?.id);
    expect(await connectionsOf(account.project.id)).toHaveLength(2);
    // Without asking, no key is sent.
    await client.mutate(ConnectReposDocument, github(['acme/plain']));
    expect(calls[4].get('idempotency-key')).toBeNull();
  });

  test('outside a secure context (no crypto.randomUUID, as on a page served over http from a LAN address) a key is still made', async () => {
    const account = await createAccount(t.dataSource);
    const { fn, calls } = scriptedFetch([rateLimited(0)]);
    const client = createClient({ url: t.url, apiKey: account.apiKey, fetch: fn });
    // Hidden only while mutate() makes its key (synchronously, before its first await): the server
    // in this process uses crypto.randomUUID for request ids.
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
    let pending: ReturnType<typeof client.mutate<any, any>>;
    try {
      pending = client.mutate(ConnectReposDocument, github(['acme/insecure-context']), { idempotent: true });
    } finally {
      delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID; // the prototype's method again
    }
    expect(typeof globalThis.crypto.randomUUID).toBe('function');
    expect((await pending).userErrors).toEqual([]);
    const key = calls[0].get('idempotency-key');
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(calls[1].get('idempotency-key')).toBe(key);
  });

  test('503 is retried for queries and keyed mutations, up to the bound; a mutation without a key is not repeated', async () => {
    const account = await createAccount(t.dataSource);
    const query = scriptedFetch([unavailable, unavailable]);
    expect((await createClient({ url: t.url, apiKey: account.apiKey, fetch: query.fn }).query(ViewerDocument)).viewer?.kind).toBe('API_KEY');
    expect(query.calls).toHaveLength(3);

    const always = scriptedFetch([unavailable, unavailable, unavailable, unavailable]);
    const bounded = createClient({ url: t.url, apiKey: account.apiKey, fetch: always.fn, maxAttempts: 3 });
    await expect(bounded.mutate(ConnectReposDocument, github(['acme/never']), { idempotent: true })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(always.calls).toHaveLength(3);

    const unkeyed = scriptedFetch([unavailable]);
    const error = await createClient({ url: t.url, apiKey: account.apiKey, fetch: unkeyed.fn }).mutate(ConnectReposDocument, github(['acme/once'])).catch((e) => e);
    expect(error).toBeInstanceOf(RepolinkError);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(unkeyed.calls).toHaveLength(1);
    expect(await connectionsOf(account.project.id)).toHaveLength(0);
  });

  test("the server's own 429: a Retry-After longer than the client will wait is returned as RATE_LIMITED with its delay", async () => {
    const limited = await startTestServer({ env: { REPOLINK_RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      const account = await createAccount(limited.dataSource);
      const { fn, calls } = scriptedFetch([]);
      const client = createClient({ url: limited.url, apiKey: account.apiKey, fetch: fn, maxRetryDelayMs: 0 });
      await client.query(ViewerDocument);
      const error = await client.query(ViewerDocument).catch((e) => e);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(calls).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});

/** Never called: `npm run typecheck` fails if the generated types stop catching these mistakes. */
export async function typeChecks(client: ReturnType<typeof createClient>) {
  // @ts-expect-error a required variable is missing
  await client.query(RepoConnectionDocument);
  // @ts-expect-error a variable of the wrong type
  await client.query(RepoConnectionDocument, { id: true });
  // @ts-expect-error an enum value the schema does not have
  await client.mutate(ConnectReposDocument, { input: { platform: 'SVN', credentials: {}, repositories: [] } });
  const payload = await client.mutate(ConnectReposDocument, github(['acme/x']));
  // @ts-expect-error userErrors' code is the schema's UserErrorCode, not any string
  if (payload.userErrors[0].code === 'NOPE') return;
  // @ts-expect-error the payload has no such field
  return payload.repository;
}
