/**
 * The browser flows that connect code-host accounts, against the loopback fakes of GitHub and
 * GitLab (which check what the hosts check: app JWTs, PKCE, single-use codes and states, rotating
 * refresh tokens) and the real database: a GitHub App installation confirmed and minted, an
 * installation token renewed as it nears its expiry, a suspended installation, a forged
 * installation id, a replayed state, a wrong PKCE verifier, denied consent, and GitLab OAuth.
 */
import { createHash } from 'node:crypto';
import { CodeHostAccountEntity } from '../src/db/entities';
import { AccountUnavailableError } from '../src/modules/code-host-accounts/code-host-tokens';
import { createSessionFor } from './support/factories';
import { startFakeHosts, type FakeHosts, type GithubApp } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let t: TestServer;
let app: GithubApp;
let gitlabApp: { clientId: string; clientSecret: string };
const RETURN = 'http://frontend.invalid/connected';

const START = `mutation($input: StartCodeHostAuthorizationInput!) { startCodeHostAuthorization(input: $input) { authorizationUrl expiresAt userErrors { code field message } } }`;
const ACCOUNT = `query($id: ID!) { codeHostAccount(id: $id) { id host kind baseUrl status statusReason identity scopes credentialExpiresAt lastRenewedAt
  installation { installationId accountLogin targetType repositorySelection permissions { name level } } } }`;

beforeAll(async () => {
  fake = await startFakeHosts();
  app = fake.githubHost.registerApp({ requestOAuthOnInstall: true, installationTokenTtlMs: 60 * 60_000 });
  fake.githubHost.addUser({ login: 'octo', orgs: ['octo-org'] });
  fake.githubHost.addRepo({ owner: 'octo-org', name: 'api' });
  fake.githubHost.addUser({ login: 'mallory' });
  gitlabApp = fake.gitlabHost.registerApplication({ redirectUris: [], accessTokenTtlMs: 2 * 60 * 60_000 });
  fake.gitlabHost.addUser({ username: 'gl-alice' });
  t = await startTestServer({
    env: {
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_CODE_HOST_RETURN_URL: RETURN,
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
  // The callback URLs registered with the hosts are repolink's own, known once it listens.
  app.callbackUrls = [`${t.url}/oauth/callback/github`];
  app.setupUrl = `${t.url}/github-app/setup`;
  const client = fake.gitlabHost['oauth'].clients.get(gitlabApp.clientId)!;
  client.redirectUris.push(`${t.url}/oauth/callback/gitlab`);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

/**
 * A browser: follows redirects between the fakes and repolink (sending the cookie to repolink),
 * and stops at the first address outside them — the return URL — or at a page.
 */
async function browse(url: string, options: { cookie?: string; rewrite?: (location: string) => string } = {}): Promise<{ url: string; status: number; body: string }> {
  let current = url;
  for (let hops = 0; hops < 8; hops++) {
    if (!current.startsWith(fake.url) && !current.startsWith(t.url)) return { url: current, status: 0, body: '' };
    const res = await fetch(current, { redirect: 'manual', headers: current.startsWith(t.url) && options.cookie ? { cookie: options.cookie } : {} });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, current).toString();
      current = options.rewrite ? options.rewrite(next) : next;
      continue;
    }
    return { url: current, status: res.status, body: await res.text() };
  }
  throw new Error('too many redirects');
}

function returned(result: { url: string; status: number; body: string }): Record<string, string> {
  expect({ url: result.url.startsWith(RETURN) ? RETURN : result.url, status: result.status, body: result.body.slice(0, 300) }).toEqual({ url: RETURN, status: 0, body: '' });
  return Object.fromEntries(new URL(result.url).searchParams);
}

async function start(input: Record<string, unknown>, token = t.apiKey): Promise<string> {
  const res = await t.gql(START, { input }, { authorization: `Bearer ${token}` });
  expect(res.body.data.startCodeHostAuthorization.userErrors).toEqual([]);
  return res.body.data.startCodeHostAuthorization.authorizationUrl as string;
}

async function accountsOfTenant(tenantId: string): Promise<CodeHostAccountEntity[]> {
  return t.dataSource.getRepository(CodeHostAccountEntity).findBy({ tenantId });
}

test('installing the GitHub App connects an ACTIVE account with a minted installation token', async () => {
  fake.githubHost.signIn('octo');
  fake.githubHost.prepareInstall({ app, account: 'octo-org', repositories: ['octo-org/api'] });
  const url = await start({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb, returnUrl: `${RETURN}?from=test` });
  expect(url).toMatch(new RegExp(`^${fake.githubWeb}/apps/${app.slug}/installations/new\\?state=`));
  const done = returned(await browse(url));
  expect(done.error_description).toBeUndefined();
  expect(done.from).toBe('test');
  expect(done.codeHostAccountId).toMatch(/^cha_[0-9a-f]{32}$/);

  const res = await t.gql(ACCOUNT, { id: done.codeHostAccountId });
  const account = res.body.data.codeHostAccount;
  const installation = [...fake.githubHost.installations.values()].find((i) => i.account === 'octo-org')!;
  expect(account).toMatchObject({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb, status: 'ACTIVE', identity: 'octo-org' });
  expect(account.installation).toMatchObject({ installationId: String(installation.id), accountLogin: 'octo-org', repositorySelection: 'selected' });
  expect(account.installation.permissions).toEqual(expect.arrayContaining([{ name: 'contents', level: 'read' }]));
  expect(new Date(account.credentialExpiresAt).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  expect(fake.githubHost.mints(installation.id)).toBe(1);

  // The token the account holds is the one GitHub minted (300 characters: nothing assumes 40), and it works.
  const token = await t.server.services.codeHosts.tokens.tokenFor(t.account.tenant.id, done.codeHostAccountId);
  expect(token.token.reveal()).toMatch(/^ghs_/);
  expect(token.token.reveal().length).toBe(app.installationTokenLength);
  const repos = await fetch(`${fake.githubApi}/installation/repositories`, { headers: token.headers() });
  expect(((await repos.json()) as any).repositories.map((r: any) => r.full_name)).toEqual(['octo-org/api']);
  // Stored sealed: the token's bytes are nowhere in the row.
  const [row] = await t.dataSource.query('SELECT access_token_ciphertext AS c FROM code_host_accounts WHERE id = ?', [done.codeHostAccountId]);
  expect((row.c as Buffer).includes(Buffer.from(token.token.reveal()))).toBe(false);
  expect(fake.githubHost.mints(installation.id)).toBe(1);

  // The picker lists what the installation was granted.
  const picker = await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { repositories(first: 10) { edges { node { path private } } pageInfo { hasNextPage } } } }`, { id: done.codeHostAccountId });
  expect(picker.body.data.codeHostAccount.repositories.edges.map((e: any) => e.node.path)).toEqual(['octo-org/api']);

  // The same installation connected again renews the same account (one account per installation and tenant).
  fake.githubHost.prepareInstall({ app, account: 'octo-org', repositories: 'all' });
  const again = returned(await browse(await start({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb })));
  expect(again.codeHostAccountId).toBe(done.codeHostAccountId);
  expect((await t.gql(ACCOUNT, { id: done.codeHostAccountId })).body.data.codeHostAccount.installation.repositorySelection).toBe('all');
});

test('an installation token about to expire is minted anew; a fresh one is reused', async () => {
  const ttlApp = app;
  const installation = fake.githubHost.createInstallation({ app, account: 'ttl-org' });
  const services = t.server.services.codeHosts;
  const registered = (await services.apps.find('github_app', 'github', fake.githubWeb))!;
  // The account as a flow leaves it, without a token yet: the first use mints one.
  const id = `cha_${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32)}`;
  await t.dataSource.query(
    `INSERT INTO code_host_accounts (id, tenant_id, kind, host, base_url, app_id, external_id, link_key, status, created_at, updated_at)
     VALUES (?, ?, 'github_app_installation', 'github', ?, ?, ?, ?, 'active', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    [id, t.account.tenant.id, registered.baseUrl, registered.id, String(installation.id), `${registered.id}:${installation.id}`],
  );
  const first = await services.tokens.tokenFor(t.account.tenant.id, id);
  expect(fake.githubHost.mints(installation.id)).toBe(1);
  expect((await services.tokens.tokenFor(t.account.tenant.id, id)).token.reveal()).toBe(first.token.reveal());
  expect(fake.githubHost.mints(installation.id)).toBe(1);

  // GitHub shortens the next tokens' life below the refresh margin (5 minutes): each use renews.
  ttlApp.installationTokenTtlMs = 3 * 60_000;
  await t.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL 4 MINUTE) WHERE id = ?', [id]);
  const renewed = await services.tokens.tokenFor(t.account.tenant.id, id);
  expect(renewed.token.reveal()).not.toBe(first.token.reveal());
  expect(fake.githubHost.mints(installation.id)).toBe(2);
  expect((await fetch(`${fake.githubApi}/installation/repositories`, { headers: renewed.headers() })).status).toBe(200);

  // A token the host refused before its stated expiry (revoked on GitHub) is renewed once, not for every caller.
  await fetch(`${fake.githubApi}/installation/token`, { method: 'DELETE', headers: renewed.headers() });
  ttlApp.installationTokenTtlMs = 60 * 60_000;
  const [a, b] = await Promise.all([services.tokens.tokenFor(t.account.tenant.id, id, { rejected: renewed }), services.tokens.tokenFor(t.account.tenant.id, id, { rejected: renewed })]);
  expect(a.token.reveal()).toBe(b.token.reveal());
  expect(fake.githubHost.mints(installation.id)).toBe(3);
  expect((await fetch(`${fake.githubApi}/installation/repositories`, { headers: a.headers() })).status).toBe(200);

  // Suspended on GitHub: the next mint is refused and the account says SUSPENDED, with GitHub's reason.
  fake.githubHost.suspendInstallation(installation.id);
  await t.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [id]);
  await expect(services.tokens.tokenFor(t.account.tenant.id, id)).rejects.toMatchObject({ name: 'AccountUnavailableError', status: 'suspended' });
  const res = await t.gql(ACCOUNT, { id });
  expect(res.body.data.codeHostAccount).toMatchObject({ status: 'SUSPENDED', statusReason: expect.stringMatching(/suspended/) });
  await expect(services.tokens.tokenFor(t.account.tenant.id, id)).rejects.toBeInstanceOf(AccountUnavailableError);
  expect(fake.githubHost.mints(installation.id)).toBe(3);
  // Another tenant cannot use it at all.
  await expect(services.tokens.tokenFor('00000000-0000-7000-8000-000000000000', id)).rejects.toMatchObject({ name: 'AccountNotFoundError' });
  fake.githubHost.unsuspendInstallation(installation.id);
});

test('a suspended installation is connected as SUSPENDED, without a token', async () => {
  fake.githubHost.addUser({ login: 'suse', orgs: ['suspended-org'] });
  const installation = fake.githubHost.createInstallation({ app, account: 'suspended-org' });
  fake.githubHost.suspendInstallation(installation.id);
  fake.githubHost.signIn('suse');
  fake.githubHost.prepareInstall({ app, account: 'suspended-org' });
  const done = returned(await browse(await start({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb })));
  const account = (await t.gql(ACCOUNT, { id: done.codeHostAccountId })).body.data.codeHostAccount;
  expect(account).toMatchObject({ status: 'SUSPENDED', identity: 'suspended-org', statusReason: expect.stringMatching(/suspended/) });
  expect(fake.githubHost.mints(installation.id)).toBe(0);
  const picker = await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { repositories { edges { node { path } } } } }`, { id: done.codeHostAccountId });
  expect(picker.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/SUSPENDED/) });
});

test('an installation id the authorizing user cannot reach is refused, and nothing is stored', async () => {
  const { createAccount } = await import('./support/factories');
  const attacker = await createAccount(t.dataSource);
  const victim = fake.githubHost.createInstallation({ app, account: 'victim-org' });
  fake.githubHost.signIn('mallory');
  fake.githubHost.prepareInstall({ app, account: 'mallory' });
  // The installation page sends the browser back with mallory's own installation: the URL is edited to name the victim's.
  const result = await browse(await start({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, attacker.apiKey), {
    rewrite: (location) => (location.startsWith(`${t.url}/oauth/callback/github`) ? location.replace(/installation_id=\d+/, `installation_id=${victim.id}`) : location),
  });
  const answer = returned(result);
  expect(answer).toMatchObject({ error: 'installation_not_confirmed', error_description: expect.stringContaining(`Installation ${victim.id} is not one the GitHub user who authorized can reach`) });
  expect(await accountsOfTenant(attacker.tenant.id)).toEqual([]);
  expect(fake.githubHost.mints(victim.id)).toBe(0);

  // The setup URL (no code) notes the claim and sends the browser to authorize; the claim is checked all the same.
  const url = await start({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, attacker.apiKey);
  const state = new URL(url).searchParams.get('state')!;
  const viaSetup = returned(await browse(`${t.url}/github-app/setup?installation_id=${victim.id}&setup_action=install&state=${encodeURIComponent(state)}`));
  expect(viaSetup.error).toBe('installation_not_confirmed');
  expect(await accountsOfTenant(attacker.tenant.id)).toEqual([]);
});

test('the setup URL without a code goes through the user authorization, which confirms the installation', async () => {
  fake.githubHost.addUser({ login: 'setup-user', orgs: ['setup-org'] });
  const installation = fake.githubHost.createInstallation({ app, account: 'setup-org' });
  fake.githubHost.signIn('setup-user');
  const url = await start({ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb });
  const state = new URL(url).searchParams.get('state')!;
  const done = returned(await browse(`${t.url}/github-app/setup?installation_id=${installation.id}&setup_action=install&state=${encodeURIComponent(state)}`));
  expect(done.error_description).toBeUndefined();
  const account = (await t.gql(ACCOUNT, { id: done.codeHostAccountId })).body.data.codeHostAccount;
  expect(account).toMatchObject({ status: 'ACTIVE', identity: 'setup-org', installation: { installationId: String(installation.id) } });
  // The authorize request repolink made carried PKCE S256.
  const authorize = fake.requests.filter((r) => r.path.startsWith('/login/oauth/authorize')).at(-1)!;
  expect(new URL(authorize.path, fake.url).searchParams.get('code_challenge_method')).toBe('S256');
});

test('a replayed state, a forged one, a wrong PKCE verifier and denied consent are refused with readable errors; nothing is stored', async () => {
  const { createAccount } = await import('./support/factories');
  const tenant = await createAccount(t.dataSource);
  fake.gitlabHost.signIn('gl-alice');

  // Replay: the callback URL used once is refused the second time.
  let callback = '';
  const first = await browse(await start({ host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey), {
    rewrite: (location) => {
      if (location.startsWith(`${t.url}/oauth/callback/gitlab`)) callback = location;
      return location;
    },
  });
  expect(returned(first).codeHostAccountId).toMatch(/^cha_/);
  const replay = returned(await browse(callback));
  expect(replay).toMatchObject({ error: 'state_used', error_description: expect.stringMatching(/already finished/) });
  expect(await accountsOfTenant(tenant.tenant.id)).toHaveLength(1);

  // Forged: a state repolink did not seal.
  const forged = returned(await browse(`${t.url}/oauth/callback/gitlab?code=abc&state=s1.${Buffer.from('k').toString('base64url')}.AAAA`));
  expect(forged).toMatchObject({ error: 'invalid_state', error_description: expect.stringMatching(/not one repolink issued/) });

  // Wrong verifier: the challenge the host saw is not the one of repolink's verifier.
  const other = createHash('sha256').update('a verifier that is not repolink\'s, 43+ characters long....').digest('base64url');
  const tampered = (await start({ host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey)).replace(/code_challenge=[^&]+/, `code_challenge=${other}`);
  const wrong = returned(await browse(tampered));
  expect(wrong).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/GitLab refused the authorization code \(invalid_grant\).*PKCE.*nothing was connected/) });

  // Denied consent.
  fake.gitlabHost.denyConsent();
  const denied = returned(await browse(await start({ host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey)));
  expect(denied).toMatchObject({ error: 'access_denied', error_description: 'The authorization was declined on GitLab; nothing was connected' });
  expect(await accountsOfTenant(tenant.tenant.id)).toHaveLength(1);

  // Without a return URL of its own or configured, the callback answers a page (here: the flow's return URL is used).
  const page = await fetch(`${t.url}/oauth/callback/gitlab?state=nonsense`, { redirect: 'manual' });
  expect(page.status).toBe(303);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
});

test('a flow started by a signed-in user is finished only by that user', async () => {
  const alice = await createSessionFor(t.dataSource, t.account);
  const bob = await createSessionFor(t.dataSource, t.account);
  fake.gitlabHost.signIn('gl-alice');
  const url = await start({ host: 'GITLAB', baseUrl: fake.gitlab }, alice.token);
  const refused = returned(await browse(url, { cookie: `session=${bob.token}` }));
  expect(refused).toMatchObject({ error: 'wrong_caller' });
  const ok = returned(await browse(await start({ host: 'GITLAB', baseUrl: fake.gitlab }, alice.token), { cookie: `session=${alice.token}` }));
  expect(ok.codeHostAccountId).toMatch(/^cha_/);
  const account = await t.dataSource.getRepository(CodeHostAccountEntity).findOneByOrFail({ id: ok.codeHostAccountId });
  expect(account.createdByUserId).toBe(alice.userId);
});

test('GitLab OAuth connects an account with its identity, scopes and a refresh token; a revoked refresh token marks it NEEDS_REAUTHORIZATION', async () => {
  const { createAccount } = await import('./support/factories');
  const tenant = await createAccount(t.dataSource);
  fake.gitlabHost.signIn('gl-alice');
  const url = await start({ host: 'GITLAB', baseUrl: `${fake.gitlab}/` }, tenant.apiKey);
  const params = new URL(url).searchParams;
  expect(params.get('code_challenge_method')).toBe('S256');
  expect(params.get('redirect_uri')).toBe(`${t.url}/oauth/callback/gitlab`);
  const done = returned(await browse(url));
  const res = await t.gql(ACCOUNT, { id: done.codeHostAccountId }, { authorization: `Bearer ${tenant.apiKey}` });
  expect(res.body.data.codeHostAccount).toMatchObject({ host: 'GITLAB', kind: 'OAUTH', baseUrl: fake.gitlab, status: 'ACTIVE', identity: 'gl-alice' });
  expect(res.body.data.codeHostAccount.scopes).toEqual(expect.arrayContaining(['read_api']));
  // Another tenant's key sees nothing.
  expect((await t.gql(ACCOUNT, { id: done.codeHostAccountId })).body.data.codeHostAccount).toBeNull();

  const services = t.server.services.codeHosts;
  const token = await services.tokens.tokenFor(tenant.tenant.id, done.codeHostAccountId);
  expect((await fetch(`${fake.gitlab}/api/v4/user`, { headers: token.headers() })).status).toBe(200);

  // The person revokes repolink on GitLab: the refresh is refused, the account says so.
  const [row] = await t.dataSource.query('SELECT refresh_token_key_id AS k, refresh_token_ciphertext AS c, tenant_id AS t FROM code_host_accounts WHERE id = ?', [done.codeHostAccountId]);
  const { accountAad } = await import('../src/modules/code-host-accounts/code-host-secrets');
  fake.gitlabHost.revokeToken(t.cipher.open({ keyId: row.k, blob: row.c }, accountAad({ tenantId: row.t, id: done.codeHostAccountId }, 'refresh_token')).reveal());
  await t.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [done.codeHostAccountId]);
  await expect(services.tokens.tokenFor(tenant.tenant.id, done.codeHostAccountId)).rejects.toMatchObject({ status: 'needs_reauthorization' });
  const after = (await t.gql(ACCOUNT, { id: done.codeHostAccountId }, { authorization: `Bearer ${tenant.apiKey}` })).body.data.codeHostAccount;
  expect(after).toMatchObject({ status: 'NEEDS_REAUTHORIZATION', statusReason: expect.stringMatching(/GitLab refused the refresh token \(invalid_grant\)/) });

  // Authorizing again renews the same account.
  const again = returned(await browse(await start({ host: 'GITLAB', baseUrl: fake.gitlab }, tenant.apiKey)));
  expect(again.codeHostAccountId).toBe(done.codeHostAccountId);
  expect((await t.gql(ACCOUNT, { id: done.codeHostAccountId }, { authorization: `Bearer ${tenant.apiKey}` })).body.data.codeHostAccount.status).toBe('ACTIVE');
});

test('starting a flow: no app registered, a bad base URL or return URL, a read-only key', async () => {
  const errors = async (input: Record<string, unknown>) => (await t.gql(START, { input })).body.data.startCodeHostAuthorization.userErrors;
  expect(await errors({ host: 'BITBUCKET' })).toEqual([
    { code: 'BAD_USER_INPUT', field: ['host'], message: expect.stringMatching(/^No Bitbucket OAuth application is registered for .*app:register --kind oauth --host bitbucket/) },
  ]);
  expect(await errors({ host: 'GITLAB', baseUrl: 'ftp://gitlab.example.com' })).toEqual([{ code: 'BAD_USER_INPUT', field: ['baseUrl'], message: expect.stringMatching(/http\(s\) URL/) }]);
  expect(await errors({ host: 'GITLAB', baseUrl: fake.gitlab, returnUrl: 'https://evil.example.com/steal' })).toEqual([{ code: 'BAD_USER_INPUT', field: ['returnUrl'], message: expect.stringMatching(/origin/) }]);
  expect(await errors({ host: 'GITLAB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.gitlab })).toEqual([{ code: 'BAD_USER_INPUT', field: ['kind'], message: expect.stringMatching(/GitHub only/) }]);
  const { createApiKey } = await import('./support/factories');
  const readOnly = await createApiKey(t.dataSource, { projectId: t.account.project.id }, ['config:read']);
  const res = await t.gql(START, { input: { host: 'GITLAB', baseUrl: fake.gitlab } }, { authorization: `Bearer ${readOnly}` });
  expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
});
