import { countStatements, onStatement } from '../src/db/data-source';
import { CONNECT_REPOS } from './support/operations';
import { createAccount, type TestAccount } from './support/factories';
import { startTestServer, useTestServer } from './support/test-server';

const t = useTestServer();

const as = (account: TestAccount) => ({ authorization: `Bearer ${account.apiKey}` });

async function connect(account: TestAccount, platform: string, repositories: string[], serviceMappings: object[] = []) {
  const res = await t.gql(CONNECT_REPOS, { input: { platform, credentials: platform === 'BITBUCKET' ? { username: 'u', appPassword: 'p' } : { token: 't' }, repositories, serviceMappings } }, as(account));
  expect(res.body.data.connectRepos.userErrors).toEqual([]);
  return res.body.data.connectRepos.repoConnection;
}

const REPOSITORIES = `query($first: Int, $after: String, $filter: RepositoryFilter) {
  repositories(first: $first, after: $after, filter: $filter) { edges { cursor node { id name path sourceType deletedAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount }
}`;

/** Walks a list to its end, creating new rows between pages, and returns every id seen. */
async function walk(account: TestAccount, query: string, field: string, first: number, between: (page: number) => Promise<void>, variables: object = {}) {
  const seen: string[] = [];
  let after: string | null = null;
  let atStart = -1;
  for (let page = 0; page < 100; page++) {
    const res: { body: any } = await t.gql(query, { ...variables, first, after }, as(account));
    expect(res.body.errors).toBeUndefined();
    const list: any = res.body.data[field];
    if (page === 0) atStart = list.totalCount;
    seen.push(...list.edges.map((e: any) => e.node.id));
    expect(list.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!list.pageInfo.hasNextPage) {
      // Exactly the rows present when the walk began: newer rows sort before the cursor.
      expect(seen).toHaveLength(atStart);
      expect(new Set(seen).size).toBe(seen.length);
      return seen;
    }
    after = list.pageInfo.endCursor;
    await between(page);
  }
  throw new Error('list did not end');
}

test('every list walks to its end with cursors, each row exactly once, while rows are inserted between pages', async () => {
  const account = await createAccount(t.dataSource, { plan: 'enterprise' });
  const initial: string[] = [];
  for (let i = 0; i < 7; i++) {
    const c = await connect(account, 'GITHUB', [`acme/r${i}a`, `acme/r${i}b`], [{ serviceName: `svc-${i}`, repo: `acme/r${i}a`, pathPrefix: '', defaultBranch: 'main' }]);
    initial.push(c.id);
  }
  let extra = 0;
  const insertMore = async () => {
    extra++;
    await connect(account, 'GITLAB', [`late/x${extra}`], [{ serviceName: `late-${extra}`, repo: `late/x${extra}`, pathPrefix: '', defaultBranch: 'main' }]);
  };

  const repoIds = await walk(account, REPOSITORIES, 'repositories', 3, insertMore);
  expect(repoIds).toHaveLength(14);

  const connectionIds = await walk(account, 'query($first: Int, $after: String) { repoConnections(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } totalCount } }', 'repoConnections', 2, insertMore);
  expect(connectionIds.slice(-7)).toEqual([...initial].reverse());

  const mappingIds = await walk(account, 'query($first: Int, $after: String) { serviceMappings(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } totalCount } }', 'serviceMappings', 4, insertMore);
  expect(mappingIds.length).toBeGreaterThan(7);
});

test('lists are newest first and stable, with filters and totalCount', async () => {
  const account = await createAccount(t.dataSource);
  const gh = await connect(account, 'GITHUB', ['acme/web-app', 'acme/billing'], [{ serviceName: 'web', repo: 'acme/web-app', pathPrefix: 'web/', defaultBranch: 'main' }]);
  const bb = await connect(account, 'BITBUCKET', ['team/web-site']);
  const created = await t.gql('mutation { createRepository(input: { name: "Legacy Web", remoteUrl: "https://git.example.com/legacy.git" }) { repository { id } } }', {}, as(account));
  const legacyId = created.body.data.createRepository.repository.id;

  const all = await t.gql(REPOSITORIES, {}, as(account));
  expect(all.body.data.repositories.totalCount).toBe(4);
  expect(all.body.data.repositories.edges.map((e: any) => e.node.name)).toEqual(['Legacy Web', 'web-site', 'billing', 'web-app']);

  const q = async (filter: object) => (await t.gql(REPOSITORIES, { filter }, as(account))).body.data.repositories;
  expect((await q({ nameContains: 'WEB' })).totalCount).toBe(3);
  expect((await q({ nameContains: '%' })).totalCount).toBe(0);
  expect((await q({ platform: 'BITBUCKET' })).edges.map((e: any) => e.node.path)).toEqual(['team/web-site']);
  expect((await q({ sourceType: 'GIT_URL' })).edges.map((e: any) => e.node.id)).toEqual([legacyId]);
  expect((await q({ repoConnectionId: gh.id })).totalCount).toBe(2);
  expect((await q({ repoConnectionId: bb.id, nameContains: 'site' })).totalCount).toBe(1);

  await t.gql('mutation($id: ID!) { deleteRepository(input: { id: $id }) { userErrors { code } } }', { id: legacyId }, as(account));
  expect((await q({})).totalCount).toBe(3);
  const withDeleted = await q({ includeDeleted: true });
  expect(withDeleted.totalCount).toBe(4);
  expect(withDeleted.edges[0].node.deletedAt).not.toBeNull();

  const conns = await t.gql('{ repoConnections(filter: { platform: GITHUB }) { totalCount edges { node { id } } } }', {}, as(account));
  expect(conns.body.data.repoConnections).toEqual({ totalCount: 1, edges: [{ node: { id: gh.id } }] });
  const maps = await t.gql('query($r: ID!) { byName: serviceMappings(filter: { serviceName: "web" }) { totalCount } byRepo: serviceMappings(filter: { repositoryId: $r }) { totalCount } none: serviceMappings(filter: { serviceName: "nope" }) { totalCount } }', { r: gh.repositories[0].id }, as(account));
  expect(maps.body.data).toEqual({ byName: { totalCount: 1 }, byRepo: { totalCount: 1 }, none: { totalCount: 0 } });
});

test('first is capped at 100 with a clear error, and a forged cursor is refused', async () => {
  const account = await createAccount(t.dataSource);
  for (const first of [0, 101]) {
    const res = await t.gql(REPOSITORIES, { first }, as(account));
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].message).toMatch(/first.*1 to 100/);
  }
  const forged = await t.gql(REPOSITORIES, { after: "1' OR 1=1 --" }, as(account));
  expect(forged.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(forged.body.errors[0].message).toMatch(/cursor/);
});

test('node and nodes resolve every type in scope; another tenant gets null', async () => {
  const owner = await createAccount(t.dataSource);
  const other = await createAccount(t.dataSource);
  const c = await connect(owner, 'GITHUB', ['acme/node-a'], [{ serviceName: 'node-svc', repo: 'acme/node-a', pathPrefix: '', defaultBranch: 'main' }]);
  const ids = [c.id, c.repositories[0].id, c.serviceMappings[0].id];
  const query = `query($ids: [ID!]!, $one: ID!) {
    node(id: $one) { __typename id }
    nodes(ids: $ids) { __typename id ... on RepoConnection { platform } ... on Repository { path } ... on ServiceMapping { serviceName } }
  }`;
  const mine = await t.gql(query, { ids: [...ids, 'rc_missing', 'garbage'], one: c.repositories[0].id }, as(owner));
  expect(mine.body.data.node).toEqual({ __typename: 'Repository', id: c.repositories[0].id });
  expect(mine.body.data.nodes).toEqual([
    { __typename: 'RepoConnection', id: c.id, platform: 'GITHUB' },
    { __typename: 'Repository', id: c.repositories[0].id, path: 'acme/node-a' },
    { __typename: 'ServiceMapping', id: c.serviceMappings[0].id, serviceName: 'node-svc' },
    null,
    null,
  ]);
  const theirs = await t.gql(query, { ids, one: c.id }, as(other));
  expect(theirs.body.data).toEqual({ node: null, nodes: [null, null, null] });
});

const EVERYTHING = `query($first: Int) {
  repoConnections(first: $first) {
    totalCount
    edges { cursor node {
      id platform lookbackDays credentialsHint
      repositories { id path repoConnection { id platform } serviceMappings { id serviceName repository { id } repoConnection { id } } }
      serviceMappings { id serviceName repository { id name serviceMappings { id } repoConnection { id } } repoConnection { id } }
    } }
  }
  repositories(first: $first) { edges { node { id repoConnection { id repositories { id } } serviceMappings { id repository { id } } } } }
  serviceMappings(first: $first) { edges { node { id repository { id repoConnection { id } } repoConnection { id serviceMappings { id } } } } }
}`;

test('the statement count of a request with every nested field is the same for 1, 10 and 100 connections', async () => {
  // One pool connection answers in the order asked, so which loader batch lands first (and so
  // which nested rows are already primed) does not depend on timing: the count shows the shape.
  const single = await startTestServer({ poolSize: 1 });
  const counts: Record<number, number> = {};
  for (const size of [1, 10, 100]) {
    const account = await createAccount(t.dataSource, { plan: 'enterprise' });
    for (let i = 0; i < size; i++) {
      await connect(account, 'GITHUB', [`acme/c${i}-a`, `acme/c${i}-b`, `acme/c${i}-c`], [
        { serviceName: `s${i}-a`, repo: `acme/c${i}-a`, pathPrefix: 'a/', defaultBranch: 'main' },
        { serviceName: `s${i}-b`, repo: `acme/c${i}-b`, pathPrefix: 'b/', defaultBranch: 'main' },
      ]);
    }
    const ctx = await single.server.contextFor({ authorization: `Bearer ${account.apiKey}` });
    const { result, count } = await countStatements(() => single.server.apollo.executeOperation({ query: EVERYTHING, variables: { first: size } }, { contextValue: ctx }));
    const body = result.body as any;
    expect(body.singleResult.errors).toBeUndefined();
    const connections = body.singleResult.data.repoConnections;
    expect(connections.totalCount).toBe(size);
    expect(connections.edges).toHaveLength(size);
    expect(connections.edges[0].node.repositories).toHaveLength(3);
    expect(connections.edges[0].node.serviceMappings).toHaveLength(2);
    counts[size] = count;
  }
  await single.close();
  expect(counts[10]).toBe(counts[1]);
  expect(counts[100]).toBe(counts[1]);
});

describe('totalCount', () => {
  const statementsOf = async (query: string, account: TestAccount) => {
    const statements: string[] = [];
    const stop = onStatement((sql) => statements.push(sql));
    try {
      const result = await t.gql(query, {}, as(account));
      expect(result.body.errors).toBeUndefined();
      return { body: result.body, statements };
    } finally {
      stop();
    }
  };

  test('is read beside the page when selected (sent before the page query, not after it), and not read when not selected', async () => {
    const account = await createAccount(t.dataSource);
    await connect(account, 'GITHUB', ['acme/count-a', 'acme/count-b']);
    for (const [field, counter] of [['repoConnections', 'connection_count'], ['repositories', 'repository_count'], ['serviceMappings', 'mapping_count']]) {
      const isCount = (q: string) => q.startsWith(`SELECT ${counter} AS n FROM projects`);
      const isPage = (q: string) => q.includes('ORDER BY') && q.includes('LIMIT');
      const selected = await statementsOf(`{ ${field}(first: 5) { totalCount edges { node { id } } } }`, account);
      expect(selected.body.data[field].totalCount).toBe(field === 'repoConnections' ? 1 : field === 'repositories' ? 2 : 0);
      const countAt = selected.statements.findIndex(isCount);
      expect(countAt).toBeGreaterThanOrEqual(0);
      expect(countAt).toBeLessThan(selected.statements.findIndex(isPage));
      // A fragment selecting it counts too.
      const viaFragment = await statementsOf(`{ ${field}(first: 5) { ...F } } fragment F on ${field === 'repoConnections' ? 'RepoConnectionPage' : field === 'repositories' ? 'RepositoryPage' : 'ServiceMappingPage'} { totalCount }`, account);
      expect(viaFragment.body.data[field].totalCount).toBe(selected.body.data[field].totalCount);
      const unselected = await statementsOf(`{ ${field}(first: 5) { edges { node { id } } } }`, account);
      expect(unselected.statements.filter(isCount)).toEqual([]);
      // Nor through a fragment that leaves it out.
      const fragmentWithout = await statementsOf(`{ ${field}(first: 5) { ...G } } fragment G on ${field === 'repoConnections' ? 'RepoConnectionPage' : field === 'repositories' ? 'RepositoryPage' : 'ServiceMappingPage'} { edges { node { id } } }`, account);
      expect(fragmentWithout.statements.filter(isCount)).toEqual([]);
    }
  });
});
