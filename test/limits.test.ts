import { getIntrospectionQuery } from 'graphql';
import { DEFAULT_LIMITS, loadConfig } from '../src/config';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const post = (server: TestServer, body: string, headers: Record<string, string>) =>
  fetch(`${server.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${server.apiKey}`, ...headers }, body });

async function connectionCount(server: TestServer): Promise<number> {
  const res = await server.gql('{ repoConnections(first: 1) { totalCount } }');
  return res.body.data.repoConnections.totalCount;
}

const CONNECT = 'mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { message } } }';
const connectBody = (repo: string) => ({ query: CONNECT, variables: { input: { platform: 'GITHUB', credentials: { token: 'ghp_limits_test_token' }, repositories: [repo] } } });

/** `levels` nested fields, down a chain connections → repositories → mappings → repository → …, with pages of one. */
function nested(levels: number): string {
  // repoConnections, edges, node: 3 levels; then alternate serviceMappings / repository; `id` is the last level.
  let inner = 'id';
  const chain = ['serviceMappings', 'repository'];
  for (let i = levels - 4; i > 0; i--) inner = `${chain[(i + 1) % 2]} { ${inner} }`;
  return `query Nested { repoConnections(first: 1) { edges { node { ${inner} } } } }`;
}

describe('query depth (limit 12)', () => {
  test('12 levels run; 13 are refused with QUERY_TOO_DEEP before anything runs', async () => {
    expect(DEFAULT_LIMITS.maxQueryDepth).toBe(12);
    const ok = await t.gql(nested(12));
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();

    const deep = await t.gql(nested(13));
    expect(deep.status).toBe(400);
    expect(deep.body.data).toBeUndefined();
    expect(deep.body.errors).toEqual([
      { message: 'Operation "Nested" is nested 13 fields deep; the limit is 12', locations: [{ line: 1, column: 1 }], extensions: { code: 'QUERY_TOO_DEEP', limit: 12, actual: 13 } },
    ]);
  });

  test('depth hidden in fragments counts the same', async () => {
    const query = `query Hidden { repoConnections(first: 1) { edges { node { ...A } } } }
      fragment A on RepoConnection { serviceMappings { ...B } }
      fragment B on ServiceMapping { repository { serviceMappings { repository { serviceMappings { repository { serviceMappings { repository { serviceMappings { id } } } } } } } } }`;
    const res = await t.gql(query);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 12, actual: 13 });
  });
});

describe('query cost (limit 50,000)', () => {
  test('a page of 100 connections with their repositories and mappings runs', async () => {
    const query = `query Page($first: Int) { repoConnections(first: $first) {
      totalCount
      edges { cursor node { id platform credentialsHint
        repositories { id path defaultBranch serviceMappings { id serviceName } }
        serviceMappings { id serviceName pathPrefix repository { id path } } } }
      pageInfo { hasNextPage endCursor } } }`;
    const res = await t.gql(query, { first: 100 });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  test('lists nested under a page of 100 are refused with QUERY_TOO_COMPLEX; a smaller page of the same runs', async () => {
    const query = (first: string) =>
      `query Costly { repoConnections(first: ${first}) { edges { node { repositories { serviceMappings { repository { serviceMappings { repository { serviceMappings { id } } } } } } } } } }`;
    for (const first of ['100', '$first']) {
      const res = await t.gql(first === '$first' ? query(first).replace('Costly', 'Costly($first: Int)') : query(first), first === '$first' ? { first: 1 } : {});
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].message).toMatch(/^Operation "Costly" has an estimated cost of \d+; the limit is 50000/);
      expect(res.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 50000, actual: expect.any(Number) });
      expect(res.body.errors[0].extensions.actual).toBeGreaterThan(50000);
    }
    const small = await t.gql(query('10'));
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
  });

  test('nodes(ids:) costs as many items as it names', async () => {
    const fields = 'id ... on RepoConnection { repositories { serviceMappings { repository { serviceMappings { repository { serviceMappings { id } } } } } } }';
    const few = await t.gql(`{ nodes(ids: ["rc_a", "rc_b"]) { ${fields} } }`);
    expect(few.status).toBe(200);
    const many = await t.gql(`{ nodes(ids: [${Array.from({ length: 100 }, (_, i) => `"rc_${i}"`).join(',')}]) { ${fields} } }`);
    expect(many.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('aliases (limit 30)', () => {
  const aliased = (n: number) => `query Aliased { ${Array.from({ length: n }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;

  test('30 aliases run; 31 are refused with TOO_MANY_ALIASES', async () => {
    const ok = await t.gql(aliased(30));
    expect(ok.status).toBe(200);
    expect(ok.body.data.a29).toEqual({ kind: 'API_KEY' });
    const many = await t.gql(aliased(31));
    expect(many.status).toBe(400);
    expect(many.body.errors).toEqual([expect.objectContaining({ message: 'Operation "Aliased" uses 31 aliases; the limit is 30', extensions: { code: 'TOO_MANY_ALIASES', limit: 30, actual: 31 } })]);
  });

  test('aliases inside a fragment count each time the fragment is spread', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `k${i}: kind`).join(' ');
    const res = await t.gql(`{ a: viewer { ...Ten } b: viewer { ...Ten } c: viewer { ...Ten } } fragment Ten on Viewer { ${ten} }`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toEqual({ code: 'TOO_MANY_ALIASES', limit: 30, actual: 33 });
  });
});

test('the playground introspection query passes every limit', async () => {
  const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true });
  const res = await t.gql(query);
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.__schema.types.length).toBeGreaterThan(20);
});

test('batched operations (a JSON array) are refused with BATCHING_NOT_SUPPORTED and none runs', async () => {
  const before = await connectionCount(t);
  const res = await post(t, JSON.stringify([connectBody('acme/batched-a'), connectBody('acme/batched-b')]), { 'content-type': 'application/json' });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ errors: [{ message: expect.stringMatching(/^Batched operations are not supported/), extensions: { code: 'BATCHING_NOT_SUPPORTED' } }] });
  expect(await connectionCount(t)).toBe(before);
});

describe('request body size (1 MiB)', () => {
  const padded = (bytes: number) => JSON.stringify({ query: '{ viewer { kind } }', variables: { pad: 'x'.repeat(bytes) } });

  test('a body just under the limit runs; over it, /graphql answers 413 PAYLOAD_TOO_LARGE', async () => {
    const under = await post(t, padded(DEFAULT_LIMITS.bodyLimitBytes - 200), { 'content-type': 'application/json' });
    expect(under.status).toBe(200);
    const over = await post(t, padded(DEFAULT_LIMITS.bodyLimitBytes), { 'content-type': 'application/json' });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ errors: [{ message: 'The request body is larger than the limit of 1048576 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  test('a streamed body without Content-Length is cut off at the limit too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"query":"{ viewer { kind } }","variables":{"pad":"'));
        if (sent > 2 * DEFAULT_LIMITS.bodyLimitBytes) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('the REST shim answers 413 in its own envelope', async () => {
    const res = await rest(t.url, 'POST', '/v1/config/repos', { raw: padded(DEFAULT_LIMITS.bodyLimitBytes), headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
  });
});

describe('CSRF prevention', () => {
  const viewer = encodeURIComponent('{ viewer { kind } }');

  test('a GET query without a preflight-forcing header is refused; with one it runs', async () => {
    const refused = await fetch(`${t.url}/graphql?query=${viewer}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as any;
    expect(body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    for (const header of ['apollo-require-preflight', 'x-apollo-operation-name']) {
      const allowed = await fetch(`${t.url}/graphql?query=${viewer}`, { headers: { authorization: `Bearer ${t.apiKey}`, [header]: 'true' } });
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as any).data.viewer.kind).toBe('API_KEY');
    }
  });

  test('a mutation posted as a form or as text/plain (what a cross-site form can send) is refused and does nothing', async () => {
    const before = await connectionCount(t);
    const json = JSON.stringify(connectBody('acme/csrf-a'));
    const attempts = [
      post(t, json, { 'content-type': 'text/plain' }),
      post(t, json, { 'content-type': 'text/plain;charset=UTF-8' }),
      post(t, `query=${encodeURIComponent(CONNECT)}`, { 'content-type': 'application/x-www-form-urlencoded' }),
      post(t, '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ viewer { kind } }\r\n--x--\r\n', { 'content-type': 'multipart/form-data; boundary=x' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(((await res.json()) as any).data).toBeUndefined();
    }
    expect(await connectionCount(t)).toBe(before);
  });
});

describe('introspection switch', () => {
  test('on by default; REPOLINK_INTROSPECTION=false refuses it and leaves queries working', async () => {
    expect((await t.gql('{ __schema { queryType { name } } }')).body.data.__schema.queryType.name).toBe('Query');

    const closed = await startTestServer({ env: { REPOLINK_INTROSPECTION: 'false' } });
    try {
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Repository") { fields { name } } }']) {
        const res = await closed.gql(query);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].message).toMatch(/introspection is not allowed/i);
        expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      }
      const normal = await closed.gql('{ viewer { __typename kind } }');
      expect(normal.body).toEqual({ data: { viewer: { __typename: 'Viewer', kind: 'API_KEY' } } });
    } finally {
      await closed.close();
    }
  });
});

describe('CORS allow-list', () => {
  const allowed = 'https://app.example.com';
  const refused = 'https://evil.example.net';
  const preflight = (server: TestServer, origin: string, path = '/graphql') =>
    fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
  const viewerFrom = (server: TestServer, origin: string) =>
    post(server, JSON.stringify({ query: '{ viewer { kind } }' }), { 'content-type': 'application/json', origin });

  test('only listed origins get Access-Control-Allow-Origin, on preflights and on requests', async () => {
    const server = await startTestServer({ env: { REPOLINK_CORS_ORIGINS: `${allowed}, https://admin.example.com` } });
    try {
      for (const path of ['/graphql', '/v1/config/repos']) {
        const ok = await preflight(server, allowed, path);
        expect(ok.status).toBe(204);
        expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
        expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
        expect(ok.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
        expect(ok.headers.get('vary')).toMatch(/Origin/);
      }
      expect((await preflight(server, 'https://admin.example.com')).headers.get('access-control-allow-origin')).toBe('https://admin.example.com');

      const answered = await viewerFrom(server, allowed);
      expect(answered.status).toBe(200);
      expect(answered.headers.get('access-control-allow-origin')).toBe(allowed);
      expect(answered.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(answered.headers.get('access-control-allow-credentials')).toBeNull();

      for (const origin of [refused, 'https://app.example.com.evil.net', 'http://app.example.com']) {
        const no = await preflight(server, origin);
        expect(no.headers.get('access-control-allow-origin')).toBeNull();
        expect(no.headers.get('access-control-allow-methods')).toBeNull();
        expect((await viewerFrom(server, origin)).headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      await server.close();
    }
  });

  test('with no list configured, no origin gets CORS headers', async () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect((await preflight(t, allowed)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await viewerFrom(t, allowed)).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('configuration', () => {
  test('each limit can be set by environment; bad values are refused at start', async () => {
    expect(loadConfig({}).limits).toEqual({ maxQueryDepth: 12, maxQueryCost: 50000, maxAliases: 30, bodyLimitBytes: 1048576 });
    expect(() => loadConfig({ REPOLINK_MAX_QUERY_DEPTH: '0' })).toThrow(/REPOLINK_MAX_QUERY_DEPTH must be an integer from 1 to 100/);
    expect(() => loadConfig({ REPOLINK_BODY_LIMIT_BYTES: 'lots' })).toThrow(/REPOLINK_BODY_LIMIT_BYTES/);

    const strict = await startTestServer({ env: { REPOLINK_MAX_QUERY_DEPTH: '3', REPOLINK_MAX_ALIASES: '1', REPOLINK_MAX_QUERY_COST: '10', REPOLINK_BODY_LIMIT_BYTES: '2048' } });
    try {
      const code = async (query: string) => (await strict.gql(query)).body.errors?.[0]?.extensions ?? null;
      expect(await code('{ viewer { tenant { name } } }')).toBeNull();
      expect(await code('{ repoConnections(first: 1) { edges { node { id } } } }')).toEqual({ code: 'QUERY_TOO_DEEP', limit: 3, actual: 4 });
      expect(await code('{ a: viewer { kind } }')).toBeNull();
      expect(await code('{ a: viewer { kind } b: viewer { kind } }')).toEqual({ code: 'TOO_MANY_ALIASES', limit: 1, actual: 2 });
      expect(await code('{ repoConnections(first: 5) { edges { cursor } } }')).toBeNull();
      expect(await code('{ repoConnections(first: 10) { edges { cursor } } }')).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 10, actual: 12 });
      const big = await post(strict, JSON.stringify({ query: '{ viewer { kind } }', variables: { pad: 'x'.repeat(3000) } }), { 'content-type': 'application/json' });
      expect(big.status).toBe(413);
      expect(((await big.json()) as any).errors[0].message).toBe('The request body is larger than the limit of 2048 bytes');
    } finally {
      await strict.close();
    }
  });
});
