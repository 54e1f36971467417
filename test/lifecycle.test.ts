import { RepoConnectionEntity } from '../src/db/entities';
import { CONNECT_REPOS } from './support/operations';
import { createAccount, type TestAccount } from './support/factories';
import { useTestServer } from './support/test-server';

const t = useTestServer();

const as = (account: TestAccount) => ({ authorization: `Bearer ${account.apiKey}` });
const USER_ERRORS = 'userErrors { code field message }';

async function gql(account: TestAccount, query: string, variables: object = {}) {
  return (await t.gql(query, variables as Record<string, unknown>, as(account))).body;
}

async function setup(plan: 'free' | 'team' = 'team') {
  const account = await createAccount(t.dataSource, { plan });
  const readOnly = await createAccount(t.dataSource, { permissions: ['config:read'] });
  const stranger = await createAccount(t.dataSource);
  const res = await gql(account, CONNECT_REPOS, {
    input: {
      platform: 'GITHUB',
      credentials: { token: 'ghp_original_token_0001' },
      repositories: ['acme/api', 'acme/web'],
      serviceMappings: [
        { serviceName: 'api', repo: 'acme/api', pathPrefix: 'src/', defaultBranch: 'main' },
        { serviceName: 'web', repo: 'acme/web', pathPrefix: '', defaultBranch: 'main' },
      ],
    },
  });
  const connection = res.data.connectRepos.repoConnection;
  return { account, readOnly, stranger, connection, api: connection.repositories[0], web: connection.repositories[1] };
}

/** A mutation refused for a key without config:write and NOT_FOUND for another tenant's id. */
async function expectGuarded(s: Awaited<ReturnType<typeof setup>>, mutation: string, variables: object) {
  const readOnly = await gql(s.readOnly, mutation, variables);
  expect(readOnly.errors[0].extensions.code).toBe('FORBIDDEN');
  const stranger = await gql(s.stranger, mutation, variables);
  expect(stranger.errors[0].extensions.code).toBe('NOT_FOUND');
}

describe('repositories', () => {
  const UPDATE = `mutation($input: UpdateRepositoryInput!) { updateRepository(input: $input) { repository { id name defaultBranch remoteUrl path lastCommitSha issueAutoCreateEnabled issueAutoCreateMinSeverity updatedAt } ${USER_ERRORS} } }`;
  const DELETE = `mutation($id: ID!) { deleteRepository(input: { id: $id }) { repository { id deletedAt } ${USER_ERRORS} } }`;
  const RESTORE = `mutation($id: ID!) { restoreRepository(input: { id: $id }) { repository { id deletedAt } ${USER_ERRORS} } }`;

  test('updateRepository changes the given fields and validates them', async () => {
    const s = await setup();
    const created = await gql(s.account, 'mutation { createRepository(input: { name: "old", remoteUrl: "https://example.com/a/old.git" }) { repository { id updatedAt } } }');
    const id = created.data.createRepository.repository.id;
    const sha = 'a'.repeat(40);
    const ok = await gql(s.account, UPDATE, { input: { id, name: 'new', defaultBranch: 'develop', lastCommitSha: sha, issueAutoCreateEnabled: true, issueAutoCreateMinSeverity: 'LOW', remoteUrl: 'git@example.com:a/new.git' } });
    expect(ok.data.updateRepository).toMatchObject({ userErrors: [], repository: { name: 'new', defaultBranch: 'develop', lastCommitSha: sha, issueAutoCreateEnabled: true, issueAutoCreateMinSeverity: 'LOW', path: 'example.com/a/new' } });
    const read = await gql(s.account, 'query($id: ID!) { repository(id: $id) { name path } }', { id });
    expect(read.data.repository).toEqual({ name: 'new', path: 'example.com/a/new' });

    const bad = await gql(s.account, UPDATE, { input: { id, name: '', lastCommitSha: 'xyz', defaultBranch: 'a b' } });
    expect(bad.data.updateRepository.repository).toBeNull();
    expect(bad.data.updateRepository.userErrors.map((e: any) => e.field[0]).sort()).toEqual(['defaultBranch', 'lastCommitSha', 'name']);
    expect((await gql(s.account, 'query($id: ID!) { repository(id: $id) { name } }', { id })).data.repository.name).toBe('new');

    const managed = await gql(s.account, UPDATE, { input: { id: s.api.id, remoteUrl: 'https://example.com/x.git' } });
    expect(managed.data.updateRepository.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['remoteUrl'], message: expect.stringContaining('repo connection') }]);
    await expectGuarded(s, UPDATE, { input: { id, name: 'x' } });
  });

  test('the one-path-per-project rule holds on update', async () => {
    const s = await setup();
    const a = await gql(s.account, 'mutation { createRepository(input: { name: "a", remoteUrl: "https://example.com/a.git" }) { repository { id } } }');
    await gql(s.account, 'mutation { createRepository(input: { name: "b", remoteUrl: "https://example.com/b.git" }) { repository { id } } }');
    const clash = await gql(s.account, UPDATE, { input: { id: a.data.createRepository.repository.id, remoteUrl: 'https://example.com/b' } });
    expect(clash.data.updateRepository.userErrors).toEqual([{ code: 'CONFLICT', field: ['remoteUrl'], message: expect.any(String) }]);
  });

  test('deleteRepository soft-deletes it with its mappings; restoreRepository brings it back', async () => {
    const s = await setup();
    const deleted = await gql(s.account, DELETE, { id: s.api.id });
    expect(deleted.data.deleteRepository.repository.deletedAt).toEqual(expect.any(String));
    const view = await gql(s.account, 'query($c: ID!) { repoConnection(id: $c) { repositories { id } serviceMappings { serviceName } } viewer { project { repositoryCount } } }', { c: s.connection.id });
    expect(view.data.repoConnection).toEqual({ repositories: [{ id: s.web.id }], serviceMappings: [{ serviceName: 'web' }] });
    expect(view.data.viewer.project.repositoryCount).toBe(1);
    // Its path and service name are free again.
    const again = await gql(s.account, CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: ['acme/api'], serviceMappings: [{ serviceName: 'api', repo: 'acme/api', pathPrefix: '', defaultBranch: 'main' }] } });
    expect(again.data.connectRepos.userErrors).toEqual([]);
    const clash = await gql(s.account, RESTORE, { id: s.api.id });
    expect(clash.data.restoreRepository.userErrors).toEqual([{ code: 'CONFLICT', field: ['id'], message: expect.stringContaining('same path') }]);
    await gql(s.account, DELETE, { id: again.data.connectRepos.repoConnection.repositories[0].id });
    const restored = await gql(s.account, RESTORE, { id: s.api.id });
    expect(restored.data.restoreRepository).toEqual({ repository: { id: s.api.id, deletedAt: null }, userErrors: [] });
    await expectGuarded(s, DELETE, { id: s.web.id });
    await expectGuarded(s, RESTORE, { id: s.api.id });
  });

  test('restoring past the plan quota is refused', async () => {
    const s = await setup('free');
    await gql(s.account, DELETE, { id: s.api.id });
    const more = await gql(s.account, CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: ['acme/x1', 'acme/x2', 'acme/x3', 'acme/x4'] } });
    expect(more.data.connectRepos.userErrors).toEqual([]);
    const restored = await gql(s.account, RESTORE, { id: s.api.id });
    expect(restored.data.restoreRepository.userErrors).toEqual([{ code: 'QUOTA_EXCEEDED', field: ['id'], message: expect.stringContaining('5') }]);
  });
});

describe('repo connections', () => {
  const UPDATE = `mutation($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) {
    repoConnection { id baseUrl lookbackDays credentialsHint repositories { path defaultBranch } serviceMappings { serviceName pathPrefix repository { path } } } ${USER_ERRORS} } }`;
  const DELETE = `mutation($id: ID!) { deleteRepoConnection(input: { id: $id }) { repoConnection { id deletedAt } ${USER_ERRORS} } }`;
  const INVALIDATE = `mutation($id: ID!) { invalidateRepoConnectionCache(input: { id: $id }) { repoConnection { id cacheInvalidatedAt } ${USER_ERRORS} } }`;

  test('updateRepoConnection replaces credentials (never readable), lookbackDays, baseUrl, repositories and mappings', async () => {
    const s = await setup();
    const res = await gql(s.account, UPDATE, {
      input: {
        id: s.connection.id,
        credentials: { token: 'ghp_replacement_token_9876' },
        baseUrl: 'https://github.example.com/api/v3',
        lookbackDays: 90,
        repositories: ['acme/web', 'acme/new'],
        serviceMappings: [{ serviceName: 'new', repo: 'acme/new', pathPrefix: 'svc/', defaultBranch: 'trunk' }],
      },
    });
    expect(res.data.updateRepoConnection.userErrors).toEqual([]);
    expect(res.data.updateRepoConnection.repoConnection).toMatchObject({
      baseUrl: 'https://github.example.com/api/v3',
      lookbackDays: 90,
      credentialsHint: '…9876',
      repositories: [{ path: 'acme/web', defaultBranch: 'main' }, { path: 'acme/new', defaultBranch: 'trunk' }],
      serviceMappings: [{ serviceName: 'new', pathPrefix: 'svc/', repository: { path: 'acme/new' } }],
    });
    expect(JSON.stringify(res)).not.toContain('ghp_replacement_token');
    const row = await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id: s.connection.id });
    expect(JSON.parse(t.server.services.repoConnections.openCredentials(row).reveal())).toEqual({ token: 'ghp_replacement_token_9876' });
    const count = await gql(s.account, '{ viewer { project { repositoryCount } } }');
    expect(count.data.viewer.project.repositoryCount).toBe(2);
    const cleared = await gql(s.account, UPDATE, { input: { id: s.connection.id, baseUrl: null } });
    expect(cleared.data.updateRepoConnection.repoConnection.baseUrl).toBeNull();
  });

  test('updateRepoConnection validates like connectRepos and changes nothing when refused', async () => {
    const s = await setup();
    const bad = await gql(s.account, UPDATE, {
      input: { id: s.connection.id, platform: 'GITLAB', lookbackDays: 400, repositories: ['not a path'], credentials: { username: 'x' }, serviceMappings: [{ serviceName: 'z', repo: 'acme/zzz', pathPrefix: '', defaultBranch: 'main' }] },
    });
    const fields = bad.data.updateRepoConnection.userErrors.map((e: any) => e.field.join('.')).sort();
    expect(fields).toEqual(expect.arrayContaining(['platform', 'lookbackDays', 'repositories.0', 'credentials.token', 'credentials.username', 'serviceMappings.0.repo']));
    const view = await gql(s.account, 'query($c: ID!) { repoConnection(id: $c) { lookbackDays repositories { path } serviceMappings { serviceName } } }', { c: s.connection.id });
    expect(view.data.repoConnection).toEqual({ lookbackDays: 30, repositories: [{ path: 'acme/api' }, { path: 'acme/web' }], serviceMappings: [{ serviceName: 'api' }, { serviceName: 'web' }] });
  });

  test('quota and the one-path rule hold when an update adds repositories', async () => {
    const s = await setup('free');
    const other = await gql(s.account, 'mutation { createRepository(input: { name: "x", sourceType: GITHUB, remoteUrl: "https://github.com/acme/taken.git" }) { repository { path } } }');
    expect(other.data.createRepository.repository.path).toBe('acme/taken');
    const clash = await gql(s.account, UPDATE, { input: { id: s.connection.id, repositories: ['acme/api', 'acme/web', 'acme/taken'] } });
    expect(clash.data.updateRepoConnection.userErrors).toEqual([{ code: 'CONFLICT', field: ['repositories', '2'], message: expect.stringContaining('already connected') }]);
    const over = await gql(s.account, UPDATE, { input: { id: s.connection.id, repositories: ['acme/api', 'acme/web', 'acme/n1', 'acme/n2', 'acme/n3'] } });
    expect(over.data.updateRepoConnection.userErrors).toEqual([{ code: 'QUOTA_EXCEEDED', field: ['repositories'], message: expect.stringContaining('free plan allows 5') }]);
    // Swapping within the limit works: removals free their slots first.
    const swap = await gql(s.account, UPDATE, { input: { id: s.connection.id, repositories: ['acme/n1', 'acme/n2', 'acme/n3', 'acme/n4'] } });
    expect(swap.data.updateRepoConnection.userErrors).toEqual([]);
    expect((await gql(s.account, '{ viewer { project { repositoryCount } } }')).data.viewer.project.repositoryCount).toBe(5);
  });

  test('deleteRepoConnection soft-deletes it with its repositories and mappings; invalidate marks the cache', async () => {
    const s = await setup();
    await expectGuarded(s, INVALIDATE, { id: s.connection.id });
    const inv = await gql(s.account, INVALIDATE, { id: s.connection.id });
    expect(inv.data.invalidateRepoConnectionCache.repoConnection.cacheInvalidatedAt).toEqual(expect.any(String));
    await expectGuarded(s, DELETE, { id: s.connection.id });
    await expectGuarded(s, UPDATE, { input: { id: s.connection.id, lookbackDays: 5 } });
    const del = await gql(s.account, DELETE, { id: s.connection.id });
    expect(del.data.deleteRepoConnection.repoConnection.deletedAt).toEqual(expect.any(String));
    const after = await gql(s.account, '{ repositories { totalCount } serviceMappings { totalCount } repoConnections { totalCount } viewer { project { repositoryCount } } }');
    expect(after.data).toEqual({ repositories: { totalCount: 0 }, serviceMappings: { totalCount: 0 }, repoConnections: { totalCount: 0 }, viewer: { project: { repositoryCount: 0 } } });
    const again = await gql(s.account, DELETE, { id: s.connection.id });
    expect(again.errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('service mappings', () => {
  const CREATE = `mutation($input: CreateServiceMappingInput!) { createServiceMapping(input: $input) { serviceMapping { id serviceName pathPrefix defaultBranch repository { id } repoConnection { id } } ${USER_ERRORS} } }`;
  const UPDATE = `mutation($input: UpdateServiceMappingInput!) { updateServiceMapping(input: $input) { serviceMapping { id serviceName pathPrefix repository { id } } ${USER_ERRORS} } }`;
  const DELETE = `mutation($id: ID!) { deleteServiceMapping(input: { id: $id }) { serviceMapping { id deletedAt } ${USER_ERRORS} } }`;

  test('create, update and delete, with validation, conflicts and scope', async () => {
    const s = await setup();
    const created = await gql(s.account, CREATE, { input: { serviceName: 'worker', repositoryId: s.web.id, pathPrefix: 'worker/', defaultBranch: 'main' } });
    expect(created.data.createServiceMapping).toMatchObject({ userErrors: [], serviceMapping: { serviceName: 'worker', repository: { id: s.web.id }, repoConnection: { id: s.connection.id } } });
    const id = created.data.createServiceMapping.serviceMapping.id;
    expect(id).toMatch(/^sm_/);

    const dup = await gql(s.account, CREATE, { input: { serviceName: 'api', repositoryId: s.web.id, pathPrefix: '', defaultBranch: 'main' } });
    expect(dup.data.createServiceMapping.userErrors).toEqual([{ code: 'CONFLICT', field: ['serviceName'], message: expect.any(String) }]);
    const bad = await gql(s.account, CREATE, { input: { serviceName: ' x', repositoryId: s.web.id, pathPrefix: '/abs', defaultBranch: 'a..b' } });
    expect(bad.data.createServiceMapping.userErrors.map((e: any) => e.field[0]).sort()).toEqual(['defaultBranch', 'pathPrefix', 'serviceName']);
    const strangerRepo = await gql(s.stranger, CREATE, { input: { serviceName: 'steal', repositoryId: s.web.id, pathPrefix: '', defaultBranch: 'main' } });
    expect(strangerRepo.data.createServiceMapping.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['repositoryId'], message: expect.any(String) }]);
    expect((await gql(s.readOnly, CREATE, { input: { serviceName: 'x', repositoryId: s.web.id, pathPrefix: '', defaultBranch: 'main' } })).errors[0].extensions.code).toBe('FORBIDDEN');

    const updated = await gql(s.account, UPDATE, { input: { id, serviceName: 'worker-2', repositoryId: s.api.id, pathPrefix: 'w/' } });
    expect(updated.data.updateServiceMapping).toEqual({ userErrors: [], serviceMapping: { id, serviceName: 'worker-2', pathPrefix: 'w/', repository: { id: s.api.id } } });
    const rename = await gql(s.account, UPDATE, { input: { id, serviceName: 'web' } });
    expect(rename.data.updateServiceMapping.userErrors[0].code).toBe('CONFLICT');
    await expectGuarded(s, UPDATE, { input: { id, pathPrefix: 'x/' } });

    await expectGuarded(s, DELETE, { id });
    const deleted = await gql(s.account, DELETE, { id });
    expect(deleted.data.deleteServiceMapping.serviceMapping.deletedAt).toEqual(expect.any(String));
    const reuse = await gql(s.account, CREATE, { input: { serviceName: 'worker-2', repositoryId: s.web.id, pathPrefix: '', defaultBranch: 'main' } });
    expect(reuse.data.createServiceMapping.userErrors).toEqual([]);
  });
});
