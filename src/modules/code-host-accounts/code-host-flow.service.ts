import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { CodeHostAccountEntity, CodeHostOAuthStateEntity, type CodeHostAppEntity } from '../../db/entities';
import type { CodeHostAccountKind, InstallationFacts } from '../../db/entities/code-host-account.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { UserErrorCode, userError, type UserError } from '../../errors';
import { uuidv7 } from '../../lib/ids';
import type { AuthService } from '../auth/auth.service';
import type { CredentialCipher, Secret } from '../crypto';
import { PlatformError } from '../platforms/host-http';
import { inTransaction, retryTransaction } from '../../db/transaction';
import type { CodeHostAccountStore } from './code-host-account.store';
import { requireTenant, type CodeHostScope } from './code-host-account.service';
import type { AccountConnectedHook } from './code-host-access';
import { checkStartAuthorization, type StartCodeHostAuthorizationInput } from './code-host-account.inputs';
import type { CodeHostAppService } from './code-host-app.service';
import type { CodeHostApi } from './code-host-api';
import type { CodeHostEndpoints, HostEndpoints } from './code-host-endpoints';
import { accountAad, stateAad } from './code-host-secrets';
import { githubAppJwt } from './github-app-jwt';
import { authorizationUrl, newPkce, OAuthGrantError, OAuthTokenEndpoint, pkceChallenge, type TokenSet } from './oauth-client';
import { openState, sealState, stateHash } from './oauth-state';

export interface StartResult {
  authorizationUrl: string | null;
  expiresAt: Date | null;
  userErrors: UserError[];
}

/** Why a flow ended without an account: a machine code for the return URL's `error`, and words for a person. */
export type FlowErrorCode =
  | 'invalid_state'
  | 'state_used'
  | 'wrong_caller'
  | 'access_denied'
  | 'host_error'
  | 'invalid_grant'
  | 'installation_not_confirmed'
  | 'installation_pending'
  | 'app_not_registered';

/** How a callback ends: the account it connected, or why none; where the browser goes next (null: repolink's own page). */
export type FlowOutcome =
  | { ok: true; accountId: string; host: Platform; returnUrl: string | null }
  | { ok: false; error: FlowErrorCode; message: string; returnUrl: string | null }
  /** The setup redirect of a GitHub App without a code: on to the app's authorization page to confirm the installation. */
  | { ok: 'continue'; location: string };

/** What a callback brings: the query of the host's redirect and the caller's session cookie, if any. */
export interface CallbackRequest {
  host: string;
  query: Record<string, string | undefined>;
  sessionToken: string | null;
}

const NAMES: Record<Platform, string> = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' };

class FlowError extends Error {
  constructor(
    readonly code: FlowErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the host told us about the account a flow connects, ready to store. */
interface Linked {
  kind: CodeHostAccountKind;
  externalId: string;
  identity: string | null;
  scopes: string[] | null;
  installation: InstallationFacts | null;
  status: 'active' | 'suspended';
  statusReason: string | null;
  access: { token: Secret<string>; expiresAt: Date | null } | null;
  refresh: { token: Secret<string>; expiresInSeconds: number | null } | null;
}

/**
 * The browser flows that connect code-host accounts: `startCodeHostAuthorization` makes a flow
 * (a single-use state bound to the tenant and caller, a PKCE verifier, both stored sealed) and
 * answers the host's URL; the callback routes finish it — the state spent in one guarded UPDATE,
 * the code exchanged, a GitHub App installation confirmed through the user's own authorization
 * (`GET /user/installations`) before it is linked — and store the account in one transaction.
 * A flow that fails stores no account.
 */
export class CodeHostFlowService {
  /** The address the server listens on, for REPOLINK_PUBLIC_URL's default (set when the routes are registered). */
  private listening: (() => string | null) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly store: CodeHostAccountStore,
    private readonly cipher: CredentialCipher,
    private readonly apps: CodeHostAppService,
    private readonly api: CodeHostApi,
    private readonly endpoints: CodeHostEndpoints,
    private readonly auth: AuthService,
    private readonly connected: AccountConnectedHook = async () => undefined,
  ) {}

  listenAt(address: () => string | null): void {
    this.listening = address;
  }

  /** REPOLINK_PUBLIC_URL, else http://HOST:PORT as the server listens. */
  publicUrl(): string {
    return this.config.codeHosts.publicUrl ?? this.listening?.() ?? `http://${this.config.host}:${this.config.port}`;
  }

  callbackUrl(host: Platform): string {
    return `${this.publicUrl()}/oauth/callback/${host}`;
  }

  /** `startCodeHostAuthorization`. */
  async start(scope: CodeHostScope, input: StartCodeHostAuthorizationInput): Promise<StartResult> {
    const viewer = requireTenant(scope.viewer, 'config:write');
    const refused = (errors: UserError[]): StartResult => ({ authorizationUrl: null, expiresAt: null, userErrors: errors });
    const checked = await checkStartAuthorization(input);
    if (!checked.ok) return refused(checked.userErrors);
    const { host, kind } = checked.value;
    const returnUrl = checked.value.returnUrl;
    if (returnUrl !== null && !this.returnUrlAllowed(returnUrl)) {
      return refused([userError(UserErrorCode.BAD_USER_INPUT, ['returnUrl'], 'returnUrl must be on the origin of REPOLINK_CODE_HOST_RETURN_URL, REPOLINK_PUBLIC_URL or one of REPOLINK_CORS_ORIGINS')]);
    }
    const baseUrl = this.endpoints.normalizeBaseUrl(host, checked.value.baseUrl);
    const app = await this.apps.find(kind === 'github_app_installation' ? 'github_app' : 'oauth_app', host, baseUrl);
    if (!app) {
      const what = kind === 'github_app_installation' ? 'GitHub App' : `${NAMES[host]} OAuth application`;
      const command = kind === 'github_app_installation' ? 'app:register --kind github-app --host github' : `app:register --kind oauth --host ${host}`;
      return refused([userError(UserErrorCode.BAD_USER_INPUT, checked.value.baseUrl ? ['baseUrl'] : ['host'], `No ${what} is registered for ${baseUrl}: an operator registers one (npm run admin -- ${command} …, or the REPOLINK_${host.toUpperCase()}_* settings)`)]);
    }
    const endpoints = this.endpoints.for(host, baseUrl);
    const pkce = newPkce();
    const now = Date.now();
    const expiresAt = new Date(now + this.config.codeHosts.flowTtlSeconds * 1000);
    const row = Object.assign(new CodeHostOAuthStateEntity(), {
      id: uuidv7(),
      tenantId: viewer.tenant.id,
      startedBy: viewer.principal,
      purpose: kind,
      host,
      baseUrl,
      appId: app.id,
      returnUrl,
      installationId: null,
      createdAt: new Date(now),
      expiresAt,
      consumedAt: null,
    });
    const sealedVerifier = this.cipher.seal(pkce.verifier, stateAad(row));
    row.pkceVerifierKeyId = sealedVerifier.keyId;
    row.pkceVerifierCiphertext = sealedVerifier.blob;
    const state = sealState(this.cipher, { id: row.id, tenantId: row.tenantId, startedBy: row.startedBy, expiresAt: expiresAt.getTime() });
    row.stateHash = stateHash(state);
    const url =
      kind === 'github_app_installation'
        ? `${endpoints.web}/apps/${encodeURIComponent(app.slug!)}/installations/new?state=${encodeURIComponent(state)}`
        : authorizationUrl(endpoints, app.clientId, { redirectUri: this.callbackUrl(host), state, challenge: pkce.challenge });
    return inTransaction(scope, async (em) => {
      await this.store.insertState(em, row);
      return { authorizationUrl: url, expiresAt, userErrors: [] };
    });
  }

  /**
   * `GET /github-app/setup`: GitHub's redirect after an installation. With a `code` (the app asks
   * for user authorization during installation) it finishes like a callback. Without one, the
   * installation id is only a claim anyone could type: it is noted on the flow, and the browser goes
   * on to the app's authorization page, whose callback confirms it.
   */
  async setup(request: CallbackRequest): Promise<FlowOutcome> {
    if (request.query.code) return this.finish({ ...request, host: 'github' });
    try {
      const { row } = await this.checkState(request, 'github');
      if (row.purpose !== 'github_app_installation') throw new FlowError('invalid_state', 'This state belongs to another kind of connection');
      const hash = row.stateHash;
      if (request.query.setup_action === 'request') {
        await this.store.consumeState(hash);
        throw new FlowError('installation_pending', 'The installation was requested and waits for an owner of the GitHub organization to approve it; connect again once it is approved');
      }
      const installationId = request.query.installation_id ?? '';
      if (!/^\d{1,20}$/.test(installationId)) throw new FlowError('host_error', 'GitHub sent no installation id');
      if (!(await this.store.noteInstallation(hash, installationId))) throw new FlowError('state_used', 'This connection was already finished, or it expired: start it again');
      const app = await this.appOf(row.appId);
      const verifier = this.cipher.open({ keyId: row.pkceVerifierKeyId, blob: row.pkceVerifierCiphertext }, stateAad(row)).reveal();
      const location = authorizationUrl(this.endpoints.for('github', row.baseUrl), app.clientId, { redirectUri: this.callbackUrl('github'), state: request.query.state!, challenge: pkceChallenge(verifier), scopes: [] });
      return { ok: 'continue', location };
    } catch (error) {
      return this.failure(error, null);
    }
  }

  /** `GET /oauth/callback/:host`: the host's redirect after consent (or refusal). */
  async finish(request: CallbackRequest): Promise<FlowOutcome> {
    let returnUrl: string | null = null;
    try {
      const { row } = await this.checkState(request, request.host);
      returnUrl = row.returnUrl;
      // Spent now, whatever follows: a state is good for one try.
      if (!(await this.store.consumeState(row.stateHash))) throw new FlowError('state_used', 'This connection was already finished (its state was used), or it expired: start it again');
      const error = request.query.error;
      if (error) {
        if (error === 'access_denied') throw new FlowError('access_denied', `The authorization was declined on ${NAMES[row.host]}; nothing was connected`);
        throw new FlowError('host_error', `${NAMES[row.host]} ended the authorization with "${/^[a-z_]{1,40}$/.test(error) ? error : 'an error'}"; nothing was connected`);
      }
      const code = request.query.code;
      if (!code || code.length > 512) throw new FlowError('host_error', `${NAMES[row.host]} came back without an authorization code`);
      const app = await this.appOf(row.appId);
      const endpoints = this.endpoints.for(row.host, row.baseUrl);
      const verifier = this.cipher.open({ keyId: row.pkceVerifierKeyId, blob: row.pkceVerifierCiphertext }, stateAad(row)).reveal();
      const tokens = await new OAuthTokenEndpoint(endpoints, this.apps.clientCredentials(app), this.api.http()).exchangeCode(code, this.callbackUrl(row.host), verifier);
      const linked =
        row.purpose === 'github_app_installation'
          ? await this.confirmInstallation(app, endpoints, tokens, request.query.installation_id ?? row.installationId)
          : await this.identify(endpoints, tokens);
      const accountId = await this.link(row, app, linked);
      return { ok: true, accountId, host: row.host, returnUrl };
    } catch (error) {
      return this.failure(error, returnUrl);
    }
  }

  /** The state's row, after its seal, expiry, tenant, host and caller checked out (not yet spent). */
  private async checkState(request: CallbackRequest, host: string): Promise<{ row: CodeHostOAuthStateEntity }> {
    const state = request.query.state;
    if (!state) throw new FlowError('invalid_state', 'The host came back without a state; start the connection from repolink');
    const payload = openState(this.cipher, state);
    if (!payload) throw new FlowError('invalid_state', 'The state is not one repolink issued (forged or damaged); nothing was connected');
    const row = await this.store.stateByHash(stateHash(state));
    if (!row || row.id !== payload.id || row.tenantId !== payload.tenantId || row.startedBy !== payload.startedBy || row.host !== host) {
      throw new FlowError('invalid_state', 'The state is not one repolink issued for this host; nothing was connected');
    }
    if (row.consumedAt !== null) throw new FlowError('state_used', 'This connection was already finished (its state was used): start it again');
    if (row.expiresAt.getTime() <= Date.now()) throw new FlowError('state_used', 'This connection took too long and expired: start it again');
    await this.checkCaller(row, request.sessionToken);
    return { row };
  }

  /**
   * A flow started by a signed-in user is finished by that user: a session cookie of another user
   * (or tenant) is refused. A flow started with an API key is bound to the key's tenant and recorded
   * with the key; the browser that finishes it holds the single-use state.
   */
  private async checkCaller(row: CodeHostOAuthStateEntity, sessionToken: string | null): Promise<void> {
    if (sessionToken === null) return;
    const viewer = await this.auth.authenticate({ token: sessionToken, projectId: null }).catch(() => null);
    if (viewer === null || viewer.kind !== 'session') return;
    if (viewer.tenant.id !== row.tenantId || (row.startedBy.startsWith('user:') && viewer.principal !== row.startedBy)) {
      throw new FlowError('wrong_caller', 'This connection was started by someone else; start it again from your own session');
    }
  }

  private async appOf(id: string): Promise<CodeHostAppEntity> {
    const app = await this.apps.byId(id);
    if (!app) throw new FlowError('app_not_registered', 'The app this connection was started with is no longer registered');
    return app;
  }

  /** An OAuth account: who authorized, per the host. */
  private async identify(endpoints: HostEndpoints, tokens: TokenSet): Promise<Linked> {
    const who = await this.api.identity(endpoints, { scheme: 'bearer', token: tokens.accessToken });
    if (!who.ok || !who.externalId) throw new FlowError('host_error', `${NAMES[endpoints.host]} did not say who authorized (${who.ok ? 'no user id' : who.message}); nothing was connected`);
    return {
      kind: 'oauth',
      externalId: who.externalId,
      identity: who.identity,
      scopes: tokens.scopes ?? who.scopes,
      installation: null,
      status: 'active',
      statusReason: null,
      access: { token: tokens.accessToken, expiresAt: tokens.expiresIn === null ? null : new Date(Date.now() + tokens.expiresIn * 1000) },
      refresh: tokens.refreshToken ? { token: tokens.refreshToken, expiresInSeconds: tokens.refreshExpiresIn } : null,
    };
  }

  /**
   * A GitHub App installation, confirmed: the installation id of a redirect is whatever the URL
   * says, so it is linked only when the user who authorized can reach it (`GET /user/installations`
   * with the user's own token). Then an installation token is minted; a suspended installation is
   * linked as SUSPENDED, without one.
   */
  private async confirmInstallation(app: CodeHostAppEntity, endpoints: HostEndpoints, tokens: TokenSet, installationId: string | null | undefined): Promise<Linked> {
    if (!installationId || !/^\d{1,20}$/.test(installationId)) throw new FlowError('host_error', 'GitHub came back without an installation id');
    if (!app.githubAppId) throw new FlowError('app_not_registered', 'The GitHub App of this connection has no app id');
    const installations = await this.api.userInstallations(endpoints, tokens.accessToken);
    if (!Array.isArray(installations)) throw new FlowError('host_error', `GitHub answered ${installations.status} when asked which installations the user can reach`);
    const found = installations.find((i) => i.id === installationId);
    if (!found) {
      throw new FlowError('installation_not_confirmed', `Installation ${installationId} is not one the GitHub user who authorized can reach; nothing was connected`);
    }
    const minted = await this.api.mintInstallationToken(endpoints, githubAppJwt(app.githubAppId, this.apps.privateKey(app)), installationId);
    if (minted.kind === 'gone') throw new FlowError('installation_not_confirmed', minted.message);
    if (minted.kind === 'app_refused') throw new FlowError('host_error', minted.message);
    const base = { kind: 'github_app_installation' as const, externalId: installationId, identity: found.facts.accountLogin, scopes: null, refresh: null };
    if (minted.kind === 'suspended') {
      return { ...base, installation: found.facts, status: 'suspended', statusReason: minted.message, access: null };
    }
    return {
      ...base,
      installation: { ...found.facts, permissions: minted.permissions, repositorySelection: minted.repositorySelection ?? found.facts.repositorySelection, suspendedAt: null },
      status: 'active',
      statusReason: null,
      access: { token: minted.token, expiresAt: minted.expiresAt },
    };
  }

  /** Stores the account in one transaction: a new one, or the tenant's account of the same installation or host user renewed. */
  private async link(row: CodeHostOAuthStateEntity, app: CodeHostAppEntity, linked: Linked): Promise<string> {
    const linkKey = `${app.id}:${linked.externalId}`;
    return retryTransaction(() =>
      this.dataSource.transaction(async (em) => {
        const existing = await this.store.lockLinkedAccount(em, row.tenantId, linkKey);
        const now = new Date();
        const account: CodeHostAccountEntity = Object.assign(new CodeHostAccountEntity(), {
          id: existing?.id ?? `cha_${uuidv7().replace(/-/g, '')}`,
          tenantId: row.tenantId,
          kind: linked.kind,
          host: row.host,
          baseUrl: row.baseUrl,
          appId: app.id,
          externalId: linked.externalId,
          linkKey,
          status: linked.status,
          statusReason: linked.statusReason,
          identity: linked.identity,
          authUsername: null,
          scopes: linked.scopes,
          installation: linked.installation,
          credentialHint: null,
          accessTokenKeyId: null,
          accessTokenCiphertext: null,
          accessTokenExpiresAt: linked.access?.expiresAt ?? null,
          refreshTokenKeyId: null,
          refreshTokenCiphertext: null,
          refreshTokenExpiresAt: linked.refresh?.expiresInSeconds ? new Date(now.getTime() + linked.refresh.expiresInSeconds * 1000) : null,
          refreshedAt: linked.access ? now : null,
          leaseOwner: null,
          leaseUntil: null,
          createdByUserId: row.startedBy.startsWith('user:') ? row.startedBy.slice(5) : null,
          createdByApiKeyId: row.startedBy.startsWith('apikey:') ? row.startedBy.slice(7) : null,
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        });
        if (linked.access) {
          const sealed = this.cipher.seal(linked.access.token.reveal(), accountAad(account, 'access_token'));
          account.accessTokenKeyId = sealed.keyId;
          account.accessTokenCiphertext = sealed.blob;
        }
        if (linked.refresh) {
          const sealed = this.cipher.seal(linked.refresh.token.reveal(), accountAad(account, 'refresh_token'));
          account.refreshTokenKeyId = sealed.keyId;
          account.refreshTokenCiphertext = sealed.blob;
        }
        if (existing) await this.store.renewAccount(em, account);
        else await this.store.insertAccount(em, account);
        await this.connected(em, account);
        return account.id;
      }),
    );
  }

  private failure(error: unknown, returnUrl: string | null): FlowOutcome {
    if (error instanceof FlowError) return { ok: false, error: error.code, message: error.message, returnUrl };
    if (error instanceof OAuthGrantError) {
      return { ok: false, error: error.code === 'invalid_grant' ? 'invalid_grant' : 'host_error', message: `${error.message}; nothing was connected`, returnUrl };
    }
    if (error instanceof PlatformError) return { ok: false, error: 'host_error', message: `The host could not be asked: ${error.message}; nothing was connected`, returnUrl };
    throw error;
  }

  private returnUrlAllowed(url: string): boolean {
    let origin: string;
    try {
      const parsed = new URL(url);
      if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.username !== '' || parsed.password !== '') return false;
      origin = parsed.origin;
    } catch {
      return false;
    }
    const allowed = [this.config.codeHosts.returnUrl, this.publicUrl(), ...this.config.corsOrigins.filter((o) => o !== '*')]
      .filter((u): u is string => Boolean(u))
      .map((u) => {
        try {
          return new URL(u).origin;
        } catch {
          return null;
        }
      });
    return allowed.includes(origin);
  }

  /** Where the browser goes after a flow: the flow's return URL, else the configured one; null: repolink's own page. */
  destination(outcome: Exclude<FlowOutcome, { ok: 'continue' }>): string | null {
    const base = outcome.returnUrl ?? this.config.codeHosts.returnUrl;
    if (base === null) return null;
    const url = new URL(base);
    if (outcome.ok) {
      url.searchParams.set('codeHostAccountId', outcome.accountId);
      url.searchParams.set('host', outcome.host);
    } else {
      url.searchParams.set('error', outcome.error);
      url.searchParams.set('error_description', outcome.message);
    }
    return url.toString();
  }
}
