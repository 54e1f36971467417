/**
 * The playground's example operations: the tabs a browser opens with on its first visit. Keep them
 * valid against `schema/*.graphql` (test/playground.browser.test.ts validates them against the schema).
 */

/** One tab the playground opens with (the first visit of a browser; GraphiQL then keeps its own tabs). */
export interface PlaygroundExample {
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export const PLAYGROUND_EXAMPLES: readonly PlaygroundExample[] = [
  {
    // POST /v1/config/repos's "Full example body" (sigsentry-config-repos.txt) as GraphQL input.
    query: `# Connects repositories of one platform to the caller's project (needs config:write).
# The same body as POST /v1/config/repos; see the Docs pane for every field.
mutation ConnectRepos($input: ConnectReposInput!) {
  connectRepos(input: $input) {
    repoConnection {
      id
      platform
      lookbackDays
      repositories {
        id
        name
      }
    }
    userErrors {
      code
      field
      message
    }
  }
}
`,
    variables: {
      input: {
        platform: 'GITHUB',
        credentials: { token: 'ghp_...' },
        repositories: ['acme/checkout-api', 'acme/billing-worker'],
        serviceMappings: [
          { serviceName: 'checkout-api', repo: 'acme/checkout-api', pathPrefix: 'src/', defaultBranch: 'main' },
          { serviceName: 'billing-worker', repo: 'acme/billing-worker', pathPrefix: '', defaultBranch: 'main' },
        ],
        lookbackDays: 30,
      },
    },
  },
  {
    // POST /api/repos (heimdall-create-repository.txt) as GraphQL input.
    query: `# Creates one repository from a git URL (the same fields as POST /api/repos).
mutation CreateRepository($input: CreateRepositoryInput!) {
  createRepository(input: $input) {
    repository {
      id
      name
      sourceType
      remoteUrl
      defaultBranch
      createdAt
    }
    userErrors {
      code
      field
      message
    }
  }
}
`,
    variables: {
      input: { name: 'my-web-app', sourceType: 'GIT_URL', remoteUrl: 'https://github.com/example/my-web-app.git', defaultBranch: 'main' },
    },
  },
  {
    query: `# The project's repositories, newest first. Pass pageInfo.endCursor as \`after\` for the next page.
query Repositories {
  repositories(first: 10) {
    edges {
      cursor
      node {
        id
        name
        sourceType
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    totalCount
  }
}
`,
  },
  {
    query: `# Who the API key (or session token) in the field above authenticates as.
query Viewer {
  viewer {
    kind
    permissions
    tenant {
      name
      plan
    }
    project {
      id
      name
      repositoryCount
      repositoryQuota
    }
  }
}
`,
  },
  {
    query: `# A dry run of connectRepos: asks the platform about the token and each repository; writes nothing.
mutation CheckRepoConnection($input: ConnectReposInput!) {
  checkRepoConnection(input: $input) {
    check {
      ok
      credential { valid identity scopes missingScopes message }
      repositories { repository status defaultBranch headCommit message }
    }
    userErrors { code field message }
  }
}
`,
    variables: { input: { platform: 'GITHUB', credentials: { token: 'ghp_...' }, repositories: ['acme/checkout-api'] } },
  },
  {
    query: `# A stack frame of a service to its file, branch and web URL (through the mapping's stack roots).
query ResolveCodeLocation {
  resolveCodeLocation(serviceName: "checkout-api", path: "/app/src/handlers/pay.ts", line: 42) {
    matched
    reason
    path
    branch
    webUrl
  }
}
`,
  },
];
