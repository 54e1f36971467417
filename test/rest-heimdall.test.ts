import { RepositoryEntity } from '../src/db/entities';
import { createAccount, createSessionFor, type TestAccount } from './support/factories';
import { rest } from './support/rest';
import { heimdallExamples } from './support/seeds';
import { startTestServer, useTestServer } from './support/test-server';

const seeds = heimdallExamples();
const t = useTestServer();

async function user(kind: 'organization' | 'personal' = 'personal') {
  const account = await createAccount(t.dataSource, { kind });
  const session = await createSessionFor(t.dataSource, account);
  return { account, ...session, cookie: { cookie: `session=${session.token}` } };
}

const create = (headers: Record<string, string>, body: unknown) => rest(t.url, 'POST', '/api/repos', { body, headers });

describe('POST /api/repos with the document examples', () => {
  test('the git URL example gives exactly the documented response object', async () => {
    const u = await user('personal');
    const res = await create(u.cookie, seeds.gitUrl);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['success', 'data']);
    // The same fields, in the same order, as the document's example response.
    expect(Object.keys(res.body.data)).toEqual(Object.keys(seeds.response.data));
    const expected = { ...seeds.response.data, id: expect.any(String), user_id: u.userId, created_at: expect.any(String), updated_at: expect.any(String) };
    expect(res.body.data).toEqual(expected);
    expect(res.body.data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(res.body.data.created_at) - Date.now())).toBeLessThan(60_000);
    expect(res.body.data.org_id).toBeNull();
  });

  test('the GitHub and GitLab OAuth examples, with the default branch rules', async () => {
    const u = await user('organization');
    const github = await create(u.cookie, seeds.github);
    expect(github.status).toBe(201);
    expect(github.body.data).toMatchObject({ name: 'my-github-repo', source_type: 'github', remote_url: seeds.github.remote_url, default_branch: 'main', org_id: u.account.tenant.id });
    const gitlab = await create(u.cookie, seeds.gitlab);
    expect(gitlab.body.data).toMatchObject({ source_type: 'gitlab', default_branch: 'develop' });
  });

  test('the session token is accepted from the cookie and from an Authorization header', async () => {
    const u = await user();
    const res = await create({ authorization: `Bearer ${u.token}` }, { ...seeds.gitUrl, remote_url: 'https://github.com/example/other.git' });
    expect(res.status).toBe(201);
  });

  test('401 is exactly the documented body', async () => {
    for (const headers of [{}, { cookie: 'session=rls_nonsense' }, { cookie: `session=rls_${'x'.repeat(43)}` }] as Record<string, string>[]) {
      const res = await create(headers, seeds.gitUrl);
      expect(res.status).toBe(401);
      expect(res.text).toBe(JSON.stringify(seeds.unauthorized));
    }
  });

  test('an expired session is a 401', async () => {
    const account = await createAccount(t.dataSource);
    const { token } = await createSessionFor(t.dataSource, account, 0.0000001);
    await new Promise((r) => setTimeout(r, 20));
    expect((await create({ cookie: `session=${token}` }, seeds.gitUrl)).status).toBe(401);
  });

  test.each([
    ['missing name', { source_type: 'git_url', remote_url: 'https://example.com/a.git' }, /name/],
    ['missing remote_url for git_url', { name: 'x' }, /remote_url is required/],
    ['unknown source_type', { name: 'x', source_type: 'svn', remote_url: 'https://example.com/a.git' }, /source_type|svn/],
    ['name of the wrong type', { name: 42, remote_url: 'https://example.com/a.git' }, /name/],
    ['a bad remote', { name: 'x', remote_url: 'ftp://example.com/a' }, /remote_url/],
  ])('%s: 400 in the envelope', async (_name, body, message) => {
    const u = await user();
    const res = await create(u.cookie, body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, code: 400, message: expect.stringMatching(message) });
    expect(await t.dataSource.getRepository(RepositoryEntity).countBy({ projectId: u.account.project.id })).toBe(0);
  });

  test('malformed JSON is a 400, never a 500', async () => {
    const u = await user();
    const res = await rest(t.url, 'POST', '/api/repos', { raw: '{"name": ', headers: u.cookie });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, code: 400, message: expect.any(String) });
  });

  test('the same remote twice is a 409', async () => {
    const u = await user();
    expect((await create(u.cookie, seeds.gitUrl)).status).toBe(201);
    const again = await create(u.cookie, { ...seeds.gitUrl, name: 'copy' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ success: false, code: 409, message: expect.stringContaining('already in the project') });
  });
});

test('a server failure is a 500 with a generic message: nothing of the failure leaks', async () => {
  const failing = await startTestServer({
    env: { REPOLINK_RESOLVE_DEFAULT_BRANCH: 'true' },
    deps: { resolveDefaultBranch: async () => { throw new Error('database connection error at 10.0.0.7: password=hunter2'); } },
  });
  try {
    const account = await createAccount(failing.dataSource);
    const res = await rest(failing.url, 'POST', '/api/repos', { body: { name: 'x', remote_url: 'https://example.com/x.git' }, headers: { authorization: `Bearer ${account.apiKey}` } });
    expect(res.status).toBe(500);
    expect(res.text).toBe(JSON.stringify({ success: false, code: 500, message: 'Internal server error' }));
  } finally {
    await failing.close();
  }
});

describe('GET and DELETE /api/repos', () => {
  test('list, read one, soft delete; another tenant gets 404', async () => {
    const u = await user();
    const other = await user();
    const a = (await create(u.cookie, seeds.gitUrl)).body.data;
    const b = (await create(u.cookie, seeds.github)).body.data;
    const list = await rest(t.url, 'GET', '/api/repos', { headers: u.cookie });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ success: true, data: [b, a], pagination: { total: 2, has_more: false, next_cursor: null } });
    const paged = await rest(t.url, 'GET', '/api/repos?limit=1', { headers: u.cookie });
    expect(paged.body.pagination).toEqual({ total: 2, has_more: true, next_cursor: expect.any(String) });
    const next = await rest(t.url, 'GET', `/api/repos?limit=1&cursor=${paged.body.pagination.next_cursor}`, { headers: u.cookie });
    expect(next.body.data).toEqual([a]);
    expect((await rest(t.url, 'GET', '/api/repos?limit=500', { headers: u.cookie })).status).toBe(400);

    const one = await rest(t.url, 'GET', `/api/repos/${a.id}`, { headers: u.cookie });
    expect(one.body).toEqual({ success: true, data: a });
    const theirs = await rest(t.url, 'GET', `/api/repos/${a.id}`, { headers: other.cookie });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ success: false, code: 404, message: 'Repository not found' });
    expect((await rest(t.url, 'DELETE', `/api/repos/${a.id}`, { headers: other.cookie })).status).toBe(404);

    const del = await rest(t.url, 'DELETE', `/api/repos/${a.id}`, { headers: u.cookie });
    expect(del.status).toBe(200);
    expect(del.body.data).toMatchObject({ id: a.id, deleted_at: expect.stringMatching(/Z$/) });
    expect((await rest(t.url, 'GET', '/api/repos', { headers: u.cookie })).body.data).toEqual([b]);
    expect((await rest(t.url, 'GET', '/api/repos?include_deleted=true', { headers: u.cookie })).body.pagination.total).toBe(2);
    // Once deleted, the same remote may be added again.
    expect((await create(u.cookie, seeds.gitUrl)).status).toBe(201);
  });
});

export type { TestAccount };
