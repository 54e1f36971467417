import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { createAccount, createApiKey, createSessionFor, type TestAccount } from './support/factories';
import { assertMatchesOpenApi } from './support/openapi';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * Drives every route and operation with secrets of its own — platform tokens, app passwords, API
 * keys, session tokens, valid and forged — in the right places and in wrong ones, keeps the raw
 * text of every response (status line, headers, body) and looks for each secret in all of it.
 */

const secrets = new Map<string, string>();
/** A fresh secret, recorded under a name so a leak says which one leaked. */
function secret(name: string, prefix: string): string {
  const value = `${prefix}${randomBytes(18).toString('hex')}`;
  secrets.set(name, value);
  return value;
}

interface Exchange {
  label: string;
  status: number;
  body: any;
  /** Status line, headers as received and body: everything a client, proxy or log could keep. */
  raw: string;
}

const exchanges: Exchange[] = [];
let t: TestServer;
let limited: TestServer;

/** One request over plain node:http, so the status line and headers are seen exactly as sent. */
function send(
  base: string,
  label: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<Exchange> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headerLines: string[] = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) headerLines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        const exchange = {
          label,
          status: response.statusCode!,
          body,
          raw: `HTTP/${response.httpVersion} ${response.statusCode} ${response.statusMessage}\r\n${headerLines.join('\r\n')}\r\n\r\n${text}`,
        };
        exchanges.push(exchange);
        try {
          const header = (name: string) => (response.headers[name.toLowerCase()] === undefined ? null : String(response.headers[name.toLowerCase()]));
          assertMatchesOpenApi({ method, path, status: exchange.status, header, text });
        } catch (error) {
          return reject(error);
        }
        resolve(exchange);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function gql(label: string, token: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  return send(t.url, label, 'POST', '/graphql', { headers: { ...bearer(token), ...headers }, body: { query, variables } });
}

const CONNECTION_FIELDS = 'id platform baseUrl lookbackDays credentialsHint cacheInvalidatedAt repositories { id path defaultBranch } serviceMappings { id serviceName }';
const CONNECT = `mutation Connect($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { ${CONNECTION_FIELDS} } userErrors { code field message } } }`;
const UPDATE = `mutation Update($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) { repoConnection { ${CONNECTION_FIELDS} } userErrors { code field message } } }`;
const REPLACE = `mutation Replace($input: ReplaceRepoConnectionInput!) { replaceRepoConnection(input: $input) { repoConnection { ${CONNECTION_FIELDS} } userErrors { code field message } } }`;
const READS = `query Reads($id: ID!) {
  viewer { kind tenant { id name } project { id repositoryCount } permissions }
  repoConnection(id: $id) { ${CONNECTION_FIELDS} }
  repoConnections(first: 50) { edges { node { ${CONNECTION_FIELDS} } } totalCount }
  node(id: $id) { id ... on RepoConnection { credentialsHint platform } }
  repositories(first: 50) { edges { node { id name remoteUrl defaultBranch } } }
}`;

beforeAll(async () => {
  t = await startTestServer({ env: { REPOLINK_BODY_LIMIT_BYTES: String(64 * 1024), REPOLINK_QUOTA_FREE: '2', REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false' } });
  limited = await startTestServer({ env: { REPOLINK_RATE_LIMIT_PER_MINUTE: '2', REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false' } });
});
afterAll(async () => {
  await t?.close();
  await limited?.close();
});

test('no response to any route or operation carries a secret the request sent', async () => {
  const account = t.account;
  secrets.set('API key', t.apiKey);
  const readOnlyKey = await createApiKey(t.dataSource, { projectId: account.project.id }, ['config:read']);
  secrets.set('read-only API key', readOnlyKey);
  const tenantKey = await createApiKey(t.dataSource, { tenantId: account.tenant.id }, ['config:read', 'config:write']);
  secrets.set('tenant-scoped API key', tenantKey);
  const { token: sessionToken } = await createSessionFor(t.dataSource, account);
  secrets.set('session token', sessionToken);
  const { token: expiredSession } = await createSessionFor(t.dataSource, account, 0.0000001);
  secrets.set('expired session token', expiredSession);
  const forgedKey = secret('forged API key', 'ss_secret_');
  const forgedSession = secret('forged session token', 'rls_');
  const other: TestAccount = await createAccount(t.dataSource);
  secrets.set("another tenant's API key", other.apiKey);
  const free = await createAccount(t.dataSource, { plan: 'free' });
  secrets.set('free-plan API key', free.apiKey);
  const key = t.apiKey;
  const sig = (label: string, method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}) =>
    send(t.url, label, method, path, { ...options, headers: { ...bearer(key), ...options.headers } });
  const cookie = { cookie: `session=${sessionToken}` };

  // GraphQL: the three mutations that take credentials, then every read.
  const connected = await gql('GraphQL connectRepos', key, CONNECT, {
    input: { platform: 'GITHUB', credentials: { token: secret('GraphQL connect token', 'ghp_') }, repositories: ['acme/leak-a', 'acme/leak-b'], serviceMappings: [{ serviceName: 'leak-a', repo: 'acme/leak-a', pathPrefix: 'src/', defaultBranch: 'main' }], lookbackDays: 30 },
  });
  expect(connected.body.data.connectRepos.userErrors).toEqual([]);
  const gqlId = connected.body.data.connectRepos.repoConnection.id as string;
  expect(connected.body.data.connectRepos.repoConnection.credentialsHint).toBe(`…${secrets.get('GraphQL connect token')!.slice(-4)}`);

  const updated = await gql('GraphQL updateRepoConnection', key, UPDATE, { input: { id: gqlId, credentials: { token: secret('GraphQL update token', 'ghp_') }, lookbackDays: 60 } });
  expect(updated.body.data.updateRepoConnection.userErrors).toEqual([]);
  const replaced = await gql('GraphQL replaceRepoConnection', key, REPLACE, {
    input: { id: gqlId, platform: 'GITHUB', credentials: { token: secret('GraphQL replace token', 'ghp_') }, repositories: ['acme/leak-a'], lookbackDays: 14 },
  });
  expect(replaced.body.data.replaceRepoConnection.userErrors).toEqual([]);
  const refusedUpdate = await gql('GraphQL updateRepoConnection refused (platform change)', key, UPDATE, {
    input: { id: gqlId, platform: 'GITLAB', credentials: { token: secret('GraphQL refused update token', 'glpat-') } },
  });
  expect(refusedUpdate.body.data.updateRepoConnection.userErrors.length).toBeGreaterThan(0);

  const reads = await gql('GraphQL reads (repoConnection, repoConnections, node, repositories, viewer)', key, READS, { id: gqlId });
  expect(reads.body.errors).toBeUndefined();
  expect(reads.body.data.node.credentialsHint).toBe(`…${secrets.get('GraphQL replace token')!.slice(-4)}`);
  expect((await gql('GraphQL reads with a session', sessionToken, READS, { id: gqlId })).status).toBe(200);
  expect((await gql('GraphQL reads with a tenant-scoped key', tenantKey, READS, { id: gqlId }, { 'x-project-id': account.project.id })).status).toBe(200);
  expect((await gql('GraphQL tenant-scoped key without X-Project-Id', tenantKey, CONNECT, { input: { platform: 'GITHUB', credentials: { token: secret('tenant key token', 'ghp_') }, repositories: ['acme/leak-t'] } })).body.errors).toBeDefined();
  expect((await gql('GraphQL read of another tenant\'s connection', other.apiKey, READS, { id: gqlId })).body.data.repoConnection).toBeNull();
  expect((await gql('GraphQL with a forged API key', forgedKey, READS, { id: gqlId })).status).toBe(401);
  expect((await gql('GraphQL with a forged session token', forgedSession, READS, { id: gqlId })).status).toBe(401);
  expect((await gql('GraphQL with an expired session', expiredSession, READS, { id: gqlId })).status).toBe(401);
  expect((await gql('GraphQL connectRepos with a read-only key', readOnlyKey, CONNECT, { input: { platform: 'GITHUB', credentials: { token: secret('read-only key token', 'ghp_') }, repositories: ['acme/leak-r'] } })).body.errors[0].extensions.code).toBe('FORBIDDEN');

  // GraphQL requests whose variables or literals carry a token where it does not fit.
  const invalidVariables: [string, Record<string, unknown>][] = [
    ['lookbackDays of the wrong type beside a token', { platform: 'GITHUB', credentials: { token: secret('token beside a bad lookbackDays', 'ghp_') }, repositories: ['acme/x'], lookbackDays: 'thirty' }],
    ['token of the wrong type', { platform: 'GITHUB', credentials: { token: [secret('token in a list', 'ghp_')] }, repositories: ['acme/x'] }],
    ['credentials as a bare string', { platform: 'GITHUB', credentials: secret('credentials as a string', 'ghp_'), repositories: ['acme/x'] }],
    ['platform missing beside a token', { credentials: { token: secret('token without platform', 'ghp_') }, repositories: ['acme/x'] }],
    ['token sent as the platform', { platform: secret('token as platform', 'ghp_'), credentials: { token: 'x' }, repositories: ['acme/x'] }],
    ['token sent as lookbackDays', { platform: 'GITHUB', credentials: { token: 'x' }, repositories: ['acme/x'], lookbackDays: secret('token as lookbackDays', 'ghp_') }],
    ['credentials object inside repositories', { platform: 'GITHUB', credentials: { token: 'x' }, repositories: [{ path: 'acme/x', token: secret('token inside repositories', 'ghp_') }] }],
    ['app password inside a service mapping', { platform: 'BITBUCKET', credentials: { username: 'bot', appPassword: 'x' }, repositories: ['acme/x'], serviceMappings: [{ serviceName: { appPassword: secret('app password in a mapping', 'bbpw_') }, repo: 'acme/x', pathPrefix: '', defaultBranch: 'main' }] }],
  ];
  for (const [label, input] of invalidVariables) {
    const res = await gql(`GraphQL invalid variables: ${label}`, key, CONNECT, { input });
    expect({ label, status: res.status }).toEqual({ label, status: 400 });
  }
  const literalToken = secret('token as a literal of the wrong type', 'ghp_');
  expect((await gql('GraphQL literal of the wrong type', key, `mutation { connectRepos(input: {platform: GITHUB, credentials: {token: ["${literalToken}"]}, repositories: ["acme/x"]}) { userErrors { code } } }`)).status).toBe(400);
  const enumToken = secret('token as an enum literal', 'ghp_');
  expect((await gql('GraphQL token as an enum literal', key, `mutation { connectRepos(input: {platform: "${enumToken}", credentials: {token: "x"}, repositories: ["acme/x"]}) { userErrors { code } } }`)).status).toBe(400);
  const syntaxToken = secret('token before a syntax error', 'ghp_');
  expect((await gql('GraphQL syntax error after a token', key, `mutation { connectRepos(input: {platform: GITHUB, credentials: {token: "${syntaxToken}" "${syntaxToken}"}, repositories: ["acme/x"]}) { userErrors { code } } }`)).status).toBe(400);
  const getToken = secret('token in a GET query string', 'ghp_');
  const viaGet = await send(t.url, 'GraphQL mutation over GET', 'GET', `/graphql?query=${encodeURIComponent('mutation M($input: ConnectReposInput!) { connectRepos(input: $input) { userErrors { code } } }')}&variables=${encodeURIComponent(JSON.stringify({ input: { platform: 'GITHUB', credentials: { token: getToken }, repositories: ['acme/x'] } }))}`, { headers: { ...bearer(key), 'apollo-require-preflight': 'true' } });
  expect(viaGet.status).toBeGreaterThanOrEqual(400);
  const badJsonToken = secret('token in malformed GraphQL JSON', 'ghp_');
  expect((await send(t.url, 'GraphQL malformed JSON', 'POST', '/graphql', { headers: bearer(key), raw: `{"query":"mutation { x }","variables":{"token":"${badJsonToken}"` })).status).toBe(400);
  const bigToken = secret('token in a GraphQL body too large', 'ghp_');
  expect((await gql('GraphQL body too large', key, CONNECT, { input: { platform: 'GITHUB', credentials: { token: bigToken }, repositories: ['acme/x'], pad: 'x'.repeat(70 * 1024) } })).status).toBe(413);
  const idemToken = secret('GraphQL idempotent token', 'ghp_');
  const idemInput = { input: { platform: 'GITHUB', credentials: { token: idemToken }, repositories: ['acme/leak-idem'] } };
  expect((await gql('GraphQL idempotent connectRepos', key, CONNECT, idemInput, { 'idempotency-key': 'leak-gql-1' })).status).toBe(200);
  expect((await gql('GraphQL idempotent replay', key, CONNECT, idemInput, { 'idempotency-key': 'leak-gql-1' })).status).toBe(200);
  const reused = await gql('GraphQL idempotency key reused with another body', key, CONNECT, { input: { ...idemInput.input, credentials: { token: secret('GraphQL reused-key token', 'ghp_') } } }, { 'idempotency-key': 'leak-gql-1' });
  expect(reused.body.data.connectRepos.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');

  // SigSentry: every route, each credentials shape, and its error rows.
  const github = await sig('SigSentry POST (GitHub token)', 'POST', '/v1/config/repos', {
    body: { platform: 'github', credentials: { token: secret('REST GitHub token', 'ghp_') }, repositories: ['acme/rest-a', 'acme/rest-b'], serviceMappings: [{ serviceName: 'rest-a', repo: 'acme/rest-a', pathPrefix: '', defaultBranch: 'main' }], lookbackDays: 30 },
  });
  expect(github.status).toBe(201);
  const id = github.body.data.id as string;
  expect((await sig('SigSentry POST (GitLab token, baseUrl)', 'POST', '/v1/config/repos', { body: { platform: 'gitlab', credentials: { token: secret('REST GitLab token', 'glpat-'), baseUrl: 'https://gitlab.company.com' }, repositories: ['acme/rest-c'] } })).status).toBe(201);
  const bitbucket = await sig('SigSentry POST (Bitbucket app password)', 'POST', '/v1/config/repos', { body: { platform: 'bitbucket', credentials: { username: 'leakbot', appPassword: secret('REST Bitbucket app password', 'ATBB') }, repositories: ['acme/rest-d'] } });
  expect(bitbucket.status).toBe(201);
  expect((await sig('SigSentry PUT', 'PUT', `/v1/config/repos/${id}`, { body: { platform: 'github', credentials: { token: secret('REST PUT token', 'ghp_') }, repositories: ['acme/rest-a'], lookbackDays: 90 } })).status).toBe(200);
  expect((await sig('SigSentry PUT of an unknown id', 'PUT', '/v1/config/repos/rc_00000000000000000000000000000000', { body: { platform: 'github', credentials: { token: secret('REST PUT unknown token', 'ghp_') }, repositories: ['acme/rest-z'] } })).status).toBe(404);
  expect((await sig('SigSentry GET one', 'GET', `/v1/config/repos/${id}`)).status).toBe(200);
  expect((await sig('SigSentry GET list', 'GET', '/v1/config/repos?limit=50')).status).toBe(200);
  expect((await sig('SigSentry GET list filtered', 'GET', '/v1/config/repos?platform=bitbucket')).status).toBe(200);
  expect((await sig('SigSentry GET list, bad limit', 'GET', '/v1/config/repos?limit=abc')).status).toBe(400);
  expect((await sig('SigSentry invalidate-cache', 'POST', `/v1/config/repos/${id}/invalidate-cache`)).status).toBe(200);
  expect((await send(t.url, "SigSentry GET of another tenant's connection", 'GET', `/v1/config/repos/${id}`, { headers: bearer(other.apiKey) })).status).toBe(404);
  expect((await send(t.url, 'SigSentry POST with a read-only key', 'POST', '/v1/config/repos', { headers: bearer(readOnlyKey), body: { platform: 'github', credentials: { token: secret('REST read-only key token', 'ghp_') }, repositories: ['acme/rest-e'] } })).status).toBe(403);
  expect((await send(t.url, 'SigSentry POST with a forged key', 'POST', '/v1/config/repos', { headers: bearer(forgedKey), body: { platform: 'github', credentials: { token: secret('REST forged key token', 'ghp_') }, repositories: ['acme/rest-e'] } })).status).toBe(401);
  expect((await send(t.url, 'SigSentry POST with no key', 'POST', '/v1/config/repos', { body: { platform: 'github', credentials: { token: secret('REST no key token', 'ghp_') }, repositories: ['acme/rest-e'] } })).status).toBe(401);
  expect((await send(t.url, 'SigSentry POST with a tenant key and X-Project-Id', 'POST', '/v1/config/repos', { headers: { ...bearer(tenantKey), 'x-project-id': account.project.id }, body: { platform: 'github', credentials: { token: secret('REST tenant key token', 'ghp_') }, repositories: ['acme/rest-t'] } })).status).toBe(201);
  expect((await send(t.url, 'SigSentry POST over the quota', 'POST', '/v1/config/repos', { headers: bearer(free.apiKey), body: { platform: 'github', credentials: { token: secret('REST over-quota token', 'ghp_') }, repositories: ['acme/q1', 'acme/q2', 'acme/q3'] } })).status).toBe(403);
  expect((await sig('SigSentry POST conflict', 'POST', '/v1/config/repos', { body: { platform: 'github', credentials: { token: secret('REST conflict token', 'ghp_') }, repositories: ['acme/rest-a'] } })).status).toBe(409);

  const sigErrors: [string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number][] = [
    ['malformed JSON with the token', { raw: `{"platform":"github","credentials":{"token":"${secret('REST malformed JSON token', 'ghp_')}"},` }, 400],
    ['token of the wrong type, app password beside it', { body: { platform: 'github', credentials: { token: 123, appPassword: secret('REST app password beside a bad token', 'ATBB') }, repositories: ['acme/x'] } }, 400],
    ['platform missing beside a token', { body: { credentials: { token: secret('REST token without platform', 'ghp_') }, repositories: ['acme/x'] } }, 400],
    ['credentials as a bare string', { body: { platform: 'github', credentials: secret('REST credentials as a string', 'ghp_'), repositories: ['acme/x'] } }, 400],
    ['token sent as the platform', { body: { platform: secret('REST token as platform', 'ghp_'), credentials: { token: 'x' }, repositories: ['acme/x'] } }, 400],
    ['token inside repositories', { body: { platform: 'github', credentials: { token: 'x' }, repositories: [{ repo: 'acme/x', token: secret('REST token inside repositories', 'ghp_') }] } }, 400],
    ['token as lookbackDays', { body: { platform: 'github', credentials: { token: 'x' }, repositories: ['acme/x'], lookbackDays: secret('REST token as lookbackDays', 'ghp_') } }, 400],
    ['Bitbucket without username', { body: { platform: 'bitbucket', credentials: { appPassword: secret('REST app password without username', 'ATBB') }, repositories: ['acme/x'] } }, 400],
    ['baseUrl with the token as its password', { body: { platform: 'gitlab', credentials: { token: 'x'.repeat(20), baseUrl: `https://oauth2:${secret('REST token in baseUrl', 'glpat-')}@gitlab.company.com` }, repositories: ['acme/x'] } }, 400],
    ['empty repositories', { body: { platform: 'github', credentials: { token: secret('REST token with empty repositories', 'ghp_') }, repositories: [] } }, 400],
    ['a JSON array body', { body: [{ platform: 'github', credentials: { token: secret('REST token in an array body', 'ghp_') } }] }, 400],
    ['text/plain body', { raw: `token=${secret('REST token in a text body', 'ghp_')}`, headers: { 'content-type': 'text/plain' } }, 400],
    ['body too large', { body: { platform: 'github', credentials: { token: secret('REST token in a large body', 'ghp_') }, repositories: ['acme/x'], pad: 'x'.repeat(70 * 1024) } }, 413],
  ];
  for (const [label, options, status] of sigErrors) {
    const res = await sig(`SigSentry POST: ${label}`, 'POST', '/v1/config/repos', options);
    expect({ label, status: res.status }).toEqual({ label, status });
  }
  expect((await sig('SigSentry PUT: token of the wrong type', 'PUT', `/v1/config/repos/${id}`, { body: { platform: 'github', credentials: { token: 7, username: secret('REST PUT username beside a bad token', 'ghp_') }, repositories: ['acme/rest-a'] } })).status).toBe(400);
  expect((await sig('SigSentry PUT: malformed JSON', 'PUT', `/v1/config/repos/${id}`, { raw: `{"credentials":{"token":"${secret('REST PUT malformed token', 'ghp_')}"` })).status).toBe(400);
  expect((await sig('SigSentry unknown route', 'POST', `/v1/config/repos/${id}/nothing`, { body: { credentials: { token: secret('REST unknown route token', 'ghp_') } } })).status).toBe(404);

  const idemBody = { platform: 'github', credentials: { token: secret('REST idempotent token', 'ghp_') }, repositories: ['acme/rest-idem'] };
  expect((await sig('SigSentry idempotent POST', 'POST', '/v1/config/repos', { body: idemBody, headers: { 'idempotency-key': 'leak-rest-1' } })).status).toBe(201);
  const replay = await sig('SigSentry idempotent replay', 'POST', '/v1/config/repos', { body: idemBody, headers: { 'idempotency-key': 'leak-rest-1' } });
  expect(replay.status).toBe(201);
  expect(replay.raw).toMatch(/idempotent-replayed: true/i);
  expect((await sig('SigSentry idempotency key reused', 'POST', '/v1/config/repos', { body: { ...idemBody, credentials: { token: secret('REST reused-key token', 'ghp_') } }, headers: { 'idempotency-key': 'leak-rest-1' } })).status).toBe(422);
  expect((await sig('SigSentry malformed Idempotency-Key', 'POST', '/v1/config/repos', { body: idemBody, headers: { 'idempotency-key': 'bad key \u00e9' } })).status).toBe(400);

  expect((await sig('SigSentry DELETE', 'DELETE', `/v1/config/repos/${id}`)).status).toBe(200);
  expect((await sig('SigSentry GET of a deleted connection', 'GET', `/v1/config/repos/${id}`)).status).toBe(404);
  expect((await sig('SigSentry DELETE again', 'DELETE', '/v1/config/repos/rc_00000000000000000000000000000000')).status).toBe(404);

  // Heimdall: every route with the session cookie (and the header), and its error rows.
  const heimdall = (label: string, method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}) =>
    send(t.url, label, method, path, { ...options, headers: { ...cookie, ...options.headers } });
  const created = await heimdall('Heimdall POST', 'POST', '/api/repos', { body: { name: 'leak-web', source_type: 'git_url', remote_url: 'https://git.example.com/acme/leak-web.git', default_branch: 'main' } });
  expect(created.status).toBe(201);
  const repoId = created.body.data.id as string;
  expect((await send(t.url, 'Heimdall POST with the session in Authorization', 'POST', '/api/repos', { headers: bearer(sessionToken), body: { name: 'leak-gh', source_type: 'github', remote_url: 'https://github.com/acme/leak-gh.git' } })).status).toBe(201);
  expect((await heimdall('Heimdall GET one', 'GET', `/api/repos/${repoId}`)).status).toBe(200);
  expect((await heimdall('Heimdall GET list', 'GET', '/api/repos?limit=50&include_deleted=true')).status).toBe(200);
  expect((await heimdall('Heimdall GET list, bad limit', 'GET', '/api/repos?limit=0')).status).toBe(400);
  expect((await heimdall('Heimdall POST conflict', 'POST', '/api/repos', { body: { name: 'again', remote_url: 'https://git.example.com/acme/leak-web.git' } })).status).toBe(409);
  const heimdallErrors: [string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number][] = [
    ['malformed JSON', { raw: `{"name":"x","remote_url":"https://git.example.com/a.git","token":"${secret('Heimdall malformed JSON token', 'ghp_')}"` }, 400],
    ['a password in the remote', { body: { name: 'x', remote_url: `https://bot:${secret('Heimdall remote password', 'ghp_')}@git.example.com/acme/x.git` } }, 400],
    ['session token sent as the name', { body: { name: [secret('Heimdall token as name', 'rls_')], remote_url: 'https://git.example.com/acme/y.git' } }, 400],
    ['token sent as source_type', { body: { name: 'x', source_type: secret('Heimdall token as source_type', 'ghp_'), remote_url: 'https://git.example.com/acme/z.git' } }, 400],
    ['body too large', { body: { name: 'x', remote_url: 'https://git.example.com/acme/big.git', token: secret('Heimdall token in a large body', 'ghp_'), pad: 'x'.repeat(70 * 1024) } }, 413],
  ];
  for (const [label, options, status] of heimdallErrors) {
    const res = await heimdall(`Heimdall POST: ${label}`, 'POST', '/api/repos', options);
    expect({ label, status: res.status }).toEqual({ label, status });
  }
  expect((await send(t.url, 'Heimdall POST with a forged session', 'POST', '/api/repos', { headers: { cookie: `session=${forgedSession}` }, body: { name: 'x', remote_url: 'https://git.example.com/acme/f.git' } })).status).toBe(401);
  expect((await send(t.url, 'Heimdall GET with an expired session', 'GET', '/api/repos', { headers: { cookie: `session=${expiredSession}` } })).status).toBe(401);
  expect((await send(t.url, 'Heimdall GET with no session', 'GET', `/api/repos/${repoId}`)).status).toBe(401);
  expect((await send(t.url, "Heimdall GET by another tenant's key", 'GET', `/api/repos/${repoId}`, { headers: bearer(other.apiKey) })).status).toBe(404);
  const heimdallIdem = { name: 'leak-idem', remote_url: 'https://git.example.com/acme/leak-idem.git' };
  expect((await heimdall('Heimdall idempotent POST', 'POST', '/api/repos', { body: heimdallIdem, headers: { 'idempotency-key': 'leak-heimdall-1' } })).status).toBe(201);
  expect((await heimdall('Heimdall idempotent replay', 'POST', '/api/repos', { body: heimdallIdem, headers: { 'idempotency-key': 'leak-heimdall-1' } })).status).toBe(201);
  expect((await heimdall('Heimdall idempotency key reused', 'POST', '/api/repos', { body: { ...heimdallIdem, name: 'other' }, headers: { 'idempotency-key': 'leak-heimdall-1' } })).status).toBe(422);
  expect((await heimdall('Heimdall DELETE', 'DELETE', `/api/repos/${repoId}`)).status).toBe(200);
  expect((await heimdall('Heimdall DELETE of an unknown id', 'DELETE', '/api/repos/01936d2f-8c4e-7890-b123-456789abcdef')).status).toBe(404);

  // Rate limiting answers 429 in all three envelopes.
  const limitedKey = limited.apiKey;
  secrets.set('rate-limited API key', limitedKey);
  const { token: limitedSession } = await createSessionFor(limited.dataSource, limited.account);
  secrets.set('rate-limited session token', limitedSession);
  const limitedToken = secret('token sent past the rate limit', 'ghp_');
  // Until the 429 comes: five requests at a limit of two reach it even across a minute's boundary.
  const untilLimited = async (label: string, request: (i: number) => Promise<Exchange>) => {
    for (let i = 0; i < 5; i++) if ((await request(i)).status === 429) return;
    throw new Error(`${label} never reached the rate limit`);
  };
  await untilLimited('SigSentry', (i) =>
    send(limited.url, `rate limit: SigSentry POST ${i}`, 'POST', '/v1/config/repos', { headers: bearer(limitedKey), body: { platform: 'github', credentials: { token: limitedToken }, repositories: [`acme/limited-${i}`] } }),
  );
  await untilLimited('GraphQL', (i) =>
    send(limited.url, `rate limit: GraphQL ${i}`, 'POST', '/graphql', { headers: bearer(limitedKey), body: { query: CONNECT, variables: { input: { platform: 'GITHUB', credentials: { token: limitedToken }, repositories: [`acme/limited-g${i}`] } } } }),
  );
  await untilLimited('Heimdall', (i) => send(limited.url, `rate limit: Heimdall GET ${i}`, 'GET', '/api/repos', { headers: { cookie: `session=${limitedSession}` } }));

  // Webhooks: deliveries signed with the hook's secret, a forged one, and secrets sent where they do not belong.
  const { hook, generatedSecret } = await t.server.services.webhooks.hooks.create({ tenantId: account.tenant.id, host: 'gitlab', baseUrl: null, description: null, secret: null });
  secrets.set('webhook hook secret', generatedSecret!.reveal());
  const hookSecret = generatedSecret!.reveal();
  const gitlabPush = JSON.stringify({ object_kind: 'push', event_name: 'push', after: 'a'.repeat(40), project: { id: 1, path_with_namespace: 'acme/leak' } });
  const hookPath = `/webhooks/gitlab/${hook.id}`;
  const webhook = (label: string, path: string, headers: Record<string, string>, raw = gitlabPush) => send(t.url, label, 'POST', path, { raw, headers: { 'x-gitlab-event': 'Push Hook', 'idempotency-key': randomBytes(8).toString('hex'), ...headers } });
  expect((await webhook('webhook delivery with the right token', hookPath, { 'x-gitlab-token': hookSecret })).status).toBe(202);
  expect((await webhook('webhook delivery with a forged token', hookPath, { 'x-gitlab-token': secret('forged webhook token', 'whsec_') })).status).toBe(401);
  expect((await webhook('webhook delivery with the token of another hook id', `/webhooks/gitlab/wh_${randomBytes(16).toString('hex')}`, { 'x-gitlab-token': hookSecret })).status).toBe(401);
  expect((await webhook('webhook delivery with a token in the body', hookPath, { 'x-gitlab-token': secret('forged token beside a body token', 'whsec_') }, JSON.stringify({ token: hookSecret, secret: secret('secret in a webhook body', 'whsec_') }))).status).toBe(401);
  expect((await webhook('webhook delivery too large', hookPath, { 'x-gitlab-token': hookSecret }, `{"pad":"${'x'.repeat(26 * 1024 * 1024)}"}`)).status).toBe(413);
  const githubRoute = `/webhooks/github/hooks/${hook.id}`;
  expect((await webhook('webhook: a GitLab hook on the GitHub route, signed with its secret', githubRoute, { 'x-hub-signature-256': `sha256=${createHmac('sha256', hookSecret).update(gitlabPush).digest('hex')}` })).status).toBe(401);
  const hookRead = await gql('GraphQL webhook hooks and deliveries', key, `query($id: ID!) { webhookHooks { edges { node { id path } } } webhookHook(id: $id) { id host path deliveries { edges { node { deliveryId event outcome } } } } }`, { id: hook.id });
  expect(hookRead.body.data.webhookHook.deliveries.edges).toHaveLength(1);

  // The rest of the surface, with a key attached.
  expect((await send(t.url, 'playground page', 'GET', '/graphql', { headers: { ...bearer(key), accept: 'text/html' } })).status).toBe(200);
  expect((await send(t.url, 'health', 'GET', '/healthz', { headers: cookie })).status).toBe(200);
  expect((await send(t.url, 'readiness', 'GET', '/readyz', { headers: cookie })).status).toBe(200);
  await send(t.url, 'metrics', 'GET', '/metrics', { headers: bearer(key) });
  await send(t.url, 'unknown path', 'GET', `/nothing?token=${secret('token in an unknown path', 'ghp_')}`, { headers: bearer(key) });

  // Every request went out, and the secrets are distinct from one another.
  expect(exchanges.length).toBeGreaterThan(90);
  expect(new Set(secrets.values()).size).toBe(secrets.size);
  const leaks = exchanges.flatMap((e) => [...secrets].filter(([, value]) => e.raw.includes(value)).map(([name]) => `${e.label} → ${name}`));
  expect(leaks).toEqual([]);
});

/**
 * Code-host accounts: the app's private key, client secret and webhook secret (given through the
 * environment), the installation, access and refresh tokens the fakes issue, pasted Bitbucket
 * API/access tokens and a refused app password, and the flows' codes — none of them in any answer
 * (GraphQL, the callbacks' redirects and pages, the shim), any log line at trace level, or any
 * stored reason or sync error — also while connections, syncs and Heimdall sources use the accounts
 * (tokens renewed on a 401, a suspended installation, an account needing re-authorization).
 */
test('no code-host secret in any answer, log line or stored error', async () => {
  const { startFakeHosts } = await import('./support/fake-hosts');
  const { CodeHostAccountEntity } = await import('../src/db/entities');
  const { createIsolatedDatabase } = await import('./support/db');
  const fake = await startFakeHosts();
  // A database of its own: this test runs the sync worker, which takes every due job.
  const isolated = await createIsolatedDatabase('secrets_accounts');
  const lines: string[] = [];
  const found = new Map<string, string>();
  const keep = (name: string, value: string) => {
    found.set(name, value);
    return value;
  };
  const app = fake.githubHost.registerApp({ requestOAuthOnInstall: true, installationTokenTtlMs: 60 * 60_000 });
  const gitlab = fake.gitlabHost.registerApplication({ redirectUris: [] });
  keep('GitHub App private key (body)', app.privateKeyPem.split('\n').slice(1, -2).join(''));
  keep('GitHub App client secret', app.clientSecret);
  keep('GitHub App webhook secret', app.webhookSecret);
  keep('GitLab application secret', gitlab.clientSecret);
  const s = await startTestServer({
    databaseUrl: isolated.url,
    env: {
      LOG_LEVEL: 'trace',
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi,
      REPOLINK_BITBUCKET_URL: fake.url,
      REPOLINK_GITHUB_APP_ID: String(app.appId),
      REPOLINK_GITHUB_APP_SLUG: app.slug,
      REPOLINK_GITHUB_APP_CLIENT_ID: app.clientId,
      REPOLINK_GITHUB_APP_CLIENT_SECRET: app.clientSecret,
      REPOLINK_GITHUB_APP_PRIVATE_KEY: app.privateKeyPem,
      REPOLINK_GITHUB_APP_WEBHOOK_SECRET: app.webhookSecret,
      REPOLINK_GITHUB_APP_BASE_URL: fake.githubWeb,
      REPOLINK_GITLAB_OAUTH_CLIENT_ID: gitlab.clientId,
      REPOLINK_GITLAB_OAUTH_CLIENT_SECRET: gitlab.clientSecret,
      REPOLINK_GITLAB_OAUTH_BASE_URL: fake.gitlab,
    },
    deps: { logger: true, logDestination: { write: (chunk: string) => void lines.push(chunk) } },
  });
  const raw: string[] = [];
  try {
    app.callbackUrls = [`${s.url}/oauth/callback/github`];
    fake.gitlabHost['oauth'].clients.get(gitlab.clientId)!.redirectUris.push(`${s.url}/oauth/callback/gitlab`);
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await s.gql(query, variables);
      raw.push(JSON.stringify(res.body), [...res.headers].join('\n'));
      return res.body;
    };
    /** A browser between the fakes and repolink; every answer of repolink is kept. */
    const browse = async (url: string) => {
      let current = url;
      for (let hop = 0; hop < 8 && (current.startsWith(fake.url) || current.startsWith(s.url)); hop++) {
        const res = await fetch(current, { redirect: 'manual' });
        const text = await res.text();
        if (current.startsWith(s.url)) raw.push(`${res.status} ${[...res.headers].join('\n')}\n${text}`);
        const location = res.headers.get('location');
        if (!location) return;
        // What the hosts send back: codes and states travel in URLs, as on the real hosts.
        const next = new URL(location, current);
        if (next.searchParams.get('code')) keep(`authorization code ${found.size}`, next.searchParams.get('code')!);
        current = next.toString();
      }
    };
    const START = `mutation($input: StartCodeHostAuthorizationInput!) { startCodeHostAuthorization(input: $input) { authorizationUrl userErrors { message } } }`;
    const ACCOUNT = `query($id: ID!) { codeHostAccount(id: $id) { id status statusReason identity scopes credentialHint installation { installationId permissions { name level } } repositories { edges { node { path } } } } }`;

    // A GitHub App installation, its token renewed once; a GitLab authorization, its refresh refused.
    fake.githubHost.addUser({ login: 'leak-user', orgs: ['leak-org'] });
    fake.githubHost.addRepo({ owner: 'leak-org', name: 'app' });
    fake.githubHost.signIn('leak-user');
    fake.githubHost.prepareInstall({ app, account: 'leak-org' });
    await browse((await gql(START, { input: { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb } })).data.startCodeHostAuthorization.authorizationUrl);
    fake.gitlabHost.addUser({ username: 'leak-gl' });
    fake.gitlabHost.signIn('leak-gl');
    await browse((await gql(START, { input: { host: 'GITLAB', baseUrl: fake.gitlab } })).data.startCodeHostAuthorization.authorizationUrl);
    fake.gitlabHost.denyConsent();
    await browse((await gql(START, { input: { host: 'GITLAB', baseUrl: fake.gitlab } })).data.startCodeHostAuthorization.authorizationUrl);
    const accounts = await s.dataSource.getRepository(CodeHostAccountEntity).findBy({ tenantId: s.account.tenant.id });
    expect(accounts.map((a) => a.kind).sort()).toEqual(['github_app_installation', 'oauth']);
    const tokens = s.server.services.codeHosts.tokens;
    for (const account of accounts) {
      const token = await tokens.tokenFor(s.account.tenant.id, account.id);
      keep(`${account.kind} access token`, token.token.reveal());
      const { accountAad } = await import('../src/modules/code-host-accounts/code-host-secrets');
      const [row] = await s.dataSource.query('SELECT refresh_token_key_id AS k, refresh_token_ciphertext AS c FROM code_host_accounts WHERE id = ?', [account.id]);
      if (row.c) keep(`${account.kind} refresh token`, s.cipher.open({ keyId: row.k, blob: row.c }, accountAad(account, 'refresh_token')).reveal());
      await s.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [account.id]);
      keep(`${account.kind} renewed access token`, (await tokens.tokenFor(s.account.tenant.id, account.id)).token.reveal());
      await gql(ACCOUNT, { id: account.id });
    }
    const oauth = accounts.find((a) => a.kind === 'oauth')!;
    const { accountAad } = await import('../src/modules/code-host-accounts/code-host-secrets');
    const [refreshRow] = await s.dataSource.query('SELECT refresh_token_key_id AS k, refresh_token_ciphertext AS c FROM code_host_accounts WHERE id = ?', [oauth.id]);
    const refresh = keep('GitLab refresh token (revoked)', s.cipher.open({ keyId: refreshRow.k, blob: refreshRow.c }, accountAad(oauth, 'refresh_token')).reveal());
    fake.gitlabHost.revokeToken(refresh);
    await s.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [oauth.id]);
    await expect(tokens.tokenFor(s.account.tenant.id, oauth.id)).rejects.toMatchObject({ status: 'needs_reauthorization' });
    await gql(ACCOUNT, { id: oauth.id });

    // Pasted credentials: accepted, refused for a scope, refused by the host, and an ended app password.
    const ADD = `mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) { codeHostAccount { id credentialHint statusReason } userErrors { field message } } }`;
    fake.bitbucketHost.addUser({ username: 'leak-bb', email: 'leak@example.com' });
    const apiToken = keep('Bitbucket API token', fake.bitbucketHost.addApiToken({ email: 'leak@example.com', scopes: ['read:user:bitbucket', 'read:repository:bitbucket', 'read:pullrequest:bitbucket'] }));
    await gql(ADD, { input: { host: 'BITBUCKET', kind: 'API_TOKEN', email: 'leak@example.com', token: apiToken } });
    await gql(ADD, { input: { host: 'BITBUCKET', kind: 'API_TOKEN', email: 'wrong@example.com', token: apiToken } });
    const narrow = keep('Bitbucket API token without scopes', fake.bitbucketHost.addApiToken({ email: 'leak@example.com', scopes: ['read:user:bitbucket'] }));
    await gql(ADD, { input: { host: 'BITBUCKET', kind: 'API_TOKEN', email: 'leak@example.com', token: narrow } });
    fake.bitbucketHost.addWorkspace({ slug: 'leakws', members: ['leak-bb'] });
    const access = keep('Bitbucket access token', fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'leakws', scopes: ['repository', 'pullrequest'] }));
    await gql(ADD, { input: { host: 'BITBUCKET', kind: 'ACCESS_TOKEN', token: access } });
    const password = keep('Bitbucket app password', fake.bitbucketHost.addAppPassword({ username: 'leak-bb', scopes: ['repository'] }));
    fake.bitbucketHost.appPasswordsEnded = true;
    await gql(ADD, { input: { host: 'BITBUCKET', kind: 'API_TOKEN', email: 'leak@example.com', token: password } });
    await gql(ADD, { input: { host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token: keep('pasted installation token', found.get('github_app_installation access token')!) } });
    await gql('{ codeHostAccounts(first: 50) { edges { node { id status statusReason identity credentialHint } } } }', {});

    // Connections through the accounts: the dry run, a verified connect, syncs (a token GitHub refuses
    // before its expiry renewed on the 401; then the installation suspended), one refused for an account
    // that needs re-authorization, and Heimdall sources read through an account.
    const github = accounts.find((a) => a.kind === 'github_app_installation')!;
    const CHECK = `mutation($input: ConnectReposInput!) { checkRepoConnection(input: $input) { check { ok credential { valid identity scopes message } repositories { repository status message } } userErrors { field message } } }`;
    const CONNECT = `mutation($input: ConnectReposInput!, $verify: Boolean) { connectRepos(input: $input, verify: $verify) { repoConnection { id credentialsHint codeHostAccount { id status } } userErrors { field message } } }`;
    const READ = `query($id: ID!) { repoConnection(id: $id) { syncStatus syncError codeHostAccount { status statusReason } repositories { syncError lastCommitSha } } }`;
    await gql(CHECK, { input: { platform: 'GITHUB', codeHostAccountId: github.id, repositories: ['leak-org/app', 'leak-org/nope'] } });
    const connection = (await gql(CONNECT, { input: { platform: 'GITHUB', codeHostAccountId: github.id, repositories: ['leak-org/app'] }, verify: true })).data.connectRepos.repoConnection.id;
    await gql(CONNECT, { input: { platform: 'GITLAB', codeHostAccountId: oauth.id, repositories: ['leak/app'] }, verify: true });
    const runJobs = async () => {
      while ((await s.server.syncWorker.runOnce()) !== null) {
        // every due job
      }
    };
    // Tokens of 7 minutes from now on; GitHub's clock then passes the stored one's expiry: refused, renewed, used.
    app.installationTokenTtlMs = 7 * 60_000;
    await s.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [github.id]);
    keep('installation token of 7 minutes', (await tokens.tokenFor(s.account.tenant.id, github.id)).token.reveal());
    await gql(`mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { message } } }`, { id: connection });
    fake.clock.advance(7.5 * 60_000);
    try {
      await runJobs();
    } finally {
      fake.clock.advance(-7.5 * 60_000);
    }
    keep('installation token minted after a 401', (await tokens.tokenFor(s.account.tenant.id, github.id)).token.reveal());
    expect(found.get('installation token minted after a 401')).not.toBe(found.get('installation token of 7 minutes'));
    expect((await gql(READ, { id: connection })).data.repoConnection).toMatchObject({ syncStatus: 'OK', syncError: null });
    const { createSessionFor } = await import('./support/factories');
    const session = await createSessionFor(s.dataSource, s.account);
    const heimdall = await fetch(`${s.url}/api/repos`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: `session=${session.token}` }, body: JSON.stringify({ name: 'app', source_type: 'github', remote_url: `${fake.url}/leak-org/app.git` }) });
    raw.push(`${heimdall.status} ${[...heimdall.headers].join('\n')}\n${await heimdall.text()}`);
    fake.githubHost.suspendInstallation([...fake.githubHost.installations.values()].find((i) => i.account === 'leak-org')!.id);
    await gql(`mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { message } } }`, { id: connection });
    await runJobs();
    const afterSuspension = await gql(READ, { id: connection });
    expect(afterSuspension.data.repoConnection).toMatchObject({ syncStatus: 'ERROR', syncError: expect.stringMatching(/SUSPENDED/), codeHostAccount: { status: 'SUSPENDED' } });
    const heimdallRead = await fetch(`${s.url}/api/repos?limit=10`, { headers: { cookie: `session=${session.token}` } });
    raw.push(`${heimdallRead.status} ${await heimdallRead.text()}`);

    const stored = JSON.stringify([
      await s.dataSource.query('SELECT status_reason, identity, scopes, installation, credential_hint, auth_username FROM code_host_accounts WHERE tenant_id = ?', [s.account.tenant.id]),
      await s.dataSource.query('SELECT sync_error, credentials_hint, base_url FROM repo_connections WHERE tenant_id = ?', [s.account.tenant.id]),
      await s.dataSource.query('SELECT sync_error, remote_url, oauth_connection_id FROM repositories WHERE tenant_id = ?', [s.account.tenant.id]),
      await s.dataSource.query('SELECT last_error FROM sync_jobs WHERE tenant_id = ?', [s.account.tenant.id]),
    ]);
    expect(stored).toMatch(/SUSPENDED/);
    expect(found.size).toBeGreaterThanOrEqual(16);
    const leaks = [...found].flatMap(([name, value]) =>
      [...raw.map((text, i) => [`answer ${i}`, text] as const), ...lines.map((text, i) => [`log line ${i}`, text] as const), ['stored account columns', stored] as const]
        .filter(([, text]) => text.includes(value))
        .map(([where]) => `${where} → ${name}`),
    );
    expect(leaks).toEqual([]);
    // The run was real: trace logs were written and the callbacks answered.
    expect(lines.length).toBeGreaterThan(10);
    // (No return URL is configured here: the callbacks answer repolink's own pages.)
    expect(raw.filter((text) => text.startsWith('200 ') && text.includes('<h1>Connected</h1>'))).toHaveLength(2);
    expect(raw.some((text) => text.startsWith('400 ') && text.includes('declined on GitLab'))).toBe(true);
  } finally {
    fake.bitbucketHost.appPasswordsEnded = false;
    await s.close();
    await isolated.drop();
    await fake.close();
  }
}, 90_000);
