/**
 * The list fields of a connection (and a repository's mappings) read only the columns their
 * selection needs when every selected field is accounted for (src/graphql/selected-properties.ts),
 * and whole rows otherwise; the answers are the same either way.
 */
import { onStatement } from '../src/db/data-source';
import { CONNECT_REPOS } from './support/operations';
import { createAccount, type TestAccount } from './support/factories';
import { useTestServer } from './support/test-server';

const t = useTestServer();
const as = (account: TestAccount) => ({ authorization: `Bearer ${account.apiKey}` });

async function seeded(): Promise<TestAccount> {
  const account = await createAccount(t.dataSource, { kind: 'organization' });
  for (const i of [1, 2]) {
    const res = await t.gql(
      CONNECT_REPOS,
      {
        input: {
          platform: 'GITHUB',
          credentials: { token: 't' },
          repositories: [`acme/c${i}-a`, `acme/c${i}-b`, `acme/c${i}-c`],
          serviceMappings: [
            { serviceName: `s${i}-a`, repo: `acme/c${i}-a`, pathPrefix: 'a/', defaultBranch: 'main', stackRoots: [{ stackRoot: '/app/', sourceRoot: 'src/' }] },
            { serviceName: `s${i}-b`, repo: `acme/c${i}-b`, pathPrefix: 'b/', defaultBranch: 'main' },
          ],
        },
      },
      as(account),
    );
    expect(res.body.data.connectRepos.userErrors).toEqual([]);
  }
  return account;
}

async function run(account: TestAccount, query: string) {
  const statements: string[] = [];
  const stop = onStatement((sql) => statements.push(sql));
  try {
    const res = await t.gql(query, {}, as(account));
    expect(res.body.errors).toBeUndefined();
    return { data: res.body.data, statements };
  } finally {
    stop();
  }
}

const FIELDS = 'id platform repositories { id path orgId __typename serviceMappings { serviceName stackRoots { stackRoot sourceRoot } } } serviceMappings { ...M }';
const FRAGMENT = 'fragment M on ServiceMapping { serviceName pathPrefix }';
const from = (statements: string[], table: string) => statements.filter((s) => s.includes(`FROM \`${table}\``));

test('a selection of stored fields reads those columns only, with the answer of whole rows', async () => {
  const account = await seeded();
  const narrow = await run(account, `{ repoConnections(first: 10) { edges { node { ${FIELDS} } } } } ${FRAGMENT}`);
  const repositories = from(narrow.statements, 'repositories');
  expect(repositories).toHaveLength(1);
  expect(repositories[0]).toContain('`e`.`path`');
  expect(repositories[0]).not.toContain('`e`.`name`');
  expect(repositories[0]).not.toContain('`e`.`remote_url`');
  const mappings = from(narrow.statements, 'service_mappings');
  expect(mappings).toHaveLength(2); // by connection and by repository
  for (const statement of mappings) expect(statement).not.toContain('`e`.`default_branch`');
  expect(mappings.some((s) => s.includes('`e`.`stack_roots`'))).toBe(true);

  // `repoConnection` reads by id: whole rows, and the same answer for the fields both ask.
  const whole = await run(account, `{ repoConnections(first: 10) { edges { node { ${FIELDS} repositories { name repoConnection { id } } } } } } ${FRAGMENT}`);
  expect(from(whole.statements, 'repositories')[0]).toContain('`e`.`remote_url`');
  // The page too: its selection reads id and platform (and the keyset's created_at) until a nested field reads connections by id.
  expect(from(narrow.statements, 'repo_connections')[0]).not.toContain('`e`.`lookback_days`');
  expect(from(narrow.statements, 'repo_connections')[0]).toContain('`e`.`platform`');
  expect(from(whole.statements, 'repo_connections')[0]).toContain('`e`.`lookback_days`');
  expect(whole.statements.filter((s) => s.includes('FROM `repo_connections`'))).toHaveLength(1);
  const strip = (data: any) =>
    data.repoConnections.edges.map(({ node }: any) => ({ ...node, repositories: node.repositories.map(({ name: _n, repoConnection: _c, ...r }: any) => r) }));
  expect(strip(whole.data)).toEqual(strip(narrow.data));
  const first = narrow.data.repoConnections.edges[0].node;
  expect(first.repositories).toHaveLength(3);
  expect(first.repositories[0].orgId).toBe(account.tenant.id);
  expect(first.serviceMappings.map((m: any) => m.pathPrefix)).toEqual(['a/', 'b/']);
  expect(narrow.data.repoConnections.edges.flatMap(({ node }: any) => node.repositories.flatMap((r: any) => r.serviceMappings.map((m: any) => m.stackRoots))).filter((s: any) => s.length > 0)).toEqual([
    [{ stackRoot: '/app/', sourceRoot: 'src/' }],
    [{ stackRoot: '/app/', sourceRoot: 'src/' }],
  ]);
});

test('a nested field that reads these rows by id gets whole rows, primed: no statement by id', async () => {
  const account = await seeded();
  const res = await run(account, '{ repoConnections(first: 10) { edges { node { repositories { id } serviceMappings { serviceName repository { id name } } } } } }');
  // The mappings' selection reads `repository` (by id): whole mapping rows; the repositories list is narrow, so the mappings' repositories are read by id.
  const mappings = from(res.statements, 'service_mappings');
  expect(mappings[0]).toContain('`e`.`default_branch`');
  for (const { node } of res.data.repoConnections.edges) {
    expect(node.serviceMappings.map((m: any) => m.repository.id).every((id: string) => node.repositories.some((r: any) => r.id === id))).toBe(true);
  }
  const nested = await run(account, '{ repoConnections(first: 10) { edges { node { repositories { id path serviceMappings { serviceName repository { id name } } } } } } }');
  // The repositories' subtree reads them by id: whole repository rows, primed, so no repository statement by id.
  const repositories = from(nested.statements, 'repositories');
  expect(repositories).toHaveLength(1);
  expect(repositories[0]).toContain('`e`.`remote_url`');
});
