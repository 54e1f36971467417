import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config';
import type { CodeHostAppService } from './code-host-app.service';
import type { CodeHostAccountStore } from './code-host-account.store';
import type { CallbackRequest, CodeHostFlowService, FlowOutcome } from './code-host-flow.service';

export interface CodeHostRouteDeps {
  config: Config;
  flows: CodeHostFlowService;
  apps: CodeHostAppService;
  store: CodeHostAccountStore;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, lines: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style></head>
<body><h1>${escape(title)}</h1>${lines.map((l) => `<p>${l}</p>`).join('')}</body></html>`;
}

function sessionCookie(request: FastifyRequest): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'session') {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

function callbackRequest(request: FastifyRequest, host: string): CallbackRequest {
  const raw = request.query as Record<string, unknown>;
  const query: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw ?? {})) if (typeof value === 'string') query[key] = value;
  return { host, query, sessionToken: sessionCookie(request) };
}

/**
 * The callback routes of the code-host flows on repolink's own port:
 * - `GET /oauth/callback/:host` — where GitHub, GitLab and Bitbucket send the browser after consent
 *   (register `<REPOLINK_PUBLIC_URL>/oauth/callback/<host>` as the app's callback URL);
 * - `GET /github-app/setup` — a GitHub App's Setup URL.
 * Each ends with a 303 to the return URL (`codeHostAccountId=…`, or `error=…&error_description=…`),
 * or, without one, a small page saying the same. The answers are never cached and send no
 * Referer on: their URL carries the authorization code and state.
 * Also: the apps of the environment are registered when the server is ready, and spent flow states purged.
 */
export function registerCodeHostRoutes(app: FastifyInstance, deps: CodeHostRouteDeps): void {
  const { flows } = deps;
  flows.listenAt(() => {
    const address = app.server.address();
    if (!address || typeof address !== 'object') return null;
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  });

  const answer = (reply: FastifyReply, outcome: FlowOutcome) => {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (outcome.ok === 'continue') return reply.code(303).header('location', outcome.location).send();
    const location = flows.destination(outcome);
    if (location) return reply.code(303).header('location', location).send();
    reply.type('text/html; charset=utf-8');
    if (outcome.ok) {
      return reply.code(200).send(page('Connected', [`The ${escape(outcome.host)} account is connected to repolink as <code>${escape(outcome.accountId)}</code>.`, 'You can close this page.']));
    }
    return reply.code(400).send(page('Not connected', [escape(outcome.message), `(<code>${escape(outcome.error)}</code>)`]));
  };

  app.get<{ Params: { host: string } }>('/oauth/callback/:host', async (request, reply) => {
    const host = request.params.host;
    if (host !== 'github' && host !== 'gitlab' && host !== 'bitbucket') return reply.code(404).send({ error: 'Not found' });
    return answer(reply, await flows.finish(callbackRequest(request, host)));
  });
  app.get('/github-app/setup', async (request, reply) => answer(reply, await flows.setup(callbackRequest(request, 'github'))));

  app.addHook('onReady', async () => {
    await deps.apps.registerConfigured(deps.config.codeHosts.apps);
  });
  const purge = setInterval(() => void deps.store.purgeStates().catch(() => undefined), 10 * 60_000);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
}
