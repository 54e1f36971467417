import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAdmin } from '../src/cli/admin';
import { createDataSource } from '../src/db/data-source';
import { RepoConnectionEntity } from '../src/db/entities';
import { CREATE_REPOSITORY, CONNECT_REPOS, VIEWER } from './support/operations';
import { createIsolatedDatabase, testDatabaseUrl } from './support/db';
import { startTestServer, useTestServer } from './support/test-server';
import { CredentialCipher, loadKeyRing } from '../src/modules/crypto';

const t = useTestServer();

const env = () => ({ DATABASE_URL: testDatabaseUrl(), REPOLINK_DATA_DIR: path.join(tmpdir(), 'repolink-admin-unused') });

async function admin(...argv: string[]) {
  const result = await runAdmin([...argv, '--json'], env());
  return { ...result, json: result.stdout ? JSON.parse(result.stdout) : null };
}

test('tenant, project, key, user and session created from the command line work against the API', async () => {
  const tenant = await admin('tenant:create', '--name', 'Acme CLI', '--kind', 'organization', '--plan', 'team');
  expect(tenant.code).toBe(0);
  expect(tenant.json).toMatchObject({ name: 'Acme CLI', kind: 'organization', plan: 'team', defaultProjectId: expect.any(String) });
  const project = await admin('project:create', '--tenant', tenant.json.id, '--name', 'web');
  expect(project.json).toMatchObject({ tenantId: tenant.json.id, name: 'web' });
  const key = await admin('apikey:create', '--project', project.json.id, '--permissions', 'config:read,config:write');
  expect(key.json.key).toMatch(/^ss_secret_[A-Za-z0-9_-]{43}$/);
  expect(key.json.permissions).toEqual(['config:read', 'config:write']);

  const viewer = await t.gql(VIEWER, {}, { authorization: `Bearer ${key.json.key}` });
  expect(viewer.body.data.viewer).toMatchObject({ tenant: { id: tenant.json.id, plan: 'TEAM' }, project: { id: project.json.id } });

  const user = await admin('user:create', '--tenant', tenant.json.id, '--email', `dev-${Date.now()}@acme.test`, '--name', 'Dev');
  expect(user.json.projectId).toBeNull(); // no --project: the user works in the tenant's default project
  const session = await admin('session:create', '--user', user.json.id, '--ttl-hours', '2');
  expect(session.json.token).toMatch(/^rls_/);
  const created = await t.gql(CREATE_REPOSITORY, { input: { name: 'cli', remoteUrl: 'https://example.com/cli.git' } }, { authorization: '', cookie: `session=${session.json.token}` });
  expect(created.body.data.createRepository.repository.userId).toBe(user.json.id);

  const revoked = await admin('apikey:revoke', '--id', key.json.id);
  expect(revoked.code).toBe(0);
  const after = await t.gql(VIEWER, {}, { authorization: `Bearer ${key.json.key}` });
  expect(after.status).toBe(401);
});

test('a tenant-scoped key is created with --tenant', async () => {
  const tenant = await admin('tenant:create', '--name', 'Scoped', '--plan', 'free');
  const key = await admin('apikey:create', '--tenant', tenant.json.id, '--permissions', 'config:read');
  expect(key.json).toMatchObject({ tenantId: tenant.json.id, projectId: null, permissions: ['config:read'] });
});

test('bad options say what is wrong and exit non-zero', async () => {
  const cases: [string[], RegExp][] = [
    [['tenant:create'], /--name is required/],
    [['tenant:create', '--name', 'x', '--plan', 'gold'], /--plan must be one of/],
    [['apikey:create', '--tenant', '00000000-0000-7000-8000-000000000000', '--permissions', 'config:read'], /No tenant/],
    [['apikey:create', '--permissions', 'config:read'], /exactly one of --project or --tenant/],
    [['apikey:create', '--tenant', 'x', '--permissions', 'config:admin'], /unknown: config:admin/],
    [['nope'], /Unknown command/],
  ];
  for (const [argv, message] of cases) {
    const result = await admin(...argv);
    expect(result.code).toBe(2);
    expect(result.json.error).toMatch(message);
  }
});

test('credentials:rotate-key adds a key to the key file and re-encrypts every stored credential', async () => {
  const db = await createIsolatedDatabase('rotate_cli');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'repolink-rotate-'));
  const keyFile = path.join(dataDir, 'encryption-keys.json');
  const { ring } = loadKeyRing({ keyFile, createIfMissing: true });
  const server = await startTestServer({ databaseUrl: db.url, deps: { cipher: new CredentialCipher(ring) } });
  try {
    for (const repo of ['acme/one', 'acme/two']) {
      const res = await server.gql(CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: `ghp_secret_${repo}` }, repositories: [repo] } });
      expect(res.body.data.connectRepos.userErrors).toEqual([]);
    }
    const result = await runAdmin(['credentials:rotate-key', '--json'], { DATABASE_URL: db.url, REPOLINK_DATA_DIR: dataDir });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout);
    expect(out).toMatchObject({ source: 'file', reencrypted: 2, total: 2 });
    expect(out.keyId).not.toBe(ring.current.id);
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).current).toBe(out.keyId);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const ds = createDataSource({ url: db.url, poolSize: 1 });
    await ds.initialize();
    const rows = await ds.getRepository(RepoConnectionEntity).find();
    await ds.destroy();
    expect(rows.map((r) => r.credentialsKeyId)).toEqual([out.keyId, out.keyId]);
  } finally {
    await server.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
