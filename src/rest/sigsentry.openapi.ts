import { CURSOR, DATE_TIME, LIMIT, STRING, WHEN, nullable, object, operation, queryParam, ref, success, type LegacyApi, type OperationSpec, type Schema } from './openapi-parts';
import { FAILURES } from './rest-errors';

/** The OpenAPI description of SigSentry's config-repos routes (sigsentry.routes.ts). */

// Examples, word for word from the seed documents (test/fixtures/seeds/; test/openapi.test.ts compares them).
export const SIGSENTRY_SEED_EXAMPLES = {
  sigsentryGithub: { platform: 'github', credentials: { token: 'ghp_...' }, repositories: ['acme/checkout-api'] },
  sigsentryGitlab: { platform: 'gitlab', credentials: { token: 'glpat-...' }, repositories: ['acme/checkout-api'] },
  sigsentryBitbucket: { platform: 'bitbucket', credentials: { username: 'your-bitbucket-username', appPassword: '...' }, repositories: ['acme/checkout-api'] },
  sigsentryFull: {
    platform: 'github',
    credentials: { token: 'ghp_...' },
    repositories: ['acme/checkout-api', 'acme/billing-worker'],
    serviceMappings: [
      { serviceName: 'checkout-api', repo: 'acme/checkout-api', pathPrefix: 'src/', defaultBranch: 'main' },
      { serviceName: 'billing-worker', repo: 'acme/billing-worker', pathPrefix: '', defaultBranch: 'main' },
    ],
    lookbackDays: 30,
  },
  sigsentryCreated: { success: true, data: { id: 'rc_x1y2z3...', platform: 'github' } },
} as const;

export const SIGSENTRY_TAG = { name: 'SigSentry', description: 'SigSentry config repos: camelCase, errors as `{"success":false,"error":{"code","message","details"?}}`.' };

/** SigSentry's error envelope names its own `error.code` for each failure. */
const SIGSENTRY: LegacyApi = {
  tag: SIGSENTRY_TAG.name,
  security: [{ apiKey: [] }, { session: [] }],
  errorResponse: (_status, codes) => ({
    description: codes.map((c) => `${FAILURES[c].sigsentry}: ${WHEN[c]}`).join('. '),
    schema: {
      allOf: [ref('SigSentryError')],
      properties: { error: { properties: { code: codes.length === 1 ? { const: FAILURES[codes[0]].sigsentry } : { enum: codes.map((c) => FAILURES[c].sigsentry) } } } },
    },
    example: { success: false, error: { code: FAILURES[codes[0]].sigsentry, message: codes[0] === 'UNAUTHENTICATED' ? 'Missing or invalid API key' : WHEN[codes[0]] } },
  }),
};

const sigsentryOperation = (spec: OperationSpec) => operation(SIGSENTRY, spec);

const VERIFY = queryParam(
  'verify',
  'An addition to the documented route: `true` asks the platform first (credential valid, every repository found and readable) and answers 400 VALIDATION_ERROR with a detail per failing repository (`repositories[i]`) or for `credentials`. Absent or `false`: the documented behaviour, unchanged.',
  { type: 'string', enum: ['true', 'false'] },
);
const CONNECTION_ID = 'The connection id returned by POST (`rc_…`).';
const CONNECTION_BODY = { schema: ref('SigSentryRepoConnectionInput'), examples: { github: SIGSENTRY_SEED_EXAMPLES.sigsentryGithub, gitlab: SIGSENTRY_SEED_EXAMPLES.sigsentryGitlab, bitbucket: SIGSENTRY_SEED_EXAMPLES.sigsentryBitbucket, full: SIGSENTRY_SEED_EXAMPLES.sigsentryFull } };
const CONNECTION_BRIEF = object({ id: STRING, platform: ref('SigSentryPlatform') });

export function sigsentryPaths(): Record<string, Record<string, unknown>> {
  return {
    '/v1/config/repos': {
      get: sigsentryOperation({
        method: 'get',
        operationId: 'sigsentryListRepoConnections',
        summary: "List the project's repo connections",
        permission: 'config:read',
        query: [LIMIT, CURSOR, queryParam('platform', 'Only connections of this platform.', ref('SigSentryPlatform'))],
        success: { status: 200, description: 'One page, newest first', schema: ref('SigSentryRepoConnectionList') },
        failures: ['BAD_USER_INPUT'],
      }),
      post: sigsentryOperation({
        method: 'post',
        operationId: 'sigsentryConnectRepos',
        summary: 'Connect a GitHub, GitLab, or Bitbucket repository to a project',
        description: 'Connects one or more repositories on a single platform to the current project. Credentials are stored encrypted and never returned.',
        permission: 'config:write',
        query: [VERIFY],
        body: CONNECTION_BODY,
        success: { status: 201, description: 'Created', schema: success(CONNECTION_BRIEF), example: SIGSENTRY_SEED_EXAMPLES.sigsentryCreated },
        failures: ['QUOTA_EXCEEDED', 'CONFLICT'],
      }),
    },
    '/v1/config/repos/{id}': {
      get: sigsentryOperation({
        method: 'get',
        operationId: 'sigsentryGetRepoConnection',
        summary: 'Read one repo connection (never its credentials: only a masked hint)',
        permission: 'config:read',
        pathId: CONNECTION_ID,
        success: { status: 200, description: 'The connection', schema: success(ref('SigSentryRepoConnection')) },
        failures: ['NOT_FOUND'],
      }),
      put: sigsentryOperation({
        method: 'put',
        operationId: 'sigsentryReplaceRepoConnection',
        summary: 'Replace a repo connection: the body is the whole new configuration, as for POST',
        permission: 'config:write',
        pathId: CONNECTION_ID,
        query: [VERIFY],
        body: CONNECTION_BODY,
        success: { status: 200, description: 'Replaced', schema: success(CONNECTION_BRIEF) },
        failures: ['NOT_FOUND', 'QUOTA_EXCEEDED', 'CONFLICT'],
      }),
      delete: sigsentryOperation({
        method: 'delete',
        operationId: 'sigsentryDeleteRepoConnection',
        summary: 'Delete a repo connection (its repositories and mappings with it)',
        permission: 'config:write',
        pathId: CONNECTION_ID,
        success: { status: 200, description: 'Deleted', schema: success(object({ id: STRING, platform: ref('SigSentryPlatform'), deleted: { const: true } })) },
        failures: ['NOT_FOUND'],
      }),
    },
    '/v1/config/repos/{id}/invalidate-cache': {
      post: sigsentryOperation({
        method: 'post',
        operationId: 'sigsentryInvalidateRepoConnectionCache',
        summary: "Invalidate the connection's cached analyses",
        permission: 'config:write',
        pathId: CONNECTION_ID,
        success: { status: 200, description: 'Invalidated', schema: success(object({ id: STRING, platform: ref('SigSentryPlatform'), cacheInvalidatedAt: DATE_TIME })) },
        failures: ['NOT_FOUND'],
      }),
    },
  };
}

export function sigsentrySchemas(): Record<string, Schema> {
  const serviceMappings = { type: 'array', items: ref('SigSentryServiceMapping') };
  return {
    SigSentryPlatform: { type: 'string', enum: ['github', 'gitlab', 'bitbucket'] },
    SigSentryCredentials: {
      type: 'object',
      description: 'GitHub and GitLab: `token`. Bitbucket: `username` and `appPassword`. Self-hosted: `baseUrl`. Never returned.',
      properties: { token: STRING, username: STRING, appPassword: STRING, baseUrl: STRING },
    },
    SigSentryServiceMapping: object({ serviceName: STRING, repo: { ...STRING, description: 'One of the repos in `repositories`.' }, pathPrefix: STRING, defaultBranch: STRING }),
    SigSentryRepoConnectionInput: {
      type: 'object',
      properties: {
        platform: ref('SigSentryPlatform'),
        credentials: ref('SigSentryCredentials'),
        baseUrl: STRING,
        repositories: { type: 'array', minItems: 1, items: { ...STRING, description: 'owner/repo (GitHub), group[/subgroup]/project (GitLab), workspace/repo-slug (Bitbucket)' } },
        serviceMappings,
        lookbackDays: { type: 'integer', minimum: 1, maximum: 365, default: 30 },
      },
      required: ['platform', 'credentials', 'repositories'],
    },
    SigSentryRepoConnection: object({
      id: STRING,
      platform: ref('SigSentryPlatform'),
      baseUrl: nullable(STRING),
      lookbackDays: { type: 'integer', minimum: 1 },
      repositories: { type: 'array', items: STRING },
      serviceMappings,
      credentialsHint: nullable({ ...STRING, description: 'A masked hint of the stored credentials, never the credentials; null for a connection made through a code-host account (over GraphQL), which stores none.' }),
      cacheInvalidatedAt: nullable(DATE_TIME),
      createdAt: DATE_TIME,
      updatedAt: DATE_TIME,
    }),
    SigSentryRepoConnectionList: object({
      success: { const: true },
      data: { type: 'array', items: ref('SigSentryRepoConnection') },
      pagination: object({ total: { type: 'integer', minimum: 0 }, hasMore: { type: 'boolean' }, nextCursor: nullable(STRING) }),
    }),
    SigSentryError: object({
      success: { const: false },
      error: object(
        {
          code: { type: 'string', enum: [...new Set(Object.values(FAILURES).map((f) => f.sigsentry))] },
          message: STRING,
          details: { type: 'array', minItems: 1, items: object({ field: { ...nullable(STRING), description: 'The field, as a path: `serviceMappings[0].repo`.' }, message: STRING }) },
        },
        ['code', 'message'],
      ),
    }),
  };
}
