import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Lexer, Source, TokenKind } from 'graphql';

/** What the log line and the metrics say about one finished request. */
export interface RequestInfo {
  method: string;
  /** The route's pattern (`/v1/config/repos/:id`), never the raw URL: ids and query strings stay out of labels. */
  route: string;
  /** The path without its query string (a GraphQL GET carries its variables there). */
  path: string;
  /** The GraphQL operation's name (a valid GraphQL name, at most 64 characters), or null. */
  operation: string | null;
  status: number;
  /** The first GraphQL error's `extensions.code` when the response has errors, else the status class (`2xx`). */
  outcome: string;
  durationMs: number;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const GRAPHQL_ROUTE = '/graphql';

/**
 * The name of each document's only operation, for the documents clients send again and again:
 * lexing every request's document showed in the profiles of small requests (a third of what
 * logging and metrics cost per request). Bounded: documents up to 16 KiB, 500 of them, the oldest
 * dropped first; a longer document is lexed each time.
 */
const nameByDocument = new Map<string, string | null>();
const CACHED_DOCUMENT_CHARS = 16_384;
const CACHED_DOCUMENTS = 500;

/**
 * The name of the operation a GraphQL request runs: its `operationName`, else the name of the
 * document's only operation. The document is only lexed (no AST), once per distinct document.
 */
export function graphqlOperationName(request: FastifyRequest): string | null {
  const params = (request.method === 'GET' ? request.query : request.body) as { query?: unknown; operationName?: unknown } | null;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
  if (typeof params.operationName === 'string') return NAME.test(params.operationName) ? params.operationName : null;
  const query = params.query;
  if (typeof query !== 'string') return null;
  if (query.length > CACHED_DOCUMENT_CHARS) return onlyOperationName(query);
  const known = nameByDocument.get(query);
  if (known !== undefined) return known;
  const name = onlyOperationName(query);
  if (nameByDocument.size >= CACHED_DOCUMENTS) nameByDocument.delete(nameByDocument.keys().next().value!);
  nameByDocument.set(query, name);
  return name;
}

/** The name of a document's only operation; null for an anonymous one, several, or a document that does not lex. */
function onlyOperationName(query: string): string | null {
  try {
    const lexer = new Lexer(new Source(query));
    let braces = 0;
    let parens = 0;
    let operations = 0;
    let name: string | null = null;
    // After `query`/`mutation`/`subscription`/`fragment` at the top level: the next `{` opens that definition.
    let pending: 'operation' | 'fragment' | null = null;
    let expectName = false;
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      const top = braces === 0 && parens === 0;
      if (expectName) {
        if (token.kind === TokenKind.NAME && operations === 1) name = token.value;
        expectName = false;
      }
      if (token.kind === TokenKind.PAREN_L) parens += 1;
      else if (token.kind === TokenKind.PAREN_R) parens -= 1;
      else if (token.kind === TokenKind.BRACE_R) braces -= 1;
      else if (token.kind === TokenKind.BRACE_L) {
        // A `{` that no keyword announced is an anonymous query (`{ viewer { … } }`).
        if (top && pending === null) operations += 1;
        if (top) pending = null;
        braces += 1;
      } else if (top && pending === null && token.kind === TokenKind.NAME) {
        if (token.value === 'fragment') pending = 'fragment';
        else if (['query', 'mutation', 'subscription'].includes(token.value)) {
          pending = 'operation';
          operations += 1;
          expectName = true;
        }
      }
    }
    return operations === 1 && name !== null && NAME.test(name) ? name : null;
  } catch {
    return null;
  }
}

/** `{"errors":[…` is how Apollo (errors first) and our own handlers write a failed GraphQL response. */
function graphqlErrorCode(payload: unknown): string | null {
  if (typeof payload !== 'string' || !payload.startsWith('{"errors":')) return null;
  // Inside JSON strings a quote is escaped, so the first unescaped `"code":"` is the first error's code.
  const match = /"code":"([A-Z][A-Z0-9_]{0,63})"/.exec(payload);
  return match ? match[1] : null;
}

/** What the hooks learn about a request before its summary: its route and the first GraphQL error code of its body. */
interface Seen {
  route: string | undefined;
  errorCode: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the onSend hook of src/observability/request-info.ts. */
    repolinkSeen: Seen | null;
    /** The request's summary, once describeRequest made it. */
    repolinkInfo: RequestInfo | null;
  }
}

const registered = new WeakSet<FastifyInstance>();

/** Records what only the response body shows (the GraphQL error code); logging and metrics both call it. */
export function registerRequestInfo(app: FastifyInstance): void {
  if (registered.has(app)) return;
  registered.add(app);
  // Request properties declared up front keep the request objects' shape (a WeakMap per request showed in profiles).
  app.decorateRequest('repolinkSeen', null);
  app.decorateRequest('repolinkInfo', null);
  // Callback hooks, not async ones: an async hook costs a promise and a turn of the microtask queue per request.
  app.addHook('onSend', (request, _reply, payload, done) => {
    // Fastify builds routeOptions anew at each access: read once per request, kept for the summary.
    const route = request.routeOptions.url;
    request.repolinkSeen = { route, errorCode: route === GRAPHQL_ROUTE ? graphqlErrorCode(payload) : null };
    done(null, payload);
  });
}

/** The request's summary, computed once and shared by the log line and the metrics. */
export function describeRequest(request: FastifyRequest, reply: FastifyReply): RequestInfo {
  if (request.repolinkInfo) return request.repolinkInfo;
  const seen = request.repolinkSeen;
  const route = seen ? seen.route : request.routeOptions.url;
  const status = reply.statusCode;
  const info: RequestInfo = {
    method: request.method,
    route: route ?? 'unmatched',
    path: request.url.split('?')[0],
    operation: route === GRAPHQL_ROUTE ? graphqlOperationName(request) : null,
    status,
    outcome: seen?.errorCode ?? `${Math.floor(status / 100)}xx`,
    durationMs: Math.round(reply.elapsedTime * 100) / 100,
  };
  request.repolinkInfo = info;
  return info;
}
