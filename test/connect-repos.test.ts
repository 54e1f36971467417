import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from '../src/db/entities';
import { countStatements, onStatement } from '../src/db/data-source';
import { CONNECT_REPOS, READ_BACK, connectInput } from './support/operations';
import { sigsentryExamples } from './support/seeds';
import { useTestServer } from './support/test-server';
import { createAccount } from './support/factories';

const seeds = sigsentryExamples();
const t = useTestServer();

/** Each test connects into a project of its own. */
async function freshKey(plan: 'free' | 'team' | 'enterprise' = 'team') {
  return (await createAccount(t.dataSource, { plan })).apiKey;
}

async function connect(input: Record<string, any>, apiKey?: string) {
  const res = await t.gql(CONNECT_REPOS, { input }, apiKey ? { authorization: `Bearer ${apiKey}` } : undefined);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.connectRepos as { repoConnection: any; userErrors: { code: string; field: string[] | null; message: string }[] };
}

async function rowCounts(projectKey: string) {
  const viewer = await t.gql('{ viewer { project { id } } }', {}, { authorization: `Bearer ${projectKey}` });
  const projectId = viewer.body.data.viewer.project.id;
  return {
    connections: await t.dataSource.getRepository(RepoConnectionEntity).countBy({ projectId }),
    repositories: await t.dataSource.getRepository(RepositoryEntity).countBy({ projectId }),
    mappings: await t.dataSource.getRepository(ServiceMappingEntity).countBy({ projectId }),
  };
}

describe('connectRepos with the seed examples', () => {
  test('the full example body connects both repositories and both mappings, and reads back by id', async () => {
    const key = await freshKey();
    const result = await connect(connectInput(seeds.full), key);
    expect(result.userErrors).toEqual([]);
    const c = result.repoConnection;
    expect(c.id).toMatch(/^rc_[0-9a-f]{32}$/);
    expect(c.platform).toBe('GITHUB');
    expect(c.lookbackDays).toBe(30);
    expect(c.baseUrl).toBeNull();
    expect(c.repositories.map((r: any) => r.path)).toEqual(['acme/checkout-api', 'acme/billing-worker']);
    expect(c.repositories[0]).toMatchObject({ name: 'checkout-api', sourceType: 'GITHUB', remoteUrl: 'https://github.com/acme/checkout-api.git', defaultBranch: 'main' });
    expect(c.repositories[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.serviceMappings).toEqual([
      expect.objectContaining({ serviceName: 'checkout-api', pathPrefix: 'src/', defaultBranch: 'main', repository: { id: c.repositories[0].id, path: 'acme/checkout-api' }, repoConnection: { id: c.id } }),
      expect.objectContaining({ serviceName: 'billing-worker', pathPrefix: '', defaultBranch: 'main', repository: { id: c.repositories[1].id, path: 'acme/billing-worker' } }),
    ]);
    expect(c.repositories[0].serviceMappings.map((m: any) => m.serviceName)).toEqual(['checkout-api']);

    const read = await t.gql(READ_BACK, { repoConnectionId: c.id, repositoryId: c.repositories[1].id, serviceMappingId: c.serviceMappings[1].id }, { authorization: `Bearer ${key}` });
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.repoConnection.repositories).toHaveLength(2);
    expect(read.body.data.repository).toEqual({ id: c.repositories[1].id, path: 'acme/billing-worker', repoConnection: { id: c.id }, serviceMappings: [{ id: c.serviceMappings[1].id }] });
    expect(read.body.data.serviceMapping.repository.path).toBe('acme/billing-worker');
  });

  test('each credentials shape of the seed is accepted, and the masked hint never shows the secret', async () => {
    for (const body of [seeds.github, seeds.gitlab, seeds.bitbucket, seeds.curl]) {
      const result = await connect(connectInput(body), await freshKey());
      expect(result.userErrors).toEqual([]);
      expect(result.repoConnection.platform).toBe(body.platform.toUpperCase());
      expect(result.repoConnection.lookbackDays).toBe(body.lookbackDays ?? 30);
      // The seed's placeholder secrets are short ("ghp_..."), so the hint reveals nothing of them (hints need 16+ characters).
      expect(result.repoConnection.credentialsHint).toBe('…');
    }
    const long = await connect(connectInput({ ...seeds.github, credentials: { token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' } }), await freshKey());
    expect(long.repoConnection.credentialsHint).toBe('…6789');
  });

  test('baseUrl is accepted inside credentials and beside them', async () => {
    const inside = await connect(connectInput({ ...seeds.gitlab, credentials: { token: 'glpat-xyz', baseUrl: 'https://gitlab.company.com' } }), await freshKey());
    expect(inside.userErrors).toEqual([]);
    // The URL scalar serialises the URL in its normal form.
    expect(inside.repoConnection.baseUrl).toBe('https://gitlab.company.com/');
    expect(inside.repoConnection.repositories[0].remoteUrl).toBe('https://gitlab.company.com/acme/checkout-api.git');
    const beside = await connect(connectInput({ ...seeds.github, baseUrl: 'https://github.example.com/api/v3' }), await freshKey());
    expect(beside.userErrors).toEqual([]);
    expect(beside.repoConnection.baseUrl).toBe('https://github.example.com/api/v3');
    expect(beside.repoConnection.repositories[0].remoteUrl).toBe('https://github.example.com/acme/checkout-api.git');
  });

  test('GitLab subgroup paths are accepted', async () => {
    const result = await connect(connectInput({ ...seeds.gitlab, repositories: ['acme/platform/checkout-api'] }), await freshKey());
    expect(result.userErrors).toEqual([]);
    expect(result.repoConnection.repositories[0].path).toBe('acme/platform/checkout-api');
  });
});

describe('connectRepos validation: per-field userErrors, nothing written', () => {
  const cases: [string, Record<string, any>, { field: string[] | null; message: RegExp }][] = [
    ['empty repositories', { ...seeds.full, serviceMappings: [], repositories: [] }, { field: ['repositories'], message: /at least one/ }],
    ['lookbackDays 0', { ...seeds.full, lookbackDays: 0 }, { field: ['lookbackDays'], message: /1 to 365/ }],
    ['lookbackDays 366', { ...seeds.full, lookbackDays: 366 }, { field: ['lookbackDays'], message: /1 to 365/ }],
    ['a GitHub path with three parts', { ...seeds.github, repositories: ['acme/checkout/api'] }, { field: ['repositories', '0'], message: /owner\/repo/ }],
    ['a GitLab path with one part', { ...seeds.gitlab, repositories: ['checkout-api'] }, { field: ['repositories', '0'], message: /group\/project/ }],
    ['a Bitbucket path with a space', { ...seeds.bitbucket, repositories: ['acme/checkout api'] }, { field: ['repositories', '0'], message: /workspace\/repo-slug/ }],
    ['the same repository twice', { ...seeds.github, repositories: ['acme/a', 'ACME/a'] }, { field: ['repositories', '1'], message: /twice/ }],
    ['a mapping to a repository not in the list', { ...seeds.full, serviceMappings: [{ ...seeds.full.serviceMappings[0], repo: 'acme/other' }] }, { field: ['serviceMappings', '0', 'repo'], message: /not one of repositories/ }],
    ['a mapping with ".." in pathPrefix', { ...seeds.full, serviceMappings: [{ ...seeds.full.serviceMappings[0], pathPrefix: '../etc' }] }, { field: ['serviceMappings', '0', 'pathPrefix'], message: /relative/ }],
    ['a mapping with a bad branch', { ...seeds.full, serviceMappings: [{ ...seeds.full.serviceMappings[0], defaultBranch: 'ma in' }] }, { field: ['serviceMappings', '0', 'defaultBranch'], message: /branch/ }],
    ['a mapping with an empty serviceName', { ...seeds.full, serviceMappings: [{ ...seeds.full.serviceMappings[0], serviceName: '' }] }, { field: ['serviceMappings', '0', 'serviceName'], message: /1 to 255/ }],
    ['one service mapped twice', { ...seeds.full, serviceMappings: [seeds.full.serviceMappings[0], { ...seeds.full.serviceMappings[1], serviceName: 'checkout-api' }] }, { field: ['serviceMappings', '1', 'serviceName'], message: /twice/ }],
    ['github without a token', { ...seeds.github, credentials: {} }, { field: ['credentials', 'token'], message: /required/ }],
    ['bitbucket without appPassword', { ...seeds.bitbucket, credentials: { username: 'u' } }, { field: ['credentials', 'appPassword'], message: /required/ }],
    ['bitbucket with a token', { ...seeds.bitbucket, credentials: { ...seeds.bitbucket.credentials, token: 'x' } }, { field: ['credentials', 'token'], message: /not token/ }],
    ['a baseUrl that is not http(s)', { ...seeds.github, baseUrl: 'ftp://x' }, { field: ['baseUrl'], message: /http/ }],
    ['a baseUrl with user info', { ...seeds.github, credentials: { token: 't', baseUrl: 'https://u:p@github.example.com' } }, { field: ['credentials', 'baseUrl'], message: /user info/ }],
    ['two different baseUrls', { ...seeds.github, baseUrl: 'https://a.example.com', credentials: { token: 't', baseUrl: 'https://b.example.com' } }, { field: ['baseUrl'], message: /twice/ }],
  ];

  test.each(cases)('%s', async (_name, body, expected) => {
    const key = await freshKey();
    const result = await connect(connectInput(body), key);
    expect(result.repoConnection).toBeNull();
    expect(result.userErrors).toContainEqual({ code: 'BAD_USER_INPUT', field: expected.field, message: expect.stringMatching(expected.message) });
    expect(await rowCounts(key)).toEqual({ connections: 0, repositories: 0, mappings: 0 });
  });

  test('an unknown platform and a non-integer lookbackDays are refused by the schema, naming the field', async () => {
    const platform = await t.gql(CONNECT_REPOS, { input: { ...connectInput(seeds.github), platform: 'SVN' } });
    expect(platform.status).toBe(400);
    expect(platform.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(platform.body.errors[0].message).toMatch(/platform/);
    const days = await t.gql(CONNECT_REPOS, { input: { ...connectInput(seeds.github), lookbackDays: 30.5 } });
    expect(days.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(days.body.errors[0].message).toMatch(/lookbackDays/);
  });

  test('a repository already connected to the project, or a service already mapped, is a CONFLICT', async () => {
    const key = await freshKey();
    expect((await connect(connectInput(seeds.full), key)).userErrors).toEqual([]);
    const again = await connect(connectInput({ ...seeds.github, repositories: ['acme/new-one', 'Acme/Checkout-Api'] }), key);
    expect(again.userErrors).toEqual([{ code: 'CONFLICT', field: ['repositories', '1'], message: expect.stringContaining('already connected') }]);
    const mapped = await connect(connectInput({ ...seeds.github, repositories: ['acme/new-two'], serviceMappings: [{ serviceName: 'checkout-api', repo: 'acme/new-two', pathPrefix: '', defaultBranch: 'main' }] }), key);
    expect(mapped.userErrors).toEqual([{ code: 'CONFLICT', field: ['serviceMappings', '0', 'serviceName'], message: expect.stringContaining('already mapped') }]);
    expect(await rowCounts(key)).toEqual({ connections: 1, repositories: 2, mappings: 2 });
  });

  test('the same repository path may be connected again in another project', async () => {
    expect((await connect(connectInput(seeds.full), await freshKey())).userErrors).toEqual([]);
    expect((await connect(connectInput(seeds.full), await freshKey())).userErrors).toEqual([]);
  });
});

describe('connectRepos writes in one transaction', () => {
  test('a failure after the inserts rolls every row back', async () => {
    const account = await createAccount(t.dataSource);
    const ctx = await t.server.contextFor({ authorization: `Bearer ${account.apiKey}` });
    ctx.beforeCommit.push(async () => {
      throw new Error('simulated failure just before commit');
    });
    await expect(t.server.services.repoConnections.connectRepos(ctx, seeds.full as any)).rejects.toThrow('simulated failure');
    expect(await rowCounts(account.apiKey)).toEqual({ connections: 0, repositories: 0, mappings: 0 });
    const project = await t.gql('{ viewer { project { repositoryCount } } }', {}, { authorization: `Bearer ${account.apiKey}` });
    expect(project.body.data.viewer.project.repositoryCount).toBe(0);
  });

  test('the statement count does not grow with the number of repositories', async () => {
    const counts: number[] = [];
    for (const size of [1, 10, 100]) {
      const account = await createAccount(t.dataSource);
      const ctx = await t.server.contextFor({ authorization: `Bearer ${account.apiKey}` });
      const repositories = Array.from({ length: size }, (_, i) => `acme/repo-${i}`);
      const serviceMappings = repositories.map((repo, i) => ({ serviceName: `svc-${i}`, repo, pathPrefix: '', defaultBranch: 'main' }));
      const { result, count } = await countStatements(() =>
        t.server.services.repoConnections.connectRepos(ctx, { platform: 'github', credentials: { token: 'ghp_x' }, repositories, serviceMappings } as any),
      );
      expect(result.userErrors).toEqual([]);
      expect(await t.dataSource.getRepository(RepositoryEntity).countBy({ repoConnectionId: result.repoConnection!.id })).toBe(size);
      counts.push(count);
    }
    expect(counts[0]).toBeLessThanOrEqual(8);
    expect(new Set(counts).size).toBe(1);
  });

  test('the response reads nothing back: the nested repositories and mappings come from what was written', async () => {
    const apiKey = await freshKey();
    const selects: string[] = [];
    const stop = onStatement((query) => {
      if (/^\s*SELECT/i.test(query)) selects.push(query);
    });
    let data;
    try {
      data = await connect(connectInput(seeds.full), apiKey);
    } finally {
      stop();
    }
    expect(data.userErrors).toEqual([]);
    const connection = data.repoConnection;
    expect(connection.repositories.map((r: any) => r.path)).toEqual(seeds.full.repositories);
    expect(connection.serviceMappings.map((m: any) => [m.serviceName, m.repository.path])).toEqual(
      seeds.full.serviceMappings.map((m: any) => [m.serviceName, m.repo]),
    );
    for (const repository of connection.repositories) {
      expect(repository.serviceMappings.map((m: any) => m.serviceName)).toEqual(
        seeds.full.serviceMappings.filter((m: any) => m.repo === repository.path).map((m: any) => m.serviceName),
      );
    }
    // Authentication and the two conflict checks (on the live_* indexes) are the only reads.
    const reads = selects.filter((q) => /\b(repositories|service_mappings|repo_connections)\b/.test(q) && !/live_(path|service_name)/.test(q));
    expect(reads).toEqual([]);
  });
});
