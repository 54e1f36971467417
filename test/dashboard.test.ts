/**
 * The dashboard's server side over real HTTP and the real database: sign-in links (single use,
 * under concurrency too), the session cookie's attributes, sign-out, CSRF safety of cookie-borne
 * writes (GraphQL and the REST shim), the API-key operations it uses, the admin CLI's --link, the
 * demo start's link, and how the built files are served (lazily, cached, same-origin only).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { runAdmin } from '../src/cli/admin';
import { ensureDemoAccount, welcomeLines } from '../src/boot/demo';
import { createDataSource } from '../src/db/data-source';
import { ensureDashboardBuilt } from '../src/dashboard/build';
import { registerDashboard } from '../src/dashboard/routes';
import { SignInLinkService } from '../src/modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../src/modules/auth/sign-in-link.store';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { createIsolatedDatabase, testDatabaseUrl } from './support/db';
import { createAccount, createSessionFor, unique } from './support/factories';
import { useTestServer } from './support/test-server';

const t = useTestServer();

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `${unique('dash').replace(/\W+/g, '.')}@example.com`;
  const user = await new TenancyService(t.dataSource).createUser({ tenantId: t.account.tenant.id, email, projectId: t.account.project.id });
  return { id: user.id, email };
}

async function linkFor(userId: string, options: { ttlMinutes?: number; sessionTtlHours?: number } = {}): Promise<string> {
  return (await new SignInLinkService(new SignInLinkStore(t.dataSource)).issue({ userId, ...options })).token;
}

const signIn = (token: string, headers: Record<string, string> = {}) => fetch(`${t.url}/dashboard/sign-in?token=${encodeURIComponent(token)}`, { redirect: 'manual', headers });

function sessionFrom(response: Response): string | null {
  const cookie = response.headers.get('set-cookie');
  const match = cookie ? /^session=([^;]*)/.exec(cookie) : null;
  return match && match[1] ? decodeURIComponent(match[1]) : null;
}

const viewerWith = (headers: Record<string, string>) =>
  fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ viewer { kind } }' }) });

describe('sign-in links', () => {
  test('a link opens a session once: HttpOnly, SameSite=Lax, Path=/ cookie; redirect off the token; not cached', async () => {
    const user = await newUser();
    const token = await linkFor(user.id, { sessionTtlHours: 2 });
    const response = await signIn(token);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^session=rls_[A-Za-z0-9_-]{43}; Path=\/; Max-Age=(7199|7200); HttpOnly; SameSite=Lax$/);
    const session = sessionFrom(response)!;
    expect((await viewerWith({ cookie: `session=${session}` })).status).toBe(200);

    const again = await signIn(token);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/dashboard/signed-out?reason=link-used');
    expect(again.headers.get('set-cookie')).toBeNull();
    const [row] = await t.dataSource.query('SELECT used_at IS NOT NULL AS used, session_id FROM sign_in_links WHERE user_id = ?', [user.id]);
    expect(Number(row.used)).toBe(1);
    expect(row.session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('behind https (directly or by X-Forwarded-Proto) the cookie is Secure', async () => {
    const user = await newUser();
    const response = await signIn(await linkFor(user.id), { 'x-forwarded-proto': 'https' });
    expect(response.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
  });

  test('one link opened by many requests at once opens exactly one session', async () => {
    const user = await newUser();
    const token = await linkFor(user.id);
    const responses = await Promise.all(Array.from({ length: 8 }, () => signIn(token)));
    const sessions = responses.map(sessionFrom).filter((s) => s !== null);
    expect(sessions).toHaveLength(1);
    expect(responses.filter((r) => r.headers.get('location') === '/dashboard/signed-out?reason=link-used')).toHaveLength(7);
    const [count] = await t.dataSource.query('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [user.id]);
    expect(Number(count.n)).toBe(1);
  });

  test('expired, unknown and malformed links are refused in words, without a session', async () => {
    const user = await newUser();
    const token = await linkFor(user.id);
    await t.dataSource.query('UPDATE sign_in_links SET expires_at = DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 1 SECOND) WHERE user_id = ?', [user.id]);
    for (const [sent, reason] of [
      [token, 'link-expired'],
      [`rll_${'A'.repeat(43)}`, 'link-unknown'],
      ['not-a-token', 'link-unknown'],
    ]) {
      const response = await signIn(sent);
      expect({ sent, location: response.headers.get('location'), cookie: response.headers.get('set-cookie') }).toEqual({ sent, location: `/dashboard/signed-out?reason=${reason}`, cookie: null });
    }
    // An expired link stays unused: nothing consumed it.
    const [row] = await t.dataSource.query('SELECT used_at FROM sign_in_links WHERE user_id = ?', [user.id]);
    expect(row.used_at).toBeNull();
  });

  test('a link is not a credential: the API refuses its token', async () => {
    const user = await newUser();
    const token = await linkFor(user.id);
    expect((await viewerWith({ authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await viewerWith({ cookie: `session=${token}` })).status).toBe(401);
  });

  test('signing in again in a browser ends the session it had', async () => {
    const user = await newUser();
    const first = sessionFrom(await signIn(await linkFor(user.id)))!;
    const second = sessionFrom(await signIn(await linkFor(user.id), { cookie: `session=${first}` }))!;
    expect((await viewerWith({ cookie: `session=${first}` })).status).toBe(401);
    expect((await viewerWith({ cookie: `session=${second}` })).status).toBe(200);
  });

  test('sign-out ends the session on the server and clears the cookie; a form cannot sign anyone out', async () => {
    const user = await newUser();
    const session = sessionFrom(await signIn(await linkFor(user.id)))!;
    const forged = await fetch(`${t.url}/dashboard/sign-out`, { method: 'POST', headers: { cookie: `session=${session}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    expect(forged.status).toBe(415);
    expect((await viewerWith({ cookie: `session=${session}` })).status).toBe(200);

    const out = await fetch(`${t.url}/dashboard/sign-out`, { method: 'POST', headers: { cookie: `session=${session}`, 'content-type': 'application/json' }, body: '{}' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
    expect((await viewerWith({ cookie: `session=${session}` })).status).toBe(401);
    expect((await viewerWith({ authorization: `Bearer ${session}` })).status).toBe(401);
  });
});

describe('cookie-borne requests are CSRF-safe', () => {
  const MUTATION = 'mutation { createApiKey(input: { name: "forged", permissions: [CONFIG_WRITE] }) { secret userErrors { message } } }';

  test('GraphQL refuses a simple-request mutation (text/plain, a form) with the session cookie; JSON works', async () => {
    const { token } = await createSessionFor(t.dataSource, t.account);
    const keys = async () => Number((await t.dataSource.query("SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ? AND name = 'forged'", [t.account.project.id]))[0].n);
    const plain = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { cookie: `session=${token}`, 'content-type': 'text/plain', origin: 'https://evil.example' }, body: JSON.stringify({ query: MUTATION }) });
    expect(plain.status).toBe(400);
    expect(JSON.stringify(await plain.json())).toMatch(/CSRF|preflight/i);
    const form = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { cookie: `session=${token}`, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ query: MUTATION }).toString(),
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent(MUTATION)}`, { headers: { cookie: `session=${token}` } });
    expect(get.status).toBeGreaterThanOrEqual(400);
    expect(await keys()).toBe(0);

    const json = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { cookie: `session=${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: MUTATION }) });
    expect(((await json.json()) as any).data.createApiKey.secret).toMatch(/^ss_secret_/);
    expect(await keys()).toBe(1);
  });

  test('the REST shim refuses a cross-site form-shaped write with the cookie, in its own envelope; scripts still work', async () => {
    const { token } = await createSessionFor(t.dataSource, t.account);
    const connected = await t.gql('mutation { connectRepos(input: { platform: GITHUB, credentials: { token: "ghp_csrfcsrfcsrfcsrf0000" }, repositories: ["csrf/one"] }) { repoConnection { id } } }');
    const id = connected.body.data.connectRepos.repoConnection.id;
    const invalidated = async () => (await t.dataSource.query('SELECT cache_invalidated_at AS at FROM repo_connections WHERE id = ?', [id]))[0].at;
    const cross = { cookie: `session=${token}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };

    // Before the guard this answered 200: invalidate-cache needs no body, so a text/plain form reached it.
    const forged = await fetch(`${t.url}/v1/config/repos/${id}/invalidate-cache`, { method: 'POST', headers: { ...cross, 'content-type': 'text/plain' }, body: 'x=y' });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({ success: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('cross-site request cannot use the session cookie') } });
    const bodiless = await fetch(`${t.url}/v1/config/repos/${id}/invalidate-cache`, { method: 'POST', headers: { cookie: `session=${token}`, origin: 'https://evil.example' } });
    expect(bodiless.status).toBe(403);
    expect(await invalidated()).toBeNull();

    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const heimdall = await fetch(`${t.url}/api/repos`, { method: 'POST', headers: { ...cross, 'content-type': type }, body: 'name=x' });
      expect({ type, status: heimdall.status, body: await heimdall.json() }).toEqual({ type, status: 403, body: { success: false, code: 403, message: expect.stringContaining('cross-site') } });
    }

    // A script (no Origin) and a same-origin page keep working with the cookie.
    const script = await fetch(`${t.url}/v1/config/repos/${id}/invalidate-cache`, { method: 'POST', headers: { cookie: `session=${token}` } });
    expect(script.status).toBe(200);
    const sameOrigin = await fetch(`${t.url}/api/repos`, {
      method: 'POST',
      headers: { cookie: `session=${token}`, 'content-type': 'application/json', origin: t.url, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ name: 'csrf-ok', remote_url: `https://example.com/${unique('csrf').replace(/\W+/g, '-')}.git`, default_branch: 'main' }),
    });
    expect(sameOrigin.status).toBe(201);
  });
});

describe('API keys of the project', () => {
  const LIST = '{ apiKeys(first: 10, includeRevoked: true) { edges { node { id name prefix permissions lastUsedAt createdAt revokedAt } } totalCount } }';
  const CREATE = 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id name prefix permissions lastUsedAt revokedAt } secret userErrors { code field message } } }';
  const REVOKE = 'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id revokedAt } userErrors { code field message } } }';

  test('a session lists, creates (secret once) and revokes; last use shows; an API key may do none of it', async () => {
    const account = await createAccount(t.dataSource);
    const { token } = await createSessionFor(t.dataSource, account);
    const asSession = { authorization: `Bearer ${token}` };

    const created = (await t.gql(CREATE, { input: { name: '  CI deploy ', permissions: ['CONFIG_READ'] } }, asSession)).body.data.createApiKey;
    expect(created.userErrors).toEqual([]);
    expect(created.apiKey).toMatchObject({ name: 'CI deploy', permissions: ['CONFIG_READ'], lastUsedAt: null, revokedAt: null });
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    const [stored] = await t.dataSource.query('SELECT key_hash FROM api_keys WHERE id = ?', [created.apiKey.id]);
    expect(Buffer.from(stored.key_hash).toString('utf8')).not.toContain(created.secret);

    const list = (await t.gql(LIST, {}, asSession)).body.data.apiKeys;
    expect(list.totalCount).toBe(2); // the account's own key and the new one
    expect(JSON.stringify(list)).not.toContain(created.secret);

    // Use: noted in the background, once a minute at most.
    expect((await t.gql('{ viewer { kind } }', {}, { authorization: `Bearer ${created.secret}` })).status).toBe(200);
    let lastUsedAt: string | null = null;
    for (let i = 0; i < 50 && lastUsedAt === null; i++) {
      lastUsedAt = (await t.gql(LIST, {}, asSession)).body.data.apiKeys.edges.find((e: any) => e.node.id === created.apiKey.id).node.lastUsedAt;
      if (lastUsedAt === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(Date.parse(lastUsedAt!)).toBeGreaterThan(Date.now() - 60_000);

    for (const query of [LIST, CREATE]) {
      const refused = await t.gql(query, { input: { name: 'x', permissions: ['CONFIG_READ'] } }, { authorization: `Bearer ${account.apiKey}` });
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }

    const revoked = (await t.gql(REVOKE, { id: created.apiKey.id }, asSession)).body.data.revokeApiKey;
    expect(revoked.apiKey.revokedAt).not.toBeNull();
    expect((await t.gql('{ viewer { kind } }', {}, { authorization: `Bearer ${created.secret}` })).status).toBe(401);
    const twice = (await t.gql(REVOKE, { id: created.apiKey.id }, asSession)).body.data.revokeApiKey;
    expect(twice.apiKey.revokedAt).toBe(revoked.apiKey.revokedAt);
  });

  test('bad input names its field; an Idempotency-Key is refused (the answer holds a secret); another project key is not found', async () => {
    const account = await createAccount(t.dataSource);
    const { token } = await createSessionFor(t.dataSource, account);
    const asSession = { authorization: `Bearer ${token}` };
    const bad = (await t.gql(CREATE, { input: { name: ' ', permissions: [] } }, asSession)).body.data.createApiKey;
    expect(bad).toEqual({
      apiKey: null,
      secret: null,
      userErrors: [
        { code: 'BAD_USER_INPUT', field: ['name'], message: 'name must be 1 to 100 characters' },
        { code: 'BAD_USER_INPUT', field: ['permissions'], message: expect.stringContaining('at least one') },
      ],
    });
    const idempotent = await t.gql(CREATE, { input: { name: 'idem', permissions: ['CONFIG_READ'] } }, { ...asSession, 'idempotency-key': 'k-1' });
    expect(idempotent.body.data.createApiKey).toMatchObject({ secret: null, userErrors: [{ code: 'BAD_USER_INPUT', field: null }] });
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM idempotency_records WHERE response_body LIKE ?', ['%ss_secret_%']);
    expect(Number(n)).toBe(0);

    const other = await createAccount(t.dataSource);
    const foreign = await t.gql(REVOKE, { id: other.apiKeyId }, asSession);
    expect(foreign.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await t.gql('{ viewer { kind } }', {}, { authorization: `Bearer ${other.apiKey}` })).status).toBe(200);
  });
});

describe('admin CLI and demo start', () => {
  const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: testDatabaseUrl(), REPOLINK_DATA_DIR: path.join(tmpdir(), 'repolink-admin-unused'), ...extra });

  test('session:create --link prints a one-time URL on REPOLINK_PUBLIC_URL (else http://HOST:PORT) that signs in', async () => {
    const user = await newUser();
    const result = await runAdmin(['session:create', '--email', user.email, '--link', '--ttl-hours', '3', '--json'], env({ REPOLINK_PUBLIC_URL: 'https://repolink.example.com/' }));
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out).toMatchObject({ userId: user.id, email: user.email, url: expect.stringMatching(/^https:\/\/repolink\.example\.com\/dashboard\/sign-in\?token=rll_[A-Za-z0-9_-]{43}$/) });
    expect(Date.parse(out.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const response = await signIn(new URL(out.url).searchParams.get('token')!);
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=(10799|10800)/);

    const local = await runAdmin(['session:create', '--user', user.id, '--link'], env({ HOST: '0.0.0.0', PORT: '4711' }));
    expect(local.stdout).toMatch(/^Sign-in link for .+, valid once until .+:\nhttp:\/\/127\.0\.0\.1:4711\/dashboard\/sign-in\?token=rll_/);

    const before = Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM sign_in_links WHERE user_id = ?', [user.id]))[0].n);
    const bad = await runAdmin(['session:create', '--user', user.id, '--link'], env({ REPOLINK_PUBLIC_URL: 'ftp://x' }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('REPOLINK_PUBLIC_URL');
    const unknown = await runAdmin(['session:create', '--email', 'nobody@example.com', '--link'], env());
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('No user with email nobody@example.com') });
    expect(Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM sign_in_links WHERE user_id = ?', [user.id]))[0].n)).toBe(before);
  });

  test('every start prints a new one-time link for the demo user (made on the first start, or on an old install)', async () => {
    const db = await createIsolatedDatabase('demo-link');
    const ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
    try {
      const first = await ensureDemoAccount(ds);
      const second = await ensureDemoAccount(ds);
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, tenantId: first.tenantId, userEmail: first.userEmail });
      expect(second.signInToken).not.toBe(first.signInToken);
      const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM users WHERE tenant_id = ?', [first.tenantId]);
      expect(Number(n)).toBe(1);
      const lines = welcomeLines('http://127.0.0.1:4000', second).join('\n');
      expect(lines).toContain(`http://127.0.0.1:4000/dashboard/sign-in?token=${second.signInToken}`);
      expect(lines).toContain(`session:create --email ${first.userEmail} --link`);
      const links = new SignInLinkService(new SignInLinkStore(ds));
      expect((await links.consume(second.signInToken)).ok).toBe(true);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });
});

describe('serving the built dashboard', () => {
  let dir: string;
  const app = Fastify();
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'repolink-dashboard-'));
    registerDashboard(app, { dataSource: t.dataSource, assetsDir: path.join(dir, 'out') });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('files are read when first asked for (not at start), with a same-origin CSP, long caching and ETags', async () => {
    // The server started before anything was built: it has read nothing yet.
    const before = await fetch(`${base}/dashboard/`);
    expect(before.status).toBe(503);
    expect(await before.text()).toContain('The dashboard is not built');

    const outcome = await ensureDashboardBuilt({ outDir: path.join(dir, 'out') });
    expect(outcome.built).toBe(true);
    const page = await fetch(`${base}/dashboard/mappings`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    const links = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(2);
    for (const link of links) {
      const file = await fetch(`${base}${link}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(file.status).toBe(200);
      expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(file.headers.get('content-encoding')).toBe('gzip');
      const again = await fetch(`${base}${link}`, { headers: { 'if-none-match': file.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    for (const raw of ['/dashboard/assets/stamp.json', '/dashboard/assets/..%2Findex.html', '/dashboard/assets/nope.js']) {
      expect({ raw, status: (await fetch(`${base}${raw}`)).status }).toEqual({ raw, status: 404 });
    }
    expect((await fetch(`${base}/dashboard`, { redirect: 'manual' })).headers.get('location')).toBe('/dashboard/');
  }, 60_000);

  test('a build whose sources did not change does nothing', async () => {
    const out = path.join(dir, 'out');
    const stampTime = statSync(path.join(out, 'stamp.json')).mtimeMs;
    const again = await ensureDashboardBuilt({ outDir: out });
    expect(again).toMatchObject({ built: false, reason: 'up-to-date' });
    expect(statSync(path.join(out, 'stamp.json')).mtimeMs).toBe(stampTime);
  });
});
