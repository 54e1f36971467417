import { tmpdir } from 'node:os';
import path from 'node:path';
import { DefaultProjects1764000000000 } from '../migrations/1764000000000-default-projects';
import { runAdmin } from '../src/cli/admin';
import { uuidv7 } from '../src/lib/ids';
import { CONNECT_REPOS, CREATE_REPOSITORY, VIEWER, connectInput } from './support/operations';
import { rest } from './support/rest';
import { heimdallExamples, sigsentryExamples } from './support/seeds';
import { databaseBefore, testDatabaseUrl } from './support/db';
import { useTestServer } from './support/test-server';

const heimdall = heimdallExamples();
const sigsentry = sigsentryExamples();
const t = useTestServer();

async function admin(...argv: string[]) {
  const result = await runAdmin([...argv, '--json'], { DATABASE_URL: testDatabaseUrl(), REPOLINK_DATA_DIR: path.join(tmpdir(), 'repolink-admin-unused') });
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

let counter = 0;
/** An account made exactly as the new user made it: tenant, user, session from the admin CLI, no project named anywhere. */
async function accountFromCli(kind: 'personal' | 'organization') {
  const label = `${kind}-${process.pid}-${Date.now()}-${++counter}`;
  const tenant = await admin('tenant:create', '--name', `Dana ${label}`, '--kind', kind);
  const user = await admin('user:create', '--tenant', tenant.id, '--email', `dana.${label}@example.com`);
  const session = await admin('session:create', '--user', user.id);
  return { tenant, user, token: session.token as string };
}

describe.each(['personal', 'organization'] as const)('%s account, with nothing but a session', (kind) => {
  test('creates, lists, reads and deletes repositories through Heimdall with the session cookie', async () => {
    const { tenant, user, token } = await accountFromCli(kind);
    expect(tenant.defaultProjectId).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.projectId).toBeNull(); // follows the tenant's default project
    const cookie = { cookie: `session=${token}` };

    const created = await rest(t.url, 'POST', '/api/repos', { headers: cookie, body: heimdall.github });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ name: heimdall.github.name, user_id: user.id, org_id: kind === 'personal' ? null : tenant.id });

    const list = await rest(t.url, 'GET', '/api/repos', { headers: cookie });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(created.body.data.id);

    const one = await rest(t.url, 'GET', `/api/repos/${created.body.data.id}`, { headers: cookie });
    expect(one.status).toBe(200);
    expect(one.body.data.id).toBe(created.body.data.id);

    const deleted = await rest(t.url, 'DELETE', `/api/repos/${created.body.data.id}`, { headers: cookie });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.deleted_at).not.toBeNull();

    // It lived in the tenant's default project.
    const [row] = await t.dataSource.query('SELECT project_id FROM repositories WHERE id = ?', [created.body.data.id]);
    expect(row.project_id).toBe(tenant.defaultProjectId);
  });

  test('connects repositories through SigSentry and works in GraphQL with the session alone', async () => {
    const { tenant, token } = await accountFromCli(kind);
    const bearer = { authorization: `Bearer ${token}` };

    const connected = await rest(t.url, 'POST', '/v1/config/repos', { headers: bearer, body: sigsentry.github });
    expect(connected.status).toBe(201);
    expect(connected.body.data.id).toMatch(/^rc_/);

    const viewer = await t.gql(VIEWER, {}, { authorization: '', cookie: `session=${token}` });
    expect(viewer.status).toBe(200);
    expect(viewer.body.data.viewer).toMatchObject({ kind: 'SESSION', tenant: { id: tenant.id }, project: { id: tenant.defaultProjectId } });

    const created = await t.gql(CREATE_REPOSITORY, { input: { name: 'from-graphql', remoteUrl: 'https://example.com/from-graphql.git' } }, bearer);
    expect(created.body.data.createRepository.userErrors).toEqual([]);
    const connectedGql = await t.gql(CONNECT_REPOS, { input: connectInput({ ...sigsentry.github, repositories: ['acme/from-graphql'] }) }, bearer);
    expect(connectedGql.body.data.connectRepos.userErrors).toEqual([]);
  });
});

test('X-Project-Id still selects another project of the tenant for a session, and never another tenant\'s', async () => {
  const { tenant, token } = await accountFromCli('organization');
  const other = await admin('project:create', '--tenant', tenant.id, '--name', 'second');
  const headers = { authorization: `Bearer ${token}` };
  const inOther = await t.gql(VIEWER, {}, { ...headers, 'x-project-id': other.id });
  expect(inOther.body.data.viewer.project.id).toBe(other.id);

  const res = await t.gql(VIEWER, {}, { ...headers, 'x-project-id': t.account.project.id });
  expect(res.status).toBe(403);
  expect(res.body.errors[0]).toEqual({ message: 'X-Project-Id does not name a project of the account this session belongs to', extensions: { code: 'FORBIDDEN' } });
  const viaShim = await rest(t.url, 'POST', '/api/repos', { headers: { ...headers, 'x-project-id': t.account.project.id }, body: heimdall.gitUrl });
  expect(viaShim.status).toBe(403);
  expect(viaShim.body.message).toContain('session');
});

describe('authentication and scope errors name the credential that was sent', () => {
  const WRITE = CREATE_REPOSITORY;
  const input = { input: { name: 'x', remoteUrl: 'https://example.com/x.git' } };

  test('GraphQL: nothing, an unknown API key, an unknown session and a token of neither kind', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ authorization: '' }, /send an API key .* or a session token/],
      [{ authorization: `Bearer ss_secret_${'a'.repeat(43)}` }, /the API key sent is not valid/],
      [{ authorization: '', cookie: `session=rls_${'a'.repeat(43)}` }, /the session token sent is not valid/],
      [{ authorization: 'Bearer ghp_notours' }, /neither an API key .* nor a session token/],
    ];
    for (const [headers, message] of cases) {
      const res = await t.gql(WRITE, input, headers);
      // A refused credential fails the whole request (401); no credential at all reaches the resolver, which refuses it.
      expect(res.status).toBe(headers.authorization === '' && !headers.cookie ? 200 : 401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(res.body.errors[0].message).toMatch(message);
    }
  });

  test('a tenant-scoped API key without X-Project-Id and a read-only key are told what their key lacks', async () => {
    const tenantKey = (await admin('apikey:create', '--tenant', t.account.tenant.id, '--permissions', 'config:read,config:write')).key;
    const noProject = await t.gql(WRITE, input, { authorization: `Bearer ${tenantKey}` });
    expect(noProject.body.errors[0].message).toBe('A tenant-scoped API key must name the project with the X-Project-Id header');
    const readOnly = (await admin('apikey:create', '--project', t.account.project.id, '--permissions', 'config:read')).key;
    const refused = await t.gql(WRITE, input, { authorization: `Bearer ${readOnly}` });
    expect(refused.body.errors[0].message).toBe('This API key lacks the config:write permission');
  });

  test('SigSentry keeps its documented 401 for API keys and names a session token as such; Heimdall keeps its exact body', async () => {
    const badKey = await rest(t.url, 'POST', '/v1/config/repos', { headers: { authorization: `Bearer ss_secret_${'a'.repeat(43)}` }, body: sigsentry.github });
    expect(badKey.body).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Missing or invalid API key' } });
    const badSession = await rest(t.url, 'POST', '/v1/config/repos', { headers: { cookie: `session=rls_${'a'.repeat(43)}` }, body: sigsentry.github });
    expect(badSession.status).toBe(401);
    expect(badSession.body).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Missing or invalid session token' } });
    const heimdall401 = await rest(t.url, 'POST', '/api/repos', { headers: { cookie: `session=rls_${'a'.repeat(43)}` }, body: heimdall.gitUrl });
    expect(heimdall401.text).toBe(JSON.stringify(heimdall.unauthorized));
  });
});

describe('the migration gives every existing tenant a default project', () => {
  test('the oldest project where there is one, a new "Default" project where there is none', async () => {
    const { db, apply, drop } = await databaseBefore('defproj', DefaultProjects1764000000000);
    try {
      // The state before: a personal tenant without a project and its user, and an organization with two projects.
      const [lonely, org, p1, p2, user] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      await db.query(`INSERT INTO tenants (id, name, kind, plan, created_at, updated_at) VALUES (?, 'lonely', 'personal', 'free', NOW(3), NOW(3)), (?, 'org', 'organization', 'team', NOW(3), NOW(3))`, [lonely, org]);
      await db.query(`INSERT INTO projects (id, tenant_id, name, repository_count, created_at, updated_at) VALUES (?, ?, 'first', 0, '2026-01-01', NOW(3)), (?, ?, 'second', 0, '2026-02-01', NOW(3))`, [p1, org, p2, org]);
      await db.query(`INSERT INTO users (id, tenant_id, email, default_project_id, created_at) VALUES (?, ?, ?, NULL, NOW(3))`, [user, lonely, `lonely-${uuidv7()}@example.com`]);

      await apply();

      const tenants = await db.query('SELECT t.id, t.default_project_id, p.name, p.tenant_id FROM tenants t JOIN projects p ON p.id = t.default_project_id ORDER BY t.name');
      expect(tenants).toEqual([
        { id: lonely, default_project_id: expect.any(String), name: 'Default', tenant_id: lonely },
        { id: org, default_project_id: p1, name: 'first', tenant_id: org },
      ]);
      const [{ missing }] = await db.query('SELECT COUNT(*) AS missing FROM tenants WHERE default_project_id IS NULL');
      expect(Number(missing)).toBe(0);
    } finally {
      await drop();
    }
  });
});
