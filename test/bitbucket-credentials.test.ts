import { createIsolatedDatabase } from './support/db';
import { createAccount } from './support/factories';
import { SHA, TOKENS, startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * Bitbucket Cloud after app passwords (issue 17): Atlassian API tokens (Basic with the account's
 * email), access tokens (Bearer), and the SigSentry body `{username, appPassword}` kept byte for
 * byte, through GraphQL, the REST shim and a sync, against the fake Bitbucket on loopback.
 */
let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let server: TestServer;

beforeAll(async () => {
  fake = await startFakeHosts();
  // A database of its own: the sync below runs the server's worker, which takes every due job.
  db = await createIsolatedDatabase('bitbucket_credentials');
  server = await startTestServer({ databaseUrl: db.url, env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi, REPOLINK_SYNC_MAX_ATTEMPTS: '1' } });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.drop();
  await fake?.close();
});

const EMAIL = 'bb-user@example.com';
const READ = ['read:user:bitbucket', 'read:repository:bitbucket', 'read:pullrequest:bitbucket'];

const CHECK = /* GraphQL */ `
  mutation Check($input: ConnectReposInput!) {
    checkRepoConnection(input: $input) {
      check { ok credential { valid identity scopes requiredScopes missingScopes message } repositories { repository status headCommit permission hostRepositoryId message } }
      userErrors { code field message }
    }
  }
`;
const CONNECT = /* GraphQL */ `
  mutation Connect($input: ConnectReposInput!, $verify: Boolean) {
    connectRepos(input: $input, verify: $verify) {
      repoConnection { id credentialsHint repositories { path defaultBranch lastCommitSha hostRepositoryId archived syncStatus syncError } }
      userErrors { code field message }
    }
  }
`;
const bitbucket = (credentials: Record<string, unknown>, repositories = ['ws/app']) => ({ platform: 'BITBUCKET', credentials, repositories });

async function freshKey(): Promise<Record<string, string>> {
  return { authorization: `Bearer ${(await createAccount(server.dataSource)).apiKey}` };
}

describe('GraphQL credentials for Bitbucket', () => {
  it('email and apiToken: checked as HTTP Basic with the email, judged on the new scope names, connected with the host facts', async () => {
    const apiToken = fake.bitbucketHost.addApiToken({ email: EMAIL, scopes: READ });
    const checked = await server.gql(CHECK, { input: bitbucket({ email: EMAIL, apiToken }) });
    expect(checked.body.data.checkRepoConnection).toEqual({
      check: {
        ok: true,
        credential: { valid: true, identity: 'bb-user', scopes: READ, requiredScopes: ['read:repository:bitbucket', 'read:pullrequest:bitbucket'], missingScopes: [], message: null },
        repositories: [{ repository: 'ws/app', status: 'FOUND', headCommit: SHA.bitbucketApp, permission: 'write', hostRepositoryId: fake.bitbucketHost.repo('ws/app').uuid, message: null }],
      },
      userErrors: [],
    });
    const key = await freshKey();
    const connected = await server.gql(CONNECT, { input: bitbucket({ email: EMAIL, apiToken }), verify: true }, key);
    expect(connected.body.data.connectRepos.userErrors).toEqual([]);
    expect(connected.body.data.connectRepos.repoConnection).toMatchObject({
      credentialsHint: `…${apiToken.slice(-4)}`,
      repositories: [{ path: 'ws/app', defaultBranch: 'master', lastCommitSha: SHA.bitbucketApp, hostRepositoryId: fake.bitbucketHost.repo('ws/app').uuid, archived: false }],
    });
    const [row] = await server.dataSource.query('SELECT platform_host AS host FROM repositories WHERE repo_connection_id = ?', [connected.body.data.connectRepos.repoConnection.id]);
    expect(row.host).toBe('bitbucket.org');
    expect(JSON.stringify([checked.body, connected.body])).not.toContain(apiToken);
  });

  it('accessToken: Bearer, no person named, its repository found and another one not', async () => {
    const accessToken = fake.bitbucketHost.addAccessToken({ kind: 'repository', workspace: 'ws', repo: 'ws/app', scopes: ['repository', 'pullrequest'] });
    const res = await server.gql(CHECK, { input: bitbucket({ accessToken }, ['ws/app', 'ws/docs']) });
    const { check } = res.body.data.checkRepoConnection;
    expect(check.ok).toBe(false);
    expect(check.credential).toMatchObject({ valid: true, identity: null, scopes: ['repository', 'pullrequest'], missingScopes: [], message: expect.stringMatching(/not for a person/) });
    expect(check.repositories.map((r: { status: string }) => r.status)).toEqual(['FOUND', 'NOT_FOUND']);
  });

  it('an API token without the pull request scope is refused by verify, naming the scope', async () => {
    const apiToken = fake.bitbucketHost.addApiToken({ email: EMAIL, scopes: ['read:user:bitbucket', 'read:repository:bitbucket'] });
    const res = await server.gql(CONNECT, { input: bitbucket({ email: EMAIL, apiToken }), verify: true }, await freshKey());
    expect(res.body.data.connectRepos.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['credentials'], message: 'The credential lacks the scope read:pullrequest:bitbucket needed to read code and pull requests' }]);
  });

  it('each wrong combination is a field error naming the field, and nothing is asked or written', async () => {
    const before = fake.requests.length;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ email: EMAIL }, 'apiToken', /^credentials\.apiToken is required for bitbucket with email and apiToken$/],
      [{ apiToken: 'ATATT-x' }, 'email', /^credentials\.email is required for bitbucket with email and apiToken$/],
      [{ email: 'bb-user', apiToken: 'ATATT-x' }, 'email', /must be the email address of the Atlassian account/],
      [{ username: 'bb-user', appPassword: 'x', accessToken: 'y' }, 'accessToken', /one kind of credential \(username and appPassword, email and apiToken, or accessToken\); accessToken cannot go with username and appPassword/],
      [{ email: EMAIL, apiToken: 'x', accessToken: 'y' }, 'accessToken', /accessToken cannot go with email and apiToken/],
      [{ accessToken: 'y', token: 'z' }, 'token', /^bitbucket takes username and appPassword, email and apiToken, or accessToken, not token$/],
      [{}, 'username', /^credentials\.username is required for bitbucket$/],
    ];
    for (const [credentials, field, message] of cases) {
      const res = await server.gql(CONNECT, { input: bitbucket(credentials) });
      expect(res.body.data.connectRepos.repoConnection).toBeNull();
      expect(res.body.data.connectRepos.userErrors).toContainEqual({ code: 'BAD_USER_INPUT', field: ['credentials', field], message: expect.stringMatching(message) });
    }
    const github = await server.gql(CONNECT, { input: { platform: 'GITHUB', credentials: { token: 't', apiToken: 'x' }, repositories: ['acme/api'] } });
    expect(github.body.data.connectRepos.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['credentials', 'apiToken'], message: 'github takes a token, not apiToken' }]);
    expect(fake.requests.length).toBe(before);
  });
});

describe('the SigSentry body, byte for byte', () => {
  const auth = () => ({ authorization: `Bearer ${server.apiKey}` });

  it('{username, appPassword} with the account email and an API token is HTTP Basic and passes verify (201)', async () => {
    const apiToken = fake.bitbucketHost.addApiToken({ email: EMAIL, scopes: READ });
    const key = await freshKey();
    const raw = JSON.stringify({ platform: 'bitbucket', credentials: { username: EMAIL, appPassword: apiToken }, repositories: ['ws/app'] });
    const from = fake.requests.length;
    const res = await rest(server.url, 'POST', '/v1/config/repos?verify=true', { raw, headers: key });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ success: true, data: { id: expect.stringMatching(/^rc_/), platform: 'bitbucket' } });
    expect(fake.requests.slice(from).every((r) => r.headers.authorization === `Basic ${Buffer.from(`${EMAIL}:${apiToken}`).toString('base64')}`)).toBe(true);
    expect(res.text).not.toContain(apiToken);
  });

  it('an app password refused by Bitbucket (after 28 July 2026) is a 400 that says app passwords ended and what to use, without the secret', async () => {
    fake.bitbucketHost.appPasswordsEnded = true;
    try {
      const body = { platform: 'bitbucket', credentials: { username: TOKENS.bitbucketUser, appPassword: TOKENS.bitbucketPassword }, repositories: ['ws/app'] };
      const res = await rest(server.url, 'POST', '/v1/config/repos?verify=true', { body, headers: auth() });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        {
          field: 'credentials',
          message: expect.stringMatching(/^bitbucket refused the credentials: Bitbucket refused the username and app password \(401\)\. Bitbucket Cloud ended app passwords on 28 July 2026: use an Atlassian API token .* your Atlassian account email as the username, or a repository, project or workspace access token$/),
        },
      ]);
      expect(res.text).not.toContain(TOKENS.bitbucketPassword);
      // Without verify the documented 201 stands: the platform is not asked.
      expect((await rest(server.url, 'POST', '/v1/config/repos', { body, headers: await freshKey() })).status).toBe(201);
    } finally {
      fake.bitbucketHost.appPasswordsEnded = false;
    }
  });
});

describe('sync with the new kinds', () => {
  it('an access token and an API token sync the head and the host id; a refused app password fails the sync with the explanation', async () => {
    const accessToken = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'ws', scopes: ['repository', 'pullrequest'] });
    const apiToken = fake.bitbucketHost.addApiToken({ email: EMAIL, scopes: READ });
    const ids: string[] = [];
    for (const credentials of [{ accessToken }, { email: EMAIL, apiToken }, { username: TOKENS.bitbucketUser, appPassword: TOKENS.bitbucketPassword }]) {
      const key = await freshKey();
      const made = await server.gql(CONNECT, { input: bitbucket(credentials) }, key);
      const id = made.body.data.connectRepos.repoConnection.id;
      ids.push(id);
      await server.gql(`mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { message } } }`, { id }, key);
    }
    fake.bitbucketHost.appPasswordsEnded = true;
    try {
      for (let i = 0; i < 3; i++) await server.server.syncWorker.runOnce();
    } finally {
      fake.bitbucketHost.appPasswordsEnded = false;
    }
    const uuid = fake.bitbucketHost.repo('ws/app').uuid;
    for (const id of ids.slice(0, 2)) {
      const [row] = await server.dataSource.query('SELECT sync_status AS s, last_commit_sha AS head, host_repository_id AS hostId FROM repositories WHERE repo_connection_id = ?', [id]);
      expect(row).toEqual({ s: 'ok', head: SHA.bitbucketApp, hostId: uuid });
    }
    const [failed] = await server.dataSource.query('SELECT sync_status AS s, sync_error AS e FROM repo_connections WHERE id = ?', [ids[2]]);
    expect(failed.s).toBe('error');
    expect(failed.e).toMatch(/Bitbucket Cloud ended app passwords on 28 July 2026/);
    expect(failed.e).not.toContain(TOKENS.bitbucketPassword);
  });
});
