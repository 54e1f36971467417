import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS for the listed origins only (exact `scheme://host[:port]`, or `*` for any). Unlisted origins
 * get no `Access-Control-Allow-Origin`, so browsers keep their pages from reading our answers.
 * No list: no CORS headers at all (same-origin pages and non-browser clients only).
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && (allowed.has('*') || allowed.has(origin))),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    // Cookies stay same-site: cross-origin clients send `Authorization: Bearer …`.
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'],
    maxAge: 600,
  });
}
