/**
 * The code-host browser flows of the dashboard in a real browser (Debian's Chromium through
 * playwright-core) against a real server, its real database and the loopback fakes of GitHub and
 * GitLab (which check what the hosts check: app JWTs, PKCE, single-use codes and states): install
 * the GitHub App from the Code hosts page and connect two repositories picked from what the
 * installation sees; finish a GitLab OAuth flow; a declined consent reads as such on the page. No
 * secret is in the page's HTML, the browser's storage or any URL it visited, redirect hops included.
 * Trusted documents are on (REPOLINK_TRUSTED_DOCUMENTS=cookie). Screenshots go to
 * $DASHBOARD_ARTIFACTS (default: <tmp>/repolink-dashboard-artifacts), `flows-*.png`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { ensureDashboardBuilt } from '../src/dashboard/build';
import { SignInLinkService } from '../src/modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../src/modules/auth/sign-in-link.store';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { createAccount } from './support/factories';
import { SHA, TOKENS, startFakeHosts, type FakeHosts, type GithubApp } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = process.env.DASHBOARD_ARTIFACTS ?? path.join(tmpdir(), 'repolink-dashboard-artifacts');

let fake: FakeHosts;
let server: TestServer;
let browser: Browser;
let app: GithubApp;
let gitlabApp: { clientId: string; clientSecret: string };
let context: BrowserContext;
let page: Page;
let tenantId: string;
let tenantApiKey: string;
const visited: string[] = [];
const redirects: string[] = [];
const pageErrors: string[] = [];
const secrets = { session: '', link: '' };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [built] = await Promise.all([ensureDashboardBuilt(), (async () => (fake = await startFakeHosts()))()]);
  expect(built.stamp).not.toBeNull();
  // Without "Request user authorization during installation": GitHub sends the browser to the Setup
  // URL, and repolink confirms the installation through the app's authorization page.
  app = fake.githubHost.registerApp({ name: 'repolink' });
  gitlabApp = fake.gitlabHost.registerApplication({ redirectUris: [] });
  fake.gitlabHost.addUser({ username: 'dana', name: 'Dana Scully' });
  for (const name of ['platform/api', 'platform/web', 'platform/billing']) fake.gitlabHost.addProject({ path: name, members: { dana: 30 } });

  server = await startTestServer({
    env: {
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_TRUSTED_DOCUMENTS: 'cookie',
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
  // The URLs registered with the hosts are repolink's own, known once it listens.
  app.callbackUrls.push(`${server.url}/oauth/callback/github`);
  app.setupUrl = `${server.url}/github-app/setup`;
  fake.gitlabHost.addRedirectUri(gitlabApp.clientId, `${server.url}/oauth/callback/gitlab`);

  // An organization of its own: its Code hosts page starts empty.
  const account = await createAccount(server.dataSource);
  tenantId = account.tenant.id;
  tenantApiKey = account.apiKey;
  const user = await new TenancyService(server.dataSource).createUser({ tenantId, email: `flows-${Date.now()}@example.com`, name: 'Dana', projectId: account.project.id });
  secrets.link = (await new SignInLinkService(new SignInLinkStore(server.dataSource)).issue({ userId: user.id })).token;

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  // Every address the browser asked for, on any host, and every redirect's Location.
  context.on('request', (r) => visited.push(r.url()));
  context.on('response', (r) => {
    const location = r.headers()['location'];
    if (location) redirects.push(location);
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => void d.accept());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `flows-${name}.png`), fullPage: true });
}

async function readable(): Promise<string> {
  const storage = await page.evaluate<string>('JSON.stringify({ local: { ...window.localStorage }, session: { ...window.sessionStorage }, cookie: document.cookie })');
  return `${await page.content()}\n${storage}`;
}

/** The GraphQL operation a request of the page sent (by id: `{ documentId, operationName, variables }`), or null. */
function operationOf(request: Request): { documentId?: string; operationName: string; variables: Record<string, unknown> } | null {
  if (new URL(request.url()).pathname !== '/graphql' || request.method() !== 'POST') return null;
  return request.postDataJSON();
}

const flows = () => page.locator('section', { has: page.getByRole('heading', { name: 'Connect an account in the browser' }) });

describe('code-host flows in a browser', () => {
  test('install the GitHub App from the Code hosts page: back on the page, the installation is an active account', async () => {
    await page.goto(`${server.url}/dashboard/sign-in?token=${secrets.link}`);
    await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor();
    secrets.session = (await context.cookies()).find((c) => c.name === 'session')!.value;
    await page.getByRole('link', { name: 'Code hosts' }).click();
    await page.getByText('No accounts yet').waitFor();

    // Who is signed in on GitHub, and what they will choose on its installation page.
    fake.githubHost.signIn('octocat');
    fake.githubHost.prepareInstall({ app, account: 'acme', repositories: ['acme/api', 'acme/web', 'acme/empty'] });
    await flows().getByLabel('Self-managed address (optional)').fill(fake.githubWeb);
    await flows().getByRole('button', { name: 'Install the GitHub App' }).click();

    await page.getByText('The GitHub account is connected.').waitFor();
    // The outcome was read and taken off the address.
    expect(page.url()).toBe(`${server.url}/dashboard/code-hosts`);
    const row = page.locator('tr[data-account-id]', { hasText: 'GitHub App' });
    await row.getByText('Active').waitFor();
    expect(await row.innerText()).toContain('installed on acme (selected repositories)');
    // The way there: GitHub's installation page, the Setup URL, the app's authorization page, the callback.
    const hops = visited.map((u) => new URL(u)).map((u) => `${u.port === new URL(server.url).port ? 'repolink' : 'github'} ${u.pathname}`);
    expect(hops).toEqual(
      expect.arrayContaining([`github /apps/${app.slug}/installations/new`, 'repolink /github-app/setup', 'github /login/oauth/authorize', 'repolink /oauth/callback/github']),
    );
    const [stored] = await server.dataSource.query('SELECT identity, status FROM code_host_accounts WHERE tenant_id = ?', [tenantId]);
    expect(stored).toEqual({ identity: 'acme', status: 'active' });
    await shot('code-hosts-installed');
  }, 60_000);

  test('pick two of the repositories the installation sees on the Connect page, and connect them through the installation: no token asked, none sent, none stored', async () => {
    await page.getByRole('link', { name: 'Pick its repositories' }).click();
    await page.getByRole('heading', { name: 'Connect repositories', level: 1 }).waitFor();
    const accountId = new URL(page.url()).searchParams.get('account')!;
    expect(accountId).toMatch(/^cha_[0-9a-f]{32}$/);
    const picker = page.locator('table[aria-label="Repositories the account can see"]');
    await picker.locator('tbody tr').first().waitFor();
    expect((await picker.locator('tbody tr label').allInnerTexts()).sort()).toEqual(['acme/api', 'acme/empty', 'acme/web']);
    await page.getByLabel('acme/api', { exact: true }).check();
    await page.getByLabel('acme/web', { exact: true }).check();
    await page.getByText('2 chosen').waitFor();
    await shot('connect-picker');

    await page.getByRole('button', { name: 'Next: check and connect' }).click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Check and connect through the account' }) });
    expect(await form.getByLabel('Repositories, one per line').inputValue()).toBe('acme/api\nacme/web');
    // The account is the credential: no field asks for a token, a password or a server.
    expect(await form.locator('input[type="password"]').count()).toBe(0);
    expect(await form.getByLabel(/token|password|base url/i).count()).toBe(0);
    expect(await form.innerText()).toContain('GitHub App installation acme');

    // The dry run goes through the account: its variables name the account and carry no credentials.
    const checkSent = page.waitForRequest((r) => operationOf(r)?.operationName === 'DashboardCheckConnection');
    await form.getByRole('button', { name: 'Check (nothing is saved)' }).click();
    const throughAccount = { platform: 'GITHUB', codeHostAccountId: accountId, repositories: ['acme/api', 'acme/web'], serviceMappings: [] };
    expect(operationOf(await checkSent)!.variables).toEqual({ input: throughAccount });
    const verdicts = form.locator('table[aria-label="What the host said per repository"] tbody tr');
    await verdicts.first().waitFor();
    expect(await verdicts.evaluateAll((rows) => rows.map((r) => [r.querySelector('td')!.textContent, r.getAttribute('data-check-status')]))).toEqual([
      ['acme/api', 'FOUND'],
      ['acme/web', 'FOUND'],
    ]);
    // Judged on the installation (its permissions), not on a user.
    expect(await form.locator('.resolve-result p').first().innerText()).toMatch(/^The account: valid, for acme; scopes .*contents:read/);
    await shot('connect-check-account');

    const connectSent = page.waitForRequest((r) => operationOf(r)?.operationName === 'DashboardConnectRepos');
    await form.getByRole('button', { name: 'Connect', exact: true }).click();
    const connectRequest = await connectSent;
    expect(operationOf(connectRequest)!.variables).toEqual({ input: throughAccount });
    const connected = page.getByRole('heading', { name: 'Connected', exact: true }).locator('..');
    await connected.waitFor();
    expect(await connected.innerText()).toMatch(/^Connected\s+acme\/(api|web), acme\/(api|web) are connected through the GitHub App installation acme\. /);
    await shot('connect-result');

    // Read back through GraphQL: the connection reads through the account and holds no credential of its own.
    const id = ((await (await connectRequest.response())!.json()) as { data: { connectRepos: { repoConnection: { id: string } } } }).data.connectRepos.repoConnection.id;
    const read = await server.gql(
      'query($id: ID!) { repoConnection(id: $id) { platform credentialsHint codeHostAccount { id kind status } repositories { path defaultBranch lastCommitSha } } }',
      { id },
      { authorization: `Bearer ${tenantApiKey}` },
    );
    expect(read.body.errors).toBeUndefined();
    const connection = read.body.data.repoConnection;
    expect(connection).toMatchObject({ platform: 'GITHUB', credentialsHint: null, codeHostAccount: { id: accountId, kind: 'GITHUB_APP_INSTALLATION', status: 'ACTIVE' } });
    // Verified through the installation: each repository starts with the branch and head GitHub gave.
    expect([...connection.repositories].sort((x: { path: string }, y: { path: string }) => x.path.localeCompare(y.path))).toEqual([
      { path: 'acme/api', defaultBranch: 'main', lastCommitSha: SHA.githubApi },
      { path: 'acme/web', defaultBranch: 'trunk', lastCommitSha: SHA.githubWeb },
    ]);
    const [row] = await server.dataSource.query('SELECT code_host_account_id AS account, credentials_ciphertext AS sealed, credentials_hint AS hint FROM repo_connections WHERE id = ?', [id]);
    expect(row).toEqual({ account: accountId, sealed: null, hint: null });

    // The Repositories page names the account as the connection's credential.
    await connected.getByRole('link', { name: 'See them and sync them on Repositories' }).click();
    const listed = page.locator(`tr[data-connection-id="${id}"]`);
    await listed.locator(`[data-code-host-account-id="${accountId}"]`).waitFor();
    expect(await listed.locator(`[data-code-host-account-id="${accountId}"]`).innerText()).toBe('GitHub App account\nacme');
    await shot('repositories-through-account');
    expect(await readable()).not.toContain(TOKENS.githubClassic);
  }, 60_000);

  test('finish a GitLab OAuth flow on a self-managed GitLab; its projects are listed to pick from', async () => {
    await page.getByRole('link', { name: 'Code hosts' }).click();
    await page.getByRole('heading', { name: 'Code hosts', level: 1 }).waitFor();
    fake.gitlabHost.signIn('dana');
    await flows().getByLabel('Self-managed address (optional)').fill(fake.gitlab);
    await flows().getByRole('button', { name: 'Sign in with GitLab' }).click();
    await page.getByText('The GitLab account is connected.').waitFor();
    expect(page.url()).toBe(`${server.url}/dashboard/code-hosts`);
    const row = page.locator('tr[data-account-id]', { hasText: 'GitLab' });
    await row.getByText('Active').waitFor();
    expect(await row.innerText()).toMatch(/dana[^]*OAuth[^]*read_api/);
    await shot('code-hosts-gitlab');

    await page.getByRole('link', { name: 'Pick its repositories' }).click();
    const picker = page.locator('table[aria-label="Repositories the account can see"]');
    await picker.locator('tbody tr').first().waitFor();
    expect((await picker.locator('tbody tr label').allInnerTexts()).sort()).toEqual(['platform/api', 'platform/billing', 'platform/web']);
    await shot('connect-picker-gitlab');
  }, 60_000);

  test('a declined consent says so in words on the Code hosts page, and connects nothing', async () => {
    await page.getByRole('link', { name: 'Code hosts' }).click();
    await page.getByRole('heading', { name: 'Code hosts', level: 1 }).waitFor();
    const before = await server.dataSource.query('SELECT COUNT(*) AS n FROM code_host_accounts WHERE tenant_id = ?', [tenantId]);
    fake.gitlabHost.denyConsent();
    await flows().getByLabel('Self-managed address (optional)').fill(fake.gitlab);
    await flows().getByRole('button', { name: 'Sign in with GitLab' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Connecting the account did not work' });
    await alert.waitFor();
    expect(await alert.innerText()).toBe('Connecting the account did not work: The authorization was declined on GitLab; nothing was connected.');
    expect(page.url()).toBe(`${server.url}/dashboard/code-hosts`);
    expect(await server.dataSource.query('SELECT COUNT(*) AS n FROM code_host_accounts WHERE tenant_id = ?', [tenantId])).toEqual(before);
    await shot('code-hosts-declined');
  }, 60_000);

  test('no secret is in the HTML, the storage, or any URL the browser visited or was redirected to', async () => {
    // What the hosts issued (installation, user and OAuth tokens, refresh tokens), what repolink holds
    // (client secrets, the app's key and webhook secret, PKCE verifiers sent to the token endpoints).
    const github = fake.githubHost as unknown as { tokens: Map<string, unknown>; oauth: { byAccess: Map<string, unknown>; byRefresh: Map<string, unknown> } };
    const gitlab = fake.gitlabHost.oauth as unknown as { byAccess: Map<string, unknown>; byRefresh: Map<string, unknown> };
    const issued = [...github.tokens.keys(), ...github.oauth.byAccess.keys(), ...github.oauth.byRefresh.keys(), ...gitlab.byAccess.keys(), ...gitlab.byRefresh.keys()];
    expect(issued.some((t) => t.startsWith('ghs_'))).toBe(true);
    expect(issued.some((t) => t.startsWith('ghu_'))).toBe(true);
    const verifiers = fake.requests.flatMap((r) => new URLSearchParams(r.body).getAll('code_verifier'));
    expect(verifiers.length).toBeGreaterThanOrEqual(2);
    const hidden = [secrets.session, app.clientSecret, app.webhookSecret, app.privateKeyPem.split('\n')[1], gitlabApp.clientSecret, TOKENS.githubClassic, ...issued, ...verifiers];

    const text = await readable();
    for (const secret of [...hidden, secrets.link]) expect(text).not.toContain(secret);
    const addresses = [...visited, ...redirects];
    // The hops in between were seen: the callbacks with their codes, and repolink's answers to them.
    expect(visited.filter((u) => /\/oauth\/callback\/(github|gitlab)\?code=/.test(u))).toHaveLength(2);
    expect(redirects.filter((l) => l.includes('/dashboard/code-hosts?codeHostAccountId='))).toHaveLength(2);
    for (const address of addresses) {
      for (const secret of hidden) expect(address).not.toContain(secret);
      // The link's token only in the one request that consumed it.
      if (!address.includes('/dashboard/sign-in?')) expect(address).not.toContain(secrets.link);
    }
    // The browser went nowhere but repolink and the hosts.
    expect(visited.filter((u) => ![new URL(server.url).host, new URL(fake.url).host].includes(new URL(u).host))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
