/**
 * The project row's live-row counters (repository_count, connection_count, mapping_count) equal
 * the project's live rows after every kind of write, refused and concurrent ones included, and
 * every unfiltered list's totalCount (GraphQL and both shims) answers them. The migration that
 * adds the counters fills them from the rows already there.
 */
import { LiveRowCounters1764300000000 } from '../migrations/1764300000000-live-row-counters';
import { uuidv7 } from '../src/lib/ids';
import { databaseBefore } from './support/db';
import { createAccount, type TestAccount } from './support/factories';
import { CONNECT_REPOS, CREATE_REPOSITORY } from './support/operations';
import { rest } from './support/rest';
import { useTestServer } from './support/test-server';

// A team project holds 30 repositories here, so that refusals over the quota are reachable.
const t = useTestServer({ env: { REPOLINK_QUOTA_TEAM: '30' } });

const ERRORS = 'userErrors { code field message }';
const UPDATE_CONNECTION = `mutation($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) { repoConnection { id repositories { id path } serviceMappings { id } } ${ERRORS} } }`;
const REPLACE_CONNECTION = `mutation($input: ReplaceRepoConnectionInput!) { replaceRepoConnection(input: $input) { repoConnection { id repositories { id path } serviceMappings { id } } ${ERRORS} } }`;
const DELETE_CONNECTION = `mutation($id: ID!) { deleteRepoConnection(input: { id: $id }) { repoConnection { id deletedAt } ${ERRORS} } }`;
const DELETE_REPOSITORY = `mutation($id: ID!) { deleteRepository(input: { id: $id }) { repository { id deletedAt } ${ERRORS} } }`;
const RESTORE_REPOSITORY = `mutation($id: ID!) { restoreRepository(input: { id: $id }) { repository { id deletedAt } ${ERRORS} } }`;
const CREATE_MAPPING = `mutation($input: CreateServiceMappingInput!) { createServiceMapping(input: $input) { serviceMapping { id } ${ERRORS} } }`;
const UPDATE_MAPPING = `mutation($input: UpdateServiceMappingInput!) { updateServiceMapping(input: $input) { serviceMapping { id } ${ERRORS} } }`;
const DELETE_MAPPING = `mutation($input: ServiceMappingIdInput!) { deleteServiceMapping(input: $input) { serviceMapping { id } ${ERRORS} } }`;
const TOTALS = `{
  repoConnections(first: 1) { totalCount }
  repositories(first: 1) { totalCount }
  serviceMappings(first: 1) { totalCount }
  viewer { project { repositoryCount } }
}`;

const as = (account: TestAccount) => ({ authorization: `Bearer ${account.apiKey}` });

async function gql(account: TestAccount, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await t.gql(query, variables, { ...as(account), ...headers });
  expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 200, errors: undefined });
  return res.body.data;
}

/** Every counter against COUNT(*) of the live rows, and every unfiltered totalCount against both. */
async function expectExact(account: TestAccount, step: string, expected?: { connections: number; repositories: number; mappings: number }) {
  const live = (table: string) => `(SELECT COUNT(*) FROM ${table} WHERE project_id = p.id AND deleted_at IS NULL)`;
  const [row] = await t.dataSource.query(
    `SELECT p.connection_count, p.repository_count, p.mapping_count,
       ${live('repo_connections')} AS connections, ${live('repositories')} AS repositories, ${live('service_mappings')} AS mappings
     FROM projects p WHERE p.id = ?`,
    [account.project.id],
  );
  const rows = { connections: Number(row.connections), repositories: Number(row.repositories), mappings: Number(row.mappings) };
  const counters = { connections: Number(row.connection_count), repositories: Number(row.repository_count), mappings: Number(row.mapping_count) };
  expect({ step, counters }).toEqual({ step, counters: rows });
  if (expected) expect({ step, rows }).toEqual({ step, rows: expected });

  const data = await gql(account, TOTALS);
  const answered = {
    connections: data.repoConnections.totalCount,
    repositories: data.repositories.totalCount,
    mappings: data.serviceMappings.totalCount,
  };
  expect({ step, answered }).toEqual({ step, answered: rows });
  expect(data.viewer.project.repositoryCount).toBe(rows.repositories);
  const sigsentry = await rest(t.url, 'GET', '/v1/config/repos?limit=1', { headers: as(account) });
  const heimdall = await rest(t.url, 'GET', '/api/repos?limit=1', { headers: as(account) });
  expect({ step, shims: [sigsentry.body.pagination.total, heimdall.body.pagination.total] }).toEqual({ step, shims: [rows.connections, rows.repositories] });
  return rows;
}

const connectInput = (repositories: string[], mappings: [string, string][] = []) => ({
  platform: 'GITHUB',
  credentials: { token: 'ghp_countercountercounter' },
  repositories,
  serviceMappings: mappings.map(([serviceName, repo]) => ({ serviceName, repo, pathPrefix: '', defaultBranch: 'main' })),
});

test('every write keeps the counters equal to the live rows, and totalCount answers them', async () => {
  const a = await createAccount(t.dataSource, { plan: 'team' });
  await expectExact(a, 'a new project', { connections: 0, repositories: 0, mappings: 0 });

  // connectRepos, then refused ones: a conflict (found after the quota UPDATE ran) and the quota.
  const first = (await gql(a, CONNECT_REPOS, { input: connectInput(['acme/r0', 'acme/r1', 'acme/r2'], [['svc-0', 'acme/r0'], ['svc-1', 'acme/r1']]) })).connectRepos;
  expect(first.userErrors).toEqual([]);
  const A = first.repoConnection;
  await expectExact(a, 'connectRepos', { connections: 1, repositories: 3, mappings: 2 });
  const conflict = (await gql(a, CONNECT_REPOS, { input: connectInput(['acme/new', 'acme/r0'], [['svc-new', 'acme/new']]) })).connectRepos;
  expect(conflict.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  const taken = (await gql(a, CONNECT_REPOS, { input: connectInput(['acme/new'], [['svc-0', 'acme/new']]) })).connectRepos;
  expect(taken.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  const over = (await gql(a, CONNECT_REPOS, { input: connectInput(Array.from({ length: 28 }, (_, i) => `acme/q${i}`)) })).connectRepos;
  expect(over.userErrors.map((e: any) => e.code)).toEqual(['QUOTA_EXCEEDED']);
  await expectExact(a, 'refused connectRepos', { connections: 1, repositories: 3, mappings: 2 });

  // createRepository, and a duplicate that fails on the unique index after its quota UPDATE.
  const x = (await gql(a, CREATE_REPOSITORY, { input: { name: 'x', remoteUrl: 'https://example.com/acme/x.git' } })).createRepository;
  expect(x.userErrors).toEqual([]);
  const again = (await gql(a, CREATE_REPOSITORY, { input: { name: 'x', remoteUrl: 'https://example.com/acme/x.git' } })).createRepository;
  expect(again.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  await expectExact(a, 'createRepository', { connections: 1, repositories: 4, mappings: 2 });

  // Mappings: create, a refused duplicate name, a move to another repository, delete.
  const m = (await gql(a, CREATE_MAPPING, { input: { serviceName: 'svc-x', repositoryId: x.repository.id, pathPrefix: '', defaultBranch: 'main' } })).createServiceMapping;
  expect(m.userErrors).toEqual([]);
  const dup = (await gql(a, CREATE_MAPPING, { input: { serviceName: 'SVC-0', repositoryId: x.repository.id, pathPrefix: '', defaultBranch: 'main' } })).createServiceMapping;
  expect(dup.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  await expectExact(a, 'createServiceMapping', { connections: 1, repositories: 4, mappings: 3 });
  const m2 = (await gql(a, CREATE_MAPPING, { input: { serviceName: 'svc-x2', repositoryId: x.repository.id, pathPrefix: 'lib', defaultBranch: 'main' } })).createServiceMapping;
  const moved = (await gql(a, UPDATE_MAPPING, { input: { id: m2.serviceMapping.id, repositoryId: A.repositories[2].id } })).updateServiceMapping;
  expect(moved.userErrors).toEqual([]);
  await expectExact(a, 'updateServiceMapping', { connections: 1, repositories: 4, mappings: 4 });
  expect((await gql(a, DELETE_MAPPING, { input: { id: m2.serviceMapping.id } })).deleteServiceMapping.userErrors).toEqual([]);
  await expectExact(a, 'deleteServiceMapping', { connections: 1, repositories: 4, mappings: 3 });

  // updateRepoConnection: r2 removed (no mapping left on it), r3 added.
  const updated = (await gql(a, UPDATE_CONNECTION, { input: { id: A.id, repositories: ['acme/r0', 'acme/r1', 'acme/r3'], lookbackDays: 10 } })).updateRepoConnection;
  expect(updated.userErrors).toEqual([]);
  await expectExact(a, 'updateRepoConnection (repositories)', { connections: 1, repositories: 4, mappings: 3 });
  // The mappings replaced by as many (no counter statement) and by more.
  const sameNumber = (await gql(a, UPDATE_CONNECTION, { input: { id: A.id, serviceMappings: connectInput([], [['svc-a', 'acme/r0'], ['svc-b', 'acme/r3']]).serviceMappings } })).updateRepoConnection;
  expect(sameNumber.userErrors).toEqual([]);
  await expectExact(a, 'updateRepoConnection (as many mappings)', { connections: 1, repositories: 4, mappings: 3 });
  const more = (await gql(a, UPDATE_CONNECTION, { input: { id: A.id, serviceMappings: connectInput([], [['svc-a', 'acme/r0'], ['svc-b', 'acme/r3'], ['svc-c', 'acme/r1']]).serviceMappings } })).updateRepoConnection;
  expect(more.userErrors).toEqual([]);
  await expectExact(a, 'updateRepoConnection (more mappings)', { connections: 1, repositories: 4, mappings: 4 });

  // replaceRepoConnection: r1 and r3 go (with svc-b and svc-c), r4 comes with one new mapping; svc-a is replaced.
  const replaced = (await gql(a, REPLACE_CONNECTION, { input: { id: A.id, ...connectInput(['acme/r0', 'acme/r4'], [['svc-d', 'acme/r4']]) } })).replaceRepoConnection;
  expect(replaced.userErrors).toEqual([]);
  await expectExact(a, 'replaceRepoConnection', { connections: 1, repositories: 3, mappings: 2 });

  // A second connection; a replace of A that takes B's repository is refused after its soft-deletes ran.
  const B = (await gql(a, CONNECT_REPOS, { input: connectInput(['acme/b0', 'acme/b1'], [['svc-b0', 'acme/b0']]) })).connectRepos.repoConnection;
  await expectExact(a, 'second connectRepos', { connections: 2, repositories: 5, mappings: 3 });
  const refused = (await gql(a, REPLACE_CONNECTION, { input: { id: A.id, ...connectInput(['acme/b0'], [['svc-z', 'acme/b0']]) } })).replaceRepoConnection;
  expect(refused.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  const overQuota = (await gql(a, UPDATE_CONNECTION, { input: { id: A.id, repositories: Array.from({ length: 28 }, (_, i) => `acme/u${i}`) } })).updateRepoConnection;
  expect(overQuota.userErrors.map((e: any) => e.code)).toEqual(['QUOTA_EXCEEDED']);
  await expectExact(a, 'refused replace and update', { connections: 2, repositories: 5, mappings: 3 });

  // deleteRepository with its mapping, restore (its mappings stay deleted), the same for x.
  const r4 = replaced.repoConnection.repositories.find((r: any) => r.path === 'acme/r4');
  expect((await gql(a, DELETE_REPOSITORY, { id: r4.id })).deleteRepository.userErrors).toEqual([]);
  expect((await gql(a, DELETE_REPOSITORY, { id: r4.id })).deleteRepository.userErrors).toEqual([]); // already deleted: nothing changes
  await expectExact(a, 'deleteRepository', { connections: 2, repositories: 4, mappings: 2 });
  expect((await gql(a, RESTORE_REPOSITORY, { id: r4.id })).restoreRepository.userErrors).toEqual([]);
  await expectExact(a, 'restoreRepository', { connections: 2, repositories: 5, mappings: 2 });
  expect((await gql(a, DELETE_REPOSITORY, { id: x.repository.id })).deleteRepository.userErrors).toEqual([]);
  expect((await gql(a, RESTORE_REPOSITORY, { id: x.repository.id })).restoreRepository.userErrors).toEqual([]);
  await expectExact(a, 'delete and restore of a repository of its own', { connections: 2, repositories: 5, mappings: 1 });

  // deleteRepoConnection takes its repositories and mappings with it; their restore is refused.
  expect((await gql(a, DELETE_CONNECTION, { id: B.id })).deleteRepoConnection.userErrors).toEqual([]);
  await expectExact(a, 'deleteRepoConnection', { connections: 1, repositories: 3, mappings: 0 });
  const orphan = (await gql(a, RESTORE_REPOSITORY, { id: B.repositories[0].id })).restoreRepository;
  expect(orphan.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT']);
  await expectExact(a, 'refused restore', { connections: 1, repositories: 3, mappings: 0 });

  // The shims: SigSentry POST, PUT and DELETE; Heimdall POST and DELETE.
  const posted = await rest(t.url, 'POST', '/v1/config/repos', { headers: as(a), body: { ...connectInput(['acme/s0', 'acme/s1'], [['svc-s0', 'acme/s0']]), platform: 'github' } });
  expect(posted.status).toBe(201);
  await expectExact(a, 'POST /v1/config/repos', { connections: 2, repositories: 5, mappings: 1 });
  const put = await rest(t.url, 'PUT', `/v1/config/repos/${posted.body.data.id}`, {
    headers: as(a),
    body: { ...connectInput(['acme/s1', 'acme/s2', 'acme/s3'], [['svc-s1', 'acme/s1'], ['svc-s2', 'acme/s2']]), platform: 'github' },
  });
  expect(put.status).toBe(200);
  await expectExact(a, 'PUT /v1/config/repos/:id', { connections: 2, repositories: 6, mappings: 2 });
  expect((await rest(t.url, 'DELETE', `/v1/config/repos/${posted.body.data.id}`, { headers: as(a) })).status).toBe(200);
  await expectExact(a, 'DELETE /v1/config/repos/:id', { connections: 1, repositories: 3, mappings: 0 });
  const heimdall = await rest(t.url, 'POST', '/api/repos', { headers: as(a), body: { name: 'h', source_type: 'git_url', remote_url: 'https://example.com/acme/h.git' } });
  expect(heimdall.status).toBe(201);
  await expectExact(a, 'POST /api/repos', { connections: 1, repositories: 4, mappings: 0 });
  expect((await rest(t.url, 'DELETE', `/api/repos/${heimdall.body.data.id}`, { headers: as(a) })).status).toBe(200);
  await expectExact(a, 'DELETE /api/repos/:id', { connections: 1, repositories: 3, mappings: 0 });

  // An idempotent connect and its replay: written once.
  const key = { 'idempotency-key': `counters-${Date.now()}` };
  const idem = connectInput(['acme/i0'], [['svc-i0', 'acme/i0']]);
  expect((await gql(a, CONNECT_REPOS, { input: idem }, key)).connectRepos.userErrors).toEqual([]);
  expect((await gql(a, CONNECT_REPOS, { input: idem }, key)).connectRepos.userErrors).toEqual([]);
  await expectExact(a, 'idempotent connectRepos and its replay', { connections: 2, repositories: 4, mappings: 1 });

  // Concurrent writers: connects of which pairs fight for one path or one service name, creates, a mapping.
  const writes = await Promise.all([
    ...Array.from({ length: 8 }, (_, i) => gql(a, CONNECT_REPOS, { input: connectInput([`acme/c${i}`, `acme/shared${i % 4}`], [[`svc-c${Math.floor(i / 2)}`, `acme/c${i}`]]) }).then((d) => d.connectRepos)),
    ...Array.from({ length: 4 }, (_, i) => gql(a, CREATE_REPOSITORY, { input: { name: `p${i % 2}`, remoteUrl: `https://example.com/acme/p${i % 2}.git` } }).then((d) => d.createRepository)),
    gql(a, CREATE_MAPPING, { input: { serviceName: 'svc-late', repositoryId: x.repository.id, pathPrefix: '', defaultBranch: 'main' } }).then((d) => d.createServiceMapping),
  ]);
  const ok = writes.filter((w) => w.userErrors.length === 0).length;
  // Each pair has at most one winner; within the quota (30) at least one of each pair wins.
  expect(ok).toBeGreaterThanOrEqual(4 + 2 + 1);
  expect(writes.every((w) => w.userErrors.length === 0 || w.userErrors[0].code === 'CONFLICT')).toBe(true);
  await expectExact(a, 'concurrent writes');
});

test('the migration fills the new counters from the rows already there', async () => {
  const { db, apply, drop } = await databaseBefore('counters', LiveRowCounters1764300000000);
  try {
    // The state before: a tenant with two projects, one with live and deleted rows, one empty.
    const [tenant, full, empty] = [uuidv7(), uuidv7(), uuidv7()];
    await db.query(`INSERT INTO tenants (id, name, kind, plan, created_at, updated_at) VALUES (?, 'org', 'organization', 'team', NOW(3), NOW(3))`, [tenant]);
    await db.query(`INSERT INTO projects (id, tenant_id, name, repository_count, created_at, updated_at) VALUES (?, ?, 'full', 3, NOW(3), NOW(3)), (?, ?, 'empty', 0, NOW(3), NOW(3))`, [
      full,
      tenant,
      empty,
      tenant,
    ]);
    const connections = ['rc_live1', 'rc_live2', 'rc_gone'];
    for (const [i, id] of connections.entries()) {
      await db.query(
        `INSERT INTO repo_connections (id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, lookback_days, created_at, updated_at, deleted_at)
         VALUES (?, ?, ?, 'github', 'k', x'00', '…', 30, NOW(3), NOW(3), ${i === 2 ? 'NOW(3)' : 'NULL'})`,
        [id, tenant, full],
      );
    }
    const repos = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    for (const [i, id] of repos.entries()) {
      await db.query(
        `INSERT INTO repositories (id, tenant_id, project_id, repo_connection_id, name, source_type, path, default_branch, issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at, deleted_at)
         VALUES (?, ?, ?, ?, ?, 'github', ?, 'main', false, 'high', NOW(3), NOW(3), ${i === 3 ? 'NOW(3)' : 'NULL'})`,
        [id, tenant, full, i === 3 ? 'rc_gone' : 'rc_live1', `r${i}`, `acme/r${i}`],
      );
    }
    for (const [i, repo] of [repos[0], repos[1], repos[3]].entries()) {
      await db.query(
        `INSERT INTO service_mappings (id, tenant_id, project_id, repository_id, repo_connection_id, service_name, path_prefix, default_branch, created_at, updated_at, deleted_at)
         VALUES (?, ?, ?, ?, 'rc_live1', ?, '', 'main', NOW(3), NOW(3), ${i === 2 ? 'NOW(3)' : 'NULL'})`,
        [`sm_${i}`, tenant, full, repo, `svc-${i}`],
      );
    }

    await apply();

    const counters = await db.query('SELECT name, repository_count, connection_count, mapping_count FROM projects ORDER BY name');
    expect(counters.map((p: any) => ({ ...p, repository_count: Number(p.repository_count), connection_count: Number(p.connection_count), mapping_count: Number(p.mapping_count) }))).toEqual([
      { name: 'empty', repository_count: 0, connection_count: 0, mapping_count: 0 },
      { name: 'full', repository_count: 3, connection_count: 2, mapping_count: 2 },
    ]);
  } finally {
    await drop();
  }
});
