import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { IDEMPOTENCY_KEY_PATTERN } from '../modules/idempotency/idempotency.service';
import { FAILURES, type FailureCode } from './rest-errors';

/**
 * The OpenAPI 3.1 description of the two legacy APIs the shim serves, built here so that the error
 * codes and statuses come from the shim's own table (FAILURES). `npm run openapi` writes it to
 * docs/openapi.json; the server serves that file at GET /openapi.json; test/openapi.test.ts fails when
 * the file is stale, and test/support/rest.ts validates every shim response of the suite against it.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type as string, 'null'] });
const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
const STRING = { type: 'string' };
const DATE_TIME = { type: 'string', format: 'date-time' };

// Examples, word for word from the seed documents (test/fixtures/seeds/; test/openapi.test.ts compares them).
export const SEED_EXAMPLES = {
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
  heimdallGitUrl: { name: 'my-web-app', source_type: 'git_url', remote_url: 'https://github.com/example/my-web-app.git', default_branch: 'main' },
  heimdallGithub: { name: 'my-github-repo', source_type: 'github', remote_url: 'https://github.com/example/my-github-repo.git' },
  heimdallGitlab: { name: 'my-gitlab-project', source_type: 'gitlab', remote_url: 'https://gitlab.com/example/my-gitlab-project.git', default_branch: 'develop' },
  heimdallCreated: {
    success: true,
    data: {
      id: '01936d2f-8c4e-7890-b123-456789abcdef',
      user_id: '01936d2e-1234-5678-9abc-def012345678',
      org_id: null,
      name: 'my-web-app',
      source_type: 'git_url',
      remote_url: 'https://github.com/example/my-web-app.git',
      default_branch: 'main',
      last_commit_sha: null,
      oauth_connection_id: null,
      issue_auto_create_enabled: false,
      issue_auto_create_min_severity: 'high',
      created_at: '2026-03-12T10:30:00Z',
      updated_at: '2026-03-12T10:30:00Z',
      deleted_at: null,
    },
  },
  heimdallUnauthorized: { success: false, code: 401, message: 'Authentication required' },
} as const;

type Api = 'sigsentry' | 'heimdall';

/** Failures every authenticated route can answer. */
const ALWAYS: FailureCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR'];
/** Failures of a route that reads a body (POST, PUT, DELETE): malformed JSON, a wrong Content-Type, too large. */
const BODY: FailureCode[] = ['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE'];
/** Failures of a POST or PUT sent with an Idempotency-Key. */
const IDEMPOTENCY: FailureCode[] = ['IDEMPOTENCY_KEY_IN_USE', 'IDEMPOTENCY_KEY_REUSED'];

const WHEN: Record<FailureCode, string> = {
  BAD_USER_INPUT: 'A field, the query string, the JSON body, its Content-Type or the Idempotency-Key failed validation',
  UNAUTHENTICATED: 'Missing or invalid API key or session',
  FORBIDDEN: 'The key lacks the permission, or X-Project-Id names no project of the key',
  QUOTA_EXCEEDED: "The plan's repositories-per-project quota is reached",
  NOT_FOUND: 'No such id in the project (deleted SigSentry connections included)',
  CONFLICT: 'A repository or service name is already connected in the project',
  IDEMPOTENCY_KEY_IN_USE: 'A request with this Idempotency-Key is still running; retry shortly',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was already used with a different request',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the server accepts',
  RATE_LIMITED: "The key's requests-per-minute limit is reached; Retry-After says when to retry",
  SERVICE_UNAVAILABLE: 'The database cannot be reached; retry shortly',
  INTERNAL_SERVER_ERROR: 'An unexpected failure (details are logged, never sent)',
};


/** Response headers: X-Request-Id on every response; Retry-After on 429; Idempotent-Replayed on a replay. */
function responseHeaders(status: number, replayable: boolean): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
  if (status === 429) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  if (replayable) headers['Idempotent-Replayed'] = { $ref: '#/components/headers/Idempotent-Replayed' };
  return headers;
}

/** Outcomes stored under an Idempotency-Key and so answered again with Idempotent-Replayed: true. */
const isReplayable = (status: number, codes: FailureCode[]) => status < 400 || codes.some((c) => c === 'CONFLICT' || c === 'QUOTA_EXCEEDED');

function failureResponses(api: Api, codes: FailureCode[], idempotent: boolean): Record<string, unknown> {
  const byStatus = new Map<number, FailureCode[]>();
  for (const code of [...new Set(codes)]) byStatus.set(FAILURES[code].status, [...(byStatus.get(FAILURES[code].status) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = list.map((c) => (api === 'sigsentry' ? `${FAILURES[c].sigsentry}: ${WHEN[c]}` : WHEN[c])).join('. ');
    const schema: Schema =
      api === 'sigsentry'
        ? {
            allOf: [ref('SigSentryError')],
            properties: { error: { properties: { code: list.length === 1 ? { const: FAILURES[list[0]].sigsentry } : { enum: list.map((c) => FAILURES[c].sigsentry) } } } },
          }
        : { allOf: [ref('HeimdallError')], properties: { code: { const: status } } };
    const example =
      api === 'sigsentry'
        ? { success: false, error: { code: FAILURES[list[0]].sigsentry, message: list[0] === 'UNAUTHENTICATED' ? 'Missing or invalid API key' : WHEN[list[0]] } }
        : status === 401
          ? SEED_EXAMPLES.heimdallUnauthorized
          : { success: false, code: status, message: status === 500 ? 'Internal server error' : WHEN[list[0]] };
    responses[String(status)] = {
      description,
      headers: responseHeaders(status, idempotent && isReplayable(status, list)),
      content: { 'application/json': { schema, example } },
    };
  }
  return responses;
}

interface OperationSpec {
  api: Api;
  method: 'get' | 'post' | 'put' | 'delete';
  operationId: string;
  summary: string;
  description?: string;
  permission: 'config:read' | 'config:write';
  pathId?: string;
  query?: Schema[];
  body?: { schema: Schema; examples: Record<string, unknown> };
  success: { status: number; description: string; schema: Schema; example?: unknown };
  failures: FailureCode[];
}

function operation(spec: OperationSpec): Schema {
  const idempotent = spec.method === 'post' || spec.method === 'put';
  const parameters: unknown[] = [];
  if (spec.pathId) parameters.push({ name: 'id', in: 'path', required: true, description: spec.pathId, schema: STRING });
  parameters.push(...(spec.query ?? []));
  parameters.push({ $ref: '#/components/parameters/X-Project-Id' });
  if (idempotent) parameters.push({ $ref: '#/components/parameters/Idempotency-Key' });
  parameters.push({ $ref: '#/components/parameters/X-Request-Id' });
  const failures = [...ALWAYS, ...spec.failures, ...(spec.method === 'get' ? [] : BODY), ...(idempotent ? IDEMPOTENCY : [])];
  const security = spec.api === 'sigsentry' ? [{ apiKey: [] }, { session: [] }] : [{ session: [] }, { apiKey: [] }];
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    tags: [spec.api === 'sigsentry' ? 'SigSentry' : 'Heimdall'],
    'x-permission': spec.permission,
    security,
    parameters,
    ...(spec.body && {
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: spec.body.schema,
            examples: Object.fromEntries(Object.entries(spec.body.examples).map(([name, value]) => [name, { value }])),
          },
        },
      },
    }),
    responses: {
      [String(spec.success.status)]: {
        description: spec.success.description,
        headers: responseHeaders(spec.success.status, idempotent),
        content: { 'application/json': { schema: spec.success.schema, ...(spec.success.example !== undefined && { example: spec.success.example }) } },
      },
      ...failureResponses(spec.api, failures, idempotent),
    },
  };
}

const queryParam = (name: string, description: string, schema: Schema): Schema => ({ name, in: 'query', required: false, description, schema });
const LIMIT = queryParam('limit', 'Page size, 1 to 100 (default 20). Anything else is a 400 naming `limit`.', { type: 'integer', minimum: 1, maximum: 100, default: 20 });
const CURSOR = queryParam('cursor', 'The `nextCursor`/`next_cursor` of the previous page.', STRING);
const VERIFY = queryParam(
  'verify',
  'An addition to the documented route: `true` asks the platform first (credential valid, every repository found and readable) and answers 400 VALIDATION_ERROR with a detail per failing repository (`repositories[i]`) or for `credentials`. Absent or `false`: the documented behaviour, unchanged.',
  { type: 'string', enum: ['true', 'false'] },
);

const success = (data: Schema): Schema => object({ success: { const: true }, data });

export function buildOpenApiDocument(): Record<string, unknown> {
  const sigsentryBody = { schema: ref('SigSentryRepoConnectionInput'), examples: { github: SEED_EXAMPLES.sigsentryGithub, gitlab: SEED_EXAMPLES.sigsentryGitlab, bitbucket: SEED_EXAMPLES.sigsentryBitbucket, full: SEED_EXAMPLES.sigsentryFull } };
  const connectionBrief = object({ id: STRING, platform: ref('SigSentryPlatform') });
  const operations: Record<string, Record<string, unknown>> = {
    '/v1/config/repos': {
      get: operation({
        api: 'sigsentry',
        method: 'get',
        operationId: 'sigsentryListRepoConnections',
        summary: "List the project's repo connections",
        permission: 'config:read',
        query: [LIMIT, CURSOR, queryParam('platform', 'Only connections of this platform.', ref('SigSentryPlatform'))],
        success: { status: 200, description: 'One page, newest first', schema: ref('SigSentryRepoConnectionList') },
        failures: ['BAD_USER_INPUT'],
      }),
      post: operation({
        api: 'sigsentry',
        method: 'post',
        operationId: 'sigsentryConnectRepos',
        summary: 'Connect a GitHub, GitLab, or Bitbucket repository to a project',
        description: 'Connects one or more repositories on a single platform to the current project. Credentials are stored encrypted and never returned.',
        permission: 'config:write',
        query: [VERIFY],
        body: sigsentryBody,
        success: { status: 201, description: 'Created', schema: success(connectionBrief), example: SEED_EXAMPLES.sigsentryCreated },
        failures: ['QUOTA_EXCEEDED', 'CONFLICT'],
      }),
    },
    '/v1/config/repos/{id}': {
      get: operation({
        api: 'sigsentry',
        method: 'get',
        operationId: 'sigsentryGetRepoConnection',
        summary: 'Read one repo connection (never its credentials: only a masked hint)',
        permission: 'config:read',
        pathId: 'The connection id returned by POST (`rc_…`).',
        success: { status: 200, description: 'The connection', schema: success(ref('SigSentryRepoConnection')) },
        failures: ['NOT_FOUND'],
      }),
      put: operation({
        api: 'sigsentry',
        method: 'put',
        operationId: 'sigsentryReplaceRepoConnection',
        summary: 'Replace a repo connection: the body is the whole new configuration, as for POST',
        permission: 'config:write',
        pathId: 'The connection id returned by POST (`rc_…`).',
        query: [VERIFY],
        body: sigsentryBody,
        success: { status: 200, description: 'Replaced', schema: success(connectionBrief) },
        failures: ['NOT_FOUND', 'QUOTA_EXCEEDED', 'CONFLICT'],
      }),
      delete: operation({
        api: 'sigsentry',
        method: 'delete',
        operationId: 'sigsentryDeleteRepoConnection',
        summary: 'Delete a repo connection (its repositories and mappings with it)',
        permission: 'config:write',
        pathId: 'The connection id returned by POST (`rc_…`).',
        success: { status: 200, description: 'Deleted', schema: success(object({ id: STRING, platform: ref('SigSentryPlatform'), deleted: { const: true } })) },
        failures: ['NOT_FOUND'],
      }),
    },
    '/v1/config/repos/{id}/invalidate-cache': {
      post: operation({
        api: 'sigsentry',
        method: 'post',
        operationId: 'sigsentryInvalidateRepoConnectionCache',
        summary: "Invalidate the connection's cached analyses",
        permission: 'config:write',
        pathId: 'The connection id returned by POST (`rc_…`).',
        success: { status: 200, description: 'Invalidated', schema: success(object({ id: STRING, platform: ref('SigSentryPlatform'), cacheInvalidatedAt: DATE_TIME })) },
        failures: ['NOT_FOUND'],
      }),
    },
    '/api/repos': {
      get: operation({
        api: 'heimdall',
        method: 'get',
        operationId: 'heimdallListRepositories',
        summary: "List the project's repositories",
        permission: 'config:read',
        query: [
          LIMIT,
          CURSOR,
          queryParam('source_type', 'Only repositories of this source type.', ref('HeimdallSourceType')),
          queryParam('include_deleted', '`true` lists deleted repositories too (any other value does not).', STRING),
        ],
        success: { status: 200, description: 'One page, newest first', schema: ref('HeimdallRepositoryList') },
        failures: ['BAD_USER_INPUT'],
      }),
      post: operation({
        api: 'heimdall',
        method: 'post',
        operationId: 'heimdallCreateRepository',
        summary: 'Create Repository',
        permission: 'config:write',
        body: { schema: ref('HeimdallCreateRepositoryInput'), examples: { gitUrl: SEED_EXAMPLES.heimdallGitUrl, github: SEED_EXAMPLES.heimdallGithub, gitlab: SEED_EXAMPLES.heimdallGitlab } },
        success: { status: 201, description: 'Created', schema: success(ref('HeimdallRepository')), example: SEED_EXAMPLES.heimdallCreated },
        failures: ['QUOTA_EXCEEDED', 'CONFLICT'],
      }),
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document',
        tags: ['Meta'],
        security: [],
        responses: { '200': { description: 'The OpenAPI 3.1 document', headers: responseHeaders(200, false), content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } } } },
      },
    },
    '/api/repos/{id}': {
      get: operation({
        api: 'heimdall',
        method: 'get',
        operationId: 'heimdallGetRepository',
        summary: 'Read one repository (deleted ones too, with deleted_at)',
        permission: 'config:read',
        pathId: 'The repository id.',
        success: { status: 200, description: 'The repository', schema: success(ref('HeimdallRepository')) },
        failures: ['NOT_FOUND'],
      }),
      delete: operation({
        api: 'heimdall',
        method: 'delete',
        operationId: 'heimdallDeleteRepository',
        summary: 'Delete a repository (soft: it stays readable with deleted_at)',
        permission: 'config:write',
        pathId: 'The repository id.',
        success: { status: 200, description: 'Deleted', schema: success(ref('HeimdallRepository')) },
        failures: ['NOT_FOUND'],
      }),
    },
  };

  const sigsentryCodes = [...new Set(Object.values(FAILURES).map((f) => f.sigsentry))];
  return {
    openapi: '3.1.0',
    info: {
      title: 'repolink legacy REST APIs (SigSentry config repos, Heimdall repos)',
      version: '1.0.0',
      description: [
        'The two legacy REST APIs repolink serves for existing scripts. Each route runs one GraphQL operation with the same rules as /graphql.',
        'Authenticate with `Authorization: Bearer <API key or session token>` or a `session` cookie; a tenant-scoped API key names its project with `X-Project-Id`.',
        'POST and PUT honour `Idempotency-Key`: a retry with the same key and body gets the stored response again with `Idempotent-Replayed: true`.',
        'Any other path under /v1/ or /api/ answers 404 in the API\'s error envelope.',
      ].join('\n\n'),
    },
    tags: [
      { name: 'SigSentry', description: 'SigSentry config repos: camelCase, errors as `{"success":false,"error":{"code","message","details"?}}`.' },
      { name: 'Heimdall', description: 'Heimdall repositories: snake_case, errors as `{"success":false,"code":<status>,"message"}`.' },
      { name: 'Meta', description: 'This description itself.' },
    ],
    paths: operations,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`Authorization: Bearer <key>`); a session token works here too.' },
        session: { type: 'apiKey', in: 'cookie', name: 'session', description: 'A session token in the `session` cookie.' },
      },
      parameters: {
        'X-Project-Id': { name: 'X-Project-Id', in: 'header', required: false, description: 'The project, for a tenant-scoped API key or a session.', schema: STRING },
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes a POST or PUT safe to retry: 1 to 255 visible ASCII characters, one per logical request. The same key with another request is a 422; while the first is still running, a 409.',
          schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
        },
        'X-Request-Id': { name: 'X-Request-Id', in: 'header', required: false, description: 'Your id for the request (1 to 128 of `[A-Za-z0-9_.:-]`), echoed and logged.', schema: STRING },
      },
      headers: {
        'X-Request-Id': { description: "The request's id: yours when valid, else a new UUID.", required: true, schema: { type: 'string', minLength: 1 } },
        'Retry-After': { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
        'Idempotent-Replayed': { description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key.', required: false, schema: { const: 'true' } },
      },
      schemas: {
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
            serviceMappings: { type: 'array', items: ref('SigSentryServiceMapping') },
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
          serviceMappings: { type: 'array', items: ref('SigSentryServiceMapping') },
          credentialsHint: { ...STRING, description: 'A masked hint of the stored credentials, never the credentials.' },
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
              code: { type: 'string', enum: sigsentryCodes },
              message: STRING,
              details: { type: 'array', minItems: 1, items: object({ field: { ...nullable(STRING), description: 'The field, as a path: `serviceMappings[0].repo`.' }, message: STRING }) },
            },
            ['code', 'message'],
          ),
        }),
        HeimdallSourceType: { type: 'string', enum: ['git_url', 'github', 'gitlab', 'bitbucket'] },
        HeimdallSeverity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
        HeimdallCreateRepositoryInput: {
          type: 'object',
          properties: {
            name: STRING,
            source_type: { ...ref('HeimdallSourceType'), default: 'git_url' },
            remote_url: { ...STRING, description: 'Required for git_url.' },
            default_branch: { ...STRING, description: "Defaults to the remote's default branch." },
            issue_auto_create_enabled: { type: 'boolean', default: false },
            issue_auto_create_min_severity: { ...ref('HeimdallSeverity'), default: 'high' },
          },
          required: ['name'],
        },
        HeimdallRepository: object({
          id: STRING,
          user_id: nullable(STRING),
          org_id: nullable(STRING),
          name: STRING,
          source_type: ref('HeimdallSourceType'),
          remote_url: nullable(STRING),
          default_branch: STRING,
          last_commit_sha: nullable(STRING),
          oauth_connection_id: nullable(STRING),
          issue_auto_create_enabled: { type: 'boolean' },
          issue_auto_create_min_severity: ref('HeimdallSeverity'),
          created_at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
          updated_at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
          deleted_at: { type: ['string', 'null'], pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
        }),
        HeimdallRepositoryList: object({
          success: { const: true },
          data: { type: 'array', items: ref('HeimdallRepository') },
          pagination: object({ total: { type: 'integer', minimum: 0 }, has_more: { type: 'boolean' }, next_cursor: nullable(STRING) }),
        }),
        HeimdallError: object({ success: { const: false }, code: { type: 'integer' }, message: STRING }),
      },
    },
  };
}

/** docs/openapi.json, from src/rest/ (ts-jest) or dist/src/rest/ (npm start) alike. */
export const OPENAPI_FILE = [path.resolve(__dirname, '..', '..', 'docs', 'openapi.json'), path.resolve(__dirname, '..', '..', '..', 'docs', 'openapi.json')].find(existsSync) ?? path.resolve(__dirname, '..', '..', 'docs', 'openapi.json');

/** The document as JSON text, exactly as docs/openapi.json holds it. */
export const openApiText = () => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

/** GET /openapi.json: the file in docs/, read once. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  const text = readFileSync(OPENAPI_FILE, 'utf8');
  app.get('/openapi.json', (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(text));
}
