import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {
  RestConnectReposMutation,
  RestDeleteRepoConnectionMutation,
  RestInvalidateRepoConnectionCacheMutation,
  RestRepoConnectionFragment,
  RestRepoConnectionQuery,
  RestRepoConnectionsQuery,
  RestReplaceRepoConnectionMutation,
} from '../generated/operations';
import { enumNamesByValue, enumValues } from '../enums';
import { FAILURES, failureFromUserErrors, fieldPath, type Failure } from './rest-errors';
import type { RestExecutor, RestResponse } from './rest-executor';

/** SigSentry's error envelope: `{"success":false,"error":{"code","message","details"?}}`. */
export function sigsentryFailure(failure: Failure): RestResponse {
  const { status, sigsentry } = FAILURES[failure.code];
  // The document's own 401 message; a session token (not part of SigSentry's contract) is named as such.
  const message = failure.code !== 'UNAUTHENTICATED' ? failure.message : failure.credential === 'session' ? 'Missing or invalid session token' : 'Missing or invalid API key';
  const error: Record<string, unknown> = { code: sigsentry, message };
  if (failure.details.length > 0) error.details = failure.details.map((d) => ({ field: fieldPath(d.field), message: d.message }));
  return {
    status,
    body: { success: false, error },
    headers: failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : undefined,
    failure: failure.code,
  };
}

/** A documented platform value → the GraphQL enum name (src/enums.ts). */
const PLATFORMS = enumNamesByValue('Platform');

const pick = (value: unknown, keys: string[]): unknown => {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
};

/**
 * The documented body as GraphQL variables: the same fields (documented ones only), platform as
 * the GraphQL enum. Values keep their JSON types, so GraphQL's own coercion judges them.
 */
export function connectReposVariables(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {
    platform: typeof body.platform === 'string' ? (PLATFORMS.get(body.platform) ?? body.platform) : body.platform,
    credentials: pick(body.credentials, ['token', 'username', 'appPassword', 'baseUrl']),
    baseUrl: body.baseUrl,
    repositories: body.repositories,
    serviceMappings: Array.isArray(body.serviceMappings)
      ? body.serviceMappings.map((m) => pick(m, ['serviceName', 'repo', 'pathPrefix', 'defaultBranch']))
      : body.serviceMappings,
    lookbackDays: body.lookbackDays,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** How a connection reads over REST: never its credentials, only the masked hint. */
export function sigsentryConnection(c: RestRepoConnectionFragment) {
  return {
    id: c.id,
    platform: enumValues.Platform[c.platform],
    baseUrl: c.baseUrl,
    lookbackDays: c.lookbackDays,
    repositories: c.repositories.map((r) => r.path),
    serviceMappings: c.serviceMappings.map((m) => ({ serviceName: m.serviceName, repo: m.repository.path, pathPrefix: m.pathPrefix, defaultBranch: m.defaultBranch })),
    credentialsHint: c.credentialsHint,
    cacheInvalidatedAt: c.cacheInvalidatedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function bodyObject(request: FastifyRequest): Record<string, unknown> | Failure {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { code: 'BAD_USER_INPUT', message: 'The request body must be a JSON object', details: [{ field: null, message: 'The request body must be a JSON object' }] };
  }
  return body as Record<string, unknown>;
}

/** `?verify=true` (an addition to the documented routes): ask the platform before saving. */
function verifyFlag(query: unknown): boolean | Failure {
  const value = (query as { verify?: unknown } | null)?.verify;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return { code: 'BAD_USER_INPUT', message: 'A field failed validation', details: [{ field: ['verify'], message: 'verify must be true or false' }] };
}

const isFailure = (value: unknown): value is Failure => typeof value === 'object' && value !== null && 'code' in value && 'details' in value;

type Payload = { repoConnection: RestRepoConnectionFragment | null; userErrors: { code: string; field: string[] | null; message: string }[] };

function payloadResponse(payload: Payload, status: number, data: (c: RestRepoConnectionFragment) => unknown): RestResponse {
  if (payload.userErrors.length > 0 || !payload.repoConnection) return sigsentryFailure(failureFromUserErrors(payload.userErrors));
  return { status, body: { success: true, data: data(payload.repoConnection) } };
}

const brief = (c: RestRepoConnectionFragment) => ({ id: c.id, platform: enumValues.Platform[c.platform] });

/** POST/PUT/DELETE/GET /v1/config/repos…: each one GraphQL operation. */
export function registerSigSentryRoutes(app: FastifyInstance, rest: RestExecutor): void {
  app.post('/v1/config/repos', (request, reply) =>
    rest.handle(request, reply, sigsentryFailure, async (ctx) => {
      const body = bodyObject(request);
      if (isFailure(body)) return sigsentryFailure(body);
      const verify = verifyFlag(request.query);
      if (isFailure(verify)) return sigsentryFailure(verify);
      const result = await rest.run<RestConnectReposMutation>(ctx, 'RestConnectRepos', { input: connectReposVariables(body), verify });
      if (!result.ok) return sigsentryFailure(result.failure);
      return payloadResponse(result.data.connectRepos, 201, brief);
    }),
  );

  app.put<{ Params: { id: string } }>('/v1/config/repos/:id', (request, reply) =>
    rest.handle(request, reply, sigsentryFailure, async (ctx) => {
      const body = bodyObject(request);
      if (isFailure(body)) return sigsentryFailure(body);
      const verify = verifyFlag(request.query);
      if (isFailure(verify)) return sigsentryFailure(verify);
      const result = await rest.run<RestReplaceRepoConnectionMutation>(ctx, 'RestReplaceRepoConnection', { input: { ...connectReposVariables(body), id: request.params.id }, verify });
      if (!result.ok) return sigsentryFailure(result.failure);
      return payloadResponse(result.data.replaceRepoConnection, 200, brief);
    }),
  );

  app.delete<{ Params: { id: string } }>('/v1/config/repos/:id', (request, reply) =>
    rest.handle(request, reply, sigsentryFailure, async (ctx) => {
      const result = await rest.run<RestDeleteRepoConnectionMutation>(ctx, 'RestDeleteRepoConnection', { id: request.params.id });
      if (!result.ok) return sigsentryFailure(result.failure);
      return payloadResponse(result.data.deleteRepoConnection, 200, (c) => ({ ...brief(c), deleted: true }));
    }),
  );

  app.post<{ Params: { id: string } }>('/v1/config/repos/:id/invalidate-cache', (request, reply) =>
    rest.handle(request, reply, sigsentryFailure, async (ctx) => {
      const result = await rest.run<RestInvalidateRepoConnectionCacheMutation>(ctx, 'RestInvalidateRepoConnectionCache', { id: request.params.id });
      if (!result.ok) return sigsentryFailure(result.failure);
      return payloadResponse(result.data.invalidateRepoConnectionCache, 200, (c) => ({ ...brief(c), cacheInvalidatedAt: c.cacheInvalidatedAt }));
    }),
  );

  app.get<{ Params: { id: string } }>('/v1/config/repos/:id', (request, reply) =>
    rest.handle(request, reply, sigsentryFailure, async (ctx) => {
      const result = await rest.run<RestRepoConnectionQuery>(ctx, 'RestRepoConnection', { id: request.params.id });
      if (!result.ok) return sigsentryFailure(result.failure);
      // A deleted connection is gone for SigSentry callers (GraphQL still shows it with deletedAt).
      if (!result.data.repoConnection || result.data.repoConnection.deletedAt !== null) {
        return sigsentryFailure({ code: 'NOT_FOUND', message: 'Repo connection not found', details: [] });
      }
      return { status: 200, body: { success: true, data: sigsentryConnection(result.data.repoConnection) } };
    }),
  );

  app.get<{ Querystring: { limit?: string; cursor?: string; platform?: string } }>('/v1/config/repos', (request, reply) =>
    rest.handle(request, reply, sigsentryFailure, async (ctx) => {
      const { limit, cursor, platform } = request.query;
      const first = limit === undefined ? 20 : Number(limit);
      const variables: Record<string, unknown> = { first: Number.isInteger(first) ? first : -1, after: cursor ?? null };
      if (platform !== undefined) variables.filter = { platform: PLATFORMS.get(platform) ?? platform };
      const result = await rest.run<RestRepoConnectionsQuery>(ctx, 'RestRepoConnections', variables);
      if (!result.ok) return sigsentryFailure(rename(result.failure, { first: 'limit', after: 'cursor' }));
      const page = result.data.repoConnections;
      return {
        status: 200,
        body: {
          success: true,
          data: page.edges.map((e) => sigsentryConnection(e.node)),
          pagination: { total: page.totalCount, hasMore: page.pageInfo.hasNextPage, nextCursor: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null },
        },
      };
    }),
  );
}

/** Names GraphQL arguments by their query-string names in a failure. */
export function rename(failure: Failure, names: Record<string, string>): Failure {
  const swap = (text: string) => Object.entries(names).reduce((t, [from, to]) => t.replaceAll(`\`${from}\``, `\`${to}\``).replace(new RegExp(`\\b${from}\\b`, 'g'), to), text);
  return { ...failure, message: swap(failure.message), details: failure.details.map((d) => ({ field: d.field?.map((f) => names[f] ?? f) ?? null, message: swap(d.message) })) };
}
