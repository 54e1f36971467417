import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/**
 * Pieces every fake host uses: the fake's clock, the request and answer shapes, random tokens,
 * PKCE, page slicing with `Link` headers, HTTP Basic, and rate budgets.
 *
 * The clock: every expiry a fake judges (tokens, codes, JWT `iat`/`exp`, rate-limit resets) is read
 * from `clock.now()`, which is the real time plus an offset a test moves with `clock.advance(ms)`.
 * Moving it makes the fake (the "host") think time passed; the code under test keeps the real
 * time, exactly like a host whose clock runs ahead.
 */
export interface FakeClock {
  /** Milliseconds since the epoch, as the fake hosts see it. */
  now(): number;
  /** Moves the hosts' time forward (or back, with a negative number). */
  advance(ms: number): void;
}

export function createClock(): FakeClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

/** One answer of a fake. `body` is JSON unless it is a string (sent as is). */
export interface Route {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** One request as the host modules see it: the path is relative to the host's prefix. */
export interface FakeRequest {
  method: string;
  /** Path under the host's prefix (`/user` for `/api/v3/user`), not decoded. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The raw body (empty for GET). */
  body: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Route => ({ status, body, headers });

/** A redirect as a browser sees it (302 with `Location`). */
export const redirect = (location: string, headers: Record<string, string> = {}): Route => ({
  status: 302,
  headers: { location, 'content-type': 'text/html; charset=utf-8', ...headers },
  body: `<html><body>You are being <a href="${location.replace(/"/g, '&quot;')}">redirected</a>.</body></html>`,
});

/** An error page in the browser (an authorize request the host refuses without redirecting). */
export const page = (status: number, text: string): Route => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!DOCTYPE html><html><body><h1>${status}</h1><p>${text.replace(/</g, '&lt;')}</p></body></html>`,
});

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random token `prefix` + base62 characters, `length` characters in all. */
export function randomToken(prefix: string, length: number): string {
  const need = Math.max(length - prefix.length, 8);
  const bytes = randomBytes(need);
  let out = prefix;
  for (let i = 0; i < need; i++) out += BASE62[bytes[i] % 62];
  return out;
}

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

export function uuid(): string {
  return globalThis.crypto.randomUUID();
}

/** The parameters of a form, JSON or query-string body (token endpoints take all three). */
export function bodyParams(req: FakeRequest): Record<string, string> {
  const type = String(req.headers['content-type'] ?? '');
  const out: Record<string, string> = {};
  if (type.includes('application/json')) {
    try {
      const parsed = JSON.parse(req.body || '{}') as Record<string, unknown>;
      for (const [k, v] of Object.entries(parsed)) if (v !== undefined && v !== null) out[k] = String(v);
    } catch {
      /* a malformed body is a body without parameters */
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
  return out;
}

/** The JSON body of a request, or null. */
export function bodyJson(req: FakeRequest): Record<string, unknown> | null {
  if (!req.body) return null;
  try {
    const parsed: unknown = JSON.parse(req.body);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `Authorization: Basic …` as user and password, or null. */
export function basicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `Authorization: Bearer …` (or `token …` where `schemes` allows it) as the token, or null. */
export function bearer(header: string | undefined, schemes: string[] = ['Bearer']): { scheme: string; token: string } | null {
  const m = /^(\S+)\s+(\S+)$/.exec(header ?? '');
  if (!m) return null;
  const scheme = schemes.find((s) => s.toLowerCase() === m[1].toLowerCase());
  return scheme ? { scheme, token: m[2] } : null;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const validVerifier = (verifier: string) => /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);

/** A page of `items` and its RFC 8288 `Link` header (`next`, `last`, `first`, `prev`), from `page`/`per_page`. */
export function slicePage<T>(
  items: T[],
  query: URLSearchParams,
  pageUrl: (page: number, perPage: number) => string,
  options: { defaultPerPage: number; maxPerPage: number; pageParam?: string; perPageParam?: string },
): { items: T[]; page: number; perPage: number; totalPages: number; link: string } {
  const perPage = Math.min(Math.max(Number(query.get(options.perPageParam ?? 'per_page')) || options.defaultPerPage, 1), options.maxPerPage);
  const page = Math.max(Number(query.get(options.pageParam ?? 'page')) || 1, 1);
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(page - 1, perPage)}>; rel="prev"`);
  if (page < totalPages) links.push(`<${pageUrl(page + 1, perPage)}>; rel="next"`);
  links.push(`<${pageUrl(totalPages, perPage)}>; rel="last"`, `<${pageUrl(1, perPage)}>; rel="first"`);
  return { items: items.slice((page - 1) * perPage, page * perPage), page, perPage, totalPages, link: links.join(', ') };
}

/** A URL with `params` set (others kept). */
export function withParams(url: string, params: Record<string, string | number | undefined | null>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
  return u.toString();
}

/**
 * A host's request budget for one principal (a user, an installation, an app): `limit` requests per
 * window of `windowMs`; every answered request takes one; the window restarts at `resetAt`.
 */
export class RateBudget {
  limit: number;
  used = 0;
  resetAt: number;

  constructor(
    private readonly clock: FakeClock,
    limit: number,
    private readonly windowMs: number,
  ) {
    this.limit = limit;
    this.resetAt = clock.now() + windowMs;
  }

  private roll(): void {
    if (this.clock.now() >= this.resetAt) {
      this.used = 0;
      this.resetAt = this.clock.now() + this.windowMs;
    }
  }

  get remaining(): number {
    this.roll();
    return Math.max(this.limit - this.used, 0);
  }

  /** Takes one request; false when the budget is spent (the request is refused). */
  take(): boolean {
    this.roll();
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /** Sets what is left in the current window (and optionally the limit and when it resets). */
  set(state: { remaining: number; limit?: number; resetInMs?: number }): void {
    this.roll();
    if (state.limit !== undefined) this.limit = state.limit;
    this.used = Math.max(this.limit - state.remaining, 0);
    if (state.resetInMs !== undefined) this.resetAt = this.clock.now() + state.resetInMs;
  }
}

/** Budgets by principal key (`user:octocat`, `installation:7`…), made on first use. */
export class RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  constructor(
    private readonly clock: FakeClock,
    private readonly defaultLimit: (key: string) => number,
    private readonly windowMs: number,
  ) {}

  get(key: string): RateBudget {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new RateBudget(this.clock, this.defaultLimit(key), this.windowMs);
      this.budgets.set(key, budget);
    }
    return budget;
  }
}

export const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
