import { randomBytes } from 'node:crypto';
import { generateRsaKeyPair, pkceS256, signJwt, startFakeHosts, type FakeHosts, type GithubApp } from './support/fake-hosts';

/**
 * The GitHub fake refuses what GitHub refuses, in GitHub's shapes, and lets the documented flows
 * through. Plain HTTP against the fake; no repolink code.
 */
let fake: FakeHosts;
let app: GithubApp;
const CALLBACK = 'http://127.0.0.1:9/callback';
const SETUP = 'http://127.0.0.1:9/setup';

beforeAll(async () => {
  fake = await startFakeHosts();
  app = fake.githubHost.registerApp({ callbackUrls: [CALLBACK], setupUrl: SETUP });
});
afterAll(() => fake.close());

const now = () => Math.floor(fake.clock.now() / 1000);
const appJwt = (claims: Record<string, unknown> = {}, key = app.privateKeyPem) => signJwt({ iat: now() - 60, exp: now() + 540, iss: String(app.appId), ...claims }, key);

async function api(path: string, token?: string, init: RequestInit & { scheme?: string } = {}) {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...(init.headers as Record<string, string>) };
  if (token) headers.authorization = `${init.scheme ?? 'Bearer'} ${token}`;
  const res = await fetch(`${fake.githubApi}${path}`, { ...init, headers, redirect: init.redirect ?? 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function mint(installationId: number, body?: unknown) {
  return api(`/app/installations/${installationId}/access_tokens`, appJwt(), { method: 'POST', body: body ? JSON.stringify(body) : undefined, headers: { 'content-type': 'application/json' } });
}

const verifier = () => randomBytes(32).toString('base64url');

async function authorize(params: Record<string, string>) {
  const res = await fetch(`${fake.githubWeb}/login/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') ? new URL(res.headers.get('location')!) : null };
}

async function token(params: Record<string, string>, accept = 'application/json') {
  const res = await fetch(`${fake.githubWeb}/login/oauth/access_token`, { method: 'POST', headers: { accept, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('GitHub App JWT', () => {
  it('a JWT signed with the app key, iss = app id or client id, authenticates as the app', async () => {
    const res = await api('/app', appJwt());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: app.appId, slug: app.slug, client_id: app.clientId });
    expect((await api('/app', appJwt({ iss: app.clientId }))).status).toBe(200);
  });

  it('refuses a JWT signed with another key', async () => {
    const other = generateRsaKeyPair();
    const res = await api('/app', appJwt({}, other.privateKeyPem));
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('A JSON web token could not be decoded');
  });

  it('refuses an unsigned (alg none) or HS256 JWT, and a JWT sent with the `token` scheme', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: String(app.appId), iat: now() - 60, exp: now() + 500 })).toString('base64url')}.`;
    expect((await api('/app', none)).status).toBe(401);
    expect((await api('/app', signJwt({ iss: String(app.appId), iat: now(), exp: now() + 500 }, app.privateKeyPem, { alg: 'HS256', typ: 'JWT' }))).status).toBe(401);
    const asToken = await api('/app', appJwt(), { scheme: 'token' });
    expect(asToken).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
  });

  it('refuses an expired JWT', async () => {
    const res = await api('/app', appJwt({ iat: now() - 700, exp: now() - 100 }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/'Expiration time' claim \('exp'\) must be a numeric value representing the future time/);
  });

  it('refuses a JWT whose exp is more than 10 minutes out', async () => {
    const res = await api('/app', appJwt({ iat: now(), exp: now() + 660 }));
    expect(res.status).toBe(401);
    expect(res.body.message).toBe("'Expiration time' claim ('exp') is too far in the future");
  });

  it('refuses a JWT issued more than 60 s in the future, and accepts one 30 s ahead (clock skew)', async () => {
    const ahead = await api('/app', appJwt({ iat: now() + 120, exp: now() + 500 }));
    expect(ahead.status).toBe(401);
    expect(ahead.body.message).toMatch(/'Issued at' claim \('iat'\)/);
    expect((await api('/app', appJwt({ iat: now() + 30, exp: now() + 500 }))).status).toBe(200);
  });

  it('refuses a JWT of an unknown app', async () => {
    expect((await api('/app', appJwt({ iss: '999999999' }))).status).toBe(401);
  });

  it('the fake clock ages JWTs: one valid now is expired after 11 minutes', async () => {
    const jwt = appJwt();
    expect((await api('/app', jwt)).status).toBe(200);
    fake.clock.advance(11 * 60_000);
    try {
      expect((await api('/app', jwt)).status).toBe(401);
    } finally {
      fake.clock.advance(-11 * 60_000);
    }
  });
});

describe('installations and installation tokens', () => {
  it('GET /app/installations/{id} answers the installation with its account, selection and permissions; another app cannot read it', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme', repositories: ['acme/api'] });
    const res = await api(`/app/installations/${inst.id}`, appJwt());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: inst.id, app_id: app.appId, account: { login: 'acme', type: 'Organization' }, repository_selection: 'selected', permissions: { contents: 'read' }, suspended_at: null });
    const other = fake.githubHost.registerApp();
    const foreign = await api(`/app/installations/${inst.id}`, signJwt({ iss: String(other.appId), iat: now() - 60, exp: now() + 500 }, other.privateKeyPem));
    expect(foreign.status).toBe(404);
  });

  it('mints a ghs_ token longer than 40 characters that expires in an hour, counted per installation; its length is configurable', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme', repositories: 'all' });
    const res = await mint(inst.id);
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^ghs_[A-Za-z0-9]+$/);
    expect(res.body.token.length).toBeGreaterThan(40);
    expect(Date.parse(res.body.expires_at) - fake.clock.now()).toBeGreaterThan(59 * 60_000);
    expect(res.body).toMatchObject({ permissions: { metadata: 'read', contents: 'read', pull_requests: 'read' }, repository_selection: 'all' });
    expect(fake.githubHost.mints(inst.id)).toBe(1);
    const shortApp = fake.githubHost.registerApp({ installationTokenLength: 40 });
    const shortInst = fake.githubHost.createInstallation({ app: shortApp, account: 'acme' });
    const short = await api(`/app/installations/${shortInst.id}/access_tokens`, signJwt({ iss: String(shortApp.appId), iat: now() - 60, exp: now() + 500 }, shortApp.privateKeyPem), { method: 'POST' });
    expect(short.body.token).toHaveLength(40);
  });

  it('an installation token is judged on the installation: GET /user is 403, selected repositories only, pulls need the permission', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme', repositories: ['acme/api'], permissions: { metadata: 'read', contents: 'read' } });
    const { token: ghs } = (await mint(inst.id)).body;
    expect(await api('/user', ghs)).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
    const repo = await api('/repos/acme/api', ghs);
    expect(repo.status).toBe(200);
    expect(repo.body).toMatchObject({ full_name: 'acme/api', private: true, archived: false });
    expect(repo.body.permissions).toBeUndefined();
    expect((await api('/repos/acme/api/branches/main', ghs)).status).toBe(200);
    expect((await api('/repos/acme/flaky', ghs)).status).toBe(404); // private, not selected
    expect(await api('/repos/acme/api/pulls', ghs)).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
  });

  it('GET /installation/repositories pages with Link rel="next" and per_page', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme', repositories: ['acme/api', 'acme/web', 'acme/empty'] });
    const { token: ghs } = (await mint(inst.id)).body;
    const names: string[] = [];
    let url: string | null = `${fake.githubApi}/installation/repositories?per_page=2`;
    let pages = 0;
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${ghs}` } });
      const body = (await res.json()) as { repositories: { full_name: string }[] };
      expect(body).toMatchObject({ total_count: 3, repository_selection: 'selected' });
      names.push(...body.repositories.map((r: { full_name: string }) => r.full_name));
      url = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
      pages++;
    }
    expect(pages).toBe(2);
    expect(names.sort()).toEqual(['acme/api', 'acme/empty', 'acme/web']);
  });

  it('a token minted for some repositories sees only those; asking for more than the installation has is 422', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme', repositories: ['acme/api', 'acme/web'] });
    const narrowed = await mint(inst.id, { repositories: ['web'] });
    expect(narrowed.status).toBe(201);
    expect(narrowed.body.repositories.map((r: { full_name: string }) => r.full_name)).toEqual(['acme/web']);
    expect((await api('/repos/acme/api', narrowed.body.token)).status).toBe(404);
    expect((await mint(inst.id, { repositories: ['flaky'] })).status).toBe(422);
    expect((await mint(inst.id, { permissions: { administration: 'write' } })).status).toBe(422);
  });

  it('an expired installation token answers 401; the expiry is configurable per app', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme' });
    const { token: ghs } = (await mint(inst.id)).body;
    expect((await api('/repos/acme/api', ghs)).status).toBe(200);
    fake.clock.advance(60 * 60_000 + 1000);
    try {
      expect(await api('/repos/acme/api', ghs)).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    } finally {
      fake.clock.advance(-(60 * 60_000 + 1000));
    }
    app.installationTokenTtlMs = 2000;
    try {
      const res = await mint(inst.id);
      expect(Date.parse(res.body.expires_at) - fake.clock.now()).toBeLessThanOrEqual(2000);
    } finally {
      app.installationTokenTtlMs = 60 * 60_000;
    }
  });

  it('a suspended installation cannot mint (403) and its tokens stop working; unsuspended, it mints again', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme' });
    const { token: ghs } = (await mint(inst.id)).body;
    fake.githubHost.suspendInstallation(inst.id);
    const refused = await mint(inst.id);
    expect(refused).toMatchObject({ status: 403, body: { message: 'This installation has been suspended' } });
    expect((await api('/repos/acme/api', ghs)).status).toBe(403);
    expect((await api(`/app/installations/${inst.id}`, appJwt())).body.suspended_at).toEqual(expect.any(String));
    fake.githubHost.unsuspendInstallation(inst.id);
    expect((await mint(inst.id)).status).toBe(201);
  });

  it('a deleted installation: minting is 404 and its tokens are revoked', async () => {
    const inst = fake.githubHost.createInstallation({ app, account: 'acme' });
    const { token: ghs } = (await mint(inst.id)).body;
    fake.githubHost.deleteInstallation(inst.id);
    expect((await mint(inst.id)).status).toBe(404);
    expect((await api('/repos/acme/api', ghs)).status).toBe(401);
  });

  it('the install page redirects to the setup URL with installation_id, setup_action and the same state', async () => {
    fake.githubHost.signIn('octocat');
    fake.githubHost.addRepo({ owner: 'newco', name: 'site' });
    fake.githubHost.prepareInstall({ app, account: 'newco', repositories: ['newco/site'] });
    const res = await fetch(`${fake.githubWeb}/apps/${app.slug}/installations/new?state=s-123`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(SETUP);
    expect(location.searchParams.get('setup_action')).toBe('install');
    expect(location.searchParams.get('state')).toBe('s-123');
    const inst = fake.githubHost.installation(Number(location.searchParams.get('installation_id')));
    expect(inst).toMatchObject({ account: 'newco', repositorySelection: 'selected', appId: app.appId });
    fake.githubHost.prepareInstall({ app, account: 'newco', repositories: 'all' });
    const again = await fetch(`${fake.githubWeb}/apps/${app.slug}/installations/new`, { redirect: 'manual' });
    const second = new URL(again.headers.get('location')!);
    expect(second.searchParams.get('setup_action')).toBe('update');
    expect(Number(second.searchParams.get('installation_id'))).toBe(inst.id);
    expect(inst.repositorySelection).toBe('all');
  });
});

describe('OAuth for a GitHub App (user access tokens) and /user/installations', () => {
  async function webFlow(login = 'octocat') {
    fake.githubHost.signIn(login);
    const v = verifier();
    const auth = await authorize({ client_id: app.clientId, redirect_uri: CALLBACK, state: 'st-1', code_challenge: pkceS256(v), code_challenge_method: 'S256' });
    expect(auth.status).toBe(302);
    expect(auth.location!.searchParams.get('state')).toBe('st-1');
    const code = auth.location!.searchParams.get('code')!;
    return { code, verifier: v };
  }

  it('authorize redirects with a code and the same state; the code, verifier and secret buy an expiring ghu_ token and a ghr_ refresh token', async () => {
    const { code, verifier: v } = await webFlow();
    const res = await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ access_token: expect.stringMatching(/^ghu_/), refresh_token: expect.stringMatching(/^ghr_/), expires_in: 28800, refresh_token_expires_in: 15811200, token_type: 'bearer', scope: '' });
    const me = await api('/user', body.access_token);
    expect(me).toMatchObject({ status: 200, body: { login: 'octocat' } });
    expect(me.headers.get('x-oauth-scopes')).toBeNull();
  });

  it('a wrong PKCE verifier is refused (200 with bad_verification_code) and burns the code', async () => {
    const { code, verifier: v } = await webFlow();
    const wrong = await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: verifier() });
    expect(wrong.status).toBe(200);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
    const retry = await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v });
    expect(JSON.parse(retry.text).error).toBe('bad_verification_code');
  });

  it('a missing verifier for a code issued with a challenge is refused', async () => {
    const { code } = await webFlow();
    expect(JSON.parse((await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK })).text).error).toBe('bad_verification_code');
  });

  it('a code is single use: the second exchange is refused', async () => {
    const { code, verifier: v } = await webFlow();
    const params = { client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v };
    expect(JSON.parse((await token(params)).text).access_token).toBeDefined();
    expect(JSON.parse((await token(params)).text)).toMatchObject({ error: 'bad_verification_code' });
  });

  it('an expired code (10 minutes) is refused', async () => {
    const { code, verifier: v } = await webFlow();
    fake.clock.advance(10 * 60_000 + 1);
    try {
      expect(JSON.parse((await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v })).text).error).toBe('bad_verification_code');
    } finally {
      fake.clock.advance(-(10 * 60_000 + 1));
    }
  });

  it('a wrong client secret is refused with incorrect_client_credentials (and the code stays usable)', async () => {
    const { code, verifier: v } = await webFlow();
    const wrong = await token({ client_id: app.clientId, client_secret: 'not-the-secret', code, redirect_uri: CALLBACK, code_verifier: v });
    expect(JSON.parse(wrong.text)).toMatchObject({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
    expect(JSON.parse((await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v })).text).access_token).toBeDefined();
  });

  it('a redirect_uri that is not registered: authorize sends redirect_uri_mismatch to the registered callback; a different one at the token endpoint is refused', async () => {
    const auth = await authorize({ client_id: app.clientId, redirect_uri: 'http://127.0.0.1:9/evil', state: 'st-2' });
    expect(auth.status).toBe(302);
    expect(`${auth.location!.origin}${auth.location!.pathname}`).toBe(CALLBACK);
    expect(auth.location!.searchParams.get('error')).toBe('redirect_uri_mismatch');
    expect(auth.location!.searchParams.get('code')).toBeNull();
    const { code, verifier: v } = await webFlow();
    const res = await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: `${CALLBACK}/other`, code_verifier: v });
    expect(JSON.parse(res.text).error).toBe('redirect_uri_mismatch');
  });

  it('an unknown client_id gets no redirect at all', async () => {
    expect((await authorize({ client_id: 'Iv23liNOPE', redirect_uri: CALLBACK })).status).toBe(404);
  });

  it('only the S256 challenge method is accepted', async () => {
    fake.githubHost.signIn('octocat');
    const auth = await authorize({ client_id: app.clientId, redirect_uri: CALLBACK, state: 'p', code_challenge: 'plain-challenge-plain-challenge-plain-challenge', code_challenge_method: 'plain' });
    expect(auth.location!.searchParams.get('error')).toBe('invalid_request');
  });

  it('denied consent redirects with error=access_denied and the same state', async () => {
    fake.githubHost.signIn('octocat');
    fake.githubHost.denyConsent();
    const auth = await authorize({ client_id: app.clientId, redirect_uri: CALLBACK, state: 'st-3' });
    expect(auth.location!.searchParams.get('error')).toBe('access_denied');
    expect(auth.location!.searchParams.get('state')).toBe('st-3');
    expect(auth.location!.searchParams.get('code')).toBeNull();
  });

  it('without Accept: application/json the answer is form-encoded, errors too', async () => {
    const { code, verifier: v } = await webFlow();
    const ok = await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v }, '*/*');
    expect(ok.type).toMatch(/application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(ok.text).get('access_token')).toMatch(/^ghu_/);
    const bad = await token({ client_id: app.clientId, client_secret: 'x', code: 'x' }, '*/*');
    expect(new URLSearchParams(bad.text).get('error')).toBe('incorrect_client_credentials');
  });

  it('refresh rotates: a new pair, the old access and refresh tokens stop working, a reused refresh token gets bad_refresh_token; calls are counted', async () => {
    fake.githubHost.addUser({ login: 'refresher', orgs: ['acme'] });
    const { code, verifier: v } = await webFlow('refresher');
    const first = JSON.parse((await token({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v })).text);
    const refreshed = JSON.parse((await token({ client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: first.refresh_token })).text);
    expect(refreshed).toMatchObject({ access_token: expect.stringMatching(/^ghu_/), refresh_token: expect.stringMatching(/^ghr_/), expires_in: 28800 });
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect((await api('/user', first.access_token)).status).toBe(401);
    expect((await api('/user', refreshed.access_token)).status).toBe(200);
    const reused = JSON.parse((await token({ client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: first.refresh_token })).text);
    expect(reused).toMatchObject({ error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' });
    const wrongSecret = JSON.parse((await token({ client_id: app.clientId, client_secret: 'x', grant_type: 'refresh_token', refresh_token: refreshed.refresh_token })).text);
    expect(wrongSecret.error).toBe('incorrect_client_credentials');
    expect(fake.githubHost.refreshes('refresher')).toBe(3);
  });

  it('a user access token expires after eight hours (401)', async () => {
    const t = fake.githubHost.issueUserToken(app.clientId, 'octocat');
    expect((await api('/user', t.accessToken)).status).toBe(200);
    fake.clock.advance(8 * 60 * 60_000);
    try {
      expect((await api('/user', t.accessToken)).status).toBe(401);
    } finally {
      fake.clock.advance(-8 * 60 * 60_000);
    }
  });

  it('/user/installations lists only the installations the user can reach: a forged installation id is not among them', async () => {
    const mine = fake.githubHost.createInstallation({ app, account: 'octocat' });
    const elsewhere = fake.githubHost.createInstallation({ app, account: 'strangers-org' });
    const t = fake.githubHost.issueUserToken(app.clientId, 'octocat');
    const res = await api('/user/installations', t.accessToken);
    expect(res.status).toBe(200);
    const ids = res.body.installations.map((i: { id: number }) => i.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(elsewhere.id);
    expect(res.body.total_count).toBe(ids.length);
    const pat = await api('/user/installations', 'ghp_fakeClassicToken000000000000000000001');
    expect(pat.status).toBe(403);
  });

  it('a classic OAuth app: scopes granted show in X-OAuth-Scopes, tokens do not expire, no refresh token', async () => {
    const oauthApp = fake.githubHost.registerOAuthApp({ callbackUrl: 'http://127.0.0.1:9/oauth' });
    fake.githubHost.signIn('octocat');
    const auth = await authorize({ client_id: oauthApp.clientId, redirect_uri: 'http://127.0.0.1:9/oauth/sub', scope: 'repo read:org', state: 'o' });
    const code = auth.location!.searchParams.get('code')!;
    const body = JSON.parse((await token({ client_id: oauthApp.clientId, client_secret: oauthApp.clientSecret, code, redirect_uri: 'http://127.0.0.1:9/oauth/sub' })).text);
    expect(body).toMatchObject({ access_token: expect.stringMatching(/^gho_/), scope: 'repo,read:org', token_type: 'bearer' });
    expect(body.refresh_token).toBeUndefined();
    const me = await api('/user', body.access_token);
    expect(me.headers.get('x-oauth-scopes')).toBe('repo, read:org');
    expect((await authorize({ client_id: oauthApp.clientId, redirect_uri: 'http://127.0.0.1:9/elsewhere' })).location!.searchParams.get('error')).toBe('redirect_uri_mismatch');
  });
});

describe('repositories: moves, SSO, archived, rate limits', () => {
  const classic = 'ghp_fakeClassicToken000000000000000000001';

  it('a renamed repository answers 301 with Location, and following it works', async () => {
    fake.githubHost.addRepo({ owner: 'acme', name: 'old-name', private: true, head: 'f'.repeat(40) });
    const repo = fake.githubHost.renameRepo('acme/old-name', 'acme/new-name');
    const moved = await api('/repos/acme/old-name', classic);
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe(`${fake.githubApi}/repositories/${repo.id}`);
    expect(moved.body).toMatchObject({ message: 'Moved Permanently', url: `${fake.githubApi}/repositories/${repo.id}` });
    const followed = await api('/repos/acme/old-name', classic, { redirect: 'follow' });
    expect(followed).toMatchObject({ status: 200, body: { full_name: 'acme/new-name', id: repo.id } });
    const branch = await api('/repos/acme/old-name/branches/main', classic, { redirect: 'follow' });
    expect(branch.body.commit.sha).toBe('f'.repeat(40));
  });

  it('a transferred repository redirects too; one the token cannot see is 404, not 301', async () => {
    fake.githubHost.addRepo({ owner: 'acme', name: 'moving', private: true });
    fake.githubHost.transferRepo('acme/moving', 'elsewhere');
    expect((await api('/repos/acme/moving', classic)).status).toBe(404); // octocat is not in "elsewhere"
    fake.githubHost.addUser({ login: 'octocat', id: 583231, name: 'The Octocat', orgs: ['acme', 'elsewhere'] });
    expect((await api('/repos/acme/moving', classic)).status).toBe(301);
  });

  it('an organization enforcing SAML SSO answers 403 with X-GitHub-SSO: required; url=…; installation tokens are not held back', async () => {
    fake.githubHost.addOrg({ login: 'samlcorp', ssoRequired: true });
    fake.githubHost.addUser({ login: 'octocat', id: 583231, name: 'The Octocat', orgs: ['acme', 'elsewhere', 'samlcorp'] });
    fake.githubHost.addRepo({ owner: 'samlcorp', name: 'svc', private: true });
    const res = await api('/repos/samlcorp/svc', classic);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-github-sso')).toMatch(/^required; url=http:\/\/127\.0\.0\.1:\d+\/orgs\/samlcorp\/sso\?authorization_request=\w+$/);
    const inst = fake.githubHost.createInstallation({ app, account: 'samlcorp' });
    const { token: ghs } = (await mint(inst.id)).body;
    expect((await api('/repos/samlcorp/svc', ghs)).status).toBe(200);
  });

  it('archived repositories say so', async () => {
    fake.githubHost.addRepo({ owner: 'acme', name: 'attic', archived: true });
    expect((await api('/repos/acme/attic', classic)).body.archived).toBe(true);
    fake.githubHost.archiveRepo('acme/attic', false);
    expect((await api('/repos/acme/attic', classic)).body.archived).toBe(false);
  });

  it('every answer carries the rate-limit headers; a spent budget is 403 until the reset', async () => {
    fake.githubHost.addUser({ login: 'budget', orgs: ['acme'] });
    const t = fake.githubHost.addToken({ kind: 'classic', user: 'budget', scopes: ['repo'] });
    const first = await api('/repos/acme/api', t);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4999');
    expect(first.headers.get('x-ratelimit-used')).toBe('1');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(now());
    fake.githubHost.setRateLimit('user:budget', { remaining: 1, resetInMs: 60_000 });
    expect((await api('/repos/acme/api', t)).headers.get('x-ratelimit-remaining')).toBe('0');
    const spent = await api('/repos/acme/api', t);
    expect(spent.status).toBe(403);
    expect(spent.body.message).toMatch(/^API rate limit exceeded for user ID \d+\.$/);
    expect(spent.headers.get('x-ratelimit-remaining')).toBe('0');
    fake.clock.advance(61_000);
    try {
      expect((await api('/repos/acme/api', t)).status).toBe(200);
    } finally {
      fake.clock.advance(-61_000);
    }
    const inst = fake.githubHost.createInstallation({ app, account: 'acme' });
    const { token: ghs } = (await mint(inst.id)).body;
    fake.githubHost.setRateLimit(`installation:${inst.id}`, { remaining: 0 });
    expect((await api('/repos/acme/api', ghs)).body.message).toBe(`API rate limit exceeded for installation ID ${inst.id}.`);
  });

  it('unauthenticated callers read public repositories only, on the 60-an-hour address budget; a refused token is answered with it too', async () => {
    const open = await api('/repos/acme/web');
    expect(open.status).toBe(200);
    expect(open.body.permissions).toBeUndefined();
    expect(open.headers.get('x-ratelimit-limit')).toBe('60');
    expect((await api('/repos/acme/api')).status).toBe(404);
    const refused = await api('/user', 'ghp_unknown');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('60');
  });
});
