import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, getOperationAST, parse } from 'graphql';
import { onTransaction, type GraphQLContext } from '../context';
import { AppError, ErrorCode, userError, withHttpStatus } from '../errors';
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_PROBLEM, type IdempotencyService } from '../modules/idempotency/idempotency.service';
import { readFromReplicas } from '../db/replicas';
import type { TrustedDocuments } from './trusted-documents';

/** Builds a request's context: authenticates the caller and counts the request for rate limits. Once per request. */
export type ContextFactory = (headers: Record<string, string | string[] | undefined>, requestId?: string) => Promise<GraphQLContext>;

const setHeader = Map.prototype.set as (this: HeaderMap, key: string, value: string) => HeaderMap;

export function toHttpGraphQLRequest(request: FastifyRequest): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  // Node's header names are lower-case already: Map's own set skips HeaderMap's toLowerCase.
  const raw = request.headers;
  for (const key in raw) {
    const value = raw[key];
    if (value) setHeader.call(headers, key, Array.isArray(value) ? value.join(', ') : value);
  }
  const q = request.url.indexOf('?');
  return { body: request.body, method: request.method.toUpperCase(), headers, search: q === -1 ? '' : request.url.slice(q) };
}

async function bodyText(response: HTTPGraphQLResponse): Promise<string> {
  if (response.body.kind === 'complete') return response.body.string;
  let text = '';
  for await (const chunk of response.body.asyncIterator) text += chunk;
  return text;
}

function send(reply: FastifyReply, response: HTTPGraphQLResponse, body: string): FastifyReply {
  for (const [name, value] of response.headers) void reply.header(name, value);
  return reply.code(response.status ?? 200).send(body);
}

/**
 * What a GraphQL response came to, for the idempotency rule (`isStoredOutcome`): the
 * `extensions.code` of each error and the `code` of each mutation payload's `userErrors` (a user
 * error whose code was not selected counts as unknown, so it is not stored). A response that is not
 * JSON, or an HTTP error without errors, is an internal error.
 */
export function graphQLFailures(status: number, body: string): string[] {
  let parsed: { errors?: { extensions?: { code?: unknown } }[]; data?: Record<string, { userErrors?: { code?: unknown }[] } | null> | null };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return [ErrorCode.INTERNAL_SERVER_ERROR];
  }
  const failures: string[] = [];
  for (const error of parsed.errors ?? []) failures.push(String(error.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR));
  if (status !== 200 && failures.length === 0) failures.push(ErrorCode.INTERNAL_SERVER_ERROR);
  for (const payload of Object.values(parsed.data ?? {})) {
    const userErrors = payload?.userErrors;
    if (Array.isArray(userErrors)) for (const e of userErrors) failures.push(String(e?.code ?? 'UNKNOWN'));
  }
  return failures;
}

/** A failed context (authentication, rate limit, database away) as Apollo would answer it. */
function sendContextFailure(reply: FastifyReply, error: unknown): FastifyReply {
  const e = error instanceof GraphQLError ? error : new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  const { http, ...extensions } = e.extensions as { http?: { status?: number; headers?: Map<string, string> } };
  for (const [name, value] of http?.headers ?? []) void reply.header(name, value);
  return reply
    .code(http?.status ?? 500)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ errors: [{ message: e.message, extensions }] }));
}

/**
 * Whether each document (with its operation name) is a mutation, for the documents clients send
 * again and again: parsing every POST a second time (Apollo parses it too, from its own cache) showed
 * in the profiles. Bounded: documents up to 16 KiB, 500 of them, the oldest dropped first.
 */
const mutationByDocument = new Map<string, boolean>();
const CACHED_DOCUMENT_CHARS = 16_384;
const CACHED_DOCUMENTS = 500;

function isMutation(body: unknown): body is { query: string; operationName?: string | null; variables?: unknown } {
  const b = body as { query?: unknown; operationName?: unknown } | null;
  if (!b || typeof b.query !== 'string') return false;
  const name = typeof b.operationName === 'string' ? b.operationName : undefined;
  const key = b.query.length <= CACHED_DOCUMENT_CHARS ? `${name ?? ''}\u0000${b.query}` : null;
  const known = key === null ? undefined : mutationByDocument.get(key);
  if (known !== undefined) return known;
  let mutation = false;
  try {
    mutation = getOperationAST(parse(b.query), name)?.operation === 'mutation';
  } catch {
    mutation = false;
  }
  if (key !== null) {
    if (mutationByDocument.size >= CACHED_DOCUMENTS) mutationByDocument.delete(mutationByDocument.keys().next().value!);
    mutationByDocument.set(key, mutation);
  }
  return mutation;
}

/**
 * GET/POST /graphql through Apollo. A mutation sent with an `Idempotency-Key` runs once per key and
 * caller: inside the idempotency transaction, so its work and its stored response commit together.
 * Trusted documents (persisted, sent by id) are let in, or refused, first (`trusted-documents.ts`).
 */
export function registerGraphQLRoute(
  app: FastifyInstance,
  apollo: ApolloServer<GraphQLContext>,
  contextFor: ContextFactory,
  idempotency: IdempotencyService,
  preHandle?: (request: FastifyRequest, reply: FastifyReply) => boolean,
  trusted?: TrustedDocuments,
): void {
  /** Runs the request through Apollo; with no context given, Apollo builds it (and reports its failures). */
  const execute = async (request: FastifyRequest, ctx?: GraphQLContext) => {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: toHttpGraphQLRequest(request),
      context: ctx ? async () => ctx : () => contextFor(request.headers, request.id),
    });
    return { response, body: await bodyText(response) };
  };

  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: async (request, reply) => {
      if (preHandle?.(request, reply)) return reply;
      // A document named by its id becomes its text here; a cookie-borne free-form one may be refused.
      const refused = trusted?.admit(request);
      if (refused) return reply.code(refused.status).send(refused.body);
      const key = request.headers['idempotency-key'];
      const operation = request.body;
      if (request.method !== 'POST' || !isMutation(operation)) {
        // Queries read from the replicas when there are any (Apollo refuses a mutation sent by GET).
        const { response, body } = await readFromReplicas(() => execute(request));
        return send(reply, response, body);
      }
      if (typeof key !== 'string') {
        const { response, body } = await execute(request);
        return send(reply, response, body);
      }
      if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
        return reply.code(400).send({ errors: [{ message: `Idempotency-Key ${IDEMPOTENCY_KEY_PROBLEM}`, extensions: { code: 'BAD_USER_INPUT', field: 'Idempotency-Key' } }] });
      }
      let ctx: GraphQLContext;
      try {
        ctx = await contextFor(request.headers, request.id);
      } catch (error) {
        // Reported in GraphQL's own format, as Apollo reports a failed context.
        return sendContextFailure(reply, error);
      }
      const { viewer } = ctx;
      if (viewer === null) {
        const { response, body } = await execute(request, ctx);
        return send(reply, response, body);
      }
      const { query, operationName, variables } = operation;
      const answer = await idempotency.run({
        scope: viewer.principal,
        key,
        fingerprint: { transport: 'graphql', query, operationName: operationName ?? null, variables: variables ?? {} },
        execute: async (db) => {
          const { response, body } = await execute(request, onTransaction(ctx, db));
          const status = response.status ?? 200;
          return { status, body, failures: graphQLFailures(status, body), response };
        },
      });
      if (answer.kind === 'executed') return send(reply, answer.execution.response, answer.execution.body);
      if (answer.kind === 'replayed') {
        return reply.code(answer.status).header('content-type', 'application/json; charset=utf-8').header('idempotent-replayed', 'true').send(answer.body);
      }
      if (answer.code === 'SERVICE_UNAVAILABLE') return sendContextFailure(reply, withHttpStatus(new AppError(ErrorCode.SERVICE_UNAVAILABLE, answer.message)));
      // Refused: the operation runs with every mutation answering the idempotency user error.
      const { response, body } = await execute(request, { ...ctx, idempotencyRefusal: userError(answer.code, null, answer.message) });
      return send(reply, response, body);
    },
  });
}
