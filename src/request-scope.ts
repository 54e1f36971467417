import type { EntityManager } from 'typeorm';
import type { BeforeCommitHook } from './db/transaction';
import type { Loaders } from './loaders';
import type { Viewer } from './modules/auth/viewer';

/**
 * What a service method gets from the request it serves, and nothing more: who is calling, the
 * request's database handle, its loaders, and the hooks its transaction runs before COMMIT.
 * GraphQLContext (context.ts) extends it; a service never sees the rest of the context (other
 * services, configuration: those come through its constructor, wired in createServices).
 */
export interface RequestScope {
  viewer: Viewer | null;
  /** The pool, or the request's own transaction when it has one (an idempotent request). */
  db: EntityManager;
  /** One set per request, scoped to the caller's project. */
  loaders: Loaders;
  /** Run inside a mutation's transaction, just before it commits. */
  beforeCommit: BeforeCommitHook[];
}
