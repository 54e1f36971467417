import { RepoConnectionEntity } from '../src/db/entities';
import { createAccount, createApiKey, type TestAccount } from './support/factories';
import { rest } from './support/rest';
import { sigsentryExamples } from './support/seeds';
import { startTestServer, testKeyRing, useTestServer } from './support/test-server';
import { CredentialCipher } from '../src/modules/crypto';

const seeds = sigsentryExamples();
const t = useTestServer();

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (key: string, body: unknown, headers: Record<string, string> = {}) => rest(t.url, 'POST', '/v1/config/repos', { body, headers: { ...auth(key), ...headers } });
const fresh = (plan: 'free' | 'team' = 'team') => createAccount(t.dataSource, { plan });

describe('POST /v1/config/repos with the seed examples', () => {
  test('the full example body: 201 with exactly the documented envelope', async () => {
    const account = await fresh();
    const res = await post(account.apiKey, seeds.full);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(Object.keys(seeds.created));
    expect(Object.keys(res.body.data)).toEqual(Object.keys(seeds.created.data));
    expect(res.body).toEqual({ success: true, data: { id: expect.stringMatching(/^rc_[0-9a-f]{32}$/), platform: 'github' } });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);

    const read = await rest(t.url, 'GET', `/v1/config/repos/${res.body.data.id}`, { headers: auth(account.apiKey) });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({
      id: res.body.data.id,
      platform: 'github',
      lookbackDays: 30,
      repositories: ['acme/checkout-api', 'acme/billing-worker'],
      serviceMappings: seeds.full.serviceMappings,
    });
  });

  test('each credentials shape and the curl example are accepted', async () => {
    for (const body of [seeds.github, seeds.gitlab, seeds.bitbucket, seeds.curl]) {
      const res = await post((await fresh()).apiKey, body);
      expect(res.status).toBe(201);
      expect(res.body.data.platform).toBe(body.platform);
    }
  });

  test('baseUrl is accepted inside credentials and at the top level', async () => {
    const inside = await post((await fresh()).apiKey, { ...seeds.gitlab, credentials: { ...seeds.gitlab.credentials, baseUrl: 'https://gitlab.company.com' } });
    const beside = await post((await fresh()).apiKey, { ...seeds.github, baseUrl: 'https://github.example.com/api/v3' });
    expect([inside.status, beside.status]).toEqual([201, 201]);
  });
});

describe('POST /v1/config/repos errors, each in the documented envelope', () => {
  const invalid: [string, unknown, string | null][] = [
    ['unknown platform', { ...seeds.github, platform: 'svn' }, 'platform'],
    ['empty repositories', { ...seeds.github, repositories: [] }, 'repositories'],
    ['lookbackDays out of range', { ...seeds.full, lookbackDays: 366 }, 'lookbackDays'],
    ['lookbackDays zero', { ...seeds.full, lookbackDays: 0 }, 'lookbackDays'],
    ['lookbackDays not an integer', { ...seeds.full, lookbackDays: 7.5 }, 'lookbackDays'],
    ['lookbackDays as a string', { ...seeds.full, lookbackDays: '30' }, 'lookbackDays'],
    ['serviceMappings not a list', { ...seeds.full, serviceMappings: 'checkout-api' }, 'serviceMappings'],
    ['a mapping without pathPrefix', { ...seeds.full, serviceMappings: [{ serviceName: 'a', repo: 'acme/checkout-api', defaultBranch: 'main' }] }, 'serviceMappings[0].pathPrefix'],
    ['a mapping to an unlisted repo', { ...seeds.full, serviceMappings: [{ ...seeds.serviceMappingsOnly.serviceMappings[0], repo: 'acme/elsewhere' }] }, 'serviceMappings[0].repo'],
    ['a wrong path format for the platform', { ...seeds.github, repositories: ['just-a-name'] }, 'repositories[0]'],
    ['a GitLab path for Bitbucket', { ...seeds.bitbucket, repositories: ['acme/sub/checkout-api'] }, 'repositories[0]'],
    ['missing token', { ...seeds.github, credentials: {} }, 'credentials.token'],
    ['missing appPassword', { ...seeds.bitbucket, credentials: { username: 'x' } }, 'credentials.appPassword'],
    ['missing credentials', { platform: 'github', repositories: ['acme/a'] }, 'credentials'],
    ['missing platform', { credentials: { token: 'ghp_zzz' }, repositories: ['acme/a'] }, 'platform'],
    ['credentials not an object', { ...seeds.github, credentials: 'ghp_abc' }, 'credentials'],
  ];

  test.each(invalid)('%s: 400 VALIDATION_ERROR naming the field, nothing written', async (_name, body, field) => {
    const account = await fresh();
    const res = await post(account.apiKey, body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: { code: 'VALIDATION_ERROR', message: expect.any(String), details: expect.any(Array) } });
    expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
    expect(await t.dataSource.getRepository(RepoConnectionEntity).countBy({ projectId: account.project.id })).toBe(0);
  });

  test('malformed JSON, a JSON array and a non-JSON body are 400 VALIDATION_ERROR, never 500', async () => {
    const account = await fresh();
    for (const options of [{ raw: '{"platform": "github",' }, { raw: '[1,2]' }, { raw: 'platform=github', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { raw: '' }]) {
      const res = await rest(t.url, 'POST', '/v1/config/repos', { ...options, headers: { ...auth(account.apiKey), ...(options as any).headers } });
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  test('401 UNAUTHORIZED for a missing, unknown or revoked key', async () => {
    for (const headers of [{}, auth(`ss_secret_${'B'.repeat(43)}`), auth('nonsense'), { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const res = await rest(t.url, 'POST', '/v1/config/repos', { body: seeds.full, headers });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Missing or invalid API key' } });
    }
  });

  test('403 FORBIDDEN for a key without config:write', async () => {
    const account = await createAccount(t.dataSource, { permissions: ['config:read'] });
    const res = await post(account.apiKey, seeds.full);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('config:write') } });
  });

  test('403 QUOTA_EXCEEDED past the plan quota', async () => {
    const account = await fresh('free');
    expect((await post(account.apiKey, { ...seeds.github, repositories: ['acme/a1', 'acme/a2', 'acme/a3', 'acme/a4'] })).status).toBe(201);
    const res = await post(account.apiKey, seeds.full);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, error: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining('free plan allows 5') } });
  });

  test('409 CONFLICT for a repository already connected', async () => {
    const account = await fresh();
    await post(account.apiKey, seeds.full);
    const res = await post(account.apiKey, seeds.curl);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  test('a tenant-scoped key names the project with X-Project-Id', async () => {
    const account = await fresh();
    const key = await createApiKey(t.dataSource, { tenantId: account.tenant.id }, ['config:write', 'config:read']);
    const res = await post(key, seeds.full, { 'x-project-id': account.project.id });
    expect(res.status).toBe(201);
    const without = await post(key, seeds.github);
    expect(without.status).toBe(403);
  });
});

test('a server failure is a 500 INTERNAL_ERROR with a generic message', async () => {
  class BrokenCipher extends CredentialCipher {
    seal(): never {
      throw new Error('key service unreachable: token=ghp_should_not_leak');
    }
  }
  const failing = await startTestServer({ deps: { cipher: new BrokenCipher(testKeyRing()) } });
  try {
    const account = await createAccount(failing.dataSource);
    const res = await rest(failing.url, 'POST', '/v1/config/repos', { body: seeds.full, headers: auth(account.apiKey) });
    expect(res.status).toBe(500);
    expect(res.text).toBe(JSON.stringify({ success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } }));
    expect(await failing.dataSource.getRepository(RepoConnectionEntity).countBy({ projectId: account.project.id })).toBe(0);
  } finally {
    await failing.close();
  }
});

describe('PUT, DELETE, invalidate-cache and GET', () => {
  async function connected(account: TestAccount) {
    const res = await post(account.apiKey, seeds.full);
    expect(res.status).toBe(201);
    return res.body.data.id as string;
  }

  test('PUT replaces the connection with the new body', async () => {
    const account = await fresh();
    const id = await connected(account);
    const res = await rest(t.url, 'PUT', `/v1/config/repos/${id}`, { body: { ...seeds.github, repositories: ['acme/checkout-api', 'acme/new-thing'], lookbackDays: 90 }, headers: auth(account.apiKey) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { id, platform: 'github' } });
    const read = await rest(t.url, 'GET', `/v1/config/repos/${id}`, { headers: auth(account.apiKey) });
    expect(read.body.data).toMatchObject({ lookbackDays: 90, repositories: ['acme/checkout-api', 'acme/new-thing'], serviceMappings: [] });
    const bad = await rest(t.url, 'PUT', `/v1/config/repos/${id}`, { body: { ...seeds.full, platform: 'gitlab' }, headers: auth(account.apiKey) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toContainEqual({ field: 'platform', message: expect.stringContaining('cannot change') });
    const missing = await rest(t.url, 'PUT', `/v1/config/repos/${id}`, { body: { platform: 'github', repositories: ['acme/x'] }, headers: auth(account.apiKey) });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: any) => d.field)).toContain('credentials');
  });

  test('invalidate-cache, list, DELETE; then 404 — also for another tenant, which never learns the id exists', async () => {
    const account = await fresh();
    const stranger = await fresh();
    const id = await connected(account);
    const inv = await rest(t.url, 'POST', `/v1/config/repos/${id}/invalidate-cache`, { headers: auth(account.apiKey) });
    expect(inv.status).toBe(200);
    expect(inv.body).toEqual({ success: true, data: { id, platform: 'github', cacheInvalidatedAt: expect.any(String) } });

    const list = await rest(t.url, 'GET', '/v1/config/repos', { headers: auth(account.apiKey) });
    expect(list.body).toEqual({ success: true, data: [expect.objectContaining({ id, platform: 'github' })], pagination: { total: 1, hasMore: false, nextCursor: null } });
    expect(list.text).not.toMatch(/"token"|appPassword/);

    for (const [method, path] of [['GET', `/v1/config/repos/${id}`], ['DELETE', `/v1/config/repos/${id}`], ['POST', `/v1/config/repos/${id}/invalidate-cache`], ['PUT', `/v1/config/repos/${id}`]] as const) {
      const res = await rest(t.url, method, path, { headers: auth(stranger.apiKey), body: method === 'PUT' ? seeds.full : undefined });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Repo connection not found' } });
    }
    const unknown = await rest(t.url, 'GET', '/v1/config/repos/rc_doesnotexist', { headers: auth(account.apiKey) });
    expect(unknown.status).toBe(404);

    const del = await rest(t.url, 'DELETE', `/v1/config/repos/${id}`, { headers: auth(account.apiKey) });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ success: true, data: { id, platform: 'github', deleted: true } });
    expect((await rest(t.url, 'GET', `/v1/config/repos/${id}`, { headers: auth(account.apiKey) })).status).toBe(404);
    expect((await rest(t.url, 'DELETE', `/v1/config/repos/${id}`, { headers: auth(account.apiKey) })).status).toBe(404);
  });

  test('the largest page (limit=100) passes the query limits; limit=101 is a 400 naming limit', async () => {
    const account = await fresh();
    expect((await rest(t.url, 'GET', '/v1/config/repos?limit=100', { headers: auth(account.apiKey) })).status).toBe(200);
    const over = await rest(t.url, 'GET', '/v1/config/repos?limit=101', { headers: auth(account.apiKey) });
    expect(over.status).toBe(400);
    expect(over.body.error.details).toEqual([{ field: 'limit', message: expect.stringContaining('limit') }]);
  });

  test('an unknown route under /v1 answers in the envelope', async () => {
    const res = await rest(t.url, 'GET', '/v1/config/nothing', { headers: auth((await fresh()).apiKey) });
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
