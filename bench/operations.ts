/**
 * The requests of `npm run bench`: GraphQL documents and the inputs of the write scenarios. Both
 * servers receive the very same bytes; the baseline recognises each document by its text.
 */

// Every scalar; a mapping's stackRoots (a list of its own) is left out: with it, a page of 100 passes the query cost limit.
const MAPPING_FIELDS = 'id serviceName pathPrefix defaultBranch createdAt updatedAt deletedAt';
const REPOSITORY_FIELDS =
  'id name sourceType path remoteUrl defaultBranch lastCommitSha oauthConnectionId issueAutoCreateEnabled issueAutoCreateMinSeverity userId orgId syncStatus syncedAt syncError createdAt updatedAt deletedAt';
const CONNECTION_FIELDS = 'id platform baseUrl lookbackDays credentialsHint cacheInvalidatedAt syncStatus syncedAt syncError createdAt updatedAt deletedAt';

/** Every scalar of a connection, of its repositories and of their service mappings, with the page's every field. */
export const LIST_QUERY =
  'query BenchList($first: Int) { repoConnections(first: $first) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } ' +
  `edges { cursor node { ${CONNECTION_FIELDS} repositories { ${REPOSITORY_FIELDS} serviceMappings { ${MAPPING_FIELDS} } } } } } }`;

/** Small documents (issue 20): what a frontend sends most. */

/** "Who am I": answered from the authentication lookup alone. */
export const VIEWER_QUERY =
  'query BenchViewer { viewer { kind permissions tenant { id name kind plan } project { id name repositoryCount repositoryQuota } } }';

/** One repository by its global id, three fields. */
export const NODE_QUERY = 'query BenchNode($id: ID!) { node(id: $id) { id ... on Repository { name path } } }';

/** A dashboard table of connections: id, platform, their repositories' ids and paths, their mappings' service names; paged. */
export const DASHBOARD_QUERY =
  'query BenchDashboard($first: Int) { repoConnections(first: $first) { pageInfo { hasNextPage endCursor } ' +
  'edges { node { id platform repositories { id path } serviceMappings { serviceName } } } } }';

/** createRepository answering the new id (and the user errors every client must read). */
export const CREATE_REPOSITORY_ID =
  'mutation BenchCreateRepositoryId($input: CreateRepositoryInput!) { createRepository(input: $input) { repository { id } userErrors { code field message } } }';

export const CREATE_REPOSITORY =
  'mutation BenchCreateRepository($input: CreateRepositoryInput!) { createRepository(input: $input) { ' +
  `repository { ${REPOSITORY_FIELDS} } userErrors { code field message } } }`;

/** What the shim's POST /v1/config/repos answers (id and platform), asked on /graphql. */
export const CONNECT_REPOS =
  'mutation BenchConnectRepos($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id platform } userErrors { code field message } } }';

export const REPOSITORIES_PER_CONNECT = 10;
export const MAPPINGS_PER_CONNECT = 5;

/** A git_url repository as Heimdall's POST /api/repos creates it; `tag` makes the name and remote unique. */
export function createRepositoryInput(tag: string) {
  return {
    name: `svc-${tag}`,
    sourceType: 'GIT_URL',
    remoteUrl: `https://git.example.com/bench/svc-${tag}.git`,
    defaultBranch: 'main',
  };
}

/** connectRepos with 10 GitHub repositories and 5 service mappings, every path and service name unique to `tag`. */
export function connectReposInput(tag: string, platform: 'GITHUB' | 'github' = 'GITHUB') {
  const clean = tag.replace(/[^A-Za-z0-9]/g, '');
  const repositories = Array.from({ length: REPOSITORIES_PER_CONNECT }, (_, i) => `b${clean}/repo-${i}`);
  return {
    platform,
    credentials: { token: `ghp_${clean.padEnd(36, '0').slice(-36)}` },
    repositories,
    serviceMappings: Array.from({ length: MAPPINGS_PER_CONNECT }, (_, i) => ({
      serviceName: `svc-${clean}-${i}`,
      repo: repositories[i * 2],
      pathPrefix: `services/s${i}`,
      defaultBranch: 'main',
    })),
    lookbackDays: 30,
  };
}

export const graphqlBody = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
