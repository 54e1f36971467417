import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { envelopeFor } from '../rest';

/**
 * A cross-site page cannot make a browser send the `session` cookie with a write it forged.
 *
 * Apollo's csrfPrevention covers /graphql. The REST shim takes the same cookie (Heimdall's
 * contract), and a request a cross-site page can send without a CORS preflight — a form POST
 * (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`) or a no-cors fetch
 * with no body — reached a route that needs no body: `POST /v1/config/repos/{id}/invalidate-cache`
 * answered 200 to a `text/plain` POST carrying only the cookie. SameSite=Lax keeps our own cookie
 * off cross-site POSTs, but not off same-site ones (a sibling subdomain), and a Heimdall cookie
 * set elsewhere may carry no SameSite at all. So: a POST authenticated by the cookie alone (no
 * Authorization header) from a browser page of another origin must carry a content type a form
 * cannot send (application/json, which makes the browser ask first). Scripts (no Origin, no
 * Sec-Fetch-Site) and same-origin pages are not affected; PUT and DELETE always need a preflight,
 * which CORS never grants with credentials here.
 */
const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

function header(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

function hasSessionCookie(request: FastifyRequest): boolean {
  return header(request, 'cookie')
    .split(';')
    .some((part) => part.trim().startsWith('session='));
}

function fromAnotherOrigin(request: FastifyRequest): boolean {
  const site = header(request, 'sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = header(request, 'origin');
  if (!origin) return false;
  const host = header(request, 'host');
  try {
    return origin === 'null' || new URL(origin).host !== host;
  } catch {
    return true;
  }
}

/** Whether a request is a cookie-borne write that a page of another origin could have forged. */
export function isForgeableCookieWrite(request: FastifyRequest): boolean {
  if (request.method !== 'POST') return false;
  if (header(request, 'authorization') || !hasSessionCookie(request)) return false;
  const type = header(request, 'content-type').split(';')[0].trim().toLowerCase();
  if (type !== '' && !SIMPLE_TYPES.has(type)) return false;
  return fromAnotherOrigin(request);
}

const MESSAGE = 'A cross-site request cannot use the session cookie: send Content-Type: application/json, or the token in the Authorization header';

/** Refuses forgeable cookie writes to the REST shim, in its envelope (403). */
export function registerCookieCsrfGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const envelope = envelopeFor(request.url);
    if (!envelope || !isForgeableCookieWrite(request)) return;
    const answer = envelope({ code: 'FORBIDDEN', message: MESSAGE, details: [] });
    return reply.code(answer.status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(answer.body));
  });
}
