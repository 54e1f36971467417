/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real server,
 * its real database and the loopback code-host fakes: sign in by a one-time link, watch a sync go
 * from pending to synced, edit a service mapping and resolve a stack frame, create and revoke an
 * API key, sign out and be refused; an expired or reused link reads as such. No secret is ever in
 * the page's HTML, the browser's storage or a URL. The server runs with trusted documents on
 * (REPOLINK_TRUSTED_DOCUMENTS=cookie, production's default): the page names every operation by its id,
 * and nothing else is run for its cookie. A screenshot of each page is kept in
 * $DASHBOARD_ARTIFACTS (default: <tmp>/repolink-dashboard-artifacts), printed at the end.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { ensureDashboardBuilt } from '../src/dashboard/build';
import { TRUSTED_DOCUMENT_MANIFESTS } from '../src/http/trusted-documents';
import { SignInLinkService } from '../src/modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../src/modules/auth/sign-in-link.store';
import { hashToken } from '../src/modules/auth/tokens';
import { SyncWorker } from '../src/modules/sync/sync-worker';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { createIsolatedDatabase } from './support/db';
import { SHA, TOKENS, startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = process.env.DASHBOARD_ARTIFACTS ?? path.join(tmpdir(), 'repolink-dashboard-artifacts');

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let server: TestServer;
let browser: Browser;
let links: SignInLinkService;
let userId: string;
let worker: SyncWorker | null = null;

/** Every secret the run has seen: none may appear in a page, storage or a URL where it should not. */
const secrets = { session: '', linkTokens: [] as string[], apiKey: '' };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [built] = await Promise.all([ensureDashboardBuilt(), (async () => (fake = await startFakeHosts()))()]);
  expect(built.stamp).not.toBeNull();
  // A database of its own: the sync worker started below takes every due job, and must not take other files'.
  db = await createIsolatedDatabase('dashboard');
  server = await startTestServer({ databaseUrl: db.url, env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_TRUSTED_DOCUMENTS: 'cookie' } });
  links = new SignInLinkService(new SignInLinkStore(server.dataSource));
  const user = await new TenancyService(server.dataSource).createUser({ tenantId: server.account.tenant.id, email: `dash-${Date.now()}@example.com`, name: 'Dana', projectId: server.account.project.id });
  userId = user.id;
  const connected = await server.gql(
    `mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { message } } }`,
    { input: { platform: 'GITHUB', credentials: { token: TOKENS.githubClassic }, baseUrl: fake.githubApi, repositories: ['acme/api', 'acme/web'] } },
  );
  expect(connected.body.data.connectRepos.userErrors).toEqual([]);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await browser?.close();
  await server?.close();
  await db?.drop();
  await fake?.close();
  process.stdout.write(`dashboard screenshots: ${ARTIFACTS}\n`);
});

async function newLink(): Promise<string> {
  const { token } = await links.issue({ userId });
  secrets.linkTokens.push(token);
  return `${server.url}/dashboard/sign-in?token=${token}`;
}

interface Watched {
  context: BrowserContext;
  page: Page;
  requests: Request[];
  pageErrors: string[];
}

async function open(): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const requests: Request[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => requests.push(r));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => void d.accept());
  return { context, page, requests, pageErrors };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** What a script on the page (or anyone who saves it) could read: its HTML and both storages. */
async function readable(page: Page): Promise<string> {
  // Evaluated in the page (a string: this file is compiled without the DOM's types).
  const storage = await page.evaluate<string>('JSON.stringify({ local: { ...window.localStorage }, session: { ...window.sessionStorage }, cookie: document.cookie })');
  return `${await page.content()}\n${storage}`;
}

describe('dashboard in a browser', () => {
  let signedIn: Watched;

  test('an expired link and a malformed one say so in words, and leave no token in the address', async () => {
    const w = await open();
    const expired = await newLink();
    await server.dataSource.query('UPDATE sign_in_links SET expires_at = DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 1 MINUTE) WHERE token_hash = ?', [hashToken(secrets.linkTokens.at(-1)!)]);
    await w.page.goto(expired);
    await w.page.getByRole('heading', { name: 'This sign-in link has expired' }).waitFor();
    expect(w.page.url()).toBe(`${server.url}/dashboard/signed-out?reason=link-expired`);
    await shot(w.page, 'sign-in-expired-link');

    await w.page.goto(`${server.url}/dashboard/sign-in?token=rll_not-a-real-token`);
    await w.page.getByRole('heading', { name: 'This sign-in link does not work' }).waitFor();
    expect((await w.context.cookies()).filter((c) => c.name === 'session')).toEqual([]);
    expect(w.pageErrors).toEqual([]);
    await w.context.close();
  }, 60_000);

  test('a link signs in once: the session is an HttpOnly cookie, the token leaves the URL', async () => {
    signedIn = await open();
    const { page, context } = signedIn;
    const link = await newLink();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor();
    expect(page.url()).toBe(`${server.url}/dashboard/`);
    expect(await page.getByText(server.account.tenant.name).isVisible()).toBe(true);

    const [cookie] = (await context.cookies()).filter((c) => c.name === 'session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    expect(cookie.value).toMatch(/^rls_/);
    secrets.session = cookie.value;
    expect(await page.evaluate<string>('document.cookie')).not.toContain('rls_');

    // The same link in another browser: already used.
    const other = await open();
    await other.page.goto(link);
    await other.page.getByRole('heading', { name: 'This sign-in link was already used' }).waitFor();
    expect(other.page.url()).toBe(`${server.url}/dashboard/signed-out?reason=link-used`);
    await shot(other.page, 'sign-in-used-link');
    await other.context.close();
  }, 60_000);

  test('a sync goes from pending to synced while the page watches', async () => {
    const { page } = signedIn;
    const row = page.locator('tr[data-connection-id]');
    await row.locator('[data-sync-status="NEVER"]').waitFor();
    await row.getByRole('button', { name: 'Sync now' }).click();
    // Queued: the row says so, with a moving bar, until a worker has run it.
    await row.locator('[data-sync-status="PENDING"]').waitFor();
    expect(await row.getByRole('progressbar', { name: 'Sync in progress' }).isVisible()).toBe(true);
    expect(await row.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
    await shot(page, 'repositories-syncing');

    worker = new SyncWorker(server.server.services.sync, { worker: true, pollMs: 100, leaseMs: 5_000, retryBaseMs: 50, maxAttempts: 3 }, { warn: () => undefined, info: () => undefined });
    worker.start();
    await row.locator('[data-sync-status="OK"]').waitFor({ timeout: 20_000 });
    await row.getByText(SHA.githubApi.slice(0, 10)).waitFor();
    // The repositories table below follows with each repository's own state and head.
    await page.locator('tr[data-repository-id]', { hasText: 'acme/api' }).locator('[data-sync-status="OK"]').waitFor({ timeout: 10_000 });
    await shot(page, 'repositories');
  }, 60_000);

  test('a service mapping with stack roots is created (field errors beside their field) and resolves a frame', async () => {
    const { page } = signedIn;
    await page.getByRole('link', { name: 'Service mappings' }).click();
    await page.getByRole('heading', { name: 'Service mappings', level: 1 }).waitFor();
    expect(page.url()).toBe(`${server.url}/dashboard/mappings`);
    await page.getByText('No service mappings yet').waitFor();

    await page.getByRole('button', { name: 'New mapping' }).click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'New service mapping' }) });
    await form.getByLabel('Repository').selectOption({ label: 'acme/api' });
    await form.getByRole('button', { name: 'Add a stack root' }).click();
    await form.getByLabel('Stack root 1', { exact: true }).fill('/app/**/src/');
    await form.getByLabel('Source root 1', { exact: true }).fill('src/');
    // No service name: the server's user error shows beside that field.
    await form.getByRole('button', { name: 'Create mapping' }).click();
    const serviceName = form.getByLabel('Service name');
    await page.waitForFunction(`document.querySelector('[aria-invalid="true"]') !== null`);
    expect(await serviceName.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await serviceName.getAttribute('aria-describedby'))!.split(' ');
    const message = await page.locator(`[id="${describedBy.at(-1)}"]`).innerText();
    expect(message).toMatch(/serviceName/i);
    await shot(page, 'mappings-field-error');

    await serviceName.fill('api');
    await form.getByRole('button', { name: 'Create mapping' }).click();
    const mappingRow = page.locator('table[aria-label="Service mappings"] tr', { hasText: 'api' });
    await mappingRow.getByText('/app/**/src/').waitFor();

    const resolve = page.locator('section', { has: page.getByRole('heading', { name: 'Resolve a stack frame' }) });
    await resolve.getByLabel('Service').fill('api');
    await resolve.getByLabel('Frame path').fill('/app/services/api/src/handlers/user.ts');
    await resolve.getByLabel('Line').fill('42');
    await resolve.getByRole('button', { name: 'Resolve' }).click();
    await resolve.getByText('Matched', { exact: true }).waitFor();
    expect(await resolve.getByText('src/handlers/user.ts', { exact: true }).isVisible()).toBe(true);
    const href = await resolve.getByRole('link').getAttribute('href');
    expect(href).toBe(`${new URL(fake.githubApi).origin}/acme/api/blob/main/src/handlers/user.ts#L42`);
    await shot(page, 'mappings');

    await resolve.getByLabel('Service').fill('billing');
    await resolve.getByRole('button', { name: 'Resolve' }).click();
    await resolve.getByText('No match', { exact: true }).waitFor();
    expect(await resolve.locator('.resolve-result').innerText()).toMatch(/billing/);
  }, 60_000);

  test('an API key is created (its secret shown once), used, and revoked', async () => {
    const { page } = signedIn;
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Create a key' }) });
    // An empty name: the error stands next to the Name field.
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText('name must be 1 to 100 characters').waitFor();
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Name').fill('CI deploy');
    await form.getByLabel('Write (config:write)').check();
    await form.getByRole('button', { name: 'Create key' }).click();
    const secretField = page.getByLabel('New API key');
    await secretField.waitFor();
    secrets.apiKey = await secretField.inputValue();
    expect(secrets.apiKey).toMatch(/^ss_secret_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText(/Copied to the clipboard|Selected: press Ctrl\+C/).waitFor();
    await shot(page, 'api-keys-new-secret');

    // The key works, and its use shows.
    const used = await server.gql('{ viewer { kind permissions } }', {}, { authorization: `Bearer ${secrets.apiKey}` });
    expect(used.body.data.viewer).toEqual({ kind: 'API_KEY', permissions: ['CONFIG_READ', 'CONFIG_WRITE'] });
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await readable(page)).not.toContain(secrets.apiKey);
    await page.reload();
    const keyRow = page.locator('tr[data-api-key-id]', { hasText: 'CI deploy' });
    await keyRow.getByText('just now').first().waitFor();
    expect(await keyRow.innerText()).toContain(secrets.apiKey.slice(0, 16));
    await shot(page, 'api-keys');

    await keyRow.getByRole('button', { name: 'Revoke CI deploy' }).click();
    await page.locator('tr[data-api-key-id]', { hasText: 'CI deploy' }).waitFor({ state: 'detached' });
    const refused = await server.gql('{ viewer { kind } }', {}, { authorization: `Bearer ${secrets.apiKey}` });
    expect(refused.status).toBe(401);
    await page.getByLabel('Show revoked keys').check();
    await page.locator('tr[data-api-key-id]', { hasText: 'CI deploy' }).getByText('Revoked').waitFor();
  }, 60_000);

  test('code hosts: a pasted token becomes an account; its repositories are picked, checked (per-repository verdicts) and connected', async () => {
    const { page } = signedIn;
    await page.getByRole('link', { name: 'Code hosts' }).click();
    await page.getByRole('heading', { name: 'Code hosts', level: 1 }).waitFor();
    await page.getByText('No accounts yet').waitFor();

    // A token the host refuses: its words, beside the token field; nothing stored.
    const add = page.locator('form', { has: page.getByRole('heading', { name: 'Add an account with a token' }) });
    await add.getByLabel('Kind of token').selectOption({ label: 'GitHub personal access token' });
    await add.getByLabel('Base URL (optional)').fill(fake.githubApi);
    await add.getByLabel('Token', { exact: true }).fill(TOKENS.githubBad);
    await add.getByRole('button', { name: 'Add account' }).click();
    await add.getByText(/GitHub refused the token/).waitFor();
    await add.getByLabel('Token', { exact: true }).fill(TOKENS.githubClassic);
    await add.getByRole('button', { name: 'Add account' }).click();
    await add.getByText('Added the account of octocat.').waitFor();
    const accountRow = page.locator('tr[data-account-id]', { hasText: 'octocat' });
    await accountRow.getByText('Active').waitFor();
    expect(await accountRow.innerText()).toContain('repo');
    expect(await readable(page)).not.toContain(TOKENS.githubClassic);
    await shot(page, 'code-hosts');

    // Paste a token: the dry run says per repository what the host said; nothing is saved.
    const paste = page.locator('form', { has: page.getByRole('heading', { name: 'Paste a token and connect' }) });
    await paste.getByLabel('Base URL (optional)').fill(fake.githubApi);
    await paste.getByLabel('Token', { exact: true }).fill(TOKENS.githubClassic);
    await paste.getByLabel('Repositories, one per line').fill('acme/api\nacme/nope\nacme/sso');
    await paste.getByRole('button', { name: 'Check (nothing is saved)' }).click();
    const verdicts = paste.locator('table[aria-label="What the host said per repository"] tbody tr');
    await verdicts.first().waitFor();
    expect(await verdicts.evaluateAll((rows) => rows.map((r) => [r.querySelector('td')!.textContent, r.getAttribute('data-check-status')]))).toEqual([
      ['acme/api', 'FOUND'],
      ['acme/nope', 'NOT_FOUND'],
      ['acme/sso', 'NO_ACCESS'],
    ]);
    await paste.getByText('valid, for octocat', { exact: false }).waitFor();
    await shot(page, 'code-hosts-dry-run');

    // The pasted-token path sends the token, and no account.
    const pasted = signedIn.requests.filter((r) => new URL(r.url()).pathname === '/graphql' && r.postDataJSON().operationName === 'DashboardCheckConnection').at(-1)!;
    expect(pasted.postDataJSON().variables.input).toEqual({ platform: 'GITHUB', baseUrl: fake.githubApi, credentials: { token: TOKENS.githubClassic }, repositories: ['acme/api', 'acme/nope', 'acme/sso'], serviceMappings: [] });

    // Pick from what the account sees, check and connect.
    const accountId = (await accountRow.getAttribute('data-account-id'))!;
    await accountRow.getByRole('link', { name: 'Pick repositories' }).click();
    await page.getByRole('heading', { name: 'Connect repositories', level: 1 }).waitFor();
    const picker = page.locator('table[aria-label="Repositories the account can see"]');
    await picker.locator('tbody tr').first().waitFor();
    const offered = await picker.locator('tbody tr label').allInnerTexts();
    expect(offered.length).toBeGreaterThan(0);
    const choice = offered.find((p) => !['acme/api', 'acme/web'].includes(p)) ?? offered[0];
    await page.getByLabel(choice, { exact: true }).check();
    await shot(page, 'connect-picker');
    await page.getByRole('button', { name: 'Next: check and connect' }).click();
    // Picked from the account: connected through it, with no token to paste.
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Check and connect through the account' }) });
    expect(await form.getByLabel('Repositories, one per line').inputValue()).toBe(choice);
    expect(await form.locator('input[type="password"]').count()).toBe(0);
    const connectSent = page.waitForRequest((r) => new URL(r.url()).pathname === '/graphql' && r.postDataJSON()?.operationName === 'DashboardConnectRepos');
    await form.getByRole('button', { name: 'Connect', exact: true }).click();
    expect((await connectSent).postDataJSON().variables).toEqual({ input: { platform: 'GITHUB', codeHostAccountId: accountId, repositories: [choice], serviceMappings: [] } });
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    await shot(page, 'connect-result');
    const listed = await server.gql('{ repoConnections(first: 20) { edges { node { credentialsHint codeHostAccount { id } repositories { path } } } } }');
    expect(listed.body.data.repoConnections.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ credentialsHint: null, codeHostAccount: { id: accountId }, repositories: [{ path: choice }] });
  }, 90_000);

  test('no secret is in the HTML, the storage or any URL the browser asked for', async () => {
    const { page, requests } = signedIn;
    const text = await readable(page);
    for (const secret of [secrets.session, ...secrets.linkTokens, secrets.apiKey]) expect(text).not.toContain(secret);
    for (const request of requests) {
      const url = request.url();
      expect(url).not.toContain(secrets.session);
      expect(url).not.toContain(secrets.apiKey);
      // The link's token is in the one request that consumes it, and nowhere after (not in a Referer either).
      if (!url.includes('/dashboard/sign-in?')) for (const token of secrets.linkTokens) expect(url).not.toContain(token);
      expect(request.headers()['referer'] ?? '').not.toContain('token=');
      expect(request.headers()['authorization']).toBeUndefined();
    }
    expect(requests.filter((r) => new URL(r.url()).host !== new URL(server.url).host)).toEqual([]);
    expect(signedIn.pageErrors).toEqual([]);
  });

  test('the page names every operation by its id, and the server runs nothing else for its cookie', async () => {
    const { requests } = signedIn;
    const manifest: Record<string, string> = JSON.parse(readFileSync(TRUSTED_DOCUMENT_MANIFESTS[0], 'utf8'));
    const operations = requests.filter((r) => new URL(r.url()).pathname === '/graphql').map((r) => r.postDataJSON() as Record<string, unknown>);
    expect(operations.length).toBeGreaterThan(10);
    for (const body of operations) {
      expect(body.query).toBeUndefined();
      expect(manifest[body.documentId as string]).toEqual(expect.stringContaining(`${body.operationName}`));
    }
    const free = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `session=${secrets.session}` },
      body: JSON.stringify({ query: '{ viewer { kind tenant { id } } }' }),
    });
    expect(free.status).toBe(400);
    expect(((await free.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  test('sign-out ends the session on the server: the page and the old cookie are refused', async () => {
    const { page, context } = signedIn;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'session')).toEqual([]);
    await shot(page, 'signed-out');
    // The old cookie with the page's own first request (its viewer, by id): refused.
    const viewerId = signedIn.requests.find((r) => new URL(r.url()).pathname === '/graphql')!.postDataJSON().documentId as string;
    const replayed = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `session=${secrets.session}` },
      body: JSON.stringify({ documentId: viewerId }),
    });
    expect(replayed.status).toBe(401);
    await page.goto(`${server.url}/dashboard/repositories`);
    await page.getByRole('heading', { name: 'Sign in to repolink' }).waitFor();
    await context.close();
  }, 60_000);
});
