import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config';
import type { CodeHostAccountKind, CodeHostAccountStatus, InstallationFacts } from '../../db/entities/code-host-account.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { CredentialCipher, Secret } from '../crypto';
import { PlatformError } from '../platforms/host-http';
import type { AccountSecrets, CodeHostAccountStore } from './code-host-account.store';
import type { CodeHostAppService } from './code-host-app.service';
import { authHeaders, type CodeHostApi } from './code-host-api';
import type { CodeHostEndpoints } from './code-host-endpoints';
import { accountAad } from './code-host-secrets';
import { githubAppJwt } from './github-app-jwt';
import { OAuthGrantError, OAuthTokenEndpoint } from './oauth-client';

/**
 * A current credential of an account, for one round of calls to its host. The token is wrapped
 * (`[redacted]` however it is printed); `headers()` gives what authenticates a request.
 */
export interface AccountToken {
  accountId: string;
  tenantId: string;
  kind: CodeHostAccountKind;
  host: Platform;
  /** The host's web root (`https://github.com`, a GHES or self-managed GitLab origin). */
  baseUrl: string;
  /** The REST API root to call with it. */
  apiUrl: string;
  scheme: 'bearer' | 'basic';
  /** HTTP Basic's user name (a Bitbucket API token's email); null for bearer tokens. */
  username: string | null;
  token: Secret<string>;
  /** When the token stops working; null: it does not expire. */
  expiresAt: Date | null;
  /** A GitHub App installation's account, permissions and repository selection (null for other kinds). */
  installation: InstallationFacts | null;
  /** The scopes the host granted, as stored with the account (an OAuth grant's, a pasted token's); null when unknown. */
  scopes: string[] | null;
  headers(): Record<string, string>;
  /** Names this very token to `tokenFor(…, { rejected })` when the host refused it before its expiry. */
  readonly handle: Buffer;
}

/** The account cannot give a token now, and will not until a person acts: SUSPENDED, NEEDS_REAUTHORIZATION or REVOKED. */
export class AccountUnavailableError extends Error {
  constructor(
    readonly status: CodeHostAccountStatus,
    message: string,
  ) {
    super(message);
    this.name = 'AccountUnavailableError';
  }
}

/** Renewing the token failed for a reason that may pass (the host unreachable, a lease held too long): retry later. */
export class AccountRefreshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountRefreshError';
  }
}

export class AccountNotFoundError extends Error {
  constructor() {
    super('Code-host account not found');
    this.name = 'AccountNotFoundError';
  }
}

export interface TokenOptions {
  /** A token the host refused (401) before its stated expiry: renew it even though it looks fresh. */
  rejected?: AccountToken;
}

export interface TokenBrokerOptions {
  /** How long a lease holder may take to mint or refresh before another process may take over. */
  leaseMs?: number;
  /** How often a process that lost the lease race looks again. */
  pollMs?: number;
}

const HOSTS = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' } as const;

/**
 * Current tokens for code-host accounts, shared by every process on one database.
 *
 * Tokens are stored sealed with their expiry. A token with less than the configured margin left
 * (REPOLINK_CODE_HOST_REFRESH_MARGIN_SECONDS, 5 minutes) is renewed — a GitHub App installation
 * token minted anew from the app's JWT, an OAuth token refreshed with its refresh token — by ONE
 * process at a time: the one whose guarded UPDATE takes the row's lease (`lease_owner`,
 * `lease_until`, judged on the database's clock). It calls the host with no transaction open,
 * then writes the new tokens fenced on its lease (or on the refresh token it spent still being the
 * stored one) and ends the lease in the same statement. The others poll the row until the new token
 * is there (or the lease runs out and one of them takes it over). A refused refresh
 * (`invalid_grant`) marks the account NEEDS_REAUTHORIZATION only if the stored refresh token is
 * still the one refused: another process may have just rotated it.
 */
export class CodeHostTokens {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly owner = `${hostname().slice(0, 24)}:${process.pid}`;

  constructor(
    private readonly config: Config,
    private readonly store: CodeHostAccountStore,
    private readonly cipher: CredentialCipher,
    private readonly apps: CodeHostAppService,
    private readonly api: CodeHostApi,
    private readonly endpoints: CodeHostEndpoints,
    options: TokenBrokerOptions = {},
  ) {
    // Longer than one call to the host can take (no retries on token calls), so a live holder keeps it.
    this.leaseMs = options.leaseMs ?? Math.max(30_000, 3 * config.platforms.timeoutMs);
    this.pollMs = options.pollMs ?? 100;
  }

  /**
   * A current token of the tenant's account: the stored one while it has more than the margin
   * left, else a renewed one. Throws AccountNotFoundError (not the tenant's, deleted),
   * AccountUnavailableError (SUSPENDED, NEEDS_REAUTHORIZATION, REVOKED) or AccountRefreshError
   * (the host could not be asked; nothing changed).
   */
  async tokenFor(tenantId: string, accountId: string, options: TokenOptions = {}): Promise<AccountToken> {
    const marginMs = this.config.codeHosts.refreshMarginSeconds * 1000;
    const give = Date.now() + this.leaseMs + 5_000;
    for (;;) {
      const row = await this.store.readSecrets(accountId);
      if (!row || row.tenantId !== tenantId || row.deletedAt !== null) throw new AccountNotFoundError();
      if (row.status !== 'active') throw new AccountUnavailableError(row.status, row.statusReason ?? `The account is ${row.status.replace(/_/g, ' ')}`);
      const rejected = options.rejected && row.access !== null && row.access.blob.equals(options.rejected.handle) ? row.access.blob : null;
      const renewable = row.kind === 'github_app_installation' || row.kind === 'oauth';
      if (row.access !== null && rejected === null && (!renewable || isFresh(row, marginMs))) return this.token(row);
      if (!renewable) return this.token(row);
      const owner = `${this.owner}:${randomBytes(6).toString('hex')}`;
      if (await this.store.takeLease(accountId, owner, this.leaseMs, marginMs, rejected)) {
        return this.renew(owner, accountId);
      }
      if (Date.now() > give) throw new AccountRefreshError('Another process is renewing the token of this account and has not finished; retry shortly');
      await sleep(this.pollMs);
    }
  }

  private async renew(owner: string, accountId: string): Promise<AccountToken> {
    // Read again under the lease: the refresh token to spend is the one stored now.
    const row = (await this.store.readSecrets(accountId))!;
    let ended = false;
    const unavailable = async (status: CodeHostAccountStatus, reason: string, refused: Buffer | null) => {
      ended = await this.store.markUnavailable(accountId, owner, status, reason, refused);
      return ended ? new AccountUnavailableError(status, reason) : null;
    };
    try {
      if (row.kind === 'github_app_installation') {
        const app = row.appId ? await this.apps.byId(row.appId) : null;
        if (!app || !app.githubAppId || !row.externalId) throw new AccountRefreshError('The GitHub App this installation was connected through is no longer registered');
        const endpoints = this.endpoints.for('github', row.baseUrl);
        const minted = await this.api.mintInstallationToken(endpoints, githubAppJwt(app.githubAppId, this.apps.privateKey(app)), row.externalId);
        if (minted.kind === 'suspended') throw (await unavailable('suspended', minted.message, null)) ?? new AccountRefreshError('The installation changed while it was being renewed; retry');
        if (minted.kind === 'gone') throw (await unavailable('revoked', minted.message, null)) ?? new AccountRefreshError('The installation changed while it was being renewed; retry');
        if (minted.kind === 'app_refused') throw new AccountRefreshError(minted.message);
        const installation: InstallationFacts = { ...(row.installation ?? { accountLogin: null, targetType: null, suspendedAt: null }), permissions: minted.permissions, repositorySelection: minted.repositorySelection, suspendedAt: null };
        const access = this.cipher.seal(minted.token.reveal(), accountAad(row, 'access_token'));
        ended = true;
        await this.store.storeTokens(accountId, owner, { access, accessExpires: minted.expiresAt ? { at: minted.expiresAt } : null, refresh: null, refreshExpiresInSeconds: null, installation });
        // Stored or not (a lease taken over after it ran out), this token is good: installation tokens do not spend each other.
        return this.build({ ...row, installation }, minted.token, access.blob, minted.expiresAt);
      }

      // OAuth: refresh with the stored refresh token.
      const refusedReason = `${HOSTS[row.host]} refused the refresh token (invalid_grant): it expired or was revoked; connect the account again to authorize repolink`;
      if (row.refresh === null) throw (await unavailable('needs_reauthorization', `The ${HOSTS[row.host]} access token expired and the host gave no refresh token; connect the account again`, null)) ?? new AccountRefreshError('retry');
      if (row.refreshExpiresAt !== null && row.refreshExpiresAt.getTime() <= row.now.getTime()) {
        throw (await unavailable('needs_reauthorization', `The ${HOSTS[row.host]} refresh token expired; connect the account again`, row.refresh.blob)) ?? new AccountRefreshError('retry');
      }
      const app = row.appId ? await this.apps.byId(row.appId) : null;
      if (!app) throw new AccountRefreshError('The OAuth application this account was connected through is no longer registered');
      const endpoints = this.endpoints.for(row.host, row.baseUrl);
      const refreshToken = this.cipher.open(row.refresh, accountAad(row, 'refresh_token'));
      let tokens;
      try {
        tokens = await new OAuthTokenEndpoint(endpoints, this.apps.clientCredentials(app), this.api.http()).refresh(refreshToken);
      } catch (error) {
        if (error instanceof OAuthGrantError && error.code === 'invalid_grant') {
          // Another process may have refreshed meanwhile (its lease had run out, or it spent the token first): its tokens stand.
          const marked = await unavailable('needs_reauthorization', refusedReason, row.refresh.blob);
          if (marked) throw marked;
          const now = await this.store.readSecrets(accountId);
          if (now && now.status === 'active' && now.access !== null) return this.token(now);
          throw new AccountUnavailableError(now?.status ?? 'needs_reauthorization', now?.statusReason ?? refusedReason);
        }
        if (error instanceof OAuthGrantError) throw new AccountRefreshError(error.message);
        throw error;
      }
      const access = this.cipher.seal(tokens.accessToken.reveal(), accountAad(row, 'access_token'));
      const refresh = tokens.refreshToken ? this.cipher.seal(tokens.refreshToken.reveal(), accountAad(row, 'refresh_token')) : null;
      ended = true;
      await this.store.storeTokens(accountId, owner, {
        access,
        accessExpires: tokens.expiresIn === null ? null : { inSeconds: tokens.expiresIn },
        refresh,
        refreshExpiresInSeconds: tokens.refreshExpiresIn,
        ...(tokens.scopes !== null && { scopes: tokens.scopes }),
      }, row.refresh.blob);
      return this.build(row, tokens.accessToken, access.blob, tokens.expiresIn === null ? null : new Date(Date.now() + tokens.expiresIn * 1000));
    } catch (error) {
      if (error instanceof AccountUnavailableError || error instanceof AccountRefreshError) throw error;
      if (error instanceof PlatformError) throw new AccountRefreshError(`The token could not be renewed: ${error.message}`);
      throw error;
    } finally {
      if (!ended) await this.store.releaseLease(accountId, owner).catch(() => undefined);
    }
  }

  private token(row: AccountSecrets): AccountToken {
    const token = this.cipher.open(row.access!, accountAad(row, 'access_token'));
    return this.build(row, token, row.access!.blob, row.accessExpiresAt);
  }

  private build(row: AccountSecrets, token: Secret<string>, handle: Buffer, expiresAt: Date | null): AccountToken {
    const scheme = row.kind === 'api_token' ? 'basic' : 'bearer';
    const username = scheme === 'basic' ? row.authUsername : null;
    return {
      accountId: row.id,
      tenantId: row.tenantId,
      kind: row.kind,
      host: row.host,
      baseUrl: row.baseUrl,
      apiUrl: this.endpoints.for(row.host, row.baseUrl).api,
      scheme,
      username,
      token,
      expiresAt,
      installation: row.installation,
      scopes: row.scopes,
      headers: () => authHeaders({ scheme, token, username }),
      handle,
    };
  }
}

function isFresh(row: AccountSecrets, marginMs: number): boolean {
  return row.accessExpiresAt === null || row.accessExpiresAt.getTime() - row.now.getTime() > marginMs;
}
