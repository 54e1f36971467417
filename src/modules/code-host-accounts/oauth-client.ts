import { createHash, randomBytes } from 'node:crypto';
import { Secret } from '../crypto';
import { PlatformError, type PlatformHttp } from '../platforms/http';
import type { HostEndpoints } from './code-host-endpoints';

/** A registered OAuth client: its id and its opened secret. */
export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: Secret<string>;
}

/** What a token endpoint answered, the secrets wrapped. Lifetimes are seconds from now; null when the host does not say. */
export interface TokenSet {
  accessToken: Secret<string>;
  refreshToken: Secret<string> | null;
  expiresIn: number | null;
  refreshExpiresIn: number | null;
  /** The scopes granted, when the host says (GitHub: `scope`, comma-separated; GitLab: space-separated; Bitbucket: `scopes`). */
  scopes: string[] | null;
}

/**
 * A refusal of the token endpoint, in RFC 6749 terms: `invalid_grant` (a code or refresh token that
 * is wrong, used, expired or revoked, or a PKCE verifier that does not match), `invalid_client`
 * (the app's id or secret), or another code. The message is ours: it names the host and the code,
 * never a token or the host's body.
 */
export class OAuthGrantError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthGrantError';
  }
}

/** A PKCE pair (RFC 7636): 32 random bytes as the verifier (43 characters), its S256 challenge. */
export function newPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The authorization URL of the authorization-code flow with PKCE S256. */
export function authorizationUrl(endpoints: HostEndpoints, clientId: string, params: { redirectUri: string; state: string; challenge: string; scopes?: string[] }): string {
  const url = new URL(endpoints.authorize);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', params.state);
  url.searchParams.set('code_challenge', params.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  const scopes = params.scopes ?? endpoints.scopes;
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
  return url.toString();
}

const HOST_NAMES = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' } as const;

/** GitHub names RFC 6749's errors its own way, and answers them with 200. */
const GITHUB_ERRORS: Record<string, string> = {
  bad_verification_code: 'invalid_grant',
  bad_refresh_token: 'invalid_grant',
  incorrect_client_credentials: 'invalid_client',
  redirect_uri_mismatch: 'invalid_grant',
};

const WORDS: Record<string, string> = {
  invalid_grant: 'the authorization code or refresh token is wrong, already used, expired or revoked, or the PKCE verifier does not match',
  invalid_client: "the app's client id or client secret is wrong",
  unsupported_grant_type: 'the grant type is not supported',
  invalid_request: 'the request is missing a parameter',
  invalid_scope: 'a requested scope is not allowed',
};

/**
 * The token endpoint of the three hosts (RFC 6749 §4.1.3 and §6), written here rather than taken
 * from a library: oauth4webapi is ESM-only (our CommonJS build and jest cannot load it), and the
 * hosts differ from the RFC where a strict client would stumble — GitHub answers errors with 200
 * and its own codes and wants `Accept: application/json`, Bitbucket wants the client credentials
 * by HTTP Basic and names the granted scopes `scopes`. Every call goes through PlatformHttp
 * (the private-address guard, the timeout, the size limit) and is never retried: a code or a
 * rotating refresh token sent twice is spent by the first attempt.
 */
export class OAuthTokenEndpoint {
  constructor(
    private readonly endpoints: HostEndpoints,
    private readonly client: OAuthClientCredentials,
    private readonly http: PlatformHttp,
  ) {}

  exchangeCode(code: string, redirectUri: string, verifier: string): Promise<TokenSet> {
    return this.call(new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }), 'the authorization code');
  }

  refresh(refreshToken: Secret<string>): Promise<TokenSet> {
    return this.call(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken.reveal() }), 'the refresh token');
  }

  private async call(form: URLSearchParams, what: string): Promise<TokenSet> {
    const host = HOST_NAMES[this.endpoints.host];
    const headers: Record<string, string> = {};
    if (this.endpoints.host === 'bitbucket') {
      headers.authorization = `Basic ${Buffer.from(`${this.client.clientId}:${this.client.clientSecret.reveal()}`).toString('base64')}`;
    } else {
      form.set('client_id', this.client.clientId);
      form.set('client_secret', this.client.clientSecret.reveal());
    }
    const res = await this.http.post<Record<string, unknown>>(this.endpoints.token, form, headers);
    const body = res.body && typeof res.body === 'object' ? res.body : {};
    const hostError = typeof body.error === 'string' ? body.error : null;
    if (hostError !== null || res.status >= 400) {
      if (res.status >= 500) throw new PlatformError('unavailable', `${host}'s token endpoint answered ${res.status}`, res.status);
      const code = hostError === null ? (res.status === 401 ? 'invalid_client' : 'invalid_request') : (GITHUB_ERRORS[hostError] ?? hostError);
      const known = /^[a-z_]{1,40}$/.test(code) ? code : 'invalid_request';
      throw new OAuthGrantError(known, `${host} refused ${what} (${known}${hostError && hostError !== known && /^[a-z_]{1,40}$/.test(hostError) ? `, "${hostError}"` : ''}): ${WORDS[known] ?? 'see the host\'s OAuth documentation'}`);
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new PlatformError('bad_response', `${host}'s token endpoint answered without an access token`, res.status);
    const seconds = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : null);
    const scopeText = typeof body.scope === 'string' ? body.scope : typeof body.scopes === 'string' ? body.scopes : null;
    return {
      accessToken: new Secret(body.access_token),
      refreshToken: typeof body.refresh_token === 'string' && body.refresh_token !== '' ? new Secret(body.refresh_token) : null,
      expiresIn: seconds(body.expires_in),
      refreshExpiresIn: seconds(body.refresh_token_expires_in),
      scopes: scopeText === null ? null : scopeText.split(/[\s,]+/).filter(Boolean),
    };
  }
}
