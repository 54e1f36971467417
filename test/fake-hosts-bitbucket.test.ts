import { randomBytes } from 'node:crypto';
import { TOKENS, pkceS256, startFakeHosts, type FakeHosts } from './support/fake-hosts';

/** The Bitbucket Cloud fake refuses what Bitbucket refuses, in Bitbucket's shapes. Plain HTTP, no repolink code. */
let fake: FakeHosts;
let consumer: { key: string; secret: string };
const CALLBACK = 'http://127.0.0.1:9/bitbucket/callback';

beforeAll(async () => {
  fake = await startFakeHosts();
  const bb = fake.bitbucketHost;
  bb.addUser({ username: 'carol', email: 'carol@example.com', displayName: 'Carol' });
  bb.addWorkspace({ slug: 'team', members: ['carol'] });
  bb.addRepo({ workspace: 'team', slug: 'api', project: 'CORE', permissions: { carol: 'admin' } });
  bb.addRepo({ workspace: 'team', slug: 'web', project: 'CORE', permissions: { carol: 'write' } });
  bb.addRepo({ workspace: 'team', slug: 'ops', project: 'OPS', permissions: { carol: 'read' } });
  bb.addRepo({ workspace: 'elsewhere', slug: 'lib', private: false });
  consumer = bb.registerConsumer({ callbackUrl: CALLBACK });
});
afterAll(() => fake.close());

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function api(path: string, authorization?: string) {
  const res = await fetch(`${fake.bitbucketApi}/2.0${path}`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

async function authorize(params: Record<string, string>) {
  const res = await fetch(`${fake.bitbucketApi}/site/oauth2/authorize?${new URLSearchParams({ response_type: 'code', ...params })}`, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') ? new URL(res.headers.get('location')!) : null, text: await res.text() };
}

async function token(params: Record<string, string>, auth: string | null = basic(consumer.key, consumer.secret)) {
  const res = await fetch(`${fake.bitbucketApi}/site/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth && { authorization: auth }) },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function webFlow(withPkce = true) {
  fake.bitbucketHost.signIn('carol');
  const verifier = randomBytes(32).toString('base64url');
  const auth = await authorize({ client_id: consumer.key, state: 'bb-state', ...(withPkce && { code_challenge: pkceS256(verifier), code_challenge_method: 'S256' }) });
  expect(auth.status).toBe(302);
  expect(auth.location!.searchParams.get('state')).toBe('bb-state');
  return { code: auth.location!.searchParams.get('code')!, verifier };
}

describe('Bitbucket API tokens, access tokens and app passwords', () => {
  it('an API token works as Basic with the account email; it reports its scopes and credential type', async () => {
    const t = fake.bitbucketHost.addApiToken({ email: 'carol@example.com', scopes: ['read:user:bitbucket', 'read:repository:bitbucket'] });
    const me = await api('/user', basic('carol@example.com', t));
    expect(me).toMatchObject({ status: 200, body: { type: 'user', username: 'carol', display_name: 'Carol' } });
    expect(me.headers.get('x-oauth-scopes')).toBe('read:user:bitbucket, read:repository:bitbucket');
    expect(me.headers.get('x-accepted-oauth-scopes')).toBe('read:user:bitbucket');
    expect(me.headers.get('x-credential-type')).toBe('api_token');
    expect((await api('/repositories/team/api', basic('carol@example.com', t))).body).toMatchObject({ full_name: 'team/api', is_private: true, mainbranch: { name: 'main' } });
  });

  it('an API token with the username instead of the email is 401; as a Bearer token it is 401 "not supported for this endpoint"', async () => {
    const t = fake.bitbucketHost.addApiToken({ email: 'carol@example.com', scopes: ['read:user:bitbucket'] });
    expect(await api('/user', basic('carol', t))).toMatchObject({ status: 401, body: { type: 'error', error: { message: 'Unauthorized' } } });
    expect(await api('/user', `Bearer ${t}`)).toMatchObject({ status: 401, body: { error: { message: 'Token is invalid, expired, or not supported for this endpoint.' } } });
  });

  it('new scope names do not imply each other: write:repository without read:repository cannot read', async () => {
    const t = fake.bitbucketHost.addApiToken({ email: 'carol@example.com', scopes: ['write:repository:bitbucket'] });
    const res = await api('/repositories/team/api', basic('carol@example.com', t));
    expect(res).toMatchObject({ status: 403, body: { type: 'error', error: { message: 'Your credentials lack one or more required privilege scopes.', detail: { granted: ['write:repository:bitbucket'], required: ['read:repository:bitbucket'] } } } });
  });

  it('an expired or revoked API token is 401', async () => {
    const expired = fake.bitbucketHost.addApiToken({ email: 'carol@example.com', scopes: ['read:user:bitbucket'], expiresAt: fake.clock.now() - 1 });
    expect((await api('/user', basic('carol@example.com', expired))).status).toBe(401);
    const revoked = fake.bitbucketHost.addApiToken({ email: 'carol@example.com', scopes: ['read:user:bitbucket'] });
    fake.bitbucketHost.revokeToken(revoked);
    expect((await api('/user', basic('carol@example.com', revoked))).status).toBe(401);
  });

  it('app passwords work until Bitbucket ends them; then every call with one is 401', async () => {
    const auth = basic(TOKENS.bitbucketUser, TOKENS.bitbucketPassword);
    expect((await api('/user', auth)).status).toBe(200);
    fake.bitbucketHost.appPasswordsEnded = true;
    try {
      const refused = await api('/user', auth);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Basic realm="Bitbucket.org HTTP"');
      expect(refused.body).toMatchObject({ type: 'error', error: { message: 'Unauthorized' } });
      expect((await api('/repositories/ws/app', auth)).status).toBe(401);
    } finally {
      fake.bitbucketHost.appPasswordsEnded = false;
    }
  });

  it('a repository access token reaches its repository only, as Bearer, and cannot name a user', async () => {
    const t = fake.bitbucketHost.addAccessToken({ kind: 'repository', workspace: 'team', repo: 'team/api', scopes: ['repository', 'pullrequest'] });
    const repo = await api('/repositories/team/api', `Bearer ${t}`);
    expect(repo.status).toBe(200);
    expect(repo.headers.get('x-credential-type')).toBe('repo_access_token');
    expect(repo.headers.get('x-oauth-scopes')).toBe('repository, pullrequest');
    expect((await api('/repositories/team/web', `Bearer ${t}`)).status).toBe(404);
    expect(await api('/user', `Bearer ${t}`)).toMatchObject({ status: 403, body: { error: { detail: { required: ['account'] } } } });
    expect((await api('/repositories/team/api', basic('x-token-auth', t))).status).toBe(401);
  });

  it('a project access token reaches the project, a workspace token the workspace', async () => {
    const project = fake.bitbucketHost.addAccessToken({ kind: 'project', workspace: 'team', project: 'CORE', scopes: ['repository'] });
    expect((await api('/repositories/team/web', `Bearer ${project}`)).status).toBe(200);
    expect((await api('/repositories/team/ops', `Bearer ${project}`)).status).toBe(404);
    const workspace = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'team', scopes: ['repository'] });
    expect((await api('/repositories/team/ops', `Bearer ${workspace}`)).status).toBe(200);
    const listed = await api('/repositories?role=member&pagelen=100', `Bearer ${project}`);
    expect(listed.body.size).toBe(2);
  });

  it('/repositories?role=member pages with `next` and filters with q=name~"…"', async () => {
    const t = fake.bitbucketHost.addApiToken({ email: 'carol@example.com', scopes: ['read:repository:bitbucket'] });
    const auth = basic('carol@example.com', t);
    fake.bitbucketHost.maxPagelen = 2;
    try {
      const names: string[] = [];
      let url: string | null = `${fake.bitbucketApi}/2.0/repositories?role=member&pagelen=100`;
      let pages = 0;
      while (url) {
        const body = (await (await fetch(url, { headers: { authorization: auth } })).json()) as { size: number; values: { full_name: string }[]; next?: string };
        expect(body.size).toBe(3); // the public repository elsewhere is not one carol is a member of
        names.push(...body.values.map((v) => v.full_name));
        url = body.next ?? null;
        pages++;
      }
      expect(pages).toBe(2);
      expect(names).toEqual(['team/api', 'team/ops', 'team/web']);
      const q = await api(`/repositories?role=member&q=${encodeURIComponent('name ~ "we"')}`, auth);
      expect(q.body.values.map((v: { full_name: string }) => v.full_name)).toEqual(['team/web']);
      const admin = await api('/repositories?role=admin', auth);
      expect(admin.body.values.map((v: { full_name: string }) => v.full_name)).toEqual(['team/api']);
    } finally {
      fake.bitbucketHost.maxPagelen = 1;
    }
  });

  it('a spent budget is 429 "Rate limit for this resource has been exceeded"', async () => {
    fake.bitbucketHost.addUser({ username: 'dave', email: 'dave@example.com' });
    const t = fake.bitbucketHost.addApiToken({ email: 'dave@example.com', scopes: ['read:user:bitbucket'] });
    const first = await api('/user', basic('dave@example.com', t));
    expect(first.status).toBe(200);
    // Only access tokens' requests to the scaled `api` group carry the headers.
    expect(first.headers.get('x-ratelimit-limit')).toBeNull();
    fake.bitbucketHost.setRateLimit('user:dave', { remaining: 0, resetInMs: 60_000 });
    const refused = await api('/user', basic('dave@example.com', t));
    expect(refused).toMatchObject({ status: 429, body: { type: 'error', error: { message: 'Rate limit for this resource has been exceeded' } } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('an access token\'s requests to /2.0/repositories carry its own limit, the `api` group and NearLimit under 20% left', async () => {
    fake.bitbucketHost.addWorkspace({ slug: 'near', members: [] });
    fake.bitbucketHost.addRepo({ workspace: 'near', slug: 'svc' });
    const one = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'near', scopes: ['repository'] });
    const two = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'near', scopes: ['repository'] });
    const read = (token: string) => api('/repositories/near/svc', `Bearer ${token}`);
    const first = await read(one);
    expect(first.status).toBe(200);
    expect([first.headers.get('x-ratelimit-limit'), first.headers.get('x-ratelimit-resource'), first.headers.get('x-ratelimit-nearlimit')]).toEqual(['1000', 'api', 'false']);
    expect(first.headers.get('x-ratelimit-remaining')).toBeNull();
    fake.bitbucketHost.setRateLimit(`token:${one}`, { remaining: 150 });
    expect((await read(one)).headers.get('x-ratelimit-nearlimit')).toBe('true');
    // Each access token has its own allowance.
    expect((await read(two)).headers.get('x-ratelimit-nearlimit')).toBe('false');
  });
});

describe('Bitbucket OAuth consumers', () => {
  it('authorization code: the code and HTTP Basic consumer credentials buy a 2-hour token, its scopes and a refresh token', async () => {
    const { code, verifier } = await webFlow();
    const res = await token({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(res).toMatchObject({ status: 200, body: { access_token: expect.any(String), scopes: 'account repository pullrequest', expires_in: 7200, refresh_token: expect.any(String), token_type: 'bearer', state: 'authorization_code' } });
    const me = await api('/user', `Bearer ${res.body.access_token}`);
    expect(me).toMatchObject({ status: 200, body: { username: 'carol' } });
    expect(me.headers.get('x-oauth-scopes')).toBe('account, repository, pullrequest');
  });

  it('consumer credentials must be HTTP Basic and right', async () => {
    const { code, verifier } = await webFlow();
    expect(await token({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: consumer.key, client_secret: consumer.secret }, null)).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client', error_description: 'Requests must be authenticated using OAuth client credentials' },
    });
    expect(await token({ grant_type: 'authorization_code', code, code_verifier: verifier }, basic(consumer.key, 'wrong'))).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect((await token({ grant_type: 'authorization_code', code, code_verifier: verifier })).status).toBe(200);
  });

  it('a reused code and a wrong PKCE verifier are invalid_grant', async () => {
    const first = await webFlow();
    expect((await token({ grant_type: 'authorization_code', code: first.code, code_verifier: first.verifier })).status).toBe(200);
    expect(await token({ grant_type: 'authorization_code', code: first.code, code_verifier: first.verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'The specified code is not valid.' } });
    const second = await webFlow();
    expect(await token({ grant_type: 'authorization_code', code: second.code, code_verifier: randomBytes(32).toString('base64url') })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a redirect_uri outside the consumer callback URL gets an error page; a different one at the token endpoint is invalid_grant', async () => {
    fake.bitbucketHost.signIn('carol');
    const bad = await authorize({ client_id: consumer.key, redirect_uri: 'http://127.0.0.1:9/evil' });
    expect(bad.status).toBe(400);
    expect(bad.location).toBeNull();
    expect(bad.text).toContain('Invalid redirect_uri');
    const ok = await authorize({ client_id: consumer.key, redirect_uri: `${CALLBACK}/done`, state: 's' });
    const code = ok.location!.searchParams.get('code')!;
    expect(`${ok.location!.origin}${ok.location!.pathname}`).toBe(`${CALLBACK}/done`);
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('denied consent redirects with error=access_denied and the state', async () => {
    fake.bitbucketHost.signIn('carol');
    fake.bitbucketHost.denyConsent();
    const res = await authorize({ client_id: consumer.key, state: 'no' });
    expect(res.location!.searchParams.get('error')).toBe('access_denied');
    expect(res.location!.searchParams.get('state')).toBe('no');
  });

  it('an access token expires after two hours: 401 "Access token expired. Use your refresh token…"', async () => {
    const t = fake.bitbucketHost.issueOAuthToken(consumer.key, 'carol');
    fake.clock.advance(2 * 60 * 60_000);
    try {
      expect(await api('/user', `Bearer ${t.accessToken}`)).toMatchObject({ status: 401, body: { error: { message: 'Access token expired. Use your refresh token to obtain a new access token.' } } });
    } finally {
      fake.clock.advance(-2 * 60 * 60_000);
    }
  });

  it('refresh rotates the refresh token (reuse is invalid_grant) and leaves earlier access tokens working; calls are counted', async () => {
    fake.bitbucketHost.addUser({ username: 'erin', email: 'erin@example.com' });
    const t = fake.bitbucketHost.issueOAuthToken(consumer.key, 'erin');
    const next = await token({ grant_type: 'refresh_token', refresh_token: t.refreshToken! });
    expect(next).toMatchObject({ status: 200, body: { access_token: expect.any(String), refresh_token: expect.any(String), expires_in: 7200, state: 'refresh_token' } });
    expect(next.body.refresh_token).not.toBe(t.refreshToken);
    expect((await api('/user', `Bearer ${t.accessToken}`)).status).toBe(200);
    expect((await api('/user', `Bearer ${next.body.access_token}`)).status).toBe(200);
    expect(await token({ grant_type: 'refresh_token', refresh_token: t.refreshToken! })).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid refresh_token' } });
    expect(fake.bitbucketHost.refreshes('erin')).toBe(2);
  });

  it('a consumer set not to rotate hands back the same refresh token, which keeps working', async () => {
    const steady = fake.bitbucketHost.registerConsumer({ callbackUrl: CALLBACK, rotateRefreshTokens: false });
    const t = fake.bitbucketHost.issueOAuthToken(steady.key, 'carol');
    const auth = basic(steady.key, steady.secret);
    const a = await token({ grant_type: 'refresh_token', refresh_token: t.refreshToken! }, auth);
    const b = await token({ grant_type: 'refresh_token', refresh_token: t.refreshToken! }, auth);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.refresh_token).toBe(t.refreshToken);
    expect(b.body.access_token).not.toBe(a.body.access_token);
  });
});
