/**
 * Accounts from pasted credentials — Bitbucket API tokens (email + token, HTTP Basic) and access
 * tokens (Bearer), GitHub and GitLab tokens — judged by asking the fakes, on the new Bitbucket
 * scope names; a Bitbucket app password refused with what to use instead; and the accounts'
 * lists, reads, node ids, tenancy, revocation and deletion.
 */
import { CodeHostAccountEntity } from '../src/db/entities';
import { APP_PASSWORDS_ENDED } from '../src/modules/code-host-accounts/code-host-credentials';
import { createAccount, createApiKey } from './support/factories';
import { startFakeHosts, TOKENS, type FakeHosts } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let t: TestServer;

const ADD = `mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) {
  codeHostAccount { id host kind baseUrl status statusReason identity scopes credentialHint credentialExpiresAt createdAt }
  userErrors { code field message } } }`;
const FIELDS = 'id host kind status identity credentialHint';

beforeAll(async () => {
  fake = await startFakeHosts();
  t = await startTestServer({
    env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi, REPOLINK_BITBUCKET_URL: fake.url },
  });
  const bb = fake.bitbucketHost;
  bb.addUser({ username: 'bb-alice', email: 'alice@example.com' });
  bb.addWorkspace({ slug: 'team', members: ['bb-alice'] });
  bb.addRepo({ workspace: 'team', slug: 'service', permissions: { 'bb-alice': 'write' } });
  bb.addRepo({ workspace: 'team', slug: 'site', permissions: { 'bb-alice': 'read' } });
  bb.maxPagelen = 1;
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

async function add(input: Record<string, unknown>, key = t.apiKey) {
  const res = await t.gql(ADD, { input }, { authorization: `Bearer ${key}` });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.addCodeHostAccount;
}

test('a Bitbucket API token (email + token) becomes an ACTIVE account judged on the new scope names', async () => {
  const token = fake.bitbucketHost.addApiToken({ email: 'alice@example.com', scopes: ['read:user:bitbucket', 'read:repository:bitbucket', 'read:pullrequest:bitbucket'] });
  const added = await add({ host: 'BITBUCKET', kind: 'API_TOKEN', email: 'alice@example.com', token: `${token}\n` });
  expect(added.userErrors).toEqual([]);
  expect(added.codeHostAccount).toMatchObject({ host: 'BITBUCKET', kind: 'API_TOKEN', baseUrl: fake.url, status: 'ACTIVE', identity: 'bb-alice', credentialHint: `…${token.slice(-4)}`, credentialExpiresAt: null });
  expect(added.codeHostAccount.scopes).toEqual(expect.arrayContaining(['read:repository:bitbucket', 'read:pullrequest:bitbucket']));
  // Sent as HTTP Basic with the email, as Bitbucket requires for API tokens.
  const probe = fake.requests.filter((r) => r.path === '/2.0/user').at(-1)!;
  expect(probe.headers.authorization).toBe(`Basic ${Buffer.from(`alice@example.com:${token}`).toString('base64')}`);

  // The picker follows Bitbucket's `next` pages (one repository a page here) and searches on the host.
  const pick = async (search: string | null, after: string | null = null) =>
    (await t.gql(`query($id: ID!, $s: String, $a: String) { codeHostAccount(id: $id) { repositories(first: 1, search: $s, after: $a) { edges { cursor node { path private defaultBranch } } pageInfo { hasNextPage endCursor } } } }`, { id: added.codeHostAccount.id, s: search, a: after })).body.data.codeHostAccount.repositories;
  const first = await pick(null);
  expect(first.edges.map((e: any) => e.node.path)).toEqual(['team/service']);
  expect(first.pageInfo.hasNextPage).toBe(true);
  const second = await pick(null, first.pageInfo.endCursor);
  expect(second.edges.map((e: any) => e.node.path)).toEqual(['team/site']);
  expect(second.pageInfo.hasNextPage).toBe(false);
  expect((await pick('SIT')).edges.map((e: any) => e.node.path)).toEqual(['team/site']);
});

test('a Bitbucket API token without a needed scope, or with the wrong email, is refused with what to do; nothing is stored', async () => {
  const before = await t.dataSource.getRepository(CodeHostAccountEntity).countBy({ tenantId: t.account.tenant.id });
  const noPulls = fake.bitbucketHost.addApiToken({ email: 'alice@example.com', scopes: ['read:user:bitbucket', 'read:repository:bitbucket'] });
  expect((await add({ host: 'BITBUCKET', kind: 'API_TOKEN', email: 'alice@example.com', token: noPulls })).userErrors).toEqual([
    { code: 'BAD_USER_INPUT', field: ['token'], message: expect.stringMatching(/^The token lacks the scope read:pullrequest:bitbucket needed to read code and pull requests \(it has read:user:bitbucket, read:repository:bitbucket\)$/) },
  ]);
  const good = fake.bitbucketHost.addApiToken({ email: 'alice@example.com', scopes: ['read:user:bitbucket', 'read:repository:bitbucket', 'read:pullrequest:bitbucket'] });
  const wrongEmail = await add({ host: 'BITBUCKET', kind: 'API_TOKEN', email: 'bob@example.com', token: good });
  expect(wrongEmail.userErrors[0]).toMatchObject({ field: ['token'], message: expect.stringMatching(/^Bitbucket refused the email and API token \(401\)/) });
  expect((await add({ host: 'BITBUCKET', kind: 'API_TOKEN', token: good })).userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['email'], message: expect.stringMatching(/email is required/) }]);
  expect((await add({ host: 'BITBUCKET', kind: 'API_TOKEN', email: 'alice@example.com', token: good, baseUrl: 'https://bitbucket.example.com' })).userErrors[0].field).toEqual(['baseUrl']);
  expect(await t.dataSource.getRepository(CodeHostAccountEntity).countBy({ tenantId: t.account.tenant.id })).toBe(before);
});

test('a Bitbucket app password is refused with the news that app passwords ended and what to use instead', async () => {
  const password = fake.bitbucketHost.addAppPassword({ username: 'bb-alice', scopes: ['account', 'repository', 'pullrequest'] });
  fake.bitbucketHost.appPasswordsEnded = true;
  try {
    const refused = await add({ host: 'BITBUCKET', kind: 'API_TOKEN', email: 'alice@example.com', token: password });
    expect(refused.codeHostAccount).toBeNull();
    expect(refused.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['token'], message: `Bitbucket refused this credential (401): it is an app password. ${APP_PASSWORDS_ENDED}` }]);
    expect(APP_PASSWORDS_ENDED).toMatch(/ended app passwords on 28 July 2026.*Atlassian API token.*email.*read:repository:bitbucket.*access token/);
  } finally {
    fake.bitbucketHost.appPasswordsEnded = false;
  }
});

test('a Bitbucket repository access token (Bearer) becomes an account that sees its repository only', async () => {
  const token = fake.bitbucketHost.addAccessToken({ kind: 'repository', workspace: 'team', repo: 'team/service', scopes: ['repository', 'pullrequest'] });
  const added = await add({ host: 'BITBUCKET', kind: 'ACCESS_TOKEN', token });
  expect(added.userErrors).toEqual([]);
  expect(added.codeHostAccount).toMatchObject({ kind: 'ACCESS_TOKEN', status: 'ACTIVE', identity: null, scopes: ['repository', 'pullrequest'] });
  const picker = await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { repositories { edges { node { path } } } } }`, { id: added.codeHostAccount.id });
  expect(picker.body.data.codeHostAccount.repositories.edges.map((e: any) => e.node.path)).toEqual(['team/service']);
  const readOnly = fake.bitbucketHost.addAccessToken({ kind: 'repository', workspace: 'team', repo: 'team/service', scopes: ['account'] });
  expect((await add({ host: 'BITBUCKET', kind: 'ACCESS_TOKEN', token: readOnly })).userErrors[0].message).toMatch(/lacks the scopes read:repository:bitbucket, read:pullrequest:bitbucket/);
});

test('GitHub and GitLab access tokens: asked who they are and judged on their scopes; an installation token is pointed to the app flow', async () => {
  const github = await add({ host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubApi, token: TOKENS.githubClassic });
  expect(github.codeHostAccount).toMatchObject({ host: 'GITHUB', baseUrl: fake.githubWeb, status: 'ACTIVE', identity: 'octocat', scopes: ['read:org', 'repo'] });
  expect((await add({ host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token: TOKENS.githubPublicOnly })).userErrors[0].message).toMatch(/lacks the scope repo/);
  expect((await add({ host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token: TOKENS.githubBad })).userErrors[0].message).toBe('GitHub refused the token (401): it is wrong, expired or revoked');
  const app = fake.githubHost.registerApp();
  const installation = fake.githubHost.createInstallation({ app, account: 'acme' });
  const { signJwt } = await import('./support/fake-hosts');
  const jwt = signJwt({ iss: app.appId, iat: Math.floor(Date.now() / 1000) - 60, exp: Math.floor(Date.now() / 1000) + 300 }, app.privateKeyPem);
  const minted = (await (await fetch(`${fake.githubApi}/app/installations/${installation.id}/access_tokens`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } })).json()) as { token: string };
  expect((await add({ host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token: minted.token })).userErrors[0].message).toMatch(/GitHub App installation token \(ghs_…\).*GITHUB_APP_INSTALLATION/);

  const gitlab = await add({ host: 'GITLAB', kind: 'ACCESS_TOKEN', baseUrl: fake.gitlab, token: TOKENS.gitlabGood });
  expect(gitlab.codeHostAccount).toMatchObject({ host: 'GITLAB', status: 'ACTIVE', identity: 'gitlab-user', scopes: ['read_api', 'read_repository'] });
  expect((await add({ host: 'GITLAB', kind: 'ACCESS_TOKEN', baseUrl: fake.gitlab, token: TOKENS.gitlabNoApi })).userErrors[0].message).toMatch(/lacks the scope read_api/);
  expect((await add({ host: 'GITLAB', kind: 'API_TOKEN', email: 'a@example.com', token: TOKENS.gitlabGood })).userErrors[0].field).toEqual(['kind']);
});

test('lists, node ids, tenancy; revoking erases the credentials and keeps the account listed, deleting removes it', async () => {
  const tenant = await createAccount(t.dataSource);
  const made: string[] = [];
  for (let i = 0; i < 3; i++) {
    const token = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'team', scopes: ['repository', 'pullrequest'] });
    made.push((await add({ host: 'BITBUCKET', kind: 'ACCESS_TOKEN', token }, tenant.apiKey)).codeHostAccount.id);
  }
  made.push((await add({ host: 'GITLAB', kind: 'ACCESS_TOKEN', baseUrl: fake.gitlab, token: TOKENS.gitlabGood }, tenant.apiKey)).codeHostAccount.id);
  const list = async (args: string, key = tenant.apiKey, headers: Record<string, string> = {}) =>
    (await t.gql(`{ codeHostAccounts(${args}) { edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor } totalCount } }`, {}, { authorization: `Bearer ${key}`, ...headers })).body;
  const page1 = (await list('first: 3')).data.codeHostAccounts;
  expect(page1.totalCount).toBe(4);
  expect(page1.edges.map((e: any) => e.node.id)).toEqual([...made].reverse().slice(0, 3));
  const page2 = (await list(`first: 3, after: "${page1.pageInfo.endCursor}"`)).data.codeHostAccounts;
  expect(page2.edges.map((e: any) => e.node.id)).toEqual([made[0]]);
  expect(page2.pageInfo.hasNextPage).toBe(false);
  expect((await list('filter: { host: GITLAB }')).data.codeHostAccounts).toMatchObject({ totalCount: 1, edges: [{ node: { id: made[3] } }] });
  // A tenant-scoped key needs no project to see the tenant's accounts; another tenant sees none of them.
  const tenantKey = await createApiKey(t.dataSource, { tenantId: tenant.tenant.id }, ['config:read']);
  expect((await list('first: 10', tenantKey)).data.codeHostAccounts.totalCount).toBe(4);
  expect((await list('first: 10', t.apiKey)).data.codeHostAccounts.edges.map((e: any) => e.node.id)).not.toContain(made[0]);
  const node = async (id: string, key = tenant.apiKey) => (await t.gql(`query($id: ID!) { node(id: $id) { id __typename ... on CodeHostAccount { status } } }`, { id }, { authorization: `Bearer ${key}` })).body.data.node;
  expect(await node(made[0])).toEqual({ id: made[0], __typename: 'CodeHostAccount', status: 'ACTIVE' });
  expect(await node(made[0], t.apiKey)).toBeNull();

  // Revoke: REVOKED, credentials erased in the row, still listed; nobody can get a token from it.
  const revoke = await t.gql(`mutation($id: ID!) { revokeCodeHostAccount(input: { id: $id }) { codeHostAccount { ${FIELDS} statusReason } userErrors { code } } }`, { id: made[1] }, { authorization: `Bearer ${tenant.apiKey}` });
  expect(revoke.body.data.revokeCodeHostAccount.codeHostAccount).toMatchObject({ id: made[1], status: 'REVOKED', statusReason: expect.stringMatching(/erased/) });
  const [row] = await t.dataSource.query('SELECT access_token_ciphertext, access_token_key_id, status FROM code_host_accounts WHERE id = ?', [made[1]]);
  expect(row).toEqual({ access_token_ciphertext: null, access_token_key_id: null, status: 'revoked' });
  await expect(t.server.services.codeHosts.tokens.tokenFor(tenant.tenant.id, made[1])).rejects.toMatchObject({ status: 'revoked' });
  expect((await list('filter: { status: REVOKED }')).data.codeHostAccounts.totalCount).toBe(1);

  // Delete: gone from lists and reads.
  const del = await t.gql(`mutation($id: ID!) { deleteCodeHostAccount(input: { id: $id }) { codeHostAccount { id } userErrors { code } } }`, { id: made[2] }, { authorization: `Bearer ${tenant.apiKey}` });
  expect(del.body.data.deleteCodeHostAccount.codeHostAccount.id).toBe(made[2]);
  expect((await list('first: 10')).data.codeHostAccounts.totalCount).toBe(3);
  expect(await node(made[2])).toBeNull();
  // Another tenant cannot revoke or delete it; a read-only key cannot either.
  const foreign = await t.gql(`mutation($id: ID!) { deleteCodeHostAccount(input: { id: $id }) { codeHostAccount { id } userErrors { code } } }`, { id: made[0] });
  expect(foreign.body.errors[0].extensions.code).toBe('NOT_FOUND');
  const readOnly = await t.gql(`mutation($id: ID!) { revokeCodeHostAccount(input: { id: $id }) { codeHostAccount { id } userErrors { code } } }`, { id: made[0] }, { authorization: `Bearer ${tenantKey}` });
  expect(readOnly.body.errors[0].extensions.code).toBe('FORBIDDEN');
});

test('a Bitbucket OAuth consumer connects an account, whose token is refreshed with the consumer\'s Basic credentials', async () => {
  const { Secret } = await import('../src/modules/crypto');
  const consumer = fake.bitbucketHost.registerConsumer({ callbackUrl: `${t.url}/oauth/callback/bitbucket` });
  await t.server.services.codeHosts.apps.register({ kind: 'oauth_app', host: 'bitbucket', baseUrl: null, githubAppId: null, slug: null, clientId: consumer.key, clientSecret: new Secret(consumer.secret), privateKey: null, webhookSecret: null, source: 'admin' });
  fake.bitbucketHost.signIn('bb-alice');
  const started = await t.gql(`mutation { startCodeHostAuthorization(input: { host: BITBUCKET }) { authorizationUrl userErrors { message } } }`);
  expect(started.body.data.startCodeHostAuthorization.userErrors).toEqual([]);
  let location = started.body.data.startCodeHostAuthorization.authorizationUrl as string;
  expect(location.startsWith(`${fake.url}/site/oauth2/authorize?`)).toBe(true);
  let page = '';
  for (let hop = 0; hop < 5 && location; hop++) {
    const res = await fetch(location, { redirect: 'manual' });
    page = await res.text();
    location = res.headers.get('location') ?? '';
  }
  const id = /<code>(cha_[0-9a-f]{32})<\/code>/.exec(page)?.[1];
  expect(id).toBeDefined();
  const account = (await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { host kind status identity scopes } }`, { id })).body.data.codeHostAccount;
  expect(account).toMatchObject({ host: 'BITBUCKET', kind: 'OAUTH', status: 'ACTIVE', identity: 'bb-alice' });
  expect(account.scopes).toEqual(expect.arrayContaining(['repository', 'pullrequest']));

  const tokens = t.server.services.codeHosts.tokens;
  await t.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [id]);
  const refreshed = await tokens.tokenFor(t.account.tenant.id, id!);
  expect(fake.bitbucketHost.refreshes('bb-alice')).toBe(1);
  const refresh = fake.requests.filter((r) => r.path.startsWith('/site/oauth2/access_token')).at(-1)!;
  expect(refresh.headers.authorization).toBe(`Basic ${Buffer.from(`${consumer.key}:${consumer.secret}`).toString('base64')}`);
  expect((await fetch(`${fake.bitbucketApi}/2.0/user`, { headers: refreshed.headers() })).status).toBe(200);
});
