/**
 * Heimdall's OAuth sources (issue 17 part 4), through the shim and the fakes, on a database of this
 * file's own (its worker runs the link jobs): `POST /api/repos` with `source_type` github / gitlab
 * and no token reads the repository through the session user's (else the tenant's) ACTIVE account
 * on the remote's server that can read it — `oauth_connection_id` is that account's id and the
 * default branch comes from the host — and, with no such account, answers 201 with
 * `oauth_connection_id: null` exactly as before and links itself once a covering account is connected.
 */
import { connectAccount } from './support/browser-flow';
import { createIsolatedDatabase } from './support/db';
import { createAccount, createSessionFor, type TestAccount } from './support/factories';
import { startFakeHosts, type FakeHosts, type GithubApp } from './support/fake-hosts';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let t: TestServer;
let app: GithubApp;
const RETURN = 'http://frontend.invalid/connected';

const ADD = `mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) { codeHostAccount { id } userErrors { message } } }`;
const REPOSITORY = `query($id: ID!) { repository(id: $id) { oauthConnectionId defaultBranch codeHostAccount { id host kind identity } } }`;
const KEYS = ['id', 'user_id', 'org_id', 'name', 'source_type', 'remote_url', 'default_branch', 'last_commit_sha', 'oauth_connection_id', 'issue_auto_create_enabled', 'issue_auto_create_min_severity', 'created_at', 'updated_at', 'deleted_at'];

beforeAll(async () => {
  fake = await startFakeHosts();
  app = fake.githubHost.registerApp({ requestOAuthOnInstall: true });
  fake.githubHost.addUser({ login: 'heim', orgs: ['heim-org'] });
  fake.githubHost.addRepo({ owner: 'heim-org', name: 'api', head: 'dddddddddddddddddddddddddddddddddddddddd' });
  fake.githubHost.addRepo({ owner: 'heim-org', name: 'web', defaultBranch: 'trunk', head: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' });
  fake.githubHost.addRepo({ owner: 'heim-org', name: 'hidden' });
  fake.githubHost.addRepo({ owner: 'heim-org', name: 'extra' });
  const gitlabApp = fake.gitlabHost.registerApplication({ redirectUris: [] });
  fake.gitlabHost.addUser({ username: 'gl-heim' });
  fake.gitlabHost.addProject({ path: 'heim-group/app', members: { 'gl-heim': 30 }, defaultBranch: 'develop', head: 'ffffffffffffffffffffffffffffffffffffffff' });
  db = await createIsolatedDatabase('heimdall_oauth');
  t = await startTestServer({
    databaseUrl: db.url,
    env: {
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_CODE_HOST_RETURN_URL: RETURN,
      REPOLINK_GITHUB_APP_ID: String(app.appId),
      REPOLINK_GITHUB_APP_SLUG: app.slug,
      REPOLINK_GITHUB_APP_CLIENT_ID: app.clientId,
      REPOLINK_GITHUB_APP_CLIENT_SECRET: app.clientSecret,
      REPOLINK_GITHUB_APP_PRIVATE_KEY: app.privateKeyPem,
      REPOLINK_GITHUB_APP_BASE_URL: fake.githubWeb,
      REPOLINK_GITLAB_OAUTH_CLIENT_ID: gitlabApp.clientId,
      REPOLINK_GITLAB_OAUTH_CLIENT_SECRET: gitlabApp.clientSecret,
      REPOLINK_GITLAB_OAUTH_BASE_URL: fake.gitlab,
    },
  });
  app.callbackUrls = [`${t.url}/oauth/callback/github`];
  app.setupUrl = `${t.url}/github-app/setup`;
  fake.gitlabHost['oauth'].clients.get(gitlabApp.clientId)!.redirectUris.push(`${t.url}/oauth/callback/gitlab`);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await db?.drop();
  await fake?.close();
});

const create = (session: string, body: Record<string, unknown>) => rest(t.url, 'POST', '/api/repos', { body, headers: { cookie: `session=${session}` } });
const readBack = (session: string, id: string) => rest(t.url, 'GET', `/api/repos/${id}`, { headers: { cookie: `session=${session}` } });
const remote = (path: string) => `${fake.url}/${path}.git`;

/** Runs every due job; answers the link jobs' attempts. */
async function runJobs() {
  const attempts = [];
  for (let attempt = await t.server.syncWorker.runOnce(); attempt !== null; attempt = await t.server.syncWorker.runOnce()) attempts.push(attempt);
  return attempts.filter((a) => a.accountId !== undefined);
}

async function tenantWithSession(): Promise<{ tenant: TestAccount; session: string; userId: string }> {
  const tenant = await createAccount(t.dataSource);
  const { token, userId } = await createSessionFor(t.dataSource, tenant);
  return { tenant, session: token, userId };
}

test('without an account: 201 with oauth_connection_id null, exactly as before; linked once a covering account is connected', async () => {
  const { tenant, session } = await tenantWithSession();
  const api = await create(session, { name: 'api', source_type: 'github', remote_url: remote('heim-org/api') });
  expect(api.status).toBe(201);
  expect(Object.keys(api.body.data)).toEqual(KEYS);
  expect(api.body.data).toMatchObject({ source_type: 'github', default_branch: 'main', last_commit_sha: null, oauth_connection_id: null });
  const app2 = await create(session, { name: 'app', source_type: 'gitlab', remote_url: remote('heim-group/app') });
  expect(app2.body.data).toMatchObject({ oauth_connection_id: null, default_branch: 'main' });
  // Ones no account to come will cover: not in the installation, another server, a git URL.
  const hidden = await create(session, { name: 'hidden', source_type: 'github', remote_url: remote('heim-org/hidden') });
  const elsewhere = await create(session, { name: 'elsewhere', source_type: 'github', remote_url: 'https://github.example.com/heim-org/web.git' });
  const plain = await create(session, { name: 'plain', source_type: 'git_url', remote_url: remote('heim-org/web') });
  // And another tenant's repository of the same remote.
  const stranger = await tenantWithSession();
  const theirs = await create(stranger.session, { name: 'api', source_type: 'github', remote_url: remote('heim-org/api') });
  expect(theirs.body.data.oauth_connection_id).toBeNull();

  // The person installs the app for api and web: the repositories waiting for it are linked off the request.
  fake.githubHost.signIn('heim');
  fake.githubHost.prepareInstall({ app, account: 'heim-org', repositories: ['heim-org/api', 'heim-org/web'] });
  const account = (await connectAccount(t, fake, { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, tenant.apiKey)).codeHostAccountId;
  expect(await t.dataSource.query("SELECT kind, status FROM sync_jobs WHERE code_host_account_id = ?", [account])).toEqual([{ kind: 'link_account', status: 'queued' }]);
  expect((await readBack(session, api.body.data.id)).body.data.oauth_connection_id).toBeNull();
  expect(await runJobs()).toEqual([expect.objectContaining({ accountId: account, outcome: 'done', linked: 1 })]);

  const linked = await readBack(session, api.body.data.id);
  expect(linked.status).toBe(200);
  expect(linked.body.data.oauth_connection_id).toBe(account);
  const graph = await t.gql(REPOSITORY, { id: api.body.data.id }, { authorization: `Bearer ${tenant.apiKey}` });
  expect(graph.body.data.repository).toEqual({ oauthConnectionId: account, defaultBranch: 'main', codeHostAccount: { id: account, host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', identity: 'heim-org' } });
  for (const other of [hidden, elsewhere, plain, app2]) expect((await readBack(session, other.body.data.id)).body.data.oauth_connection_id).toBeNull();
  expect((await readBack(stranger.session, theirs.body.data.id)).body.data.oauth_connection_id).toBeNull();

  // GitLab: the same when the person authorizes GitLab.
  fake.gitlabHost.signIn('gl-heim');
  const gitlab = (await connectAccount(t, fake, { host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey)).codeHostAccountId;
  expect(await runJobs()).toEqual([expect.objectContaining({ accountId: gitlab, linked: 1 })]);
  expect((await readBack(session, app2.body.data.id)).body.data.oauth_connection_id).toBe(gitlab);
  // Re-authorizing links again (nothing left to link here), and never moves a linked repository to another account.
  await connectAccount(t, fake, { host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey);
  expect(await runJobs()).toEqual([expect.objectContaining({ accountId: gitlab, linked: 0 })]);
  expect((await readBack(session, app2.body.data.id)).body.data.oauth_connection_id).toBe(gitlab);
});

test('with an account: its id is oauth_connection_id, and the default branch and head come from the host through it', async () => {
  const { tenant, session } = await tenantWithSession();
  fake.githubHost.signIn('heim');
  fake.githubHost.prepareInstall({ app, account: 'heim-org', repositories: ['heim-org/api', 'heim-org/web'] });
  const github = (await connectAccount(t, fake, { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, tenant.apiKey)).codeHostAccountId;
  fake.gitlabHost.signIn('gl-heim');
  const gitlab = (await connectAccount(t, fake, { host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey)).codeHostAccountId;
  await runJobs();

  const asked = () => fake.requests.filter((r) => r.path === '/api/v3/repos/heim-org/web').length;
  const before = asked();
  const web = await create(session, { name: 'web', source_type: 'github', remote_url: remote('heim-org/web') });
  expect(web.status).toBe(201);
  expect(Object.keys(web.body.data)).toEqual(KEYS);
  expect(web.body.data).toMatchObject({ oauth_connection_id: github, default_branch: 'trunk', last_commit_sha: 'e'.repeat(40) });
  // The host was asked once, through the installation's token.
  expect(asked()).toBe(before + 1);
  expect(fake.requests.filter((r) => r.path === '/api/v3/repos/heim-org/web').at(-1)!.headers.authorization).toMatch(/^Bearer ghs_/);

  // A default_branch given is kept; the repository is linked all the same.
  const api = await create(session, { name: 'api', source_type: 'github', remote_url: remote('heim-org/api'), default_branch: 'release' });
  expect(api.body.data).toMatchObject({ oauth_connection_id: github, default_branch: 'release' });
  const app2 = await create(session, { name: 'app', source_type: 'gitlab', remote_url: remote('heim-group/app') });
  expect(app2.body.data).toMatchObject({ oauth_connection_id: gitlab, default_branch: 'develop', last_commit_sha: 'f'.repeat(40) });
  // One the installation does not cover: created as before, unlinked.
  const hidden = await create(session, { name: 'hidden', source_type: 'github', remote_url: remote('heim-org/hidden') });
  expect(hidden.body.data).toMatchObject({ oauth_connection_id: null, default_branch: 'main' });
  // Over GraphQL the repository names its account.
  expect((await t.gql(REPOSITORY, { id: app2.body.data.id }, { authorization: `Bearer ${tenant.apiKey}` })).body.data.repository.codeHostAccount).toMatchObject({ id: gitlab, host: 'GITLAB', kind: 'OAUTH' });
});

test("the session user's own account first, else the tenant's; one that cannot read the repository is passed over; another tenant's never", async () => {
  const { tenant, session, userId } = await tenantWithSession();
  const other = await createSessionFor(t.dataSource, tenant);
  fake.githubHost.addUser({ login: 'outsider' });
  const add = async (token: string, key: string) => {
    const res = await t.gql(ADD, { input: { host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token } }, { authorization: `Bearer ${key}` });
    expect(res.body.data.addCodeHostAccount.userErrors).toEqual([]);
    return res.body.data.addCodeHostAccount.codeHostAccount.id as string;
  };
  const mine = await add(fake.githubHost.addToken({ kind: 'classic', user: 'heim', scopes: ['repo'] }), session);
  const tenants = await add(fake.githubHost.addToken({ kind: 'classic', user: 'heim', scopes: ['repo'] }), tenant.apiKey);
  await runJobs();
  expect((await t.dataSource.query('SELECT created_by_user_id AS u FROM code_host_accounts WHERE id = ?', [mine]))[0].u).toBe(userId);

  // The session user's own account, although the tenant's is newer.
  expect((await create(session, { name: 'a', source_type: 'github', remote_url: remote('heim-org/api') })).body.data.oauth_connection_id).toBe(mine);
  // Another user of the tenant has none of their own: the tenant's newest that covers it.
  expect((await create(other.token, { name: 'b', source_type: 'github', remote_url: remote('heim-org/web') })).body.data.oauth_connection_id).toBe(tenants);

  // Their own account cannot see the repository (an outsider's token): passed over for the tenant's.
  const third = await createSessionFor(t.dataSource, tenant);
  await add(fake.githubHost.addToken({ kind: 'classic', user: 'outsider', scopes: ['repo'] }), third.token);
  await runJobs();
  expect((await create(third.token, { name: 'c', source_type: 'github', remote_url: `${fake.url}/heim-org/hidden` })).body.data.oauth_connection_id).toBe(tenants);

  // A tenant without accounts never uses another tenant's, however well it covers the remote.
  const lonely = await tenantWithSession();
  expect((await create(lonely.session, { name: 'a', source_type: 'github', remote_url: remote('heim-org/api') })).body.data.oauth_connection_id).toBeNull();
  // A revoked account is not used: with both covering ones revoked, only the outsider's is left, which cannot read it.
  for (const id of [tenants, mine]) {
    const revoked = await t.gql(`mutation($id: ID!) { revokeCodeHostAccount(input: { id: $id }) { userErrors { code } } }`, { id }, { authorization: `Bearer ${tenant.apiKey}` });
    expect(revoked.body.data.revokeCodeHostAccount.userErrors).toEqual([]);
  }
  expect((await create(other.token, { name: 'd', source_type: 'github', remote_url: remote('heim-org/extra') })).body.data).toMatchObject({ oauth_connection_id: null, default_branch: 'main' });
});
