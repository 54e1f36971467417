import { ApiKeyEntity } from '../src/db/entities';
import { hashToken } from '../src/modules/auth/tokens';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { CONNECT_REPOS, CREATE_REPOSITORY, READ_BACK, VIEWER, connectInput } from './support/operations';
import { sigsentryExamples } from './support/seeds';
import { createAccount, createApiKey, createSessionFor } from './support/factories';
import { useTestServer } from './support/test-server';

const seeds = sigsentryExamples();
const t = useTestServer();

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys', () => {
  test('a request without credentials may introspect but gets UNAUTHENTICATED for data', async () => {
    const viewer = await t.gql(VIEWER, {}, { authorization: '' });
    expect(viewer.body.data.viewer).toBeNull();
    const read = await t.gql('query { repository(id: "x") { id } }', {}, { authorization: '' });
    expect(read.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const write = await t.gql(CONNECT_REPOS, { input: connectInput(seeds.full) }, { authorization: '' });
    expect(write.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const schema = await t.gql('{ __schema { queryType { name } } }', {}, { authorization: '' });
    expect(schema.body.data.__schema.queryType.name).toBe('Query');
  });

  test('unknown, revoked and malformed keys all get one identical 401; a token of no kind of ours is named as such', async () => {
    const account = await createAccount(t.dataSource);
    await new TenancyService(t.dataSource).revokeApiKey(account.apiKeyId);
    const unknownKey = `ss_secret_${'A'.repeat(43)}`;
    const responses = [];
    for (const token of [unknownKey, account.apiKey, 'ss_secret_short', 'garbage', `Bearer ${unknownKey}`]) {
      const res = await t.gql(VIEWER, {}, bearer(token));
      responses.push({ status: res.status, body: res.body });
    }
    for (const r of responses) expect(r.status).toBe(401);
    const [unknown, revoked, malformed, garbage, doubled] = responses;
    expect(revoked).toEqual(unknown);
    expect(malformed).toEqual(unknown);
    expect(doubled).toEqual(garbage);
    expect(unknown.body.errors[0].message).toContain('the API key sent is not valid');
    expect(garbage.body.errors[0].message).toContain('neither an API key');
    expect(responses[0].body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(responses)).not.toContain(account.apiKey);
  });

  test('the key is stored only as its SHA-256, with a display prefix', async () => {
    const account = await createAccount(t.dataSource);
    const row = await t.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: account.apiKeyId });
    expect(row.keyHash.equals(hashToken(account.apiKey))).toBe(true);
    expect(account.apiKey.startsWith(row.prefix)).toBe(true);
    expect(row.prefix.length).toBeLessThan(20);
    const raw = await t.dataSource.query('SELECT * FROM api_keys WHERE id = ?', [account.apiKeyId]);
    expect(JSON.stringify(raw)).not.toContain(account.apiKey.slice(16));
  });

  test('a key without config:write gets FORBIDDEN on a mutation and may still read', async () => {
    const account = await createAccount(t.dataSource, { permissions: ['config:read'] });
    const write = await t.gql(CONNECT_REPOS, { input: connectInput(seeds.full) }, bearer(account.apiKey));
    expect(write.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(write.body.errors[0].message).toContain('config:write');
    const create = await t.gql(CREATE_REPOSITORY, { input: { name: 'x', remoteUrl: 'https://example.com/x.git' } }, bearer(account.apiKey));
    expect(create.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const read = await t.gql('query { repository(id: "00000000-0000-7000-8000-000000000000") { id } }', {}, bearer(account.apiKey));
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.repository).toBeNull();
  });

  test('a key without config:read cannot read', async () => {
    const account = await createAccount(t.dataSource, { permissions: ['config:write'] });
    const read = await t.gql('query { repoConnection(id: "rc_x") { id } }', {}, bearer(account.apiKey));
    expect(read.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  test('a tenant-scoped key works in the project X-Project-Id names, and only in its own tenant', async () => {
    const account = await createAccount(t.dataSource);
    const other = await createAccount(t.dataSource);
    const tenantKey = await createApiKey(t.dataSource, { tenantId: account.tenant.id }, ['config:read', 'config:write']);

    const missing = await t.gql(CONNECT_REPOS, { input: connectInput(seeds.github) }, bearer(tenantKey));
    expect(missing.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(missing.body.errors[0].message).toContain('X-Project-Id');

    const ok = await t.gql(CONNECT_REPOS, { input: connectInput(seeds.github) }, { ...bearer(tenantKey), 'x-project-id': account.project.id });
    expect(ok.body.data.connectRepos.userErrors).toEqual([]);
    const viewer = await t.gql(VIEWER, {}, bearer(account.apiKey));
    expect(viewer.body.data.viewer.project.repositoryCount).toBe(1);

    for (const projectId of [other.project.id, '00000000-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const res = await t.gql(VIEWER, {}, { ...bearer(tenantKey), 'x-project-id': projectId });
      expect(res.status).toBe(403);
      expect(res.body.errors[0]).toEqual({ message: 'X-Project-Id does not name a project of the account this API key belongs to', extensions: { code: 'FORBIDDEN' } });
    }
  });

  test('a project-scoped key cannot be pointed at another project', async () => {
    const account = await createAccount(t.dataSource);
    const other = await createAccount(t.dataSource);
    const res = await t.gql(VIEWER, {}, { ...bearer(account.apiKey), 'x-project-id': other.project.id });
    expect(res.status).toBe(403);
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('tenant isolation', () => {
  test("another tenant's key sees nothing and changes nothing", async () => {
    const owner = await createAccount(t.dataSource);
    const intruder = await createAccount(t.dataSource);
    const created = await t.gql(CONNECT_REPOS, { input: connectInput(seeds.full) }, bearer(owner.apiKey));
    const c = created.body.data.connectRepos.repoConnection;
    const ids = { repoConnectionId: c.id, repositoryId: c.repositories[0].id, serviceMappingId: c.serviceMappings[0].id };

    const seen = await t.gql(READ_BACK, ids, bearer(intruder.apiKey));
    expect(seen.body).toEqual({ data: { repoConnection: null, repository: null, serviceMapping: null } });

    // The same repository paths and service names are free in the intruder's own project, and
    // connecting them there leaves the owner's rows untouched.
    const theirs = await t.gql(CONNECT_REPOS, { input: connectInput(seeds.full) }, bearer(intruder.apiKey));
    expect(theirs.body.data.connectRepos.userErrors).toEqual([]);
    const mine = await t.gql(READ_BACK, ids, bearer(owner.apiKey));
    expect(mine.body.data.repoConnection.repositories.map((r: any) => r.id)).toEqual(c.repositories.map((r: any) => r.id));
    expect(mine.body.data.serviceMapping.id).toBe(ids.serviceMappingId);
  });

  test('a session authenticates GraphQL as its user, in its project', async () => {
    const account = await createAccount(t.dataSource, { kind: 'personal' });
    const { token, userId } = await createSessionFor(t.dataSource, account);
    const viewer = await t.gql(VIEWER, {}, bearer(token));
    expect(viewer.body.data.viewer).toMatchObject({ kind: 'SESSION', tenant: { id: account.tenant.id, kind: 'PERSONAL' }, project: { id: account.project.id } });
    const created = await t.gql(CREATE_REPOSITORY, { input: { name: 'mine', remoteUrl: 'https://example.com/me/mine.git' } }, { authorization: '', cookie: `session=${token}` });
    expect(created.body.data.createRepository.repository).toMatchObject({ userId, orgId: null });
  });

  test('an expired session is refused like an unknown one', async () => {
    const account = await createAccount(t.dataSource);
    const { token } = await createSessionFor(t.dataSource, account, 0.0000001);
    await new Promise((r) => setTimeout(r, 20));
    const res = await t.gql(VIEWER, {}, bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
