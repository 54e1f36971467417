import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from './config';
import type { UserError } from './errors';
import { createLoaders, type Loaders } from './loaders';
import type { Viewer } from './modules/auth/viewer';
import type { BeforeCommitHook } from './db/transaction';
import type { Services } from './services';
import type { DataSource, EntityManager } from 'typeorm';

export interface GraphQLContext {
  requestId: string;
  /** The request's database handle: the pool, or the request's own transaction when it has one. */
  db: EntityManager;
  config: Config;
  viewer: Viewer | null;
  services: Services;
  loaders: Loaders;
  /** The `Idempotency-Key` header, when the request carries one. */
  idempotencyKey: string | null;
  /** Hooks a mutation's transaction runs before it commits. */
  beforeCommit: BeforeCommitHook[];
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
