import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { isPrivateAddress } from '../../lib/address-guard';

/** Why a platform call failed, in words that are safe to show and store (no credential, no body). */
export type PlatformFailureKind = 'unauthorized' | 'forbidden' | 'not_found' | 'rate_limited' | 'timeout' | 'unavailable' | 'blocked_address' | 'bad_response';

export class PlatformError extends Error {
  constructor(
    readonly kind: PlatformFailureKind,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

export interface PlatformHttpOptions {
  /** Let calls reach loopback and private addresses (tests point `baseUrl` at a fake on 127.0.0.1). Off: the SSRF guard. */
  allowPrivate?: boolean;
  /** Hard limit for one attempt (AbortSignal.timeout). */
  timeoutMs?: number;
  /** Attempts after the first one, on 5xx, 429 and network failures. */
  maxRetries?: number;
  /** First backoff; doubled per attempt, with jitter. */
  baseDelayMs?: number;
  /** A Retry-After or rate-limit reset further away than this is not waited for: the call fails as rate limited. */
  maxDelayMs?: number;
  /** Pages read at most by `getAll` (bounds a list that never ends). */
  maxPages?: number;
  /** The largest answer read (a `baseUrl` is the user's: its server could send without end). */
  maxBodyBytes?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Told what every answer says of the rate limit it was counted against (a code-host account's
   * budget, `code-host-accounts/rate-budget.ts`); for background work it may also stop this client
   * sending more once the budget is below its floor.
   */
  rateObserver?: RateObserver;
  /** How a host name becomes addresses (default: the system resolver). Tests answer for names of their own. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Which addresses the guard refuses (default: loopback, private, link-local, unique-local…). */
  isBlockedAddress?: (address: string) => boolean;
}

/**
 * A credential that can be renewed while a check runs: a code-host account's current token. The
 * first 401 any call of a PlatformHttp meets asks `renew()` once (shared by the calls in flight);
 * each call that was refused with the old headers is sent again with the new ones, once.
 */
export interface RenewableAuth {
  /** The headers of the current credential. */
  headers(): Record<string, string>;
  /** The host refused the current credential: get another one. False when there is none to get. */
  renew(): Promise<boolean>;
}

export interface PlatformResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * What one answer says of the rate limit it was counted against, read from the hosts' documented
 * headers: GitHub `x-ratelimit-limit/remaining/reset/resource` (reset in epoch seconds), GitLab
 * `RateLimit-Limit/Remaining/Reset/Name` (`RateLimit-ResetTime` as a date), Bitbucket Cloud
 * `X-RateLimit-Limit/Resource/NearLimit` (no count: NearLimit is true under 20% left). A refusal for
 * the rate limit (429; GitHub's 403 with `x-ratelimit-remaining: 0` or `Retry-After`: its primary
 * and secondary limits) says when to ask again.
 */
export interface RateObservation {
  status: number;
  /** Requests per window; null when the answer does not say. */
  limit: number | null;
  /** Requests left in the window; null when the answer does not say (Bitbucket never does). */
  remaining: number | null;
  /** When the window restarts; null when the answer does not say. */
  resetsAt: Date | null;
  /** Which limit counted the request (`core`, `search`, Bitbucket's `api`, GitLab's throttle name). */
  resource: string | null;
  /** Bitbucket's X-RateLimit-NearLimit: under 20% of the limit left. */
  nearLimit: boolean | null;
  /** The host refused the request for its rate limit: nothing is asked again before this time. */
  retryAt: Date | null;
}

/** Who hears of the rate-limit facts of a PlatformHttp's answers. Neither method may throw. */
export interface RateObserver {
  /** Every answer that says something of the rate limit (or was refused for it). */
  observe(observation: RateObservation): void;
  /**
   * Background work only: given an answer's facts, the time until which this client sends nothing
   * more (the budget is below the floor that is kept for what people ask); null to go on.
   */
  holdUntil?(observation: RateObservation): Date | null;
}

/** GitHub asks for at least a minute after a secondary rate limit that names no time. */
const UNNAMED_RATE_LIMIT_WAIT_MS = 60_000;
/** A host's word on waiting is taken up to a day; beyond that it is read as a day. */
const LONGEST_RATE_LIMIT_WAIT_MS = 86_400_000;
const MAX_COUNT = 2_147_483_647;

function count(headers: Headers, ...names: string[]): number | null {
  for (const name of names) {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) return Math.min(Math.floor(value), MAX_COUNT);
  }
  return null;
}

/** The rate-limit facts of an answer, or null when it says nothing of them and was not refused for them. */
export function rateObservation(status: number, headers: Headers, now = Date.now()): RateObservation | null {
  const limit = count(headers, 'x-ratelimit-limit', 'ratelimit-limit');
  const remaining = count(headers, 'x-ratelimit-remaining', 'ratelimit-remaining');
  let resetsAt: Date | null = null;
  const reset = count(headers, 'x-ratelimit-reset', 'ratelimit-reset');
  if (reset !== null) {
    // GitHub and GitLab send epoch seconds; the IETF draft's RateLimit-Reset is seconds from now.
    resetsAt = new Date(reset > 1_000_000_000 ? reset * 1000 : now + reset * 1000);
  } else {
    const at = Date.parse(headers.get('ratelimit-resettime') ?? '');
    if (Number.isFinite(at)) resetsAt = new Date(at);
  }
  const named = (headers.get('x-ratelimit-resource') ?? headers.get('ratelimit-name'))?.trim() ?? '';
  const resource = /^[\w:./-]{1,64}$/.test(named) ? named : null;
  const near = headers.get('x-ratelimit-nearlimit')?.trim().toLowerCase();
  const nearLimit = near === 'true' ? true : near === 'false' ? false : null;
  const refused = status === 429 || (status === 403 && (remaining === 0 || headers.get('retry-after') !== null));
  const retryAt = refused ? new Date(now + Math.min(requestedDelayMs(headers, now) ?? UNNAMED_RATE_LIMIT_WAIT_MS, LONGEST_RATE_LIMIT_WAIT_MS)) : null;
  if (limit === null && remaining === null && resetsAt === null && nearLimit === null && retryAt === null) return null;
  return { status, limit, remaining, resetsAt, resource, nearLimit, retryAt };
}

export const PLATFORM_TIMEOUT_MS = 10_000;
export const PLATFORM_MAX_BODY_BYTES = 5 * 1024 * 1024;

const isRenewable = (auth: Record<string, string> | RenewableAuth): auth is RenewableAuth => typeof (auth as RenewableAuth).renew === 'function';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delay a 429/5xx asks for: Retry-After (seconds or a date), else a rate-limit reset time (epoch seconds). */
export function requestedDelayMs(headers: Headers, now = Date.now()): number | null {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const remaining = headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining');
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
  if (reset !== null && (remaining === null || Number(remaining) === 0)) {
    const value = Number(reset);
    if (Number.isFinite(value)) {
      // GitHub and GitLab send an epoch time; the IETF draft's RateLimit-Reset is seconds from now.
      return value > 1_000_000_000 ? Math.max(0, value * 1000 - now) : Math.max(0, value * 1000);
    }
  }
  return null;
}

/** `<https://…?page=2>; rel="next", <…>; rel="last"` → the next URL. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*(?:[^,]*;\s*)?rel="?([^";]+)"?/.exec(part.trim());
    if (match && match[2].split(/\s+/).includes('next')) return match[1];
  }
  return null;
}

/**
 * A small JSON client on fetch for the platforms' REST APIs: every attempt has a timeout, 5xx and
 * 429 are retried a bounded number of times with backoff (honouring Retry-After and rate-limit
 * reset headers), redirects are not followed (one could lead past the guard), and the host of every
 * URL is checked against private addresses unless `allowPrivate`. Credentials travel in headers
 * only, and no message this class makes contains a header or a response body.
 */
export class PlatformHttp {
  private readonly allowPrivate: boolean;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxPages: number;
  private readonly maxBodyBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly resolveHost: (host: string) => Promise<string[]>;
  private readonly isBlocked: (address: string) => boolean;
  /** Per host: the addresses the guard vetted, and a dispatcher that connects to those only. */
  private readonly checkedHosts = new Map<string, Promise<Agent>>();
  /** The one renewal of a renewable credential, once a call met a 401. */
  private renewal: Promise<boolean> | null = null;
  private readonly rateObserver: RateObserver | null;
  /** Until when (epoch ms) this client sends nothing: the host said to wait, or the budget is below the floor. */
  private heldUntil = 0;
  private heldWhy = '';

  constructor(
    private readonly auth: Record<string, string> | RenewableAuth,
    options: PlatformHttpOptions = {},
  ) {
    this.allowPrivate = options.allowPrivate ?? false;
    this.timeoutMs = options.timeoutMs ?? PLATFORM_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.maxPages = options.maxPages ?? 20;
    this.maxBodyBytes = options.maxBodyBytes ?? PLATFORM_MAX_BODY_BYTES;
    this.sleep = options.sleep ?? defaultSleep;
    this.resolveHost = options.resolveHost ?? ((host) => lookup(host, { all: true, verbatim: true }).then((a) => a.map((x) => x.address)));
    this.isBlocked = options.isBlockedAddress ?? isPrivateAddress;
    this.rateObserver = options.rateObserver ?? null;
  }

  /**
   * One GET with retries. 2xx and 4xx answers are returned; what stays failed after the retries throws.
   * A redirect throws too, unless `redirects: 'return'`: then it is answered (status and headers, no
   * body) for the caller to judge (a renamed repository's 301); it is never followed here.
   */
  async get<T = unknown>(url: string, accept = 'application/json', options: { redirects?: 'refuse' | 'return' } = {}): Promise<PlatformResponse<T>> {
    const target = new URL(url);
    const dispatcher = await this.guard(target);
    const where = `${target.host}${target.pathname}`;
    let reauthorized = false;
    for (let attempt = 0; ; attempt++) {
      this.refuseWhileHeld(where);
      let response: Response;
      const sent = this.authHeaders();
      try {
        response = await fetch(target, {
          headers: { accept, 'user-agent': 'repolink', ...sent },
          redirect: 'manual',
          signal: AbortSignal.timeout(this.timeoutMs),
          // Connects to the addresses the guard vetted, never to a second answer of the DNS (rebinding).
          ...(dispatcher && { dispatcher }),
        } as RequestInit);
      } catch (error) {
        const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
        if (attempt < this.maxRetries && !timedOut) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw timedOut
          ? new PlatformError('timeout', `${where} did not answer within ${this.timeoutMs} ms`)
          : new PlatformError('unavailable', `${where} could not be reached`);
      }
      this.observe(response);
      if (response.status === 401 && !reauthorized && (await this.renewed(sent))) {
        // A renewable credential the host refused before its stated expiry: once more with the new one.
        reauthorized = true;
        await response.body?.cancel().catch(() => undefined);
        attempt--;
        continue;
      }
      // GitHub signals an exhausted primary rate limit with 403 and x-ratelimit-remaining: 0 as well as
      // with 429, and a secondary rate limit with 403 and Retry-After: waits, not a refusal of access.
      const exhausted = response.status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.get('retry-after') !== null);
      const retryable = response.status === 429 || response.status >= 500 || exhausted;
      if (retryable && attempt < this.maxRetries) {
        const asked = requestedDelayMs(response.headers);
        await response.body?.cancel().catch(() => undefined);
        if (asked !== null && asked > this.maxDelayMs) {
          // The host said when to ask again: no call of this client goes before then (asking on would only be refused).
          this.hold(Date.now() + asked, `${target.host} asked to wait`);
          throw new PlatformError('rate_limited', `${where} is rate limited for ${Math.ceil(asked / 1000)} s more`, response.status);
        }
        await this.sleep(asked ?? this.backoff(attempt));
        continue;
      }
      if (response.status === 429 || exhausted) {
        await response.body?.cancel().catch(() => undefined);
        throw new PlatformError('rate_limited', `${where} is rate limited`, response.status);
      }
      if (response.status >= 500) {
        await response.body?.cancel().catch(() => undefined);
        throw new PlatformError('unavailable', `${where} answered ${response.status} after ${attempt + 1} attempts`, response.status);
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        if (options.redirects === 'return') return { status: response.status, headers: response.headers, body: null as T };
        throw new PlatformError('bad_response', `${where} answered with a redirect (${response.status}), which is not followed`, response.status);
      }
      let body: unknown = null;
      const text = await this.readText(response, where);
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          if (response.ok) throw new PlatformError('bad_response', `${where} did not answer JSON`, response.status);
        }
      }
      return { status: response.status, headers: response.headers, body: body as T };
    }
  }

  /**
   * Every item of a paged list: follows `Link: <…>; rel="next"` (GitHub, GitLab) or a `next` URL in
   * the body (Bitbucket), at most `maxPages` pages, each on the same origin as the first.
   */
  async getAll<T>(url: string, items: (body: unknown) => T[] | null = (b) => (Array.isArray(b) ? (b as T[]) : null)): Promise<PlatformResponse<T[]>> {
    const origin = new URL(url).origin;
    const all: T[] = [];
    let next: string | null = url;
    let last: PlatformResponse<unknown> | null = null;
    for (let page = 0; next !== null && page < this.maxPages; page++) {
      last = await this.get(next);
      if (last.status !== 200) return { ...last, body: all };
      const found = items(last.body);
      if (found === null) throw new PlatformError('bad_response', `${new URL(next).host} answered a list in an unknown shape`, last.status);
      all.push(...found);
      const body = last.body as { next?: unknown } | null;
      const candidate: string | null = nextLink(last.headers.get('link')) ?? (body && typeof body === 'object' && typeof body.next === 'string' ? body.next : null);
      next = candidate !== null && new URL(candidate, next).origin === origin ? new URL(candidate, next).href : null;
    }
    return { status: last?.status ?? 200, headers: last?.headers ?? new Headers(), body: all };
  }

  /**
   * One POST (OAuth token endpoints, GitHub's installation-token mint) through the same guard,
   * timeout and size limit as `get`, never retried: a refresh token or an authorization code sent
   * twice may be spent by the first attempt, so a failed call is reported and the caller decides.
   * `body` is sent form-encoded (URLSearchParams) or as JSON; the answer is parsed as JSON when it is JSON.
   */
  async post<T = unknown>(url: string, body: URLSearchParams | Record<string, unknown> | null, headers: Record<string, string> = {}): Promise<PlatformResponse<T>> {
    const target = new URL(url);
    const dispatcher = await this.guard(target);
    const where = `${target.host}${target.pathname}`;
    const form = body instanceof URLSearchParams;
    this.refuseWhileHeld(where);
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { accept: 'application/json', 'user-agent': 'repolink', ...(body !== null && { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }), ...this.authHeaders(), ...headers },
        body: body === null ? undefined : form ? body.toString() : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(dispatcher && { dispatcher }),
      } as RequestInit);
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
      throw timedOut ? new PlatformError('timeout', `${where} did not answer within ${this.timeoutMs} ms`) : new PlatformError('unavailable', `${where} could not be reached`);
    }
    this.observe(response);
    const text = await this.readText(response, where);
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** The answer's text, at most `maxBodyBytes` of it; a longer one is refused, not buffered. */
  private async readText(response: Response, where: string): Promise<string> {
    const tooLong = () => new PlatformError('bad_response', `${where} answered more than ${this.maxBodyBytes} bytes`, response.status);
    if (Number(response.headers.get('content-length') ?? 0) > this.maxBodyBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLong();
    }
    if (!response.body) return '';
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > this.maxBodyBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLong();
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
      throw timedOut ? new PlatformError('timeout', `${where} did not finish its answer within ${this.timeoutMs} ms`) : new PlatformError('unavailable', `${where} broke off its answer`);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Tells the observer what the answer says of the rate limit, and holds the client when the observer asks. */
  private observe(response: Response): void {
    const observer = this.rateObserver;
    // A refused credential is counted as no one (GitHub answers a 401 with the address's 60 an hour): not the account's budget.
    if (observer === null || response.status === 401) return;
    const observation = rateObservation(response.status, response.headers);
    if (observation === null) return;
    try {
      observer.observe(observation);
      const until = observer.holdUntil?.(observation) ?? null;
      if (until !== null) this.hold(until.getTime(), 'the rate budget is below the floor kept for what people ask');
    } catch {
      // Recording a budget never fails the call it was read from.
    }
  }

  private hold(until: number, why: string): void {
    if (until > this.heldUntil) {
      this.heldUntil = until;
      this.heldWhy = why;
    }
  }

  /** A held client refuses without sending: the host is not asked while its answer would be a refusal (or would spend the floor). */
  private refuseWhileHeld(where: string): void {
    const left = this.heldUntil - Date.now();
    if (left > 0) throw new PlatformError('rate_limited', `${where} not asked: ${this.heldWhy} for ${Math.ceil(left / 1000)} s more`);
  }

  private authHeaders(): Record<string, string> {
    return isRenewable(this.auth) ? this.auth.headers() : this.auth;
  }

  /**
   * After a 401 to a call sent with `sent`: whether the credential is now another one (renewed here,
   * once for this client, or by a call in flight that met its 401 first). A fixed credential never is.
   */
  private async renewed(sent: Record<string, string>): Promise<boolean> {
    const auth = this.auth;
    if (!isRenewable(auth)) return false;
    this.renewal ??= auth.renew().catch(() => false);
    if (!(await this.renewal)) return false;
    const now = auth.headers();
    return Object.keys(now).some((k) => now[k] !== sent[k]);
  }

  private backoff(attempt: number): number {
    const base = this.baseDelayMs * 2 ** attempt;
    return Math.min(this.maxDelayMs, base + Math.floor(Math.random() * base * 0.2));
  }

  /**
   * Refuses a host that is, or resolves to, a loopback, private, link-local or unique-local address,
   * and answers a dispatcher pinned to the vetted addresses (as the git lookup pins its address), so
   * the connection cannot go to another answer of the DNS than the one checked. Null when allowed.
   */
  private guard(url: URL): Promise<Agent | null> {
    if (this.allowPrivate) return Promise.resolve(null);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new PlatformError('blocked_address', `${url.protocol} is not an http(s) URL`));
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let checked = this.checkedHosts.get(host);
    if (!checked) {
      checked = (async () => {
        const addresses = isIP(host) ? [host] : await this.resolveHost(host).catch(() => null);
        if (addresses === null || addresses.length === 0) throw new PlatformError('unavailable', `${host} does not resolve`);
        if (addresses.some(this.isBlocked)) throw new PlatformError('blocked_address', `${host} is a private or loopback address, which repolink does not call`);
        const pinned = addresses.map((address) => ({ address, family: isIP(address) }));
        const pinnedLookup: LookupFunction = (_name, options, callback) => {
          if (options.all) (callback as (e: null, a: typeof pinned) => void)(null, pinned);
          else callback(null, pinned[0].address, pinned[0].family);
        };
        // undici is loaded on the first call to a code host: a server that never calls one does not hold it (docs/decisions.md, Memory).
        const { Agent: PinnedAgent } = await import('undici');
        return new PinnedAgent({ connect: { lookup: pinnedLookup } });
      })();
      this.checkedHosts.set(host, checked);
    }
    return checked;
  }
}
