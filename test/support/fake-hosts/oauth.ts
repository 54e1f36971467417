import { type FakeClock, pkceS256, sameSecret } from './shared';

/**
 * The OAuth 2.0 authorization-code server the three fakes share (RFC 6749 §4.1, RFC 7636 PKCE).
 * Each host module wraps it with its own URLs, parameter names and error shapes; what is checked is
 * the same everywhere, as the hosts check it:
 *
 * - authorize: a known client_id, a registered redirect_uri, a supported PKCE method; the
 *   signed-in user consents (or, after `denyConsent()`, refuses); the code is bound to the client,
 *   the redirect_uri given, the user, the scope and the code_challenge, and answered with the same
 *   `state`.
 * - token (authorization_code): the client secret; the code exists, belongs to the client, is not
 *   used yet (single use: the first presentation burns it, even when a later check fails, as
 *   RFC 6749 §10.5 asks) and not expired (10 minutes); the redirect_uri equals the one the code was
 *   issued for; the code_verifier hashes (S256) to the challenge.
 * - token (refresh_token): the client secret; the refresh token exists, belongs to the client, is
 *   neither used nor expired; by default it is rotated: the old refresh token and the old access
 *   token stop working, a new pair is issued (per client: `rotateRefreshTokens`,
 *   `revokeAccessOnRefresh`). Every refresh call is counted by account, failed or not.
 * - access tokens expire after the client's `accessTokenTtlMs` (by the fake's clock).
 */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Registered callback URLs. */
  redirectUris: string[];
  /**
   * How an authorize request's redirect_uri is matched: `exact` (GitLab, GitHub Apps), `subpath`
   * (GitHub OAuth apps: same host and port, path under the callback's), `prefix` (Bitbucket: "must
   * be appended to the same URL configured in the consumer").
   */
  redirectMatch: 'exact' | 'subpath' | 'prefix';
  /** Scopes the client may ask for; null: any. */
  allowedScopes: string[] | null;
  /** Scopes granted when the request names none. */
  defaultScopes: string[];
  /** null: access tokens never expire (GitHub OAuth apps). */
  accessTokenTtlMs: number | null;
  /** null: no refresh tokens are issued. */
  refreshTokenTtlMs: number | null;
  /**
   * On refresh: a new refresh token replaces the presented one, which stops working (true), or
   * the same refresh token keeps working (false).
   */
  rotateRefreshTokens?: boolean;
  /** On refresh: the access token issued with the presented refresh token stops working (default true). */
  revokeAccessOnRefresh?: boolean;
  /** What the host keeps with the client (its app id, its kind…). */
  meta: Record<string, unknown>;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken: string | null;
  clientId: string;
  /** The account the token acts for. */
  user: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  refreshExpiresAt: number | null;
  /** The access token is revoked: by a refresh, or by the test. */
  revoked: boolean;
  /** The refresh token was used (rotated away) or revoked. */
  refreshUsed: boolean;
}

export interface AuthorizationRecord {
  clientId: string;
  redirectUri: string | null;
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  scopes: string[];
  user: string | null;
  outcome: 'code' | 'denied' | 'refused';
}

interface CodeRecord {
  clientId: string;
  redirectUri: string | null;
  user: string;
  scopes: string[];
  challenge: string | null;
  method: string | null;
  expiresAt: number;
  used: boolean;
  /** What the host wants back with the tokens (the installation a GitHub install flow made…). */
  extra: Record<string, string>;
}

export type AuthorizeOutcome =
  | { kind: 'unknown_client' }
  /** The redirect_uri is not registered: never redirect there. `registered` is where a host may send the error instead. */
  | { kind: 'bad_redirect'; registered: string }
  | { kind: 'error'; redirectUri: string; error: 'access_denied' | 'invalid_request' | 'invalid_scope' | 'unsupported_response_type'; state: string | null }
  | { kind: 'code'; redirectUri: string; code: string; state: string | null };

export type TokenError =
  | 'invalid_request'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'redirect_uri_mismatch'
  /** Unknown, used, expired or another client's code. */
  | 'bad_code'
  /** Missing or wrong code_verifier. */
  | 'bad_verifier'
  /** Unknown, used (rotated), revoked, expired or another client's refresh token. */
  | 'bad_refresh_token';

export interface RefreshCall {
  /** The account of the refresh token presented; null when the token is unknown. */
  user: string | null;
  clientId: string;
  ok: boolean;
  at: number;
}

export interface OAuthServerOptions {
  accessToken: (client: OAuthClient) => string;
  refreshToken: (client: OAuthClient) => string;
  code: () => string;
  /** PKCE methods the host accepts. */
  pkceMethods: string[];
  codeTtlMs?: number;
  /** How the host separates scopes in `scope` (GitHub: comma or space; GitLab, Bitbucket: space). */
  scopeSeparator?: RegExp;
}

export class OAuthServer {
  readonly clients = new Map<string, OAuthClient>();
  readonly authorizations: AuthorizationRecord[] = [];
  readonly refreshCalls: RefreshCall[] = [];
  /** Code exchanges that issued tokens, by client. */
  readonly exchanges: { clientId: string; user: string; at: number }[] = [];
  /** The user the fake's browser is signed in as (who consents on the authorize page). */
  signedIn: string | null = null;
  private denials = 0;
  private readonly codes = new Map<string, CodeRecord>();
  private readonly byAccess = new Map<string, IssuedToken>();
  private readonly byRefresh = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: FakeClock,
    private readonly options: OAuthServerOptions,
  ) {}

  register(client: OAuthClient): OAuthClient {
    this.clients.set(client.clientId, client);
    return client;
  }

  /** The next `times` authorize requests are refused by the user ("Cancel" on the consent page). */
  denyConsent(times = 1): void {
    this.denials += times;
  }

  /** Refresh calls that reached the host for `user` (failed ones too). */
  refreshCount(user: string): number {
    return this.refreshCalls.filter((c) => c.user === user).length;
  }

  /** Checks the client and verifies its secret. */
  authenticate(clientId: string | undefined, secret: string | undefined): OAuthClient | null {
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (!client || secret === undefined || !sameSecret(secret, client.clientSecret)) return null;
    return client;
  }

  private scopesOf(value: string | null | undefined): string[] {
    return (value ?? '')
      .split(this.options.scopeSeparator ?? / +/)
      .map((s) => s.trim())
      .filter(Boolean);
  }

  private redirectAllowed(client: OAuthClient, given: string): boolean {
    return client.redirectUris.some((registered) => {
      if (client.redirectMatch === 'exact') return given === registered;
      if (client.redirectMatch === 'prefix') return given.startsWith(registered);
      try {
        const r = new URL(registered);
        const g = new URL(given);
        const base = r.pathname.replace(/\/+$/, '');
        return r.protocol === g.protocol && r.host === g.host && (g.pathname === r.pathname || g.pathname.startsWith(`${base}/`));
      } catch {
        return false;
      }
    });
  }

  /**
   * An authorize request of the signed-in user. `user` overrides the signed-in one; `extra` is
   * handed back with the tokens the code buys (and is the host's business).
   */
  authorize(params: URLSearchParams, options: { user?: string; extra?: Record<string, string>; requireRedirectUri?: boolean } = {}): AuthorizeOutcome {
    const clientId = params.get('client_id') ?? '';
    const client = this.clients.get(clientId);
    const state = params.get('state');
    const record = (outcome: AuthorizationRecord['outcome'], user: string | null, scopes: string[] = []) =>
      this.authorizations.push({
        clientId,
        redirectUri: params.get('redirect_uri'),
        state,
        codeChallenge: params.get('code_challenge'),
        codeChallengeMethod: params.get('code_challenge_method'),
        scopes,
        user,
        outcome,
      });
    if (!client) {
      record('refused', null);
      return { kind: 'unknown_client' };
    }
    const given = params.get('redirect_uri');
    if ((given === null && options.requireRedirectUri) || (given !== null && !this.redirectAllowed(client, given))) {
      record('refused', null);
      return { kind: 'bad_redirect', registered: client.redirectUris[0] };
    }
    const redirectUri = given ?? client.redirectUris[0];
    const fail = (error: Extract<AuthorizeOutcome, { kind: 'error' }>['error']): AuthorizeOutcome => {
      record('refused', null);
      return { kind: 'error', redirectUri, error, state };
    };
    if ((params.get('response_type') ?? 'code') !== 'code') return fail('unsupported_response_type');
    const challenge = params.get('code_challenge');
    const method = params.get('code_challenge_method') ?? (challenge ? 'plain' : null);
    if (challenge !== null && (!method || !this.options.pkceMethods.includes(method))) return fail('invalid_request');
    if (challenge === null && params.get('code_challenge_method') !== null) return fail('invalid_request');
    const asked = this.scopesOf(params.get('scope'));
    if (client.allowedScopes && asked.some((s) => !client.allowedScopes!.includes(s))) return fail('invalid_scope');
    const scopes = asked.length ? asked : client.defaultScopes;
    const user = options.user ?? this.signedIn;
    if (!user) return fail('access_denied');
    if (this.denials > 0) {
      this.denials--;
      record('denied', user, scopes);
      return { kind: 'error', redirectUri, error: 'access_denied', state };
    }
    const code = this.options.code();
    this.codes.set(code, {
      clientId,
      redirectUri: given,
      user,
      scopes,
      challenge,
      method,
      expiresAt: this.clock.now() + (this.options.codeTtlMs ?? 10 * 60_000),
      used: false,
      extra: options.extra ?? {},
    });
    record('code', user, scopes);
    return { kind: 'code', redirectUri, code, state };
  }

  /** Mints a token pair for `user` directly (the test's shortcut past the browser). */
  issue(clientId: string, user: string, scopes: string[], keepRefreshToken: string | null = null): IssuedToken {
    const client = this.clients.get(clientId);
    if (!client) throw new Error(`unknown OAuth client ${clientId}`);
    const now = this.clock.now();
    const token: IssuedToken = {
      accessToken: this.options.accessToken(client),
      refreshToken: client.refreshTokenTtlMs === null ? null : (keepRefreshToken ?? this.options.refreshToken(client)),
      clientId,
      user,
      scopes,
      createdAt: now,
      expiresAt: client.accessTokenTtlMs === null ? null : now + client.accessTokenTtlMs,
      refreshExpiresAt: client.refreshTokenTtlMs === null ? null : now + client.refreshTokenTtlMs,
      revoked: false,
      refreshUsed: false,
    };
    this.byAccess.set(token.accessToken, token);
    if (token.refreshToken) this.byRefresh.set(token.refreshToken, token);
    return token;
  }

  /**
   * The token endpoint after the host parsed the request. `client` is the authenticated client
   * (null: its id or secret is wrong).
   */
  token(
    client: OAuthClient | null,
    params: Record<string, string>,
    options: { requirePkce?: boolean } = {},
  ): { ok: IssuedToken; extra: Record<string, string> } | { error: TokenError } {
    const grant = params.grant_type;
    if (grant !== 'authorization_code' && grant !== 'refresh_token') return { error: grant ? 'unsupported_grant_type' : 'invalid_request' };
    if (grant === 'refresh_token') {
      const presented = params.refresh_token ? this.byRefresh.get(params.refresh_token) : undefined;
      const call: RefreshCall = { user: presented?.user ?? null, clientId: client?.clientId ?? params.client_id ?? '', ok: false, at: this.clock.now() };
      this.refreshCalls.push(call);
      if (!client) return { error: 'invalid_client' };
      if (!presented || presented.clientId !== client.clientId || presented.refreshUsed) return { error: 'bad_refresh_token' };
      if (presented.refreshExpiresAt !== null && this.clock.now() >= presented.refreshExpiresAt) return { error: 'bad_refresh_token' };
      const rotate = client.rotateRefreshTokens ?? true;
      if (client.revokeAccessOnRefresh ?? true) presented.revoked = true;
      presented.refreshUsed = true;
      const next = this.issue(client.clientId, presented.user, presented.scopes, rotate ? null : presented.refreshToken);
      if (!rotate) next.refreshExpiresAt = presented.refreshExpiresAt;
      call.ok = true;
      return { ok: next, extra: {} };
    }
    if (!client) return { error: 'invalid_client' };
    const code = params.code ? this.codes.get(params.code) : undefined;
    if (!code || code.clientId !== client.clientId || code.used || this.clock.now() >= code.expiresAt) {
      if (code && code.clientId === client.clientId) code.used = true;
      return { error: 'bad_code' };
    }
    code.used = true;
    if (code.redirectUri !== null && params.redirect_uri !== code.redirectUri) return { error: 'redirect_uri_mismatch' };
    if (code.challenge === null && options.requirePkce) return { error: 'bad_verifier' };
    if (code.challenge !== null) {
      const verifier = params.code_verifier;
      if (!verifier) return { error: 'bad_verifier' };
      const expected = code.method === 'S256' ? pkceS256(verifier) : verifier;
      if (!sameSecret(expected, code.challenge)) return { error: 'bad_verifier' };
    }
    const issued = this.issue(client.clientId, code.user, code.scopes);
    this.exchanges.push({ clientId: client.clientId, user: code.user, at: this.clock.now() });
    return { ok: issued, extra: code.extra };
  }

  /** An access token as the API sees it: its record and whether it still works. */
  lookup(accessToken: string): { token: IssuedToken; state: 'active' | 'expired' | 'revoked' } | null {
    const token = this.byAccess.get(accessToken);
    if (!token) return null;
    if (token.revoked) return { token, state: 'revoked' };
    if (token.expiresAt !== null && this.clock.now() >= token.expiresAt) return { token, state: 'expired' };
    return { token, state: 'active' };
  }

  /** Revokes an access token (and its refresh token): what a user's "Revoke" in the host's settings does. */
  revoke(token: string): void {
    const t = this.byAccess.get(token) ?? this.byRefresh.get(token);
    if (t) {
      t.revoked = true;
      t.refreshUsed = true;
    }
  }

  /** Revokes every token of `user` issued to `clientId` (the user uninstalled or deauthorized the app). */
  revokeAll(clientId: string, user: string): void {
    for (const t of this.byAccess.values()) {
      if (t.clientId === clientId && t.user === user) {
        t.revoked = true;
        t.refreshUsed = true;
      }
    }
  }
}
