import { randomBytes } from 'node:crypto';
import { createLogger } from '../src/observability/logging';
import { createSessionFor } from './support/factories';
import { rest, type RestResult } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

/** Every secret the requests below carry; none may appear in any log line. */
const secret = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
const graphqlToken = secret('ghp_gql');
const restToken = secret('ghp_rest');
const putToken = secret('glpat_put');
const appPassword = secret('bbpw');
const badJsonToken = secret('ghp_badjson');
const queryStringToken = secret('ghp_query');
const invalidInputToken = secret('ghp_invalid');
const forgedApiKey = secret('ss_secret_');

interface Sent {
  label: string;
  requestId: string;
  status: number;
  route: string;
  operation?: string;
}

const lines: string[] = [];
const sent: Sent[] = [];
let secrets: string[] = [];
let t: TestServer;

const CONNECT = `mutation ConnectForLogs($input: ConnectReposInput!) {
  connectRepos(input: $input) { repoConnection { id credentialsHint } userErrors { code field message } }
}`;

beforeAll(async () => {
  t = await startTestServer({
    env: { LOG_LEVEL: 'trace' },
    deps: {
      logger: true,
      logDestination: { write: (chunk: string) => void lines.push(chunk) },
      // The platform lookup of a default branch fails for this host: an internal error, honestly provoked.
      resolveDefaultBranch: async (remoteUrl) => {
        if (remoteUrl.includes('unreachable')) throw new Error(`default branch lookup for ${remoteUrl} failed with 502`);
        return null;
      },
    },
  });
  try {
    await sendEverything();
  } finally {
    // Closing waits for every response to finish, so every request line has been written.
    await t.close();
  }
});

async function sendEverything() {
  const session = await createSessionFor(t.dataSource, t.account);
  secrets = [t.apiKey, session.token, graphqlToken, restToken, putToken, appPassword, badJsonToken, queryStringToken, invalidInputToken, forgedApiKey];
  const bearer = { authorization: `Bearer ${t.apiKey}` };
  const record = (label: string, route: string, res: { status: number; headers: Headers }, operation?: string) => {
    sent.push({ label, requestId: res.headers.get('x-request-id')!, status: res.status, route, operation });
  };

  const connect = await t.gql(
    CONNECT,
    { input: { platform: 'GITHUB', credentials: { token: graphqlToken }, repositories: ['acme/logged-a'], lookbackDays: 30 } },
    { 'x-request-id': 'logging-test-connect-1' },
  );
  expect(connect.body.data.connectRepos.repoConnection.credentialsHint).toBe(`…${graphqlToken.slice(-4)}`);
  record('GraphQL connectRepos', '/graphql', connect, 'ConnectForLogs');

  const invalid = await t.gql(CONNECT, { input: { platform: 'GITHUB', credentials: { token: invalidInputToken }, repositories: ['not a path'] } });
  expect(invalid.body.data.connectRepos.userErrors.length).toBeGreaterThan(0);
  record('GraphQL connectRepos refused as invalid', '/graphql', invalid, 'ConnectForLogs');

  const viaGet = await fetch(
    `${t.url}/graphql?query=${encodeURIComponent('query ViaGet($t: ID!) { repoConnection(id: $t) { id } }')}&variables=${encodeURIComponent(JSON.stringify({ t: queryStringToken }))}`,
    { headers: { ...bearer, 'apollo-require-preflight': 'true' } },
  );
  expect(viaGet.status).toBe(200);
  record('GraphQL GET with variables in the query string', '/graphql', viaGet, 'ViaGet');

  const forged = await t.gql('query Forged { viewer { kind } }', {}, { authorization: `Bearer ${forgedApiKey}` });
  expect(forged.status).toBe(401);
  record('GraphQL with an unknown API key', '/graphql', forged, 'Forged');

  const badJson = await rest(t.url, 'POST', '/graphql', { raw: `{"query":"mutation { x }","variables":{"token":"${badJsonToken}"`, headers: bearer });
  expect(badJson.status).toBe(400);
  record('GraphQL malformed JSON', '/graphql', badJson);

  const created = await rest(t.url, 'POST', '/v1/config/repos', { body: { platform: 'github', credentials: { token: restToken }, repositories: ['acme/logged-b'] }, headers: bearer });
  expect(created.status).toBe(201);
  record('SigSentry POST', '/v1/config/repos', created);

  const bitbucket = await rest(t.url, 'POST', '/v1/config/repos', {
    body: { platform: 'bitbucket', credentials: { username: 'logbot', appPassword }, repositories: ['acme/logged-c'] },
    headers: bearer,
  });
  expect(bitbucket.status).toBe(201);
  record('SigSentry POST with a Bitbucket app password', '/v1/config/repos', bitbucket);

  const id = created.body.data.id as string;
  const put = await rest(t.url, 'PUT', `/v1/config/repos/${id}`, { body: { platform: 'github', credentials: { token: putToken }, repositories: ['acme/logged-d'] }, headers: bearer });
  expect(put.status).toBe(200);
  record('SigSentry PUT', '/v1/config/repos/:id', put);

  const read: RestResult = await rest(t.url, 'GET', `/v1/config/repos/${id}`, { headers: { ...bearer, 'x-request-id': 'logging-test-get-1' } });
  expect(read.status).toBe(200);
  record('SigSentry GET', '/v1/config/repos/:id', read);

  const cookie = { cookie: `session=${session.token}` };
  const heimdall = await rest(t.url, 'POST', '/api/repos', { body: { name: 'logged-e', source_type: 'git_url', remote_url: 'https://git.example.com/acme/logged-e.git' }, headers: cookie });
  expect(heimdall.status).toBe(201);
  record('Heimdall POST with a session cookie', '/api/repos', heimdall);

  const heimdallBad = await rest(t.url, 'POST', '/api/repos', { body: { name: 42, remote_url: `https://${badJsonToken}@example.com/a.git` }, headers: cookie });
  expect(heimdallBad.status).toBe(400);
  record('Heimdall POST refused as invalid', '/api/repos', heimdallBad);

  const failing = await rest(t.url, 'POST', '/api/repos', { body: { name: 'logged-f', source_type: 'git_url', remote_url: 'https://git.example.com/acme/unreachable.git' }, headers: cookie });
  expect(failing.status).toBe(500);
  record('Heimdall POST failing inside (internal error)', '/api/repos', failing);

  const failingGraphQL = await t.gql('mutation Unreachable { createRepository(input: { name: "logged-g", remoteUrl: "https://git.example.com/acme/unreachable-g.git" }) { repository { id } } }');
  expect(failingGraphQL.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  record('GraphQL mutation failing inside (internal error)', '/graphql', failingGraphQL, 'Unreachable');
}

const parsed = () => lines.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

test('every line is one JSON object with a level, a time and a message', () => {
  expect(lines.length).toBeGreaterThan(sent.length);
  for (const line of parsed()) {
    expect(line).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
  }
});

test('each request produced one line with its request id, route, status, duration and operation name', () => {
  const requestLines = parsed().filter((l) => l.msg === 'request completed' || l.msg === 'request failed');
  for (const request of sent) {
    const mine = requestLines.filter((l) => l.requestId === request.requestId);
    expect({ request: request.label, lines: mine.length }).toEqual({ request: request.label, lines: 1 });
    expect(mine[0]).toMatchObject({ route: request.route, status: request.status, durationMs: expect.any(Number) });
    expect(mine[0].durationMs as number).toBeGreaterThanOrEqual(0);
    if (request.operation) expect(mine[0].operation).toBe(request.operation);
  }
  // The client's X-Request-Id is the request's id, echoed back and logged.
  expect(sent.find((s) => s.label === 'GraphQL connectRepos')!.requestId).toBe('logging-test-connect-1');
  expect(sent.find((s) => s.label === 'SigSentry GET')!.requestId).toBe('logging-test-get-1');
  expect(new Set(sent.map((s) => s.requestId)).size).toBe(sent.length);
});

test('an internal error is logged once, as an error with its request id, and its request as failed', () => {
  const all = parsed();
  for (const label of ['Heimdall POST failing inside (internal error)', 'GraphQL mutation failing inside (internal error)']) {
    const failing = sent.find((s) => s.label === label)!;
    const mine = all.filter((l) => l.requestId === failing.requestId);
    const errors = mine.filter((l) => l.msg === 'internal error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: 'error', err: { message: expect.stringContaining('default branch lookup') } });
    const request = mine.find((l) => l.msg === 'request failed' || l.msg === 'request completed')!;
    expect(request.status).toBe(failing.status);
  }
  const heimdall = sent.find((s) => s.label === 'Heimdall POST failing inside (internal error)')!;
  expect(all.find((l) => l.requestId === heimdall.requestId && l.route)).toMatchObject({ level: 'error', msg: 'request failed', status: 500 });
  expect(all.find((l) => l.operation === 'Forged')).toMatchObject({ status: 401, outcome: 'UNAUTHENTICATED' });
  expect(all.find((l) => l.operation === 'Unreachable')).toMatchObject({ status: 200, outcome: 'INTERNAL_SERVER_ERROR' });
});

test('no API key, session token, credential or app password appears anywhere in the log output', () => {
  const output = lines.join('');
  expect(secrets).toHaveLength(10);
  for (const value of secrets) expect(output.includes(value)).toBe(false);
  // Nor do the parts a secret travels in.
  expect(output).not.toMatch(/"(authorization|cookie|variables|credentials|body)"/i);
  expect(output).not.toContain('?query=');
});

test('the logger censors secrets even when a log call passes headers, bodies or SQL parameters', () => {
  const written: string[] = [];
  const logger = createLogger('trace', { write: (chunk: string) => void written.push(chunk) });
  const token = secret('rls_');
  logger.info(
    {
      req: { method: 'POST', url: `/graphql?variables=${token}`, headers: { authorization: `Bearer ${token}`, cookie: `session=${token}`, 'x-api-key': token } },
      headers: { authorization: token },
      body: { credentials: { token } },
      variables: { token },
      err: { message: 'duplicate entry', parameters: [token], sql: `INSERT … '${token}'` },
      input: { credentials: { token } },
    },
    'careless call',
  );
  expect(written).toHaveLength(1);
  expect(written[0]).not.toContain(token);
  expect(JSON.parse(written[0])).toMatchObject({ req: { method: 'POST', path: '/graphql' }, msg: 'careless call' });
});
