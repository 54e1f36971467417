/**
 * The bench's baseline (bench/baseline-server.ts) is held to repolink: for the same account and
 * data its answers to every read of the bench (viewer, node, the dashboard list, the full list)
 * equal repolink's GraphQL `data`, and its writes leave the same rows, the
 * same quota counter and credentials that repolink's own cipher opens. A baseline that did less
 * work than repolink (skipped a check, a column, a row) would fail here, and the bench's ratios
 * would flatter repolink.
 */
import { randomBytes } from 'node:crypto';
import {
  CONNECT_REPOS,
  CREATE_REPOSITORY,
  CREATE_REPOSITORY_ID,
  DASHBOARD_QUERY,
  LIST_QUERY,
  NODE_QUERY,
  VIEWER_QUERY,
  connectReposInput,
  createRepositoryInput,
} from '../bench/operations';
import { startBaseline, type BaselineServer } from '../bench/baseline-server';
import { CredentialCipher, KeyRing, derivedKeyId } from '../src/modules/crypto';
import { credentialsAad } from '../src/modules/repo-connections/connection-credentials';
import { testDatabaseUrl } from './support/db';
import { createAccount, type TestAccount } from './support/factories';
import { useTestServer } from './support/test-server';

// repolink runs with a key whose id is derived from it, as REPOLINK_ENCRYPTION_KEY gives it; the baseline seals with the same key.
const key = randomBytes(32);
const ring = new KeyRing([{ id: derivedKeyId(key), key }], derivedKeyId(key));
const t = useTestServer({ deps: { cipher: new CredentialCipher(ring) } });
let baseline: BaselineServer;

beforeAll(async () => {
  baseline = await startBaseline({ databaseUrl: testDatabaseUrl(), poolSize: 2, encryptionKey: key, quotas: { ...t.config.planQuotas } });
});
afterAll(async () => {
  await baseline?.close();
});

let tags = 0;
const tag = () => `h${process.pid}x${Date.now().toString(36)}x${(tags += 1)}`;

async function post(url: string, apiKey: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  expect({ status: response.status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  return body.data;
}
const repolink = (account: TestAccount, query: string, variables: Record<string, unknown>) => post(t.url, account.apiKey, query, variables);
const bare = (account: TestAccount, query: string, variables: Record<string, unknown>) => post(baseline.url, account.apiKey, query, variables);

async function repositoryCount(account: TestAccount): Promise<number> {
  const [row] = await t.dataSource.query('SELECT repository_count FROM projects WHERE id = ?', [account.project.id]);
  return Number(row.repository_count);
}

/** The project's live-row counters (src/modules/tenancy/project-counters.store.ts). */
async function counters(account: TestAccount): Promise<{ connections: number; mappings: number }> {
  const [row] = await t.dataSource.query('SELECT connection_count, mapping_count FROM projects WHERE id = ?', [account.project.id]);
  return { connections: Number(row.connection_count), mappings: Number(row.mapping_count) };
}

async function rows(table: string, where: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  return t.dataSource.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY created_at, id`, params);
}

/** A row with what differs by nature between two writes (ids, names made unique, times) put aside. */
function shape(row: Record<string, unknown>, unique: string[]): Record<string, unknown> {
  const kept = { ...row };
  for (const column of ['id', 'created_at', 'updated_at', 'repository_id', 'repo_connection_id', 'credentials_ciphertext', ...unique]) {
    if (column in kept) kept[column] = kept[column] === null ? null : typeof kept[column];
  }
  return kept;
}

test('list pages of the baseline equal repolink GraphQL data, every nested field, for the same account and data', async () => {
  const account = await createAccount(t.dataSource, { plan: 'team' });
  // Data written by both servers, with a deleted connection and a deleted repository (and so mapping) in it.
  for (let i = 0; i < 3; i += 1) expect((await repolink(account, CONNECT_REPOS, { input: connectReposInput(tag()) })).connectRepos.userErrors).toEqual([]);
  expect((await bare(account, CONNECT_REPOS, { input: connectReposInput(tag()) })).connectRepos.userErrors).toEqual([]);
  const noMappings = { ...connectReposInput(tag()), serviceMappings: [] };
  expect((await bare(account, CONNECT_REPOS, { input: noMappings })).connectRepos.userErrors).toEqual([]);
  expect((await repolink(account, CREATE_REPOSITORY, { input: createRepositoryInput(tag()) })).createRepository.userErrors).toEqual([]);
  const gone = (await repolink(account, CONNECT_REPOS, { input: connectReposInput(tag()) })).connectRepos.repoConnection.id;
  await repolink(account, 'mutation($id: ID!) { deleteRepoConnection(input: { id: $id }) { userErrors { code } } }', { id: gone });
  const page = await repolink(account, LIST_QUERY, { first: 10 });
  const mapped = page.repoConnections.edges[1].node.repositories[0];
  expect(mapped.serviceMappings).toHaveLength(1);
  await repolink(account, 'mutation($id: ID!) { deleteRepository(input: { id: $id }) { userErrors { code } } }', { id: mapped.id });

  for (const query of [LIST_QUERY, DASHBOARD_QUERY]) {
    for (const first of [10, 3]) {
      const expected = await repolink(account, query, { first });
      const actual = await bare(account, query, { first });
      expect(actual).toEqual(expected);
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected)); // the same fields in the same order
    }
  }
  // The dashboard's page: five live connections, the deleted repository gone, mappings per connection in creation order.
  const dashboard = await bare(account, DASHBOARD_QUERY, { first: 3 });
  expect(dashboard.repoConnections.pageInfo.hasNextPage).toBe(true);
  expect(dashboard.repoConnections.edges.map((e: any) => [e.node.repositories.length, e.node.serviceMappings.length])).toEqual([
    [10, 0],
    [9, 4],
    [10, 5],
  ]);
  const rest = await bare(account, DASHBOARD_QUERY, { first: 5 });
  expect(rest.repoConnections.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
  expect(rest.repoConnections.edges.map((e: any) => e.node.platform)).toEqual(['GITHUB', 'GITHUB', 'GITHUB', 'GITHUB', 'GITHUB']);
  const full = await bare(account, LIST_QUERY, { first: 10 });
  expect(full.repoConnections.totalCount).toBe(5);
  const [noMaps, lessOne, third] = full.repoConnections.edges.map((e: any) => e.node.repositories);
  expect([noMaps.length, lessOne.length, third.length]).toEqual([10, 9, 10]);
  expect(noMaps.flatMap((r: any) => r.serviceMappings)).toEqual([]);
  expect(third.map((r: any) => r.serviceMappings.length)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
});

test('viewer and node(id:) of the baseline equal repolink GraphQL data, and neither reads outside the project', async () => {
  const account = await createAccount(t.dataSource, { plan: 'team' });
  const other = await createAccount(t.dataSource, { plan: 'free' });
  expect((await repolink(account, CONNECT_REPOS, { input: connectReposInput(tag()) })).connectRepos.userErrors).toEqual([]);
  const created = (await repolink(account, CREATE_REPOSITORY, { input: createRepositoryInput(tag()) })).createRepository.repository;
  const elsewhere = (await repolink(other, CREATE_REPOSITORY, { input: createRepositoryInput(tag()) })).createRepository.repository;

  for (const who of [account, other]) {
    const expected = await repolink(who, VIEWER_QUERY, {});
    expect(JSON.stringify(await bare(who, VIEWER_QUERY, {}))).toBe(JSON.stringify(expected));
  }
  const viewer = (await bare(account, VIEWER_QUERY, {})).viewer;
  expect(viewer).toEqual({
    kind: 'API_KEY',
    permissions: ['CONFIG_READ', 'CONFIG_WRITE'],
    tenant: { id: account.tenant.id, name: account.tenant.name, kind: 'ORGANIZATION', plan: 'TEAM' },
    project: { id: account.project.id, name: account.project.name, repositoryCount: 11, repositoryQuota: t.config.planQuotas.team },
  });
  expect((await bare(other, VIEWER_QUERY, {})).viewer.project.repositoryQuota).toBe(5);

  // A repository of the project (its id in either case), one of another tenant's project, and an id that names nothing.
  for (const id of [created.id, created.id.toUpperCase(), elsewhere.id, '0190a0b0-0000-7000-8000-000000000000', 'not-an-id']) {
    const expected = await repolink(account, NODE_QUERY, { id });
    expect(JSON.stringify(await bare(account, NODE_QUERY, { id }))).toBe(JSON.stringify(expected));
  }
  expect((await bare(account, NODE_QUERY, { id: created.id })).node).toEqual({ id: created.id, name: created.name, path: created.path });
  expect((await bare(account, NODE_QUERY, { id: elsewhere.id })).node).toBeNull();
});

test('createRepository of the baseline answers like repolink and writes the same row and quota count', async () => {
  const account = await createAccount(t.dataSource, { plan: 'team' });
  const [a, b] = [tag(), tag()];
  const viaRepolink = (await repolink(account, CREATE_REPOSITORY, { input: createRepositoryInput(a) })).createRepository;
  expect(await repositoryCount(account)).toBe(1);
  const viaBaseline = (await bare(account, CREATE_REPOSITORY, { input: createRepositoryInput(b) })).createRepository;
  expect(await repositoryCount(account)).toBe(2);
  const unique = (r: any) => ({ ...r, id: typeof r.id, name: typeof r.name, path: typeof r.path, remoteUrl: typeof r.remoteUrl, createdAt: typeof r.createdAt, updatedAt: typeof r.updatedAt });
  expect(unique(viaBaseline.repository)).toEqual(unique(viaRepolink.repository));
  expect(viaBaseline.repository.path).toBe(viaRepolink.repository.path.replace(a, b));
  const written = await rows('repositories', 'project_id = ?', [account.project.id]);
  expect(written.map((r) => r.id)).toEqual([viaRepolink.repository.id, viaBaseline.repository.id]);
  const uniqueColumns = ['name', 'path', 'remote_url', 'live_path'];
  expect(shape(written[1], uniqueColumns)).toEqual(shape(written[0], uniqueColumns));
  expect(written[1].live_path).toBe(viaBaseline.repository.path);

  // Answering the id alone: the same answer and the same row again.
  const [c, d] = [tag(), tag()];
  const idOnly = [(await repolink(account, CREATE_REPOSITORY_ID, { input: createRepositoryInput(c) })).createRepository, (await bare(account, CREATE_REPOSITORY_ID, { input: createRepositoryInput(d) })).createRepository];
  expect(idOnly.map((r) => ({ ...r, repository: { id: typeof r.repository.id } }))).toEqual([
    { repository: { id: 'string' }, userErrors: [] },
    { repository: { id: 'string' }, userErrors: [] },
  ]);
  expect(Object.keys(idOnly[1].repository)).toEqual(['id']);
  const more = await rows('repositories', 'id IN (?, ?)', idOnly.map((r) => r.repository.id));
  expect(more.map((r) => r.id)).toEqual(idOnly.map((r) => r.repository.id));
  expect(shape(more[1], uniqueColumns)).toEqual(shape(more[0], uniqueColumns));
  expect(await repositoryCount(account)).toBe(4);

  // The same remote again is a conflict for both, and neither counts it.
  const again = (await bare(account, CREATE_REPOSITORY, { input: createRepositoryInput(a) })).createRepository;
  expect(again.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  expect(await repositoryCount(account)).toBe(4);
});

test('connectRepos of the baseline writes the same rows, quota count and openable credentials as repolink, and refuses what repolink refuses', async () => {
  const account = await createAccount(t.dataSource, { plan: 'team' });
  const viaRepolink = (await repolink(account, CONNECT_REPOS, { input: connectReposInput(tag()) })).connectRepos;
  const viaBaseline = (await bare(account, CONNECT_REPOS, { input: connectReposInput(tag()) })).connectRepos;
  expect(viaBaseline.userErrors).toEqual([]);
  expect({ ...viaBaseline.repoConnection, id: typeof viaBaseline.repoConnection.id }).toEqual({ ...viaRepolink.repoConnection, id: typeof viaRepolink.repoConnection.id });
  expect(viaBaseline.repoConnection.id).toMatch(/^rc_[0-9a-f]{32}$/);
  expect(await repositoryCount(account)).toBe(20);
  expect(await counters(account)).toEqual({ connections: 2, mappings: 10 });

  const ids = [viaRepolink.repoConnection.id, viaBaseline.repoConnection.id];
  const connections = await rows('repo_connections', 'id IN (?, ?)', ids);
  expect(connections.map((c) => c.id)).toEqual(ids);
  expect(shape(connections[1], ['credentials_hint'])).toEqual(shape(connections[0], ['credentials_hint']));
  const cipher = new CredentialCipher(ring);
  for (const c of connections) {
    const opened = cipher.open({ keyId: String(c.credentials_key_id), blob: c.credentials_ciphertext as Buffer }, credentialsAad({ tenantId: String(c.tenant_id), projectId: String(c.project_id), id: String(c.id) }));
    expect(JSON.parse(opened.reveal())).toEqual({ token: expect.stringMatching(/^ghp_/) });
  }
  for (const [table, count, unique] of [
    ['repositories', 10, ['name', 'path', 'remote_url', 'live_path']],
    ['service_mappings', 5, ['service_name', 'live_service_name']],
  ] as const) {
    const [mine, theirs] = [await rows(table, 'repo_connection_id = ?', [ids[0]]), await rows(table, 'repo_connection_id = ?', [ids[1]])];
    expect([mine.length, theirs.length]).toEqual([count, count]);
    expect(theirs.map((r) => shape(r, [...unique]))).toEqual(mine.map((r) => shape(r, [...unique])));
  }
  // Each mapping points at the repository of its own connection that it names.
  const [linked] = await t.dataSource.query(
    'SELECT COUNT(*) AS n FROM service_mappings m JOIN repositories r ON r.id = m.repository_id AND r.repo_connection_id = m.repo_connection_id WHERE m.repo_connection_id = ?',
    [ids[1]],
  );
  expect(Number(linked.n)).toBe(5);

  // A path or a service name already in the project: both refuse, and nothing is written.
  const taken = { ...connectReposInput(tag()), repositories: [...connectReposInput(tag()).repositories.slice(1), (await rows('repositories', 'repo_connection_id = ?', [ids[0]]))[0].path] };
  taken.serviceMappings = [];
  const refusals = [(await repolink(account, CONNECT_REPOS, { input: taken })).connectRepos, (await bare(account, CONNECT_REPOS, { input: taken })).connectRepos];
  expect(refusals[1].userErrors).toEqual(refusals[0].userErrors);
  expect(refusals[1].userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  const name = connectReposInput(tag());
  name.serviceMappings[0].serviceName = (await rows('service_mappings', 'repo_connection_id = ?', [ids[1]]))[0].service_name as string;
  const nameRefusals = [(await repolink(account, CONNECT_REPOS, { input: name })).connectRepos, (await bare(account, CONNECT_REPOS, { input: name })).connectRepos];
  expect(nameRefusals[1].userErrors).toEqual(nameRefusals[0].userErrors);
  expect(await repositoryCount(account)).toBe(20);
  expect(await counters(account)).toEqual({ connections: 2, mappings: 10 });
  expect(await rows('repo_connections', 'project_id = ?', [account.project.id])).toHaveLength(2);

  // Over the plan's quota both refuse alike (free: 5 repositories per project).
  const free = await createAccount(t.dataSource, { plan: 'free' });
  const input = connectReposInput(tag());
  const quota = [(await repolink(free, CONNECT_REPOS, { input })).connectRepos, (await bare(free, CONNECT_REPOS, { input })).connectRepos];
  expect(quota[1]).toEqual(quota[0]);
  expect(quota[1].userErrors.map((e: any) => e.code)).toEqual(['QUOTA_EXCEEDED']);
  expect(await repositoryCount(free)).toBe(0);
});
