/**
 * The GraphQL playground: GraphiQL 3 served by the server itself, with no request to any other host.
 * Its files are in playground-assets.ts, its page in playground-page.ts, its example tabs in
 * playground-examples.ts; this file puts them on Fastify.
 *
 * `GET /graphql` shares its route with Apollo: {@link wantsPlayground} tells a browser's page
 * request apart from a GET operation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptsHtml } from './content-negotiation';
import { assetPath, PLAYGROUND_ASSET_NAMES, sendAsset } from './playground-assets';
import { playgroundHeaders, playgroundHtml, type PlaygroundOptions } from './playground-page';

export const DEFAULT_PLAYGROUND_OPTIONS: PlaygroundOptions = { endpoint: '/graphql', assetsPrefix: '/playground-assets' };

/**
 * Serves the playground's files under `opts.assetsPrefix`: one route per allow-listed file (no
 * parameter reaches the file system), each read on first use.
 */
export function registerPlaygroundAssets(app: FastifyInstance, opts: PlaygroundOptions): void {
  for (const name of PLAYGROUND_ASSET_NAMES) {
    app.get(assetPath(opts.assetsPrefix, name), async (request, reply) => sendAsset(request, reply, name));
  }
}

/**
 * Whether a request on the GraphQL endpoint is a browser asking for the page: GET (or HEAD),
 * `Accept` takes `text/html`, and no `query` parameter (a GET operation goes to Apollo).
 */
export function wantsPlayground(request: { method: string; headers: Record<string, unknown>; query: unknown }): boolean {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (!acceptsHtml(request.headers.accept)) return false;
  const query = request.query;
  if (typeof query === 'string') return !new URLSearchParams(query).has('query');
  return !(query !== null && typeof query === 'object' && Object.prototype.hasOwnProperty.call(query, 'query'));
}

/** Sends the page (with {@link playgroundHeaders}). */
export function sendPlayground(reply: FastifyReply, opts: PlaygroundOptions): FastifyReply {
  return reply.code(200).headers(playgroundHeaders()).send(playgroundHtml(opts));
}

/**
 * A `preHandle` for `registerGraphQLRoute`: answers a browser's page request with the playground
 * and returns true; returns false for everything else, which Apollo then handles.
 */
export function playgroundPreHandler(opts: PlaygroundOptions): (request: FastifyRequest, reply: FastifyReply) => boolean {
  return (request, reply) => {
    if (!wantsPlayground(request)) return false;
    void sendPlayground(reply, opts);
    return true;
  };
}
