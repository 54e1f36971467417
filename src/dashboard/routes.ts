/**
 * The dashboard on the server's own port: its page and built files under /dashboard/, sign-in by a
 * one-time link, and sign-out. The page is a single-page app; every path under /dashboard/ that is
 * not a file or one of the two routes answers with the page, so deep links work.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { SignInLinkService, type ConsumeOutcome } from '../modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../modules/auth/sign-in-link.store';
import { acceptsGzip, DashboardAssets, gzipped, type DashboardFile } from './assets';
import { registerCookieCsrfGuard } from './csrf';

export interface DashboardDeps {
  dataSource: DataSource;
  /** Where the built files are (tests build into a folder of their own); default dist/dashboard. */
  assetsDir?: string;
}

export const SESSION_COOKIE = 'session';

/**
 * Headers of the page. Scripts and styles are files of this origin (no inline script, no CDN);
 * the page talks only to this origin; nothing may frame it.
 */
export function dashboardHeaders(): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

function cookieValue(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Served over https (directly, or behind a proxy that says so): the cookie is then Secure. */
function overHttps(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim().toLowerCase();
  return request.protocol === 'https' || proto === 'https';
}

/** `session=…; Path=/; HttpOnly; SameSite=Lax[; Secure]`: scripts cannot read it, cross-site POSTs do not carry it. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; ');
}

const REFUSAL_REASON: Record<Exclude<ConsumeOutcome, { ok: true }>['reason'], string> = { unknown: 'link-unknown', expired: 'link-expired', used: 'link-used' };

function sendFile(request: FastifyRequest, reply: FastifyReply, file: DashboardFile, cacheControl: string): FastifyReply {
  void reply.header('content-type', file.contentType).header('cache-control', cacheControl).header('etag', file.etag).header('vary', 'accept-encoding').header('x-content-type-options', 'nosniff');
  const ifNoneMatch = request.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) return reply.code(304).send();
  if (acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(gzipped(file));
  return reply.send(file.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>repolink</title></head><body>
<h1>The dashboard is not built</h1><p>Run <code>npm ci</code> (it installs esbuild) and start the server again with <code>npm start</code>, which builds it.</p></body></html>`;

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const assets = new DashboardAssets(deps.assetsDir);
  const links = new SignInLinkService(new SignInLinkStore(deps.dataSource));
  registerCookieCsrfGuard(app);

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const file = assets.index();
    void reply.headers(dashboardHeaders());
    if (!file) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return sendFile(request, reply, file, 'no-cache');
  };
  app.get('/dashboard', (_request, reply) => reply.redirect('/dashboard/', 308));
  app.get('/dashboard/', page);
  app.get('/dashboard/*', page);

  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', (request, reply) => {
    const file = assets.asset(request.params.name);
    if (!file) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
    return sendFile(request, reply, file, 'public, max-age=31536000, immutable');
  });

  // The link's token is consumed here and leaves the address bar by the redirect; the response
  // sends no Referer onwards and is never cached.
  app.get<{ Querystring: { token?: string } }>('/dashboard/sign-in', async (request, reply) => {
    void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    const token = typeof request.query.token === 'string' ? request.query.token.trim() : '';
    if (!token) return reply.redirect('/dashboard/', 303);
    const outcome = await links.consume(token);
    if (!outcome.ok) return reply.redirect(`/dashboard/signed-out?reason=${REFUSAL_REASON[outcome.reason]}`, 303);
    // A browser that was signed in as someone else: that session ends here, not just its cookie.
    const previous = cookieValue(request, SESSION_COOKIE);
    if (previous) await links.signOut(previous).catch(() => undefined);
    const seconds = (outcome.expiresAt.getTime() - Date.now()) / 1000;
    return reply.header('set-cookie', sessionCookie(outcome.sessionToken, seconds, overHttps(request))).redirect('/dashboard/', 303);
  });

  // A JSON POST (the page's fetch): a cross-site form cannot send it, and a cross-site fetch is not
  // allowed to send it with the cookie without a preflight that CORS refuses.
  app.post('/dashboard/sign-out', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return reply.code(415).send({ error: 'Send Content-Type: application/json' });
    const token = cookieValue(request, SESSION_COOKIE);
    const ended = token ? await links.signOut(token) : false;
    return reply.header('set-cookie', sessionCookie('', 0, overHttps(request))).code(ended ? 204 : 401).send();
  });

  const purge = setInterval(() => void links.purgeExpired().catch(() => undefined), 10 * 60_000);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
}
