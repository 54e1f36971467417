/** The operations the tests send, as a frontend would. */
export const CONNECT_REPOS = /* GraphQL */ `
  mutation ConnectRepos($input: ConnectReposInput!) {
    connectRepos(input: $input) {
      repoConnection {
        id platform baseUrl lookbackDays credentialsHint createdAt updatedAt deletedAt cacheInvalidatedAt
        repositories { id name path sourceType remoteUrl defaultBranch repoConnection { id } serviceMappings { id serviceName } }
        serviceMappings { id serviceName pathPrefix defaultBranch repository { id path } repoConnection { id } }
      }
      userErrors { code field message }
    }
  }
`;

export const CREATE_REPOSITORY = /* GraphQL */ `
  mutation CreateRepository($input: CreateRepositoryInput!) {
    createRepository(input: $input) {
      repository {
        id name sourceType path remoteUrl defaultBranch lastCommitSha oauthConnectionId
        issueAutoCreateEnabled issueAutoCreateMinSeverity userId orgId createdAt updatedAt deletedAt
        repoConnection { id }
        serviceMappings { id }
      }
      userErrors { code field message }
    }
  }
`;

export const READ_BACK = /* GraphQL */ `
  query ReadBack($repoConnectionId: ID!, $repositoryId: ID!, $serviceMappingId: ID!) {
    repoConnection(id: $repoConnectionId) { id platform repositories { id path } serviceMappings { id serviceName } }
    repository(id: $repositoryId) { id path repoConnection { id } serviceMappings { id } }
    serviceMapping(id: $serviceMappingId) { id serviceName repository { id path } repoConnection { id } }
  }
`;

export const VIEWER = /* GraphQL */ `
  query Viewer { viewer { kind tenant { id name kind plan } project { id name repositoryCount repositoryQuota } permissions } }
`;

/** The SigSentry REST body as GraphQL variables: the same fields, enum values in GraphQL's case. */
export function connectInput(body: Record<string, any>): Record<string, any> {
  return { ...body, platform: typeof body.platform === 'string' ? body.platform.toUpperCase() : body.platform };
}
