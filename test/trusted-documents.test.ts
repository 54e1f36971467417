/**
 * Trusted documents (issue 18 §3) over real HTTP and the real database: a document named by its id
 * (`documentId`, or Apollo's `extensions.persistedQuery`) runs the manifest's text; with
 * REPOLINK_TRUSTED_DOCUMENTS=cookie a request signed in by the session cookie runs nothing else, while
 * a request with an Authorization header (scripts, the playground) still may; `all` holds every
 * request to the manifests; the client sends its documents by id and falls back to the text only when
 * the server does not know the id.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import { CreateRepositoryDocument, RepositoriesDocument, ViewerDocument, createClient } from '../client/src';
import { loadConfig } from '../src/config';
import { TRUSTED_DOCUMENT_MANIFESTS, TrustedDocuments } from '../src/http/trusted-documents';
import { createAccount, createSessionFor } from './support/factories';
import { startTestServer, useTestServer, type TestServer } from './support/test-server';

const t = useTestServer({ env: { REPOLINK_TRUSTED_DOCUMENTS: 'cookie' } });

const idOf = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;
const manifest: Record<string, string> = Object.assign({}, ...TRUSTED_DOCUMENT_MANIFESTS.map((f) => JSON.parse(readFileSync(f, 'utf8'))));
const VIEWER_ID = idOf(ViewerDocument);
const CREATE_ID = idOf(CreateRepositoryDocument);
const dashboardViewerId = Object.keys(manifest).find((id) => /\bquery DashboardViewer\b/.test(manifest[id]))!;

async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

async function session(server: TestServer = t) {
  const account = await createAccount(server.dataSource);
  const { token } = await createSessionFor(server.dataSource, account);
  return { account, token, cookie: { cookie: `session=${token}` } };
}

const repositoriesOf = async (server: TestServer, projectId: string) =>
  (await server.dataSource.query('SELECT name FROM repositories WHERE project_id = ?', [projectId])) as { name: string }[];

describe('the manifests', () => {
  test("hold the dashboard's and the client's documents, each under the SHA-256 of its text", () => {
    expect(manifest[VIEWER_ID]).toMatch(/^query Viewer \{/);
    expect(dashboardViewerId).toBeDefined();
    const trusted = TrustedDocuments.load('off');
    expect(trusted.size).toBe(Object.keys(manifest).length);
    expect(trusted.size).toBeGreaterThan(40);
  });

  test('a manifest edited by hand (an id that is not its text\'s hash) stops the start, naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trusted-'));
    try {
      const file = path.join(dir, 'persisted-documents.json');
      writeFileSync(file, JSON.stringify({ [VIEWER_ID]: '{ viewer { kind tenant { id } } }' }));
      expect(() => TrustedDocuments.load('cookie', [file])).toThrow(/persisted-documents\.json.*not the SHA-256 of its document; run npm run codegen/);
      rmSync(file);
      expect(() => TrustedDocuments.load('cookie', [file])).toThrow(/cannot be read \(ENOENT\); run npm run codegen/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a trusted document, once parsed and validated, stays in the document store however many others pass through', async () => {
    const store = TrustedDocuments.load('off').documentStore();
    const prefix = 'schemahash:';
    const trustedKey = `${prefix}${VIEWER_ID.slice('sha256:'.length)}`;
    const trustedDoc = parse(manifest[VIEWER_ID]);
    const otherKey = `${prefix}${'ab'.repeat(32)}`;
    await store.set(trustedKey, trustedDoc);
    await store.set(otherKey, parse('{ viewer { kind } }'));
    // Apollo's LRU holds 30 MiB (sized by each document's JSON): two 16 MiB entries push everything else out.
    for (const n of [1, 2]) await store.set(`${prefix}${String(n).repeat(64)}`, { kind: 'Document', definitions: [], big: 'x'.repeat(16 * 2 ** 20) } as unknown as DocumentNode);
    expect(await store.get(otherKey)).toBeUndefined();
    expect(await store.get(trustedKey)).toBe(trustedDoc);
  });
});

describe('REPOLINK_TRUSTED_DOCUMENTS=cookie', () => {
  test('a cookie-borne request with a free-form document is refused with TRUSTED_DOCUMENT_REQUIRED; nothing runs', async () => {
    const { account, cookie } = await session();
    const query = await post(t, { query: '{ viewer { kind } }' }, cookie);
    expect(query.status).toBe(400);
    expect(query.body.data).toBeUndefined();
    expect(query.body.errors).toEqual([{ message: expect.stringMatching(/session cookie may run only the trusted documents.*documentId/), extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' } }]);

    const mutation = await post(t, { query: 'mutation { createRepository(input: { name: "free-form", remoteUrl: "https://git.example.com/a/b.git" }) { repository { id } } }' }, cookie);
    expect(mutation.status).toBe(400);
    expect(mutation.body.errors?.[0].extensions?.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    // Apollo's own persisted-query form may not register a document for it either.
    const registered = await post(t, { query: '{ viewer { kind } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'c'.repeat(64) } } }, cookie);
    expect(registered.body.errors?.[0].extensions?.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    // Nor by GET, its document in the address.
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ viewer { kind } }')}`, { headers: { ...cookie, 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    expect(await repositoriesOf(t, account.project.id)).toEqual([]);
  });

  test('the same request by id runs, queries and mutations alike, with the id\'s own document', async () => {
    const { account, cookie } = await session();
    const viewer = await post(t, { documentId: VIEWER_ID, operationName: 'Viewer' }, cookie);
    expect(viewer.status).toBe(200);
    expect(viewer.body.errors).toBeUndefined();
    expect(viewer.body.data.viewer).toMatchObject({ kind: 'SESSION', project: { id: account.project.id } });
    expect((await post(t, { documentId: dashboardViewerId }, cookie)).body.data.viewer.kind).toBe('SESSION');

    const created = await post(t, { documentId: CREATE_ID, variables: { input: { name: 'by-id', remoteUrl: 'https://git.example.com/acme/by-id.git' } } }, cookie);
    expect(created.body.data.createRepository.userErrors).toEqual([]);
    expect(await repositoriesOf(t, account.project.id)).toEqual([{ name: 'by-id' }]);
    // A document in the manifest sent as its exact text is a trusted document too.
    expect((await post(t, { query: manifest[VIEWER_ID] }, cookie)).body.data.viewer.kind).toBe('SESSION');
  });

  test("Apollo's form, extensions.persistedQuery.sha256Hash, names a trusted document as well", async () => {
    const { cookie } = await session();
    const hash = VIEWER_ID.slice('sha256:'.length);
    const byHash = await post(t, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, cookie);
    expect(byHash.body.data.viewer.kind).toBe('SESSION');
    const withText = await post(t, { query: manifest[VIEWER_ID], extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, cookie);
    expect(withText.body.data.viewer.kind).toBe('SESSION');
    const mismatched = await post(t, { query: '{ viewer { kind } }', extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, cookie);
    expect(mismatched.status).toBe(400);
    expect(mismatched.body.errors?.[0].message).toBe('provided sha does not match query');
  });

  test('an unknown id is refused with PERSISTED_QUERY_NOT_FOUND, a malformed one with BAD_REQUEST, whoever sends it', async () => {
    const { cookie } = await session();
    for (const headers of [cookie, { authorization: `Bearer ${t.apiKey}` }]) {
      const unknown = await post(t, { documentId: `sha256:${'0'.repeat(64)}` }, headers);
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([{ message: expect.stringContaining(`No trusted document has the id sha256:${'0'.repeat(64)}`), extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
      const malformed = await post(t, { documentId: VIEWER_ID.toUpperCase() }, headers);
      expect(malformed.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/`documentId` must be "sha256:"/), extensions: { code: 'BAD_REQUEST' } });
      const both = await post(t, { documentId: VIEWER_ID, query: '{ viewer { kind } }' }, headers);
      expect(both.body.errors?.[0]).toMatchObject({ message: 'Send either `documentId` or `query`, not both', extensions: { code: 'BAD_REQUEST' } });
    }
    const unknownApollo = await post(t, { extensions: { persistedQuery: { version: 1, sha256Hash: 'd'.repeat(64) } } }, cookie);
    expect(unknownApollo.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('a request with an Authorization header (an API key, or a session token as bearer) may send any document', async () => {
    const { token, cookie } = await session();
    const byKey = await post(t, { query: '{ viewer { kind } }' }, { authorization: `Bearer ${t.apiKey}` });
    expect(byKey.body).toEqual({ data: { viewer: { kind: 'API_KEY' } } });
    const bySessionHeader = await post(t, { query: '{ viewer { kind } }' }, { authorization: `Bearer ${token}` });
    expect(bySessionHeader.body).toEqual({ data: { viewer: { kind: 'SESSION' } } });
    // The header wins over a cookie sent beside it (it is what authenticates the request).
    const both = await post(t, { query: '{ viewer { kind } }' }, { authorization: `Bearer ${t.apiKey}`, ...cookie });
    expect(both.body).toEqual({ data: { viewer: { kind: 'API_KEY' } } });
    // And by id, as the client sends it.
    expect((await post(t, { documentId: VIEWER_ID }, { authorization: `Bearer ${t.apiKey}` })).body.data.viewer.kind).toBe('API_KEY');
  });

  test('a mutation by id with an Idempotency-Key runs once: its repeat by id, or by the same text, is the stored answer', async () => {
    const { account, cookie } = await session();
    const variables = { input: { name: 'once-by-id', remoteUrl: 'https://git.example.com/acme/once.git' } };
    const headers = { ...cookie, 'idempotency-key': `trusted-${Date.now()}` };
    const first = await post(t, { documentId: CREATE_ID, variables }, headers);
    expect(first.body.data.createRepository.userErrors).toEqual([]);
    const again = await post(t, { documentId: CREATE_ID, variables }, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const asText = await post(t, { query: manifest[CREATE_ID], variables }, headers);
    expect(asText.headers.get('idempotent-replayed')).toBe('true');
    expect(await repositoriesOf(t, account.project.id)).toEqual([{ name: 'once-by-id' }]);
  });
});

describe('the client', () => {
  /** A fetch that keeps each request's body and may answer the first few itself. */
  function recordingFetch(answers: ((body: string) => Response | null)[] = []) {
    const bodies: Record<string, unknown>[] = [];
    const fn: typeof fetch = async (input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return answers.shift()?.(String(init?.body)) ?? fetch(input, init);
    };
    return { fn, bodies };
  }

  test('sends its documents by id; a session in a cookie works where free-form documents are refused', async () => {
    const { token } = await session();
    const { fn, bodies } = recordingFetch();
    const client = createClient({ url: t.url, session: token, sessionVia: 'cookie', fetch: fn });
    expect((await client.query(ViewerDocument)).viewer?.kind).toBe('SESSION');
    const created = await client.mutate(CreateRepositoryDocument, { input: { name: 'client-by-id', remoteUrl: 'https://git.example.com/acme/c.git' } });
    expect(created.userErrors).toEqual([]);
    expect(bodies).toEqual([
      { documentId: VIEWER_ID, operationName: 'Viewer', variables: {} },
      { documentId: CREATE_ID, operationName: 'CreateRepository', variables: { input: { name: 'client-by-id', remoteUrl: 'https://git.example.com/acme/c.git' } } },
    ]);
    // persistedDocuments: 'off' sends the text, which this server refuses for a cookie.
    const text = createClient({ url: t.url, session: token, sessionVia: 'cookie', persistedDocuments: 'off' });
    await expect(text.query(ViewerDocument)).rejects.toMatchObject({ code: 'TRUSTED_DOCUMENT_REQUIRED', status: 400 });
  });

  test("'prefer' falls back to the text once the server says it does not know the id, and remembers; 'only' does not", async () => {
    const account = await createAccount(t.dataSource);
    // A server built before this document existed: its manifest lacks the id.
    const notFound = () => new Response(JSON.stringify({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] }), { status: 400, headers: { 'content-type': 'application/json' } });
    const prefer = recordingFetch([notFound]);
    const client = createClient({ url: t.url, apiKey: account.apiKey, fetch: prefer.fn, maxAttempts: 1 });
    const page = await client.query(RepositoriesDocument, { first: 5 });
    expect(page.repositories.totalCount).toBe(0);
    await client.query(RepositoriesDocument, { first: 5 });
    expect(prefer.bodies.map((b) => ('documentId' in b ? 'id' : 'text'))).toEqual(['id', 'text', 'text']);
    expect(prefer.bodies[1]).toMatchObject({ query: expect.stringContaining('query Repositories'), operationName: 'Repositories', variables: { first: 5 } });

    const only = recordingFetch([notFound]);
    const strict = createClient({ url: t.url, apiKey: account.apiKey, fetch: only.fn, persistedDocuments: 'only' });
    await expect(strict.query(RepositoriesDocument, { first: 5 })).rejects.toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND' });
    expect(only.bodies).toHaveLength(1);
  });
});

describe('the other settings', () => {
  test('off: a cookie may send any document, and ids are still accepted', async () => {
    const off = await startTestServer({ env: { REPOLINK_TRUSTED_DOCUMENTS: 'off' } });
    try {
      const { cookie } = await session(off);
      expect((await post(off, { query: '{ viewer { kind } }' }, cookie)).body).toEqual({ data: { viewer: { kind: 'SESSION' } } });
      expect((await post(off, { documentId: VIEWER_ID }, cookie)).body.data.viewer.kind).toBe('SESSION');
    } finally {
      await off.close();
    }
  });

  test('all: every request runs only trusted documents, an API key\'s too', async () => {
    const all = await startTestServer({ env: { REPOLINK_TRUSTED_DOCUMENTS: 'all' } });
    try {
      const headers = { authorization: `Bearer ${all.apiKey}` };
      const refused = await post(all, { query: '{ viewer { kind } }' }, headers);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^This server runs only the trusted documents/), extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' } });
      expect((await post(all, { documentId: VIEWER_ID }, headers)).body.data.viewer.kind).toBe('API_KEY');
      expect((await createClient({ url: all.url, apiKey: all.apiKey }).query(ViewerDocument)).viewer?.kind).toBe('API_KEY');
    } finally {
      await all.close();
    }
  });

  test('the default is cookie under NODE_ENV=production (npm start), off otherwise; a wrong value is named', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).trustedDocuments).toBe('cookie');
    expect(loadConfig({}).trustedDocuments).toBe('off');
    expect(loadConfig({ NODE_ENV: 'development' }).trustedDocuments).toBe('off');
    expect(loadConfig({ NODE_ENV: 'production', REPOLINK_TRUSTED_DOCUMENTS: 'off' }).trustedDocuments).toBe('off');
    expect(loadConfig({ REPOLINK_TRUSTED_DOCUMENTS: 'ALL' }).trustedDocuments).toBe('all');
    expect(() => loadConfig({ REPOLINK_TRUSTED_DOCUMENTS: 'strict' })).toThrow(/REPOLINK_TRUSTED_DOCUMENTS must be one of off, cookie, all \(got "strict"\)/);
  });
});
