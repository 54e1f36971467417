import { CURSOR, LIMIT, STRING, WHEN, nullable, object, operation, queryParam, ref, success, type LegacyApi, type OperationSpec, type Schema } from './openapi-parts';

/** The OpenAPI description of Heimdall's repository routes (heimdall.routes.ts). */

// Examples, word for word from the seed documents (test/fixtures/seeds/; test/openapi.test.ts compares them).
export const HEIMDALL_SEED_EXAMPLES = {
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

export const HEIMDALL_TAG = { name: 'Heimdall', description: 'Heimdall repositories: snake_case, errors as `{"success":false,"code":<status>,"message"}`.' };

/** Heimdall's error envelope carries the HTTP status as its `code`. */
const HEIMDALL: LegacyApi = {
  tag: HEIMDALL_TAG.name,
  security: [{ session: [] }, { apiKey: [] }],
  errorResponse: (status, codes) => ({
    description: codes.map((c) => WHEN[c]).join('. '),
    schema: { allOf: [ref('HeimdallError')], properties: { code: { const: status } } },
    example:
      status === 401 ? HEIMDALL_SEED_EXAMPLES.heimdallUnauthorized : { success: false, code: status, message: status === 500 ? 'Internal server error' : WHEN[codes[0]] },
  }),
};

const heimdallOperation = (spec: OperationSpec) => operation(HEIMDALL, spec);

export function heimdallPaths(): Record<string, Record<string, unknown>> {
  const { heimdallGitUrl, heimdallGithub, heimdallGitlab, heimdallCreated } = HEIMDALL_SEED_EXAMPLES;
  return {
    '/api/repos': {
      get: heimdallOperation({
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
      post: heimdallOperation({
        method: 'post',
        operationId: 'heimdallCreateRepository',
        summary: 'Create Repository',
        permission: 'config:write',
        body: { schema: ref('HeimdallCreateRepositoryInput'), examples: { gitUrl: heimdallGitUrl, github: heimdallGithub, gitlab: heimdallGitlab } },
        success: { status: 201, description: 'Created', schema: success(ref('HeimdallRepository')), example: heimdallCreated },
        failures: ['QUOTA_EXCEEDED', 'CONFLICT'],
      }),
    },
    '/api/repos/{id}': {
      get: heimdallOperation({
        method: 'get',
        operationId: 'heimdallGetRepository',
        summary: 'Read one repository (deleted ones too, with deleted_at)',
        permission: 'config:read',
        pathId: 'The repository id.',
        success: { status: 200, description: 'The repository', schema: success(ref('HeimdallRepository')) },
        failures: ['NOT_FOUND'],
      }),
      delete: heimdallOperation({
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
}

export function heimdallSchemas(): Record<string, Schema> {
  // Heimdall's timestamps: whole seconds in UTC, as the contract's examples write them.
  const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' };
  return {
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
      created_at: timestamp,
      updated_at: timestamp,
      deleted_at: { type: ['string', 'null'], pattern: timestamp.pattern },
    }),
    HeimdallRepositoryList: object({
      success: { const: true },
      data: { type: 'array', items: ref('HeimdallRepository') },
      pagination: object({ total: { type: 'integer', minimum: 0 }, has_more: { type: 'boolean' }, next_cursor: nullable(STRING) }),
    }),
    HeimdallError: object({ success: { const: false }, code: { type: 'integer' }, message: STRING }),
  };
}
