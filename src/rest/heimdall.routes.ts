import type { FastifyInstance } from 'fastify';
import type {
  RestCreateRepositoryMutation,
  RestDeleteRepositoryMutation,
  RestRepositoriesQuery,
  RestRepositoryFragment,
  RestRepositoryQuery,
} from '../generated/operations';
import { enumNamesByValue, enumValues } from '../enums';
import { FAILURES, failureFromUserErrors, fieldPath, type Failure } from './rest-errors';
import type { RestExecutor, RestResponse } from './rest-executor';
import { rename } from './sigsentry.routes';

const SNAKE: Record<string, string> = {
  name: 'name',
  sourceType: 'source_type',
  remoteUrl: 'remote_url',
  defaultBranch: 'default_branch',
  issueAutoCreateEnabled: 'issue_auto_create_enabled',
  issueAutoCreateMinSeverity: 'issue_auto_create_min_severity',
  first: 'limit',
  after: 'cursor',
};

/** Heimdall speaks snake_case: field names in messages follow. */
function snakeText(text: string): string {
  return text
    .replace(/\b(sourceType|remoteUrl|defaultBranch|issueAutoCreateEnabled|issueAutoCreateMinSeverity)\b/g, (m) => SNAKE[m])
    .replace(/\bGIT_URL\b/g, 'git_url');
}

/** Heimdall's error envelope: `{"success":false,"code":<status>,"message":…}`. */
export function heimdallFailure(failure: Failure): RestResponse {
  const { status } = FAILURES[failure.code];
  let message: string;
  if (failure.code === 'UNAUTHENTICATED') message = 'Authentication required';
  else if (failure.code === 'INTERNAL_SERVER_ERROR') message = 'Internal server error';
  else if (failure.code === 'BAD_USER_INPUT' && failure.details.length > 0) {
    message = failure.details
      .map((d) => {
        const text = snakeText(d.message);
        const field = fieldPath(d.field, (n) => SNAKE[n] ?? n);
        return field && !text.includes(field) ? `${field}: ${text}` : text;
      })
      .join('; ');
  } else message = snakeText(failure.message);
  return {
    status,
    body: { success: false, code: status, message },
    headers: failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : undefined,
    failure: failure.code,
  };
}

/** ISO-8601 UTC to the second, as the document shows (`2026-03-12T10:30:00Z`). */
const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** The documented response object, field for field and in the document's order. */
export function heimdallRepository(r: RestRepositoryFragment) {
  return {
    id: r.id,
    user_id: r.userId,
    org_id: r.orgId,
    name: r.name,
    source_type: enumValues.SourceType[r.sourceType],
    remote_url: r.remoteUrl,
    default_branch: r.defaultBranch,
    last_commit_sha: r.lastCommitSha,
    oauth_connection_id: r.oauthConnectionId,
    issue_auto_create_enabled: r.issueAutoCreateEnabled,
    issue_auto_create_min_severity: enumValues.Severity[r.issueAutoCreateMinSeverity],
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    deleted_at: iso(r.deletedAt),
  };
}

/** Documented values → GraphQL enum names (src/enums.ts). */
const SOURCE_TYPES = enumNamesByValue('SourceType');
const SEVERITIES = enumNamesByValue('Severity');

export function createRepositoryVariables(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {
    name: body.name,
    sourceType: typeof body.source_type === 'string' ? (SOURCE_TYPES.get(body.source_type) ?? body.source_type) : body.source_type,
    remoteUrl: body.remote_url,
    defaultBranch: body.default_branch,
    issueAutoCreateEnabled: body.issue_auto_create_enabled,
    issueAutoCreateMinSeverity:
      typeof body.issue_auto_create_min_severity === 'string' ? (SEVERITIES.get(body.issue_auto_create_min_severity) ?? body.issue_auto_create_min_severity) : body.issue_auto_create_min_severity,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** POST/GET/DELETE /api/repos…: each one GraphQL operation. */
export function registerHeimdallRoutes(app: FastifyInstance, rest: RestExecutor): void {
  app.post('/api/repos', (request, reply) =>
    rest.handle(request, reply, heimdallFailure, async (ctx) => {
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return heimdallFailure({ code: 'BAD_USER_INPUT', message: 'The request body must be a JSON object', details: [] });
      }
      const result = await rest.run<RestCreateRepositoryMutation>(ctx, 'RestCreateRepository', { input: createRepositoryVariables(body as Record<string, unknown>) });
      if (!result.ok) return heimdallFailure(result.failure);
      const { repository, userErrors } = result.data.createRepository;
      if (userErrors.length > 0 || !repository) return heimdallFailure(failureFromUserErrors(userErrors));
      return { status: 201, body: { success: true, data: heimdallRepository(repository) } };
    }),
  );

  app.get<{ Params: { id: string } }>('/api/repos/:id', (request, reply) =>
    rest.handle(request, reply, heimdallFailure, async (ctx) => {
      const result = await rest.run<RestRepositoryQuery>(ctx, 'RestRepository', { id: request.params.id });
      if (!result.ok) return heimdallFailure(result.failure);
      if (!result.data.repository) return heimdallFailure({ code: 'NOT_FOUND', message: 'Repository not found', details: [] });
      return { status: 200, body: { success: true, data: heimdallRepository(result.data.repository) } };
    }),
  );

  app.delete<{ Params: { id: string } }>('/api/repos/:id', (request, reply) =>
    rest.handle(request, reply, heimdallFailure, async (ctx) => {
      const result = await rest.run<RestDeleteRepositoryMutation>(ctx, 'RestDeleteRepository', { id: request.params.id });
      if (!result.ok) return heimdallFailure(result.failure);
      const { repository, userErrors } = result.data.deleteRepository;
      if (userErrors.length > 0 || !repository) return heimdallFailure(failureFromUserErrors(userErrors));
      return { status: 200, body: { success: true, data: heimdallRepository(repository) } };
    }),
  );

  app.get<{ Querystring: { limit?: string; cursor?: string; source_type?: string; include_deleted?: string } }>('/api/repos', (request, reply) =>
    rest.handle(request, reply, heimdallFailure, async (ctx) => {
      const { limit, cursor, source_type: sourceType, include_deleted: includeDeleted } = request.query;
      const first = limit === undefined ? 20 : Number(limit);
      const filter: Record<string, unknown> = { includeDeleted: includeDeleted === 'true' };
      if (sourceType !== undefined) filter.sourceType = SOURCE_TYPES.get(sourceType) ?? sourceType;
      const result = await rest.run<RestRepositoriesQuery>(ctx, 'RestRepositories', { first: Number.isInteger(first) ? first : -1, after: cursor ?? null, filter });
      if (!result.ok) return heimdallFailure(rename(result.failure, { first: 'limit', after: 'cursor', sourceType: 'source_type' }));
      const page = result.data.repositories;
      return {
        status: 200,
        body: {
          success: true,
          data: page.edges.map((e) => heimdallRepository(e.node)),
          pagination: { total: page.totalCount, has_more: page.pageInfo.hasNextPage, next_cursor: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null },
        },
      };
    }),
  );
}
