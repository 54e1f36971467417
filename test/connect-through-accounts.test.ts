/**
 * Connections through code-host accounts (issue 17 part 3), against the loopback fakes and a
 * database of this file's own (its workers take every due job): a GitHub App installation and a
 * GitLab OAuth account connected by their browser flows, then `connectRepos(codeHostAccountId)`;
 * the dry run judged on the installation (never GET /user); syncs with the account's current
 * token — minted anew when it nears its expiry, and renewed exactly once when the host refuses it
 * before its stated expiry (the fakes' clock); a suspended installation and a revoked account
 * failing the sync for good and refused by verify; every refusal of the input on its field;
 * switching a connection between credentials and an account; the pickers' pages and searches.
 */
import { CodeHostAccountEntity, RepoConnectionEntity } from '../src/db/entities';
import { connectAccount } from './support/browser-flow';
import { ConnectionsThroughAccounts1764430000000 } from '../migrations/1764430000000-connections-through-accounts';
import { createIsolatedDatabase, databaseBefore } from './support/db';
import { createAccount } from './support/factories';
import { SHA, startFakeHosts, TOKENS, type FakeHosts, type GithubApp, type GithubInstallation } from './support/fake-hosts';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let t: TestServer;
let app: GithubApp;
let installation: GithubInstallation;
let githubAccount: string;
let gitlabAccount: string;
const RETURN = 'http://frontend.invalid/connected';
const MINUTE = 60_000;

const CONNECT = `mutation($input: ConnectReposInput!, $verify: Boolean) { connectRepos(input: $input, verify: $verify) {
  repoConnection { id platform baseUrl credentialsHint codeHostAccount { id kind status } repositories { path defaultBranch lastCommitSha codeHostAccount { id } } }
  userErrors { code field message } } }`;
const CHECK = `mutation($input: ConnectReposInput!) { checkRepoConnection(input: $input) {
  check { ok credential { valid identity scopes requiredScopes missingScopes message } repositories { repository status defaultBranch headCommit message } }
  userErrors { code field message } } }`;
const READ = `query($id: ID!) { repoConnection(id: $id) { syncStatus syncError credentialsHint codeHostAccount { id status statusReason }
  repositories { path defaultBranch lastCommitSha syncStatus syncError } } }`;
const SYNC = `mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { repoConnection { id syncStatus } userErrors { code } } }`;

beforeAll(async () => {
  fake = await startFakeHosts();
  // Installation tokens live 7 minutes here: more than the 5-minute renewal margin, so a fresh one is used as stored.
  app = fake.githubHost.registerApp({ requestOAuthOnInstall: true, installationTokenTtlMs: 7 * MINUTE });
  fake.githubHost.addUser({ login: 'octo', orgs: ['octo-org'] });
  fake.githubHost.addRepo({ owner: 'octo-org', name: 'api', head: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
  fake.githubHost.addRepo({ owner: 'octo-org', name: 'web', defaultBranch: 'trunk', head: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' });
  fake.githubHost.addRepo({ owner: 'octo-org', name: 'hidden' });
  for (let i = 0; i < 5; i++) fake.githubHost.addRepo({ owner: 'octo-org', name: `svc-${i}` });
  const gitlabApp = fake.gitlabHost.registerApplication({ redirectUris: [], accessTokenTtlMs: 10 * MINUTE });
  fake.gitlabHost.addUser({ username: 'gl-alice' });
  fake.gitlabHost.addProject({ path: 'gl-group/app', members: { 'gl-alice': 30 }, defaultBranch: 'develop', head: 'cccccccccccccccccccccccccccccccccccccccc' });
  for (let i = 0; i < 3; i++) fake.gitlabHost.addProject({ path: `gl-group/lib-${i}`, members: { 'gl-alice': 30 } });
  db = await createIsolatedDatabase('through_accounts');
  t = await startTestServer({
    databaseUrl: db.url,
    env: {
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_CODE_HOST_RETURN_URL: RETURN,
      REPOLINK_SYNC_MAX_ATTEMPTS: '3',
      REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi,
      REPOLINK_BITBUCKET_URL: fake.url,
      REPOLINK_GITHUB_APP_ID: String(app.appId),
      REPOLINK_GITHUB_APP_SLUG: app.slug,
      REPOLINK_GITHUB_APP_CLIENT_ID: app.clientId,
      REPOLINK_GITHUB_APP_CLIENT_SECRET: app.clientSecret,
      REPOLINK_GITHUB_APP_PRIVATE_KEY: app.privateKeyPem,
      REPOLINK_GITHUB_APP_WEBHOOK_SECRET: app.webhookSecret,
      REPOLINK_GITHUB_APP_BASE_URL: fake.githubWeb,
      REPOLINK_GITLAB_OAUTH_CLIENT_ID: gitlabApp.clientId,
      REPOLINK_GITLAB_OAUTH_CLIENT_SECRET: gitlabApp.clientSecret,
      REPOLINK_GITLAB_OAUTH_BASE_URL: fake.gitlab,
    },
  });
  app.callbackUrls = [`${t.url}/oauth/callback/github`];
  app.setupUrl = `${t.url}/github-app/setup`;
  fake.gitlabHost['oauth'].clients.get(gitlabApp.clientId)!.redirectUris.push(`${t.url}/oauth/callback/gitlab`);

  // The person installs the app on octo-org for some repositories, and authorizes GitLab.
  fake.githubHost.signIn('octo');
  fake.githubHost.prepareInstall({ app, account: 'octo-org', repositories: ['octo-org/api', 'octo-org/web', ...[0, 1, 2, 3, 4].map((i) => `octo-org/svc-${i}`)] });
  githubAccount = (await connectAccount(t, fake, { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb })).codeHostAccountId;
  installation = [...fake.githubHost.installations.values()].find((i) => i.account === 'octo-org')!;
  fake.gitlabHost.signIn('gl-alice');
  gitlabAccount = (await connectAccount(t, fake, { host: 'GITLAB', baseUrl: fake.gitlab })).codeHostAccountId;
  expect(githubAccount).toMatch(/^cha_/);
  expect(gitlabAccount).toMatch(/^cha_/);
}, 90_000);

afterAll(async () => {
  await t?.close();
  await db?.drop();
  await fake?.close();
});

async function connect(input: Record<string, unknown>, verify = false, key = t.apiKey) {
  const res = await t.gql(CONNECT, { input, verify }, { authorization: `Bearer ${key}` });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.connectRepos;
}

async function read(id: string, key = t.apiKey) {
  return (await t.gql(READ, { id }, { authorization: `Bearer ${key}` })).body.data.repoConnection;
}

/** Runs every due job (syncs, and the link jobs new accounts queue) and answers what was done for `id`. */
async function syncNow(id: string, key = t.apiKey) {
  expect((await t.gql(SYNC, { id }, { authorization: `Bearer ${key}` })).body.data.syncRepoConnection.userErrors).toEqual([]);
  const attempts = [];
  for (let attempt = await t.server.syncWorker.runOnce(); attempt !== null; attempt = await t.server.syncWorker.runOnce()) attempts.push(attempt);
  return attempts.filter((a) => a.connectionId === id);
}

const userPaths = () => fake.requests.filter((r) => r.path === '/api/v3/user').length;

test('the dry run through a GitHub App installation is judged on the installation, never on GET /user', async () => {
  const before = userPaths();
  const res = await t.gql(CHECK, { input: { platform: 'GITHUB', codeHostAccountId: githubAccount, repositories: ['octo-org/api', 'octo-org/hidden'] } });
  expect(res.body.data.checkRepoConnection.userErrors).toEqual([]);
  const check = res.body.data.checkRepoConnection.check;
  expect(check.credential).toEqual({
    valid: true,
    identity: 'octo-org',
    scopes: expect.arrayContaining(['metadata:read', 'contents:read', 'pull_requests:read']),
    requiredScopes: ['metadata:read', 'contents:read', 'pull_requests:read'],
    missingScopes: [],
    message: 'GitHub App installation on octo-org (7 selected repositories): judged on its permissions and repository selection, not on GET /user',
  });
  // octo-org/hidden is not among the installation's repositories: GitHub does not show it to its token.
  expect(check.repositories).toEqual([
    { repository: 'octo-org/api', status: 'FOUND', defaultBranch: 'main', headCommit: 'a'.repeat(40), message: null },
    { repository: 'octo-org/hidden', status: 'NOT_FOUND', defaultBranch: null, headCommit: null, message: expect.stringMatching(/not visible/) },
  ]);
  expect(check.ok).toBe(false);
  expect(userPaths()).toBe(before);
  // The calls went with the installation's token (Bearer ghs_…), never a copy kept elsewhere.
  const last = fake.requests.filter((r) => r.path.startsWith('/api/v3/repos/octo-org/api')).at(-1)!;
  expect(last.headers.authorization).toMatch(/^Bearer ghs_/);

  // The same installation token pasted as credentials: no longer "could not be verified" (GET /user is 403), but valid and judged per repository.
  const pasted = await t.server.services.codeHosts.tokens.tokenFor(t.account.tenant.id, githubAccount);
  const asToken = await t.gql(CHECK, { input: { platform: 'GITHUB', baseUrl: fake.githubApi, credentials: { token: pasted.token.reveal() }, repositories: ['octo-org/api'] } });
  expect(asToken.body.data.checkRepoConnection.check).toMatchObject({ ok: true, credential: { valid: true, scopes: null, message: expect.stringMatching(/^A GitHub App installation token: it acts as no user/) } });
  expect(JSON.stringify(asToken.body)).not.toContain(pasted.token.reveal());
});

test('install → connect by account (verified, no credentials stored) → sync; a token GitHub refuses before its stated expiry is renewed with exactly one mint', async () => {
  const minted = fake.githubHost.mints(installation.id);
  const connected = await connect({ platform: 'GITHUB', codeHostAccountId: githubAccount, repositories: ['octo-org/api', 'octo-org/web'], serviceMappings: [{ serviceName: 'api', repo: 'octo-org/api', pathPrefix: '', defaultBranch: 'main' }] }, true);
  expect(connected.userErrors).toEqual([]);
  const connection = connected.repoConnection;
  expect(connection).toMatchObject({ platform: 'GITHUB', baseUrl: `${fake.githubWeb}/`, credentialsHint: null, codeHostAccount: { id: githubAccount, kind: 'GITHUB_APP_INSTALLATION', status: 'ACTIVE' } });
  // Verified: each repository starts with its branch and head from GitHub, and names the account it is read through.
  expect(connection.repositories).toEqual(
    expect.arrayContaining([
      { path: 'octo-org/api', defaultBranch: 'main', lastCommitSha: 'a'.repeat(40), codeHostAccount: { id: githubAccount } },
      { path: 'octo-org/web', defaultBranch: 'trunk', lastCommitSha: 'b'.repeat(40), codeHostAccount: { id: githubAccount } },
    ]),
  );
  // The connection holds no credentials of its own, only the account's id.
  const row = await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id: connection.id });
  expect(row).toMatchObject({ codeHostAccountId: githubAccount, credentialsKeyId: null, credentialsCiphertext: null, credentialsHint: null });
  expect(fake.githubHost.mints(installation.id)).toBe(minted);

  // A sync with the stored token (fresh): no mint.
  fake.setHead('github', 'octo-org/api', 'a1'.repeat(20));
  expect(await syncNow(connection.id)).toEqual([expect.objectContaining({ outcome: 'done' })]);
  expect(await read(connection.id)).toMatchObject({ syncStatus: 'OK', syncError: null, repositories: expect.arrayContaining([expect.objectContaining({ path: 'octo-org/api', lastCommitSha: 'a1'.repeat(20), syncStatus: 'OK' })]) });
  expect(fake.githubHost.mints(installation.id)).toBe(minted);

  // GitHub's clock passes the token's expiry while repolink's stored expiry still says it is fresh: the
  // first call is refused (401), the token is renewed once — one mint — and the sync goes on with the new one.
  fake.clock.advance(7.5 * MINUTE);
  try {
    fake.setHead('github', 'octo-org/api', 'a2'.repeat(20));
    const mark = fake.requests.length;
    expect(await syncNow(connection.id)).toEqual([expect.objectContaining({ outcome: 'done' })]);
    expect(fake.githubHost.mints(installation.id)).toBe(minted + 1);
    const [refused, mint, retried] = fake.requests.slice(mark);
    expect([refused.method, refused.path, mint.method, mint.path, retried.path]).toEqual([
      'GET', '/api/v3/installation/repositories?per_page=1', 'POST', `/api/v3/app/installations/${installation.id}/access_tokens`, '/api/v3/installation/repositories?per_page=1',
    ]);
    expect(retried.headers.authorization).not.toBe(refused.headers.authorization);
    expect(await read(connection.id)).toMatchObject({ syncStatus: 'OK', repositories: expect.arrayContaining([expect.objectContaining({ path: 'octo-org/api', lastCommitSha: 'a2'.repeat(20) })]) });
  } finally {
    fake.clock.advance(-7.5 * MINUTE);
  }

  // A stored token within the renewal margin of its expiry is minted anew before it is used: again exactly one mint.
  await t.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL 1 MINUTE) WHERE id = ?', [githubAccount]);
  expect(await syncNow(connection.id)).toEqual([expect.objectContaining({ outcome: 'done' })]);
  expect(fake.githubHost.mints(installation.id)).toBe(minted + 2);
  expect(await syncNow(connection.id)).toEqual([expect.objectContaining({ outcome: 'done' })]);
  expect(fake.githubHost.mints(installation.id)).toBe(minted + 2);
});

test('a GitLab OAuth account whose access token expired is refreshed on sync, once', async () => {
  const connected = await connect({ platform: 'GITLAB', codeHostAccountId: gitlabAccount, repositories: ['gl-group/app'] }, true);
  expect(connected.userErrors).toEqual([]);
  expect(connected.repoConnection).toMatchObject({ baseUrl: `${fake.gitlab}/`, credentialsHint: null, codeHostAccount: { id: gitlabAccount, kind: 'OAUTH' }, repositories: [{ path: 'gl-group/app', defaultBranch: 'develop', lastCommitSha: 'c'.repeat(40) }] });
  const id = connected.repoConnection.id;
  const refreshes = fake.gitlabHost.refreshes('gl-alice');
  // OAuth tokens go as Bearer (GitLab takes PRIVATE-TOKEN for access tokens only).
  const asked = fake.requests.filter((r) => r.path.startsWith('/api/v4/projects/gl-group%2Fapp')).at(-1)!;
  expect(asked.headers.authorization).toMatch(/^Bearer /);
  expect(asked.headers['private-token']).toBeUndefined();

  fake.clock.advance(11 * MINUTE);
  try {
    fake.setHead('gitlab', 'gl-group/app', 'c1'.repeat(20));
    const mark = fake.requests.length;
    expect(await syncNow(id)).toEqual([expect.objectContaining({ outcome: 'done' })]);
    expect(fake.gitlabHost.refreshes('gl-alice')).toBe(refreshes + 1);
    // The expired token was refused (GET /user), refreshed with the refresh-token grant, and the call made again with the new one.
    const [refused, refresh, retried] = fake.requests.slice(mark);
    expect([refused.path, refresh.method, refresh.path, retried.path]).toEqual(['/api/v4/user', 'POST', '/oauth/token', '/api/v4/user']);
    expect(new URLSearchParams(refresh.body).get('grant_type')).toBe('refresh_token');
    expect(retried.headers.authorization).not.toBe(refused.headers.authorization);
    expect(await read(id)).toMatchObject({ syncStatus: 'OK', repositories: [expect.objectContaining({ lastCommitSha: 'c1'.repeat(20), syncStatus: 'OK' })] });
    // The refreshed token is stored and used as is next time: no second refresh.
    expect(await syncNow(id)).toEqual([expect.objectContaining({ outcome: 'done' })]);
    expect(fake.gitlabHost.refreshes('gl-alice')).toBe(refreshes + 1);
  } finally {
    fake.clock.advance(-11 * MINUTE);
  }
});

test('a Bitbucket API-token account connects and syncs with its HTTP Basic credential (email and token), stored nowhere else', async () => {
  const tenant = await createAccount(t.dataSource);
  const token = fake.bitbucketHost.addApiToken({ email: 'bb-user@example.com', scopes: ['read:user:bitbucket', 'read:repository:bitbucket', 'read:pullrequest:bitbucket'] });
  const added = await t.gql(`mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) { codeHostAccount { id } userErrors { message } } }`, { input: { host: 'BITBUCKET', kind: 'API_TOKEN', email: 'bb-user@example.com', token } }, { authorization: `Bearer ${tenant.apiKey}` });
  const account = added.body.data.addCodeHostAccount.codeHostAccount.id;
  const connected = await connect({ platform: 'BITBUCKET', codeHostAccountId: account, repositories: ['ws/app'] }, true, tenant.apiKey);
  expect(connected.userErrors).toEqual([]);
  expect(connected.repoConnection).toMatchObject({ baseUrl: null, credentialsHint: null, codeHostAccount: { id: account, kind: 'API_TOKEN' }, repositories: [{ path: 'ws/app', defaultBranch: 'master', lastCommitSha: SHA.bitbucketApp }] });
  expect(await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id: connected.repoConnection.id })).toMatchObject({ credentialsCiphertext: null, codeHostAccountId: account });
  fake.setHead('bitbucket', 'ws/app', 'b1'.repeat(20));
  expect(await syncNow(connected.repoConnection.id, tenant.apiKey)).toEqual([expect.objectContaining({ outcome: 'done' })]);
  expect((await read(connected.repoConnection.id, tenant.apiKey)).repositories).toEqual([expect.objectContaining({ lastCommitSha: 'b1'.repeat(20), syncStatus: 'OK' })]);
  const asked = fake.requests.filter((r) => r.path.startsWith('/2.0/repositories/ws/app')).at(-1)!;
  expect(asked.headers.authorization).toBe(`Basic ${Buffer.from(`bb-user@example.com:${token}`).toString('base64')}`);
});

test('a suspended installation fails the sync for good, saying so; verify and the dry run refuse the account', async () => {
  const tenant = await createAccount(t.dataSource);
  fake.githubHost.addOrg({ login: 'susp-org' });
  fake.githubHost.addRepo({ owner: 'susp-org', name: 'api' });
  fake.githubHost.addUser({ login: 'susp-user', orgs: ['susp-org'] });
  fake.githubHost.signIn('susp-user');
  fake.githubHost.prepareInstall({ app, account: 'susp-org' });
  const account = (await connectAccount(t, fake, { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, tenant.apiKey)).codeHostAccountId;
  const inst = [...fake.githubHost.installations.values()].find((i) => i.account === 'susp-org')!;
  const connected = await connect({ platform: 'GITHUB', codeHostAccountId: account, repositories: ['susp-org/api'] }, false, tenant.apiKey);
  expect(connected.userErrors).toEqual([]);
  const id = connected.repoConnection.id;

  // Suspended on GitHub while repolink holds a token that has not expired: the host refuses it, a new one cannot be minted.
  fake.githubHost.suspendInstallation(inst.id);
  const [attempt] = await syncNow(id, tenant.apiKey);
  expect(attempt).toMatchObject({ outcome: 'failed' });
  const after = await read(id, tenant.apiKey);
  expect(after.syncStatus).toBe('ERROR');
  expect(after.syncError).toBe(
    `The code-host account ${account} is SUSPENDED: GitHub says installation ${inst.id} is suspended: an owner of the account must unsuspend the app, then connect it again. ` +
      'The sync was not retried; ask for it again once the account is usable',
  );
  expect(after.codeHostAccount).toMatchObject({ id: account, status: 'SUSPENDED' });
  expect(after.repositories[0]).toMatchObject({ syncStatus: 'ERROR', syncError: expect.stringMatching(/SUSPENDED/) });
  // Not retried: the job failed on its first attempt.
  expect(await t.dataSource.query('SELECT status, attempts FROM sync_jobs WHERE repo_connection_id = ?', [id])).toEqual([{ status: 'failed', attempts: 1 }]);

  const refused = { code: 'BAD_USER_INPUT', field: ['codeHostAccountId'], message: expect.stringMatching(new RegExp(`^The code-host account ${account} is SUSPENDED: GitHub says .*unsuspend`)) };
  const verify = await connect({ platform: 'GITHUB', codeHostAccountId: account, repositories: ['susp-org/api'] }, true, tenant.apiKey);
  expect(verify).toEqual({ repoConnection: null, userErrors: [refused] });
  const dry = await t.gql(CHECK, { input: { platform: 'GITHUB', codeHostAccountId: account, repositories: ['susp-org/api'] } }, { authorization: `Bearer ${tenant.apiKey}` });
  expect(dry.body.data.checkRepoConnection).toEqual({ check: null, userErrors: [refused] });
  fake.githubHost.unsuspendInstallation(inst.id);
});

test('a revoked account fails the sync saying so; a NEEDS_REAUTHORIZATION one too', async () => {
  const tenant = await createAccount(t.dataSource);
  const token = fake.githubHost.addToken({ kind: 'classic', user: 'octo', scopes: ['repo'] });
  const added = await t.gql(`mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) { codeHostAccount { id } userErrors { message } } }`, { input: { host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token } }, { authorization: `Bearer ${tenant.apiKey}` });
  const account = added.body.data.addCodeHostAccount.codeHostAccount.id;
  const connected = await connect({ platform: 'GITHUB', codeHostAccountId: account, repositories: ['octo-org/api'] }, true, tenant.apiKey);
  expect(connected.userErrors).toEqual([]);
  const id = connected.repoConnection.id;
  expect((await syncNow(id, tenant.apiKey))[0]).toMatchObject({ outcome: 'done' });

  await t.dataSource.query("UPDATE code_host_accounts SET status = 'needs_reauthorization', status_reason = 'GitHub refused the refresh token (invalid_grant)' WHERE id = ?", [account]);
  expect((await syncNow(id, tenant.apiKey))[0]).toMatchObject({ outcome: 'failed' });
  expect((await read(id, tenant.apiKey)).syncError).toMatch(new RegExp(`^The code-host account ${account} is NEEDS_REAUTHORIZATION: GitHub refused the refresh token \\(invalid_grant\\); connect the account again \\(startCodeHostAuthorization\\)`));

  await t.dataSource.query("UPDATE code_host_accounts SET status = 'active', status_reason = NULL WHERE id = ?", [account]);
  const revoked = await t.gql(`mutation($id: ID!) { revokeCodeHostAccount(input: { id: $id }) { userErrors { code } } }`, { id: account }, { authorization: `Bearer ${tenant.apiKey}` });
  expect(revoked.body.data.revokeCodeHostAccount.userErrors).toEqual([]);
  expect((await syncNow(id, tenant.apiKey))[0]).toMatchObject({ outcome: 'failed' });
  const after = await read(id, tenant.apiKey);
  expect(after.syncError).toMatch(new RegExp(`^The code-host account ${account} is REVOKED: Revoked in repolink; its credentials were erased; connect an account on the host again, and use the new one\\. The sync was not retried`));
  expect(after.codeHostAccount).toMatchObject({ id: account, status: 'REVOKED' });
});

test('codeHostAccountId: exactly one of it and credentials, the caller\'s tenant only, the platform\'s host, ACTIVE, its own server', async () => {
  const other = await createAccount(t.dataSource);
  const foreign = await t.gql(`mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) { codeHostAccount { id } } }`, { input: { host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token: TOKENS.githubClassic } }, { authorization: `Bearer ${other.apiKey}` });
  const foreignId = foreign.body.data.addCodeHostAccount.codeHostAccount.id;
  const base = { platform: 'GITHUB', repositories: ['octo-org/api'] };
  const errors = async (input: Record<string, unknown>) => (await connect(input)).userErrors;
  expect(await errors({ ...base, codeHostAccountId: githubAccount, credentials: { token: TOKENS.githubClassic } })).toEqual([
    { code: 'BAD_USER_INPUT', field: ['codeHostAccountId'], message: 'Give credentials or codeHostAccountId, not both: a connection either holds its own credentials or reads through a code-host account' },
  ]);
  expect(await errors(base)).toEqual([{ code: 'BAD_USER_INPUT', field: ['credentials'], message: 'credentials is required, or codeHostAccountId to connect through a code-host account' }]);
  // Another tenant's account is as unknown as one that never existed; its existence is not revealed.
  const unknown = (id: string) => [{ code: 'BAD_USER_INPUT', field: ['codeHostAccountId'], message: `No code-host account "${id}" in this organization (see codeHostAccounts)` }];
  expect(await errors({ ...base, codeHostAccountId: foreignId })).toEqual(unknown(foreignId));
  expect(await errors({ ...base, codeHostAccountId: 'cha_00000000000000000000000000000000' })).toEqual(unknown('cha_00000000000000000000000000000000'));
  expect(await errors({ ...base, codeHostAccountId: 'not-an-id' })).toEqual(unknown('not-an-id'));
  expect(await errors({ platform: 'GITLAB', codeHostAccountId: githubAccount, repositories: ['gl-group/app'] })).toEqual([
    { code: 'BAD_USER_INPUT', field: ['codeHostAccountId'], message: `${githubAccount} is a GitHub account; this connection is on GitLab` },
  ]);
  expect(await errors({ ...base, codeHostAccountId: githubAccount, baseUrl: 'https://ghe.example.com' })).toEqual([
    { code: 'BAD_USER_INPUT', field: ['baseUrl'], message: `baseUrl names another server than the code-host account's (${fake.githubWeb}): leave it out, the account says where its repositories are` },
  ]);
  // The account's own server, in any spelling, is fine.
  expect(await errors({ ...base, repositories: ['octo-org/svc-0'], codeHostAccountId: githubAccount, baseUrl: fake.githubApi })).toEqual([]);
  // Nothing was written by the refusals.
  expect(await t.dataSource.getRepository(RepoConnectionEntity).countBy({ projectId: other.project.id })).toBe(0);
  // The same rules hold for the dry run.
  const dry = await t.gql(CHECK, { input: { ...base, codeHostAccountId: foreignId } });
  expect(dry.body.data.checkRepoConnection).toEqual({ check: null, userErrors: unknown(foreignId) });
});

test('a connection switches between credentials and an account (update, replace, and the shim\'s PUT); the credentials are erased when it goes through an account', async () => {
  const created = await connect({ platform: 'GITHUB', baseUrl: fake.githubApi, credentials: { token: TOKENS.githubClassic }, repositories: ['octo-org/svc-1'] });
  expect(created.userErrors).toEqual([]);
  const id = created.repoConnection.id;
  expect(created.repoConnection).toMatchObject({ credentialsHint: `…${TOKENS.githubClassic.slice(-4)}`, codeHostAccount: null });

  const UPDATE = `mutation($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) { repoConnection { id baseUrl credentialsHint codeHostAccount { id } } userErrors { code field message } } }`;
  const toAccount = await t.gql(UPDATE, { input: { id, codeHostAccountId: githubAccount } });
  expect(toAccount.body.data.updateRepoConnection).toEqual({ repoConnection: { id, baseUrl: `${fake.githubWeb}/`, credentialsHint: null, codeHostAccount: { id: githubAccount } }, userErrors: [] });
  const row = await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id });
  expect(row).toMatchObject({ codeHostAccountId: githubAccount, credentialsCiphertext: null, credentialsKeyId: null, credentialsHint: null });
  // It syncs through the account now.
  expect((await syncNow(id))[0]).toMatchObject({ outcome: 'done' });
  const through = fake.requests.filter((r) => r.path.startsWith('/api/v3/repos/octo-org/svc-1')).at(-1)!;
  expect(through.headers.authorization).toMatch(/^Bearer ghs_/);
  // A baseUrl alone cannot move it to another server; both sources at once are refused.
  expect((await t.gql(UPDATE, { input: { id, baseUrl: 'https://ghe.example.com' } })).body.data.updateRepoConnection.userErrors[0]).toMatchObject({ field: ['baseUrl'] });
  expect((await t.gql(UPDATE, { input: { id, codeHostAccountId: githubAccount, credentials: { token: TOKENS.githubClassic } } })).body.data.updateRepoConnection.userErrors[0]).toMatchObject({ field: ['codeHostAccountId'] });

  // The SigSentry PUT (the document's body, credentials and all) makes it a connection with credentials again.
  const put = await rest(t.url, 'PUT', `/v1/config/repos/${id}`, { body: { platform: 'github', credentials: { token: TOKENS.githubClassic, baseUrl: fake.githubApi }, repositories: ['octo-org/svc-1'] }, headers: { authorization: `Bearer ${t.apiKey}` } });
  expect(put.status).toBe(200);
  const back = await rest(t.url, 'GET', `/v1/config/repos/${id}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
  expect(back.body.data).toMatchObject({ credentialsHint: `…${TOKENS.githubClassic.slice(-4)}`, baseUrl: fake.githubApi });
  expect(await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id })).toMatchObject({ codeHostAccountId: null, credentialsHint: `…${TOKENS.githubClassic.slice(-4)}` });

  // replaceRepoConnection with the account, verified.
  const REPLACE = `mutation($input: ReplaceRepoConnectionInput!) { replaceRepoConnection(input: $input, verify: true) { repoConnection { credentialsHint codeHostAccount { id } repositories { path } } userErrors { code field message } } }`;
  const replaced = await t.gql(REPLACE, { input: { id, platform: 'GITHUB', codeHostAccountId: githubAccount, repositories: ['octo-org/svc-1', 'octo-org/svc-2'] } });
  expect(replaced.body.data.replaceRepoConnection).toMatchObject({ repoConnection: { credentialsHint: null, codeHostAccount: { id: githubAccount } }, userErrors: [] });
  // The shim reads it with a null hint (it stores none), as its OpenAPI description says.
  const shown = await rest(t.url, 'GET', `/v1/config/repos/${id}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
  expect(shown.body.data).toMatchObject({ credentialsHint: null, baseUrl: `${fake.githubWeb}/`, repositories: ['octo-org/svc-1', 'octo-org/svc-2'] });
  // Verified through the account: a repository it cannot see is refused on its own field.
  const hidden = await t.gql(REPLACE, { input: { id, platform: 'GITHUB', codeHostAccountId: githubAccount, repositories: ['octo-org/hidden'] } });
  expect(hidden.body.data.replaceRepoConnection.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['repositories', '0'], message: expect.stringMatching(/^"octo-org\/hidden" was not found/) }]);
});

test('the picker: an installation\'s and a GitLab OAuth account\'s repositories, paginated and searched', async () => {
  const PICK = `query($id: ID!, $first: Int, $after: String, $search: String) { codeHostAccount(id: $id) { repositories(first: $first, after: $after, search: $search) {
    edges { node { path defaultBranch } } pageInfo { hasNextPage endCursor } } } }`;
  const walk = async (id: string, first: number, search: string | null) => {
    const paths: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const res: { body: any } = await t.gql(PICK, { id, first, after, search });
      expect(res.body.errors).toBeUndefined();
      const page: { edges: any[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = res.body.data.codeHostAccount.repositories;
      paths.push(...page.edges.map((e: any) => e.node.path));
      if (!page.pageInfo.hasNextPage) return { paths, pages: pages + 1 };
      after = page.pageInfo.endCursor;
    }
    throw new Error('endless pages');
  };
  const all = ['octo-org/api', 'octo-org/web', ...[0, 1, 2, 3, 4].map((i) => `octo-org/svc-${i}`)];
  const github = await walk(githubAccount, 3, null);
  expect(github.paths.sort()).toEqual([...all].sort());
  expect(github.pages).toBe(3);
  expect((await walk(githubAccount, 2, 'SVC')).paths.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `octo-org/svc-${i}`));
  expect((await walk(githubAccount, 10, 'hidden')).paths).toEqual([]);

  const gitlab = await walk(gitlabAccount, 2, null);
  expect(gitlab.paths).toEqual(['gl-group/app', 'gl-group/lib-0', 'gl-group/lib-1', 'gl-group/lib-2']);
  expect(gitlab.pages).toBe(2);
  expect((await walk(gitlabAccount, 1, 'lib-1')).paths).toEqual(['gl-group/lib-1']);
  // GitLab searched on the host (search=…), not by listing everything.
  expect(fake.requests.filter((r) => r.path.startsWith('/api/v4/projects?') && r.path.includes('search=lib-1')).length).toBeGreaterThan(0);
  // Accounts stay the tenant's: another tenant's key sees none of them.
  const stranger = await createAccount(t.dataSource);
  expect((await t.gql(PICK, { id: githubAccount }, { authorization: `Bearer ${stranger.apiKey}` })).body.data.codeHostAccount).toBeNull();
  expect(await t.dataSource.getRepository(CodeHostAccountEntity).countBy({ tenantId: stranger.tenant.id })).toBe(0);
});

test('the migration keeps existing connections, repositories and sync jobs; a connection has credentials or an account, never both or neither; it reverts', async () => {
  const { db: before, apply, drop } = await databaseBefore('through_accounts_migration', ConnectionsThroughAccounts1764430000000);
  try {
    const { uuidv7 } = await import('../src/lib/ids');
    const [tenant, project] = [uuidv7(), uuidv7()];
    await before.query(`INSERT INTO tenants (id, name, kind, plan, created_at, updated_at) VALUES (?, 'org', 'organization', 'team', NOW(3), NOW(3))`, [tenant]);
    await before.query(`INSERT INTO projects (id, tenant_id, name, created_at, updated_at) VALUES (?, ?, 'p', NOW(3), NOW(3))`, [project, tenant]);
    await before.query(
      `INSERT INTO repo_connections (id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, lookback_days, created_at, updated_at) VALUES ('rc_old', ?, ?, 'github', 'k', x'00', '…1234', 30, NOW(3), NOW(3))`,
      [tenant, project],
    );
    await before.query(
      `INSERT INTO repositories (id, tenant_id, project_id, repo_connection_id, name, source_type, path, default_branch, issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at) VALUES (?, ?, ?, 'rc_old', 'a', 'github', 'acme/a', 'main', FALSE, 'high', NOW(3), NOW(3))`,
      [uuidv7(), tenant, project],
    );
    await before.query(
      `INSERT INTO sync_jobs (id, tenant_id, project_id, repo_connection_id, status, attempts, max_attempts, run_after, created_at, updated_at) VALUES (?, ?, ?, 'rc_old', 'queued', 0, 5, NOW(3), NOW(3), NOW(3))`,
      [uuidv7(), tenant, project],
    );
    await apply();
    expect(await before.query("SELECT credentials_hint AS hint, code_host_account_id AS account FROM repo_connections WHERE id = 'rc_old'")).toEqual([{ hint: '…1234', account: null }]);
    expect(await before.query("SELECT kind, status, code_host_account_id AS account, open_connection_id AS open FROM sync_jobs WHERE repo_connection_id = 'rc_old'")).toEqual([{ kind: 'sync', status: 'queued', account: null, open: 'rc_old' }]);
    // Neither credentials nor an account, or both: refused by the database itself.
    await expect(before.query(`INSERT INTO repo_connections (id, tenant_id, project_id, platform, lookback_days, created_at, updated_at) VALUES ('rc_none', ?, ?, 'github', 30, NOW(3), NOW(3))`, [tenant, project])).rejects.toThrow(/ck_repo_connections_one_credential|constraint/i);
    await before.query(`INSERT INTO code_host_accounts (id, tenant_id, kind, host, base_url, status, created_at, updated_at) VALUES ('cha_m', ?, 'access_token', 'github', 'https://github.com', 'active', NOW(3), NOW(3))`, [tenant]);
    await expect(
      before.query(`INSERT INTO repo_connections (id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, code_host_account_id, lookback_days, created_at, updated_at) VALUES ('rc_both', ?, ?, 'github', 'k', x'00', '…', 'cha_m', 30, NOW(3), NOW(3))`, [tenant, project]),
    ).rejects.toThrow(/ck_repo_connections_one_credential|constraint/i);
    await before.query(`INSERT INTO repo_connections (id, tenant_id, project_id, platform, code_host_account_id, lookback_days, created_at, updated_at) VALUES ('rc_acct', ?, ?, 'github', 'cha_m', 30, NOW(3), NOW(3))`, [tenant, project]);
    // One open link job per account.
    await before.query(`INSERT INTO sync_jobs (id, kind, tenant_id, code_host_account_id, status, attempts, max_attempts, run_after, created_at, updated_at) VALUES (?, 'link_account', ?, 'cha_m', 'queued', 0, 5, NOW(3), NOW(3), NOW(3))`, [uuidv7(), tenant]);
    await expect(before.query(`INSERT INTO sync_jobs (id, kind, tenant_id, code_host_account_id, status, attempts, max_attempts, run_after, created_at, updated_at) VALUES (?, 'link_account', ?, 'cha_m', 'queued', 0, 5, NOW(3), NOW(3), NOW(3))`, [uuidv7(), tenant])).rejects.toThrow(/Duplicate/);

    // Down: refused while a connection through an account exists (it has no credentials to go back to), then reverts.
    const runner = before.createQueryRunner();
    try {
      await expect(new ConnectionsThroughAccounts1764430000000().down(runner)).rejects.toThrow(/through code-host accounts exist/);
      await before.query("DELETE FROM repo_connections WHERE id = 'rc_acct'");
      await new ConnectionsThroughAccounts1764430000000().down(runner);
    } finally {
      await runner.release();
    }
    expect(await before.query("SELECT credentials_hint AS hint FROM repo_connections WHERE id = 'rc_old'")).toEqual([{ hint: '…1234' }]);
    // The link job went with the column that named its account; the sync stays.
    expect(Number((await before.query('SELECT COUNT(*) AS n FROM sync_jobs'))[0].n)).toBe(1);
  } finally {
    await drop();
  }
});
