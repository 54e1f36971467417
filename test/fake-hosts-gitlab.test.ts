import { randomBytes } from 'node:crypto';
import { TOKENS, pkceS256, startFakeHosts, type FakeHosts } from './support/fake-hosts';

/** The GitLab fake refuses what GitLab refuses, in GitLab's (Doorkeeper's) shapes. Plain HTTP, no repolink code. */
let fake: FakeHosts;
let app: { clientId: string; clientSecret: string };
const CALLBACK = 'http://127.0.0.1:9/gitlab/callback';

beforeAll(async () => {
  fake = await startFakeHosts();
  fake.gitlabHost.addUser({ username: 'alice', name: 'Alice' });
  app = fake.gitlabHost.registerApplication({ redirectUris: [CALLBACK], scopes: ['read_api', 'read_user', 'read_repository'] });
});
afterAll(() => fake.close());

const verifier = () => randomBytes(32).toString('base64url');

async function authorize(params: Record<string, string>) {
  const res = await fetch(`${fake.gitlab}/oauth/authorize?${new URLSearchParams({ response_type: 'code', ...params })}`, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') ? new URL(res.headers.get('location')!) : null, text: await res.text() };
}

async function token(params: Record<string, string>) {
  const res = await fetch(`${fake.gitlab}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function api(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.gitlab}/api/v4${path}`, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, headers: res.headers, body: body as Record<string, any> };
}

async function webFlow(user = 'alice', scope = 'read_api read_user') {
  fake.gitlabHost.signIn(user);
  const v = verifier();
  const auth = await authorize({ client_id: app.clientId, redirect_uri: CALLBACK, state: 'gl-state', scope, code_challenge: pkceS256(v), code_challenge_method: 'S256' });
  expect(auth.status).toBe(302);
  expect(auth.location!.searchParams.get('state')).toBe('gl-state');
  return { code: auth.location!.searchParams.get('code')!, verifier: v };
}

const exchange = (code: string, v: string, extra: Record<string, string> = {}) =>
  token({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: CALLBACK, code_verifier: v, ...extra });

const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
  token({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: refreshToken, redirect_uri: CALLBACK, ...extra });

describe('GitLab OAuth', () => {
  it('authorization code with PKCE buys a 2-hour Bearer token and a refresh token; the token reads the API with Authorization: Bearer', async () => {
    const { code, verifier: v } = await webFlow();
    const res = await exchange(code, v);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 7200, refresh_token: expect.any(String), scope: 'read_api read_user', created_at: expect.any(Number) });
    const me = await api('/user', { authorization: `Bearer ${res.body.access_token}` });
    expect(me).toMatchObject({ status: 200, body: { username: 'alice' } });
    expect(me.headers.get('ratelimit-limit')).toBe('2000');
    const info = await fetch(`${fake.gitlab}/oauth/token/info`, { headers: { authorization: `Bearer ${res.body.access_token}` } });
    expect(await info.json()).toMatchObject({ application: { uid: app.clientId }, scope: ['read_api', 'read_user'], expires_in_seconds: expect.any(Number) });
  });

  it('an OAuth token sent as PRIVATE-TOKEN is refused (that header takes access tokens, not OAuth tokens)', async () => {
    const t = fake.gitlabHost.issueOAuthToken(app.clientId, 'alice');
    expect((await api('/user', { 'private-token': t.accessToken })).status).toBe(401);
  });

  it('a wrong PKCE verifier is 400 invalid_grant', async () => {
    const { code } = await webFlow();
    const res = await exchange(code, verifier());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/^The provided authorization grant is invalid, expired, revoked/) });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="Doorkeeper", error="invalid_grant"/);
  });

  it('a code is single use', async () => {
    const { code, verifier: v } = await webFlow();
    expect((await exchange(code, v)).status).toBe(200);
    expect(await exchange(code, v)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a wrong client secret is 401 invalid_client', async () => {
    const { code, verifier: v } = await webFlow();
    const res = await exchange(code, v, { client_secret: 'gloas-wrong' });
    expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // Client credentials in HTTP Basic work too (Doorkeeper reads both).
    const basic = await fetch(`${fake.gitlab}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: v }),
    });
    expect(basic.status).toBe(200);
  });

  it('an unregistered redirect_uri gets an error page, never a redirect; a different redirect_uri at the token endpoint is invalid_grant', async () => {
    fake.gitlabHost.signIn('alice');
    const auth = await authorize({ client_id: app.clientId, redirect_uri: 'http://127.0.0.1:9/evil', state: 'x' });
    expect(auth.status).toBe(400);
    expect(auth.location).toBeNull();
    expect(auth.text).toContain('The redirect URI included is not valid.');
    const { code, verifier: v } = await webFlow();
    expect(await exchange(code, v, { redirect_uri: `${CALLBACK}x` })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('an unknown client gets an error page; a scope the application lacks is redirected as invalid_scope', async () => {
    expect((await authorize({ client_id: 'nope', redirect_uri: CALLBACK })).status).toBe(401);
    fake.gitlabHost.signIn('alice');
    const auth = await authorize({ client_id: app.clientId, redirect_uri: CALLBACK, scope: 'api', state: 's' });
    expect(auth.location!.searchParams.get('error')).toBe('invalid_scope');
  });

  it('denied consent redirects with error=access_denied and the state', async () => {
    fake.gitlabHost.signIn('alice');
    fake.gitlabHost.denyConsent();
    const auth = await authorize({ client_id: app.clientId, redirect_uri: CALLBACK, state: 'denied-state' });
    expect(auth.location!.searchParams.get('error')).toBe('access_denied');
    expect(auth.location!.searchParams.get('state')).toBe('denied-state');
  });

  it('an access token expires after two hours: 401 invalid_token "Token is expired…"', async () => {
    const t = fake.gitlabHost.issueOAuthToken(app.clientId, 'alice');
    expect((await api('/user', { authorization: `Bearer ${t.accessToken}` })).status).toBe(200);
    fake.clock.advance(2 * 60 * 60_000);
    try {
      const res = await api('/user', { authorization: `Bearer ${t.accessToken}` });
      expect(res).toMatchObject({ status: 401, body: { error: 'invalid_token', error_description: 'Token is expired. You can either do re-authorization or token refresh.' } });
    } finally {
      fake.clock.advance(-2 * 60 * 60_000);
    }
  });

  it('refresh rotates: the used refresh token is revoked (reuse is invalid_grant), the old access token stops working; calls are counted', async () => {
    fake.gitlabHost.addUser({ username: 'rotator' });
    const first = fake.gitlabHost.issueOAuthToken(app.clientId, 'rotator');
    const next = await refresh(first.refreshToken!);
    expect(next).toMatchObject({ status: 200, body: { access_token: expect.any(String), refresh_token: expect.any(String), expires_in: 7200 } });
    expect(next.body.refresh_token).not.toBe(first.refreshToken);
    expect(await api('/user', { authorization: `Bearer ${first.accessToken}` })).toMatchObject({ status: 401, body: { error_description: 'Token was revoked. You have to re-authorize from the user.' } });
    expect((await api('/user', { authorization: `Bearer ${next.body.access_token}` })).status).toBe(200);
    expect(await refresh(first.refreshToken!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(String(next.body.refresh_token), { client_secret: 'wrong' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(fake.gitlabHost.refreshes('rotator')).toBe(3);
  });

  it('a public (non-confidential) application exchanges codes without a secret, but only with PKCE', async () => {
    const pub = fake.gitlabHost.registerApplication({ redirectUris: [CALLBACK], confidential: false });
    fake.gitlabHost.signIn('alice');
    const v = verifier();
    const withPkce = await authorize({ client_id: pub.clientId, redirect_uri: CALLBACK, code_challenge: pkceS256(v), code_challenge_method: 'S256' });
    const ok = await token({ grant_type: 'authorization_code', client_id: pub.clientId, code: withPkce.location!.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: v });
    expect(ok.status).toBe(200);
    const without = await authorize({ client_id: pub.clientId, redirect_uri: CALLBACK });
    const refused = await token({ grant_type: 'authorization_code', client_id: pub.clientId, code: without.location!.searchParams.get('code')!, redirect_uri: CALLBACK });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('two refreshes of one token at once: exactly one wins, the other gets invalid_grant', async () => {
    fake.gitlabHost.addUser({ username: 'racer' });
    const t = fake.gitlabHost.issueOAuthToken(app.clientId, 'racer');
    const results = await Promise.all([refresh(t.refreshToken!), refresh(t.refreshToken!)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(fake.gitlabHost.refreshes('racer')).toBe(2);
  });
});

describe('GitLab API', () => {
  it('a read_user token cannot read projects: 403 insufficient_scope', async () => {
    const res = await api('/projects/group%2Fsub%2Fproject', { 'private-token': TOKENS.gitlabNoApi });
    expect(res).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect((await api('/user', { 'private-token': TOKENS.gitlabNoApi })).status).toBe(200);
  });

  it('personal access tokens describe themselves; an expired or revoked one is 401', async () => {
    fake.gitlabHost.addUser({ username: 'patty' });
    const pat = fake.gitlabHost.addPersonalAccessToken({ user: 'patty', scopes: ['read_api'], expiresAt: '2099-12-31' });
    expect(await api('/personal_access_tokens/self', { 'private-token': pat })).toMatchObject({ status: 200, body: { scopes: ['read_api'], active: true, revoked: false, expires_at: '2099-12-31' } });
    expect((await api('/user', { authorization: `Bearer ${pat}` })).status).toBe(200);
    const old = fake.gitlabHost.addPersonalAccessToken({ user: 'patty', scopes: ['read_api'], expiresAt: '2020-01-01' });
    expect((await api('/user', { 'private-token': old })).status).toBe(401);
    fake.gitlabHost.revokeToken(pat);
    expect((await api('/user', { 'private-token': pat })).status).toBe(401);
  });

  it('GET /projects?membership=true&search=… pages with x-next-page and x-total-pages; archived projects say so', async () => {
    fake.gitlabHost.addUser({ username: 'lister' });
    for (let i = 0; i < 5; i++) fake.gitlabHost.addProject({ path: `team/service-${i}`, members: { lister: 30 }, archived: i === 4 });
    fake.gitlabHost.addProject({ path: 'team/docs', members: { lister: 30 } });
    fake.gitlabHost.addProject({ path: 'public/service-x', visibility: 'public' });
    const pat = fake.gitlabHost.addPersonalAccessToken({ user: 'lister', scopes: ['read_api'] });
    const paths: string[] = [];
    let pageNo: string | null = '1';
    let pages = 0;
    while (pageNo) {
      const res = await api(`/projects?membership=true&search=service&per_page=2&page=${pageNo}`, { 'private-token': pat });
      expect(res.headers.get('x-total')).toBe('5');
      expect(res.headers.get('x-total-pages')).toBe('3');
      paths.push(...(res.body as unknown as { path_with_namespace: string }[]).map((p) => p.path_with_namespace));
      pageNo = res.headers.get('x-next-page') || null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(paths.sort()).toEqual(['team/service-0', 'team/service-1', 'team/service-2', 'team/service-3', 'team/service-4']);
    const all = await api('/projects?search=service&per_page=100', { 'private-token': pat });
    expect((all.body as unknown as unknown[]).length).toBe(6); // the public one too, without membership=true
    const archived = await api('/projects/team%2Fservice-4', { 'private-token': pat });
    expect(archived.body.archived).toBe(true);
    const active = await api('/projects?membership=true&archived=false&search=service', { 'private-token': pat });
    expect((active.body as unknown as unknown[]).length).toBe(4);
  });

  it('a renamed project is still found by its old path, answering its new one; a deleted one is 404', async () => {
    fake.gitlabHost.addUser({ username: 'mover' });
    const p = fake.gitlabHost.addProject({ path: 'old-group/app', members: { mover: 40 } });
    fake.gitlabHost.renameProject('old-group/app', 'new-group/app');
    const pat = fake.gitlabHost.addPersonalAccessToken({ user: 'mover', scopes: ['read_api'] });
    expect(await api('/projects/old-group%2Fapp', { 'private-token': pat })).toMatchObject({ status: 200, body: { id: p.id, path_with_namespace: 'new-group/app' } });
    fake.gitlabHost.deleteProject('new-group/app');
    expect((await api('/projects/old-group%2Fapp', { 'private-token': pat })).status).toBe(404);
  });

  it('a spent rate budget is 429 with Retry-After until the minute is over', async () => {
    fake.gitlabHost.addUser({ username: 'busy' });
    const pat = fake.gitlabHost.addPersonalAccessToken({ user: 'busy', scopes: ['read_api'] });
    fake.gitlabHost.setRateLimit('busy', { remaining: 1, resetInMs: 30_000 });
    const last = await api('/user', { 'private-token': pat });
    expect(last.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await api('/user', { 'private-token': pat });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    fake.clock.advance(31_000);
    try {
      expect((await api('/user', { 'private-token': pat })).status).toBe(200);
    } finally {
      fake.clock.advance(-31_000);
    }
  });
});
