import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from './config';
import type { UserError } from './errors';
import { createLoaders } from './loaders';
import type { RequestScope } from './request-scope';
import type { Services } from './services';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * What resolvers get: the request's scope (viewer, database handle, loaders, before-commit hooks:
 * all a service method is given) and what only the GraphQL layer uses (the services to call, the
 * configuration, the idempotency state of the request).
 */
export interface GraphQLContext extends RequestScope {
  requestId: string;
  config: Config;
  services: Services;
  /** The `Idempotency-Key` header, when the request carries one. */
  idempotencyKey: string | null;
  /** Set when the request's Idempotency-Key is refused: every mutation answers with it and does nothing. */
  idempotencyRefusal: UserError | null;
}

export interface ContextDeps {
  dataSource: DataSource;
  config: Config;
  services: Services;
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() ? first.trim() : null;
}

function cookie(headers: IncomingHttpHeaders, name: string): string | null {
  for (const part of (header(headers, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim()) || null;
  }
  return null;
}

/** The bearer token of a request: `Authorization: Bearer …`, else the `session` cookie. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const authorization = header(headers, 'authorization');
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  return cookie(headers, 'session');
}

/**
 * The same request, running inside its own transaction (an idempotent request stores its response
 * there): the caller is already known, only the database handle and the loaders on it change.
 */
export function onTransaction(ctx: GraphQLContext, db: EntityManager): GraphQLContext {
  return { ...ctx, db, loaders: createLoaders(db, ctx.viewer), beforeCommit: [] };
}

/** Builds the context of one request: who is calling, in which project, with fresh loaders. */
export async function buildContext(deps: ContextDeps, headers: IncomingHttpHeaders, requestId?: string): Promise<GraphQLContext> {
  const db = deps.dataSource.manager;
  const viewer = await deps.services.auth.authenticate({
    token: bearerToken(headers),
    projectId: header(headers, 'x-project-id'),
  });
  return {
    requestId: requestId ?? header(headers, 'x-request-id') ?? randomUUID(),
    db,
    config: deps.config,
    viewer,
    services: deps.services,
    loaders: createLoaders(db, viewer),
    idempotencyKey: header(headers, 'idempotency-key'),
    beforeCommit: [],
    idempotencyRefusal: null,
  };
}
