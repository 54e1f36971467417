import { rest } from './support/rest';
import { SHA, TOKENS, startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { createIsolatedDatabase } from './support/db';
import { createAccount } from './support/factories';
import { startTestServer, type TestServer } from './support/test-server';

const CHECK = /* GraphQL */ `
  mutation Check($input: ConnectReposInput!) {
    checkRepoConnection(input: $input) {
      check {
        ok platform
        credential { valid identity scopes requiredScopes missingScopes message }
        repositories { repository status visibility permission defaultBranch headCommit message }
      }
      userErrors { code field message }
    }
  }
`;

const CONNECT = /* GraphQL */ `
  mutation Connect($input: ConnectReposInput!, $verify: Boolean) {
    connectRepos(input: $input, verify: $verify) {
      repoConnection { id repositories { path defaultBranch lastCommitSha } }
      userErrors { code field message }
    }
  }
`;

const REPLACE = /* GraphQL */ `
  mutation Replace($input: ReplaceRepoConnectionInput!, $verify: Boolean) {
    replaceRepoConnection(input: $input, verify: $verify) {
      repoConnection { id repositories { path defaultBranch lastCommitSha } }
      userErrors { code field message }
    }
  }
`;

let fake: FakeHosts;
let server: TestServer;
let guarded: TestServer;

beforeAll(async () => {
  fake = await startFakeHosts();
  server = await startTestServer({ env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi, REPOLINK_PLATFORM_TIMEOUT_MS: '500' } });
  guarded = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  await guarded?.close();
  await fake?.close();
});

const github = (token: string, repositories: string[], extra: Record<string, unknown> = {}) => ({
  platform: 'GITHUB',
  credentials: { token },
  baseUrl: fake.githubApi,
  repositories,
  ...extra,
});

/** A project of its own, so repositories connected by one test do not conflict with another's. */
async function freshKey(): Promise<Record<string, string>> {
  return { authorization: `Bearer ${(await createAccount(server.dataSource)).apiKey}` };
}

async function connectionCount(s: TestServer): Promise<number> {
  const [row] = await s.dataSource.query('SELECT COUNT(*) AS n FROM repo_connections WHERE project_id = ?', [s.account.project.id]);
  return Number(row.n);
}

describe('checkRepoConnection', () => {
  it('reports the credential and every repository, and writes nothing', async () => {
    const before = await connectionCount(server);
    const res = await server.gql(CHECK, { input: github(TOKENS.githubClassic, ['acme/api', 'acme/nope', 'acme/sso', 'acme/web']) });
    expect(res.body.errors).toBeUndefined();
    const { check, userErrors } = res.body.data.checkRepoConnection;
    expect(userErrors).toEqual([]);
    expect(check.ok).toBe(false);
    expect(check.platform).toBe('GITHUB');
    expect(check.credential).toEqual({ valid: true, identity: 'octocat', scopes: ['read:org', 'repo'], requiredScopes: ['repo'], missingScopes: [], message: null });
    expect(check.repositories.map((r: any) => [r.repository, r.status])).toEqual([
      ['acme/api', 'FOUND'],
      ['acme/nope', 'NOT_FOUND'],
      ['acme/sso', 'NO_ACCESS'],
      ['acme/web', 'FOUND'],
    ]);
    expect(check.repositories[0]).toMatchObject({ visibility: 'private', permission: 'push', defaultBranch: 'main', headCommit: SHA.githubApi, message: null });
    expect(check.repositories[3]).toMatchObject({ visibility: 'public', defaultBranch: 'trunk', headCommit: SHA.githubWeb });
    expect(await connectionCount(server)).toBe(before);
  });

  it('names the scopes a token lacks for reading code and pull requests', async () => {
    const res = await server.gql(CHECK, { input: github(TOKENS.githubPublicOnly, ['acme/web']) });
    expect(res.body.data.checkRepoConnection.check).toMatchObject({ ok: false, credential: { valid: true, scopes: ['public_repo'], missingScopes: ['repo'] } });
  });

  it('a fine-grained token: scopes unknown, pull request access judged per repository', async () => {
    const res = await server.gql(CHECK, { input: github(TOKENS.githubFineGrained, ['acme/api']) });
    const { check } = res.body.data.checkRepoConnection;
    expect(check.credential).toMatchObject({ valid: true, scopes: null, missingScopes: null });
    expect(check.repositories[0]).toMatchObject({ status: 'NO_ACCESS', message: expect.stringMatching(/pull requests/) });
  });

  it('GitLab and Bitbucket', async () => {
    const gl = await server.gql(CHECK, { input: { platform: 'GITLAB', credentials: { token: TOKENS.gitlabGood }, baseUrl: fake.gitlab, repositories: ['group/sub/project', 'group/guest'] } });
    expect(gl.body.data.checkRepoConnection.check).toMatchObject({
      ok: false,
      credential: { valid: true, identity: 'gitlab-user', missingScopes: [] },
      repositories: [
        { repository: 'group/sub/project', status: 'FOUND', defaultBranch: 'develop', headCommit: SHA.gitlabProject, permission: 'developer' },
        { repository: 'group/guest', status: 'NO_ACCESS', permission: 'guest' },
      ],
    });
    const bb = await server.gql(CHECK, { input: { platform: 'BITBUCKET', credentials: { username: TOKENS.bitbucketUser, appPassword: TOKENS.bitbucketPassword }, repositories: ['ws/app'] } });
    expect(bb.body.data.checkRepoConnection.check).toMatchObject({
      ok: true,
      // Issue 17 on purpose: Bitbucket's current scope names; the app password's `repository` and `pullrequest` cover them.
      credential: { valid: true, identity: 'bb-user', requiredScopes: ['read:repository:bitbucket', 'read:pullrequest:bitbucket'], missingScopes: [] },
      repositories: [{ repository: 'ws/app', status: 'FOUND', defaultBranch: 'master', headCommit: SHA.bitbucketApp, permission: 'write' }],
    });
  });

  it('a refused credential is invalid and no repository is asked about', async () => {
    const before = fake.requests.length;
    const res = await server.gql(CHECK, { input: { platform: 'GITLAB', credentials: { token: TOKENS.gitlabBad }, baseUrl: fake.gitlab, repositories: ['group/sub/project'] } });
    const { check } = res.body.data.checkRepoConnection;
    expect(check.credential).toMatchObject({ valid: false, identity: null });
    expect(check.repositories[0].status).toBe('NO_ACCESS');
    expect(fake.requests.slice(before).every((r) => !r.path.includes('/projects/'))).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain(TOKENS.gitlabBad);
  });

  it('invalid input answers the same user errors as connectRepos and calls no platform', async () => {
    const before = fake.requests.length;
    const res = await server.gql(CHECK, { input: github(TOKENS.githubClassic, ['not a path']) });
    expect(res.body.data.checkRepoConnection).toEqual({ check: null, userErrors: [expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['repositories', '0'] })] });
    expect(fake.requests.length).toBe(before);
  });

  it('a slow platform is reported unreachable within the timeout', async () => {
    const res = await server.gql(CHECK, { input: github(TOKENS.githubClassic, ['acme/slow']) });
    expect(res.body.data.checkRepoConnection.check.repositories[0]).toMatchObject({ status: 'UNREACHABLE', message: expect.stringMatching(/did not answer within 500 ms/) });
  });

  it('without REPOLINK_PLATFORM_ALLOW_PRIVATE a baseUrl on loopback is refused before any request', async () => {
    const before = fake.requests.length;
    const res = await guarded.gql(CHECK, { input: github(TOKENS.githubClassic, ['acme/api']) });
    expect(res.body.data.checkRepoConnection.check).toMatchObject({
      ok: false,
      credential: { valid: null, message: expect.stringMatching(/private or loopback address/) },
      repositories: [{ status: 'UNREACHABLE' }],
    });
    expect(fake.requests.length).toBe(before);
  });

  it('needs config:write', async () => {
    const { createApiKey } = await import('./support/factories');
    const readOnly = await createApiKey(server.dataSource, { projectId: server.account.project.id }, ['config:read']);
    const res = await server.gql(CHECK, { input: github(TOKENS.githubClassic, ['acme/api']) }, { authorization: `Bearer ${readOnly}` });
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('connectRepos and replaceRepoConnection with verify', () => {
  it('without verify nothing is asked and a misspelled repository is accepted, as documented', async () => {
    const before = fake.requests.length;
    const res = await server.gql(CONNECT, { input: github(TOKENS.githubClassic, ['acme/misspelled']) });
    expect(res.body.data.connectRepos.userErrors).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });

  it('verify: true refuses with one user error per failing repository and writes nothing', async () => {
    const before = await connectionCount(server);
    const res = await server.gql(CONNECT, { input: github(TOKENS.githubClassic, ['acme/api', 'acme/nope', 'acme/sso']), verify: true });
    expect(res.body.data.connectRepos).toEqual({
      repoConnection: null,
      userErrors: [
        { code: 'BAD_USER_INPUT', field: ['repositories', '1'], message: expect.stringMatching(/^"acme\/nope" was not found/) },
        { code: 'BAD_USER_INPUT', field: ['repositories', '2'], message: expect.stringMatching(/^"acme\/sso" cannot be read with this credential/) },
      ],
    });
    expect(await connectionCount(server)).toBe(before);
  });

  it('verify: true refuses a credential without the needed scopes', async () => {
    const res = await server.gql(CONNECT, { input: github(TOKENS.githubPublicOnly, ['acme/web']), verify: true });
    expect(res.body.data.connectRepos.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['credentials'], message: expect.stringMatching(/lacks the scope repo/) }]);
  });

  it('verify: true accepts a good connection and stores the platform default branch and head', async () => {
    const res = await server.gql(CONNECT, {
      input: github(TOKENS.githubClassic, ['acme/web', 'acme/flaky'], { serviceMappings: [{ serviceName: `web-${Date.now()}`, repo: 'acme/web', pathPrefix: '', defaultBranch: 'main' }] }),
      verify: true,
    });
    expect(res.body.data.connectRepos.userErrors).toEqual([]);
    expect(res.body.data.connectRepos.repoConnection.repositories).toEqual(
      expect.arrayContaining([
        { path: 'acme/web', defaultBranch: 'trunk', lastCommitSha: SHA.githubWeb },
        { path: 'acme/flaky', defaultBranch: 'main', lastCommitSha: SHA.githubFlaky },
      ]),
    );
  });

  it('replaceRepoConnection with verify refuses a failing body and keeps the old configuration', async () => {
    const key = await freshKey();
    const created = await server.gql(CONNECT, { input: github(TOKENS.githubClassic, ['acme/api']) }, key);
    const id = created.body.data.connectRepos.repoConnection.id;
    const refused = await server.gql(REPLACE, { input: { id, ...github(TOKENS.githubBad, ['acme/api']) }, verify: true }, key);
    expect(refused.body.data.replaceRepoConnection.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['credentials'], message: expect.stringMatching(/refused the credentials/) }]);
    const ok = await server.gql(REPLACE, { input: { id, ...github(TOKENS.githubClassic, ['acme/api', 'acme/web']) }, verify: true }, key);
    expect(ok.body.data.replaceRepoConnection.userErrors).toEqual([]);
    expect(ok.body.data.replaceRepoConnection.repoConnection.repositories).toEqual(expect.arrayContaining([{ path: 'acme/web', defaultBranch: 'trunk', lastCommitSha: SHA.githubWeb }]));
  });
});

const CHECK_HOST_FACTS = /* GraphQL */ `
  mutation Check($input: ConnectReposInput!) {
    checkRepoConnection(input: $input) {
      check { ok repositories { repository status movedTo ssoAuthorizationUrl archived hostRepositoryId defaultBranch headCommit message } }
      userErrors { code field message }
    }
  }
`;
const CONNECT_HOST_FACTS = /* GraphQL */ `
  mutation Connect($input: ConnectReposInput!, $verify: Boolean) {
    connectRepos(input: $input, verify: $verify) {
      repoConnection { id repositories { path archived hostRepositoryId defaultBranch lastCommitSha } }
      userErrors { code field message }
    }
  }
`;

describe('moved, archived and SAML-protected repositories (issue 17)', () => {
  it('a renamed repository is MOVED with its new path and what was found there; verify refuses it and names the new path', async () => {
    const original = fake.githubHost.addRepo({ owner: 'acme', name: 'gql-old', private: true, head: 'cc'.repeat(20) });
    fake.githubHost.renameRepo('acme/gql-old', 'acme/gql-new');
    const res = await server.gql(CHECK_HOST_FACTS, { input: github(TOKENS.githubClassic, ['acme/gql-old', 'acme/sso']) });
    expect(res.body.errors).toBeUndefined();
    const { check } = res.body.data.checkRepoConnection;
    expect(check.ok).toBe(false);
    expect(check.repositories[0]).toEqual({
      repository: 'acme/gql-old',
      status: 'MOVED',
      movedTo: 'acme/gql-new',
      ssoAuthorizationUrl: null,
      archived: false,
      hostRepositoryId: String(original.id),
      defaultBranch: 'main',
      headCommit: 'cc'.repeat(20),
      message: 'Renamed or transferred on GitHub: it is now acme/gql-new',
    });
    expect(check.repositories[1]).toMatchObject({ status: 'NO_ACCESS', ssoAuthorizationUrl: expect.stringMatching(new RegExp(`^${fake.url}/orgs/acme/sso\\?`)), message: expect.stringMatching(/authorize this token for acme at/) });

    const before = await connectionCount(server);
    const refused = await server.gql(CONNECT_HOST_FACTS, { input: github(TOKENS.githubClassic, ['acme/gql-old']), verify: true });
    expect(refused.body.data.connectRepos).toEqual({
      repoConnection: null,
      userErrors: [{ code: 'BAD_USER_INPUT', field: ['repositories', '0'], message: '"acme/gql-old" has moved; connect it by its new path: Renamed or transferred on GitHub: it is now acme/gql-new' }],
    });
    expect(await connectionCount(server)).toBe(before);
    const shim = await rest(server.url, 'POST', '/v1/config/repos?verify=true', { body: { platform: 'github', credentials: { token: TOKENS.githubClassic }, baseUrl: fake.githubApi, repositories: ['acme/gql-old', 'acme/sso'] }, headers: { authorization: `Bearer ${server.apiKey}` } });
    expect(shim.status).toBe(400);
    expect(shim.body.error.details).toEqual([
      { field: 'repositories[0]', message: expect.stringMatching(/has moved; connect it by its new path: .* it is now acme\/gql-new$/) },
      { field: 'repositories[1]', message: expect.stringMatching(/enforces SAML single sign-on: authorize this token for acme at http/) },
    ]);
    expect(shim.text).not.toContain(TOKENS.githubClassic);
  });

  it('a verified connect stores archived and the host ids (GitHub, GitLab); they show on Repository', async () => {
    const archived = fake.githubHost.addRepo({ owner: 'acme', name: 'gql-archived', private: true, archived: true });
    const key = await freshKey();
    const res = await server.gql(CONNECT_HOST_FACTS, { input: github(TOKENS.githubClassic, ['acme/gql-archived', 'acme/web']), verify: true }, key);
    expect(res.body.data.connectRepos.userErrors).toEqual([]);
    expect(res.body.data.connectRepos.repoConnection.repositories).toEqual(
      expect.arrayContaining([
        { path: 'acme/gql-archived', archived: true, hostRepositoryId: String(archived.id), defaultBranch: 'main', lastCommitSha: expect.stringMatching(/^[0-9a-f]{40}$/) },
        { path: 'acme/web', archived: false, hostRepositoryId: '1296270', defaultBranch: 'trunk', lastCommitSha: SHA.githubWeb },
      ]),
    );
    const [row] = await server.dataSource.query('SELECT platform_host AS host, host_repository_id AS id FROM repositories WHERE path = ? AND repo_connection_id = ?', ['acme/web', res.body.data.connectRepos.repoConnection.id]);
    expect(row).toEqual({ host: new URL(fake.url).host, id: '1296270' });
    const gl = await server.gql(CONNECT_HOST_FACTS, { input: { platform: 'GITLAB', credentials: { token: TOKENS.gitlabGood }, baseUrl: fake.gitlab, repositories: ['group/sub/project'] }, verify: true }, key);
    expect(gl.body.data.connectRepos.repoConnection.repositories).toEqual([{ path: 'group/sub/project', archived: false, hostRepositoryId: '100', defaultBranch: 'develop', lastCommitSha: SHA.gitlabProject }]);
    // Without verify nothing is asked: not archived, no id yet (a sync fills them in).
    const plain = await server.gql(CONNECT_HOST_FACTS, { input: github(TOKENS.githubClassic, ['acme/api']) }, key);
    expect(plain.body.data.connectRepos.repoConnection.repositories).toEqual([{ path: 'acme/api', archived: false, hostRepositoryId: null, defaultBranch: 'main', lastCommitSha: null }]);
  });
});

describe('the shim: ?verify=true', () => {
  const auth = () => ({ authorization: `Bearer ${server.apiKey}` });
  const body = (repositories: string[], token = TOKENS.githubClassic) => ({ platform: 'github', credentials: { token }, baseUrl: fake.githubApi, repositories });

  it('POST refuses a failing repository with 400 VALIDATION_ERROR naming it', async () => {
    const res = await rest(server.url, 'POST', '/v1/config/repos?verify=true', { body: body(['acme/api', 'acme/nope']), headers: auth() });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: { code: 'VALIDATION_ERROR', message: 'A field failed validation', details: [{ field: 'repositories[1]', message: expect.stringMatching(/^"acme\/nope" was not found/) }] },
    });
    expect(res.text).not.toContain(TOKENS.githubClassic);
  });

  it('POST with a good body is 201; without the flag a failing one is still 201 (unchanged)', async () => {
    const key = await freshKey();
    expect((await rest(server.url, 'POST', '/v1/config/repos?verify=true', { body: body(['acme/api']), headers: key })).status).toBe(201);
    expect((await rest(server.url, 'POST', '/v1/config/repos', { body: body(['acme/nope']), headers: key })).status).toBe(201);
  });

  it('PUT ?verify=true with a revoked token is 400 on credentials; a bad flag value is 400 on verify', async () => {
    const created = await rest(server.url, 'POST', '/v1/config/repos', { body: body(['acme/nope2']), headers: auth() });
    const res = await rest(server.url, 'PUT', `/v1/config/repos/${created.body.data.id}?verify=true`, { body: body(['acme/api'], TOKENS.githubBad), headers: auth() });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'credentials', message: expect.stringMatching(/refused the credentials/) }]);
    const flag = await rest(server.url, 'POST', '/v1/config/repos?verify=yes', { body: body(['acme/api']), headers: auth() });
    expect(flag.status).toBe(400);
    expect(flag.body.error.details).toEqual([{ field: 'verify', message: 'verify must be true or false' }]);
  });
});

describe('no credential in any log line', () => {
  it('checks, verified connects and a failing sync log nothing secret, at trace level', async () => {
    const lines: string[] = [];
    // A database of its own: the worker below takes every due job, and must not take other test files'.
    const db = await createIsolatedDatabase('check_logs');
    const logged = await startTestServer({
      databaseUrl: db.url,
      env: { LOG_LEVEL: 'trace', REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_SYNC_MAX_ATTEMPTS: '1' },
      deps: { logger: true, logDestination: { write: (chunk: string) => void lines.push(chunk) } },
    });
    try {
      await logged.gql(CHECK, { input: github(TOKENS.githubClassic, ['acme/api', 'acme/slow']) });
      await logged.gql(CHECK, { input: github(TOKENS.githubBad, ['acme/api']) });
      await logged.gql(CONNECT, { input: github(TOKENS.githubFineGrained, ['acme/api']), verify: true });
      const made = await logged.gql(CONNECT, { input: github(TOKENS.githubBad, ['acme/web']) });
      const id = made.body.data.connectRepos.repoConnection.id;
      await logged.gql(`mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { message } } }`, { id });
      // The server's own worker, logging through the server's logger.
      expect(await logged.server.syncWorker.runOnce()).toMatchObject({ connectionId: id, outcome: 'failed' });
      const [row] = await logged.dataSource.query('SELECT sync_status AS s, sync_error AS e FROM repo_connections WHERE id = ?', [id]);
      expect(row.s).toBe('error');
      const output = lines.join('');
      expect(output).toMatch(/sync attempt did not succeed/);
      for (const secret of [TOKENS.githubClassic, TOKENS.githubBad, TOKENS.githubFineGrained]) {
        expect(output).not.toContain(secret);
        expect(row.e).not.toContain(secret);
      }
    } finally {
      await logged.close();
      await db.drop();
    }
  });
});

describe('a platform that echoes the credential back', () => {
  it('a token in its error bodies, headers or a redirect Location reaches no answer, log line or stored message; nor one in baseUrl user info', async () => {
    const http = await import('node:http');
    const token = `ghp_${'E'.repeat(12)}echoed${Date.now()}`;
    // Answers as a careless server would: the Authorization it received, in every place it can put it.
    const echo = http.createServer((req, res) => {
      const sent = String(req.headers.authorization ?? '');
      const path = (req.url ?? '').replace(/^\/api\/v3/, '');
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-echo': sent, ...headers });
        res.end(JSON.stringify(body));
      };
      if (path === '/user') return json(200, { login: 'echo-user', note: sent }, { 'x-oauth-scopes': 'repo' });
      if (path === '/repos/acme/echo422') return json(422, { message: `Validation failed for ${sent}`, documentation_url: `https://docs.example/?t=${sent}` });
      if (path === '/repos/acme/redirect') {
        res.writeHead(301, { location: `https://elsewhere.example/repos/acme/redirect?access_token=${token}` });
        return res.end(`Moved: ${sent}`);
      }
      if (path === '/repos/acme/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<p>signed in as ${sent}</p>`);
      }
      if (path === '/repos/acme/down') return json(503, { message: `upstream rejected ${sent}` }, { 'retry-after': '0' });
      return json(404, { message: `Not Found for ${sent}` });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}/api/v3`;

    const lines: string[] = [];
    const db = await createIsolatedDatabase('echo_logs');
    const logged = await startTestServer({
      databaseUrl: db.url,
      env: { LOG_LEVEL: 'trace', REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_SYNC_MAX_ATTEMPTS: '1' },
      deps: { logger: true, logDestination: { write: (chunk: string) => void lines.push(chunk) } },
    });
    try {
      const repositories = ['acme/echo422', 'acme/redirect', 'acme/html', 'acme/down', 'acme/missing'];
      const input = { platform: 'GITHUB', credentials: { token }, baseUrl, repositories };
      const answers: unknown[] = [];

      const checked = await logged.gql(CHECK, { input });
      answers.push(checked.body);
      expect(checked.body.data.checkRepoConnection.check.repositories.map((r: { status: string }) => r.status)).toEqual(['UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE', 'NOT_FOUND']);

      const refused = await logged.gql(CONNECT, { input, verify: true });
      answers.push(refused.body);
      expect(refused.body.data.connectRepos.userErrors).toHaveLength(5);

      const viaShim = await rest(logged.url, 'POST', '/v1/config/repos?verify=true', {
        body: { platform: 'github', credentials: { token, baseUrl }, repositories },
        headers: { authorization: `Bearer ${logged.apiKey}` },
      });
      answers.push(viaShim.text);
      expect(viaShim.status).toBe(400);

      // The token in baseUrl's user info is refused without being repeated.
      const userInfo = await logged.gql(CONNECT, { input: { ...input, baseUrl: `http://x-access-token:${token}@127.0.0.1:1/api/v3` } });
      answers.push(userInfo.body);
      expect(userInfo.body.data.connectRepos.userErrors).toEqual([expect.objectContaining({ field: ['baseUrl'] })]);
      // …and so is one in its query string or fragment, which would otherwise be stored and shown as the baseUrl.
      for (const tail of [`?private_token=${token}`, `?access_token=${token}`, `#${token}`]) {
        const inQuery = await logged.gql(CONNECT, { input: { ...input, baseUrl: `${baseUrl}${tail}` } });
        answers.push(inQuery.body);
        expect(inQuery.body.data.connectRepos).toEqual({ repoConnection: null, userErrors: [expect.objectContaining({ field: ['baseUrl'], message: expect.stringMatching(/query or fragment/) })] });
      }
      const shimQuery = await rest(logged.url, 'POST', '/v1/config/repos', {
        body: { platform: 'gitlab', credentials: { token, baseUrl: `https://gitlab.example.com?private_token=${token}` }, repositories: ['group/project'] },
        headers: { authorization: `Bearer ${logged.apiKey}` },
      });
      answers.push(shimQuery.text);
      expect(shimQuery.status).toBe(400);

      const made = await logged.gql(CONNECT, { input });
      const id = made.body.data.connectRepos.repoConnection.id;
      await logged.gql(`mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { message } } }`, { id });
      expect(await logged.server.syncWorker.runOnce()).toMatchObject({ connectionId: id, outcome: 'failed' });
      const status = await logged.gql(`query($id: ID!) { node(id: $id) { ... on RepoConnection { syncStatus syncError repositories { path syncStatus syncError } } } }`, { id });
      answers.push(status.body);
      expect(status.body.data.node.syncStatus).toBe('ERROR');

      const stored = JSON.stringify([
        await logged.dataSource.query('SELECT sync_error FROM repo_connections WHERE id = ?', [id]),
        await logged.dataSource.query('SELECT sync_error FROM repositories WHERE repo_connection_id = ?', [id]),
        await logged.dataSource.query('SELECT last_error FROM sync_jobs WHERE repo_connection_id = ?', [id]),
      ]);
      const output = lines.join('');
      expect(output.length).toBeGreaterThan(0);
      for (const [where, text] of [['answers', JSON.stringify(answers)], ['stored messages', stored], ['log lines', output]] as const) {
        expect([where, text.includes(token), text.includes('access_token')]).toEqual([where, false, false]);
      }
    } finally {
      await logged.close();
      await db.drop();
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});
