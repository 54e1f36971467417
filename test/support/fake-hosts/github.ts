import { createPublicKey, type KeyObject } from 'node:crypto';
import { generateRsaKeyPair, peekJwt, verifyRs256 } from './jwt';
import { OAuthServer, type IssuedToken, type OAuthClient, type TokenError } from './oauth';
import {
  type FakeClock,
  type FakeRequest,
  type Route,
  RateBudgets,
  bearer,
  bodyJson,
  bodyParams,
  isoSeconds,
  json,
  page,
  randomHex,
  randomToken,
  redirect,
  slicePage,
  withParams,
} from './shared';

/**
 * Fake GitHub (the Enterprise Server layout: REST under `/api/v3`, the browser pages at the root),
 * written from docs.github.com. What a test does with it (`fake.github`):
 *
 *   Data
 *     addUser({ login, orgs? })                    a person; `orgs` they are a member of
 *     addOrg({ login, ssoRequired? })              an organization (SAML SSO enforced or not)
 *     addRepo({ owner, name, private?, defaultBranch?, head?, archived?, ... })
 *     renameRepo('acme/old', 'acme/new')           the old path answers 301 with `Location`
 *     transferRepo('acme/x', 'other')              likewise, to another owner
 *     archiveRepo(path, archived?), deleteRepo(path), setHead(path, sha, branch?)
 *   Credentials
 *     addToken({ user, kind: 'classic', scopes }) / ({ user, kind: 'fine-grained', repositories, permissions })
 *     revokeToken(token)
 *     registerApp({ callbackUrls?, setupUrl?, permissions?, ... }) → GithubApp with appId, slug,
 *       clientId, clientSecret, webhookSecret, privateKeyPem, publicKeyPem; its fields
 *       installationTokenTtlMs / installationTokenLength / userTokenTtlMs can be changed later
 *     registerOAuthApp({ callbackUrl }) → { clientId, clientSecret } (a classic OAuth app)
 *     createInstallation({ app, account, repositories: 'all' | ['acme/api'], permissions?, users? })
 *     suspendInstallation(id), unsuspendInstallation(id), deleteInstallation(id),
 *     setInstallationRepositories(id, 'all' | [...])
 *     issueUserToken(clientId, login) → the token pair the web flow would give (skips the browser)
 *   Browser (who is "signed in" on the fake's pages)
 *     signIn(login); denyConsent(times?); prepareInstall({ app, account, repositories })
 *   Counters
 *     mints(installationId)   installation tokens minted (POST …/access_tokens that succeeded)
 *     refreshes(login)        refresh_token grants that reached the token endpoint for that user
 *     rateLimit(key) / setRateLimit(key, { remaining, limit?, resetInMs? })   key: `user:<login>`,
 *       `installation:<id>`, `app:<id>`, `ip:127.0.0.1` (unauthenticated, 60 an hour); every API
 *       answer carries x-ratelimit-* headers; a spent budget is 403 "API rate limit exceeded for …"
 *     secondaryLimit(key, { count, retryAfterSeconds?, status? })   the next `count` requests of that
 *       principal meet a secondary rate limit: 403 (or 429) "You have exceeded a secondary rate
 *       limit…", with Retry-After when given, the primary budget untouched (as GitHub documents it)
 *
 * Checks, as GitHub does them: the app JWT is RS256, verified against the app's public key, `iss`
 * is the app id or client id, `iat` at most 60 s in the future, `exp` in the future and at most 10
 * minutes after `iat` and after now (401 with GitHub's messages); installation tokens expire (401)
 * and are judged on the installation's permissions and repository selection (`GET /user` with one
 * is 403 "Resource not accessible by integration"); a suspended installation cannot mint (403 "This
 * installation has been suspended"); OAuth as in ./oauth.ts with GitHub's 200-with-`error` answers.
 */

export type RepoPermission = 'admin' | 'maintain' | 'push' | 'triage' | 'pull';
export type AccessLevel = 'read' | 'write';

export interface GithubUser {
  login: string;
  id: number;
  name: string;
  email: string | null;
  orgs: Set<string>;
}

export interface GithubOrg {
  login: string;
  id: number;
  ssoRequired: boolean;
}

export interface GithubRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  archived: boolean;
  /** Branch → head commit. */
  branches: Map<string, string>;
  /** Created but never pushed to: every branch answers 404. */
  empty: boolean;
  /** Overrides the owner organization's SAML enforcement for this repository. */
  sso: boolean | null;
  /** People with a role other than the organization members' default (`push`). */
  collaborators: Map<string, RepoPermission>;
  createdAt: number;
  pushedAt: number;
  /** The next `failNext` reads of the repository answer 502 (a flaky host). */
  failNext: number;
  /** Answers to reads of the repository wait this long. */
  delayMs: number;
}

export interface GithubApp {
  appId: number;
  slug: string;
  name: string;
  owner: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  privateKeyPem: string;
  publicKeyPem: string;
  publicKey: KeyObject;
  permissions: Record<string, AccessLevel>;
  events: string[];
  callbackUrls: string[];
  setupUrl: string | null;
  /** "Request user authorization (OAuth) during installation". */
  requestOAuthOnInstall: boolean;
  /** Installation tokens live this long (GitHub: one hour). */
  installationTokenTtlMs: number;
  /** Length of minted `ghs_` tokens; GitHub is rolling out a longer, stateless format. */
  installationTokenLength: number;
  /** User access tokens (`ghu_`) live this long (GitHub: eight hours); null: they never expire. */
  userTokenTtlMs: number | null;
  refreshTokenTtlMs: number;
}

export interface GithubInstallation {
  id: number;
  appId: number;
  account: string;
  repositorySelection: 'all' | 'selected';
  /** Lower-cased full names, when the selection is `selected`. */
  repositories: Set<string>;
  permissions: Record<string, AccessLevel>;
  events: string[];
  createdAt: number;
  suspendedAt: number | null;
  suspendedBy: string | null;
}

type Principal =
  | { kind: 'anonymous' }
  | { kind: 'classic'; token: string; user: string; scopes: string[] }
  | { kind: 'fine-grained'; token: string; user: string; owner: string; repositories: 'all' | Set<string>; permissions: Record<string, AccessLevel> }
  | { kind: 'oauth'; token: string; user: string; scopes: string[] }
  | { kind: 'app-user'; token: string; user: string; appId: number }
  | { kind: 'installation'; token: string; installationId: number; repositories: Set<string> | null; permissions: Record<string, AccessLevel> }
  | { kind: 'app'; appId: number };

interface StoredToken {
  principal: Extract<Principal, { kind: 'classic' | 'fine-grained' | 'installation' }>;
  expiresAt: number | null;
  revoked: boolean;
}

const DOCS = 'https://docs.github.com/rest';
const err = (status: number, message: string, documentation = DOCS, headers: Record<string, string> = {}): Route =>
  json(status, { message, documentation_url: documentation, status: String(status) }, headers);
const notFound = (documentation = DOCS) => err(404, 'Not Found', documentation);
const integrationRefused = (documentation = DOCS) => err(403, 'Resource not accessible by integration', documentation);

export class GithubHost {
  readonly users = new Map<string, GithubUser>();
  readonly orgs = new Map<string, GithubOrg>();
  readonly repos = new Map<string, GithubRepo>();
  readonly apps = new Map<number, GithubApp>();
  readonly installations = new Map<number, GithubInstallation>();
  readonly oauth: OAuthServer;
  /** Every POST /app/installations/{id}/access_tokens that passed the JWT check. */
  readonly mintLog: { installationId: number; ok: boolean; at: number }[] = [];
  private readonly renamed = new Map<string, number>();
  private readonly tokens = new Map<string, StoredToken>();
  private readonly rates: RateBudgets;
  private readonly secondary = new Map<string, { count: number; retryAfterSeconds: number | null; status: 403 | 429 }>();
  private pendingInstall: { appId: number | null; account: string; repositories: 'all' | string[] } | null = null;
  private nextId = 9_000_000;
  origin = '';

  constructor(private readonly clock: FakeClock) {
    this.oauth = new OAuthServer(clock, {
      // OAuth app tokens are gho_, GitHub App user tokens ghu_ with ghr_ refresh tokens.
      accessToken: (client) => randomToken(client.meta.appId === undefined ? 'gho_' : 'ghu_', 40),
      refreshToken: () => randomToken('ghr_', 76),
      code: () => randomHex(10),
      // "Only the S256 code challenge method is accepted." (PKCE support for OAuth and GitHub App authentication)
      pkceMethods: ['S256'],
      scopeSeparator: /[ ,]+/,
    });
    // 5,000 an hour for users and installations; 60 for unauthenticated callers (by address).
    this.rates = new RateBudgets(clock, (key) => (key.startsWith('ip:') ? 60 : 5000), 60 * 60_000);
  }

  // ---- data ---------------------------------------------------------------------------------

  addUser(input: { login: string; id?: number; name?: string; email?: string | null; orgs?: string[] }): GithubUser {
    const user: GithubUser = { login: input.login, id: input.id ?? this.nextId++, name: input.name ?? input.login, email: input.email ?? null, orgs: new Set(input.orgs ?? []) };
    this.users.set(input.login.toLowerCase(), user);
    for (const org of user.orgs) if (!this.orgs.has(org.toLowerCase())) this.addOrg({ login: org });
    return user;
  }

  addOrg(input: { login: string; id?: number; ssoRequired?: boolean }): GithubOrg {
    const org: GithubOrg = { login: input.login, id: input.id ?? this.nextId++, ssoRequired: input.ssoRequired ?? false };
    this.orgs.set(input.login.toLowerCase(), org);
    return org;
  }

  addRepo(input: {
    owner: string;
    name: string;
    id?: number;
    private?: boolean;
    defaultBranch?: string;
    head?: string;
    branches?: Record<string, string>;
    archived?: boolean;
    empty?: boolean;
    sso?: boolean;
    collaborators?: Record<string, RepoPermission>;
    failNext?: number;
    delayMs?: number;
  }): GithubRepo {
    if (!this.users.has(input.owner.toLowerCase()) && !this.orgs.has(input.owner.toLowerCase())) this.addOrg({ login: input.owner });
    const defaultBranch = input.defaultBranch ?? 'main';
    const repo: GithubRepo = {
      id: input.id ?? this.nextId++,
      owner: input.owner,
      name: input.name,
      private: input.private ?? true,
      defaultBranch,
      archived: input.archived ?? false,
      branches: new Map(Object.entries(input.branches ?? { [defaultBranch]: input.head ?? randomHex(20) })),
      empty: input.empty ?? false,
      sso: input.sso ?? null,
      collaborators: new Map(Object.entries(input.collaborators ?? {})),
      createdAt: this.clock.now(),
      pushedAt: this.clock.now(),
      failNext: input.failNext ?? 0,
      delayMs: input.delayMs ?? 0,
    };
    this.repos.set(fullName(repo).toLowerCase(), repo);
    return repo;
  }

  repo(path: string): GithubRepo {
    const repo = this.repos.get(path.toLowerCase());
    if (!repo) throw new Error(`no fake GitHub repository ${path}`);
    return repo;
  }

  /** Renames (or, with another owner, transfers) a repository; the old path answers 301 from now on. */
  renameRepo(from: string, to: string): GithubRepo {
    const repo = this.repo(from);
    const [owner, name] = to.split('/');
    this.repos.delete(from.toLowerCase());
    this.renamed.set(from.toLowerCase(), repo.id);
    if (!this.users.has(owner.toLowerCase()) && !this.orgs.has(owner.toLowerCase())) this.addOrg({ login: owner });
    repo.owner = owner;
    repo.name = name;
    this.repos.set(to.toLowerCase(), repo);
    this.renamed.delete(to.toLowerCase());
    for (const inst of this.installations.values()) {
      if (inst.repositories.delete(from.toLowerCase())) inst.repositories.add(to.toLowerCase());
    }
    return repo;
  }

  transferRepo(from: string, newOwner: string): GithubRepo {
    return this.renameRepo(from, `${newOwner}/${from.split('/')[1]}`);
  }

  archiveRepo(path: string, archived = true): void {
    this.repo(path).archived = archived;
  }

  deleteRepo(path: string): void {
    const repo = this.repo(path);
    this.repos.delete(path.toLowerCase());
    for (const [old, id] of this.renamed) if (id === repo.id) this.renamed.delete(old);
  }

  setHead(path: string, sha: string, branch?: string): void {
    const repo = this.repo(path);
    repo.branches.set(branch ?? repo.defaultBranch, sha);
    repo.empty = false;
    repo.pushedAt = this.clock.now();
  }

  // ---- credentials --------------------------------------------------------------------------

  /** A personal access token. `classic` carries scopes; `fine-grained` a repository selection and permissions. */
  addToken(
    input:
      | { kind: 'classic'; user: string; scopes: string[]; token?: string; expiresAt?: number | null }
      | {
          kind: 'fine-grained';
          user: string;
          /** The resource owner (the user or an organization); default the user. */
          owner?: string;
          repositories: 'all' | string[];
          permissions: Record<string, AccessLevel>;
          token?: string;
          expiresAt?: number | null;
        },
  ): string {
    if (input.kind === 'classic') {
      const token = input.token ?? randomToken('ghp_', 40);
      this.tokens.set(token, { principal: { kind: 'classic', token, user: input.user, scopes: input.scopes }, expiresAt: input.expiresAt ?? null, revoked: false });
      return token;
    }
    const token = input.token ?? randomToken('github_pat_', 93);
    const repositories = input.repositories === 'all' ? 'all' : new Set(input.repositories.map((r) => r.toLowerCase()));
    this.tokens.set(token, {
      principal: { kind: 'fine-grained', token, user: input.user, owner: input.owner ?? input.user, repositories, permissions: { metadata: 'read', ...input.permissions } },
      expiresAt: input.expiresAt ?? null,
      revoked: false,
    });
    return token;
  }

  revokeToken(token: string): void {
    const stored = this.tokens.get(token);
    if (stored) stored.revoked = true;
    this.oauth.revoke(token);
  }

  registerApp(
    input: {
      slug?: string;
      name?: string;
      owner?: string;
      permissions?: Record<string, AccessLevel>;
      events?: string[];
      callbackUrls?: string[];
      setupUrl?: string | null;
      requestOAuthOnInstall?: boolean;
      installationTokenTtlMs?: number;
      installationTokenLength?: number;
      userTokenTtlMs?: number | null;
    } = {},
  ): GithubApp {
    const keys = generateRsaKeyPair();
    const appId = this.nextId++;
    const app: GithubApp = {
      appId,
      slug: input.slug ?? `repolink-test-${appId}`,
      name: input.name ?? `repolink test ${appId}`,
      owner: input.owner ?? 'acme',
      clientId: randomToken('Iv23li', 20),
      clientSecret: randomHex(20),
      webhookSecret: randomHex(16),
      ...keys,
      publicKey: createPublicKey(keys.publicKeyPem),
      permissions: input.permissions ?? { metadata: 'read', contents: 'read', pull_requests: 'read' },
      events: input.events ?? ['push', 'repository', 'installation', 'installation_repositories'],
      callbackUrls: input.callbackUrls ?? [],
      setupUrl: input.setupUrl ?? null,
      requestOAuthOnInstall: input.requestOAuthOnInstall ?? false,
      installationTokenTtlMs: input.installationTokenTtlMs ?? 60 * 60_000,
      installationTokenLength: input.installationTokenLength ?? 300,
      userTokenTtlMs: input.userTokenTtlMs === undefined ? 8 * 60 * 60_000 : input.userTokenTtlMs,
      refreshTokenTtlMs: 15_811_200_000,
    };
    this.apps.set(appId, app);
    this.oauth.register(this.appClient(app));
    return app;
  }

  /** The OAuth client of a GitHub App (user authorization); re-registered when the app's settings change. */
  private appClient(app: GithubApp): OAuthClient {
    const client: OAuthClient = {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUris: app.callbackUrls,
      // GitHub Apps: redirect_uri "must exactly match one of the URLs you provided as a Callback URL".
      redirectMatch: 'exact',
      allowedScopes: null,
      defaultScopes: [],
      accessTokenTtlMs: app.userTokenTtlMs,
      refreshTokenTtlMs: app.userTokenTtlMs === null ? null : app.refreshTokenTtlMs,
      meta: { appId: app.appId },
    };
    // Live view: a test that changes app.userTokenTtlMs or callbackUrls later is heard.
    Object.defineProperties(client, {
      redirectUris: { get: () => app.callbackUrls },
      accessTokenTtlMs: { get: () => app.userTokenTtlMs },
      refreshTokenTtlMs: { get: () => (app.userTokenTtlMs === null ? null : app.refreshTokenTtlMs) },
    });
    return client;
  }

  /** A classic OAuth app: non-expiring `gho_` tokens with the scopes the user granted. */
  registerOAuthApp(input: { callbackUrl: string }): { clientId: string; clientSecret: string } {
    const client = this.oauth.register({
      clientId: randomToken('Ov23li', 20),
      clientSecret: randomHex(20),
      redirectUris: [input.callbackUrl],
      // OAuth apps: same host and port, the path a subdirectory of the callback URL's.
      redirectMatch: 'subpath',
      allowedScopes: null,
      defaultScopes: [],
      accessTokenTtlMs: null,
      refreshTokenTtlMs: null,
      meta: {},
    });
    return { clientId: client.clientId, clientSecret: client.clientSecret };
  }

  /** A user token of an OAuth app or GitHub App, as if `login` had gone through the web flow. */
  issueUserToken(clientId: string, login: string, scopes: string[] = []): IssuedToken {
    return this.oauth.issue(clientId, login, scopes);
  }

  createInstallation(input: {
    app: GithubApp | number;
    account: string;
    repositories?: 'all' | string[];
    permissions?: Record<string, AccessLevel>;
    id?: number;
  }): GithubInstallation {
    const app = typeof input.app === 'number' ? this.apps.get(input.app)! : input.app;
    if (!this.users.has(input.account.toLowerCase()) && !this.orgs.has(input.account.toLowerCase())) this.addOrg({ login: input.account });
    const selection = input.repositories ?? 'all';
    const inst: GithubInstallation = {
      id: input.id ?? this.nextId++,
      appId: app.appId,
      account: input.account,
      repositorySelection: selection === 'all' ? 'all' : 'selected',
      repositories: new Set(selection === 'all' ? [] : selection.map((r) => r.toLowerCase())),
      permissions: input.permissions ?? { ...app.permissions },
      events: [...app.events],
      createdAt: this.clock.now(),
      suspendedAt: null,
      suspendedBy: null,
    };
    this.installations.set(inst.id, inst);
    return inst;
  }

  installation(id: number): GithubInstallation {
    const inst = this.installations.get(id);
    if (!inst) throw new Error(`no fake GitHub installation ${id}`);
    return inst;
  }

  suspendInstallation(id: number, by = 'octocat'): void {
    const inst = this.installation(id);
    inst.suspendedAt = this.clock.now();
    inst.suspendedBy = by;
  }

  unsuspendInstallation(id: number): void {
    const inst = this.installation(id);
    inst.suspendedAt = null;
    inst.suspendedBy = null;
  }

  /** Uninstalls: the installation and every token minted for it stop working. */
  deleteInstallation(id: number): void {
    this.installations.delete(id);
    for (const stored of this.tokens.values()) if (stored.principal.kind === 'installation' && stored.principal.installationId === id) stored.revoked = true;
  }

  setInstallationRepositories(id: number, repositories: 'all' | string[]): void {
    const inst = this.installation(id);
    inst.repositorySelection = repositories === 'all' ? 'all' : 'selected';
    inst.repositories = new Set(repositories === 'all' ? [] : repositories.map((r) => r.toLowerCase()));
  }

  // ---- browser and counters -----------------------------------------------------------------

  signIn(login: string): void {
    this.oauth.signedIn = login;
  }

  denyConsent(times = 1): void {
    this.oauth.denyConsent(times);
  }

  /** What the next visit of /apps/{slug}/installations/new installs (default: the signed-in user's account, all repositories). */
  prepareInstall(input: { app?: GithubApp | number; account: string; repositories?: 'all' | string[] }): void {
    const appId = input.app === undefined ? null : typeof input.app === 'number' ? input.app : input.app.appId;
    this.pendingInstall = { appId, account: input.account, repositories: input.repositories ?? 'all' };
  }

  mints(installationId: number): number {
    return this.mintLog.filter((m) => m.installationId === installationId && m.ok).length;
  }

  refreshes(login: string): number {
    return this.oauth.refreshCount(login);
  }

  rateLimit(key: string): { limit: number; remaining: number; used: number; reset: number } {
    const b = this.rates.get(key);
    const remaining = b.remaining;
    return { limit: b.limit, remaining, used: b.limit - remaining, reset: Math.ceil(b.resetAt / 1000) };
  }

  setRateLimit(key: string, state: { remaining: number; limit?: number; resetInMs?: number }): void {
    this.rates.get(key).set(state);
  }

  secondaryLimit(key: string, state: { count: number; retryAfterSeconds?: number; status?: 403 | 429 }): void {
    this.secondary.set(key, { count: state.count, retryAfterSeconds: state.retryAfterSeconds ?? null, status: state.status ?? 403 });
  }

  // ---- access rules -------------------------------------------------------------------------

  /** The owner itself, or a member of the owner organization. */
  private isMember(login: string, owner: string): boolean {
    if (login.toLowerCase() === owner.toLowerCase()) return true;
    return [...(this.users.get(login.toLowerCase())?.orgs ?? [])].some((o) => o.toLowerCase() === owner.toLowerCase());
  }

  /** The role of a person on a repository, or null (public repositories: `pull` for anyone). */
  private roleOf(login: string, repo: GithubRepo): RepoPermission | null {
    const explicit = repo.collaborators.get(login);
    if (explicit) return explicit;
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    if (this.isMember(login, repo.owner)) return 'push';
    return repo.private ? null : 'pull';
  }

  private covers(inst: GithubInstallation, repo: GithubRepo): boolean {
    if (inst.account.toLowerCase() !== repo.owner.toLowerCase()) return false;
    return inst.repositorySelection === 'all' || inst.repositories.has(fullName(repo).toLowerCase());
  }

  /** Installations of an app a person can reach: on their own account or an organization they belong to. */
  private installationsFor(login: string, appId: number): GithubInstallation[] {
    return [...this.installations.values()].filter((i) => i.appId === appId && this.isMember(login, i.account));
  }

  private ssoBlocks(principal: Principal, repo: GithubRepo): boolean {
    if (principal.kind === 'installation' || principal.kind === 'anonymous' || principal.kind === 'app') return false;
    return repo.sso ?? this.orgs.get(repo.owner.toLowerCase())?.ssoRequired ?? false;
  }

  /**
   * What `principal` may do with `repo`: null when it cannot see it (GitHub answers 404, never
   * 403, for a private repository out of reach), else whether it may read code and pull requests
   * and the `permissions` object of the repository answer (absent for installation tokens, which
   * act as no person).
   */
  private access(principal: Principal, repo: GithubRepo): { contents: boolean; pulls: boolean; permissions: Record<string, boolean> | null; denied: string } | null {
    const asPerson = (login: string) => {
      const role = this.roleOf(login, repo);
      if (!role) return null;
      const rank = ['pull', 'triage', 'push', 'maintain', 'admin'].indexOf(role);
      return { admin: rank >= 4, maintain: rank >= 3, push: rank >= 2, triage: rank >= 1, pull: true };
    };
    switch (principal.kind) {
      case 'anonymous':
        return repo.private ? null : { contents: true, pulls: true, permissions: null, denied: '' };
      case 'classic':
      case 'oauth': {
        const permissions = asPerson(principal.user);
        if (!permissions) return null;
        if (repo.private && !principal.scopes.includes('repo')) return null;
        return { contents: true, pulls: true, permissions, denied: '' };
      }
      case 'fine-grained': {
        const permissions = asPerson(principal.user);
        if (!permissions) return null;
        const selected =
          repo.owner.toLowerCase() === principal.owner.toLowerCase() && (principal.repositories === 'all' || principal.repositories.has(fullName(repo).toLowerCase()));
        if (!selected) return repo.private ? null : { contents: true, pulls: true, permissions, denied: '' };
        return { contents: !!principal.permissions.contents, pulls: !!principal.permissions.pull_requests, permissions, denied: 'Resource not accessible by personal access token' };
      }
      case 'app-user': {
        const permissions = asPerson(principal.user);
        if (!permissions) return null;
        const inst = this.installationsFor(principal.user, principal.appId).find((i) => this.covers(i, repo) && i.suspendedAt === null);
        if (!inst) return repo.private ? null : { contents: true, pulls: true, permissions, denied: '' };
        return { contents: !!inst.permissions.contents, pulls: !!inst.permissions.pull_requests, permissions, denied: 'Resource not accessible by integration' };
      }
      case 'installation': {
        const inst = this.installations.get(principal.installationId)!;
        const selected = this.covers(inst, repo) && (principal.repositories === null || principal.repositories.has(fullName(repo).toLowerCase()));
        if (!selected) return repo.private ? null : { contents: true, pulls: true, permissions: null, denied: '' };
        return { contents: !!principal.permissions.contents, pulls: !!principal.permissions.pull_requests, permissions: null, denied: 'Resource not accessible by integration' };
      }
      case 'app':
        return null;
    }
  }

  // ---- bodies -------------------------------------------------------------------------------

  private accountBody(login: string) {
    const user = this.users.get(login.toLowerCase());
    const org = this.orgs.get(login.toLowerCase());
    const id = user?.id ?? org?.id ?? 0;
    return {
      login: user?.login ?? org?.login ?? login,
      id,
      node_id: Buffer.from(`${user ? '04:User' : '012:Organization'}${id}`).toString('base64'),
      url: `${this.origin}/api/v3/users/${login}`,
      html_url: `${this.origin}/${login}`,
      type: user ? 'User' : 'Organization',
      site_admin: false,
    };
  }

  repoBody(repo: GithubRepo, permissions: Record<string, boolean> | null) {
    const full = fullName(repo);
    return {
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
      name: repo.name,
      full_name: full,
      owner: this.accountBody(repo.owner),
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: `${this.origin}/${full}`,
      description: null,
      fork: false,
      url: `${this.origin}/api/v3/repos/${full}`,
      archived: repo.archived,
      disabled: false,
      default_branch: repo.defaultBranch,
      created_at: isoSeconds(repo.createdAt),
      updated_at: isoSeconds(repo.pushedAt),
      pushed_at: isoSeconds(repo.pushedAt),
      ...(permissions && { permissions }),
    };
  }

  installationBody(inst: GithubInstallation) {
    const app = this.apps.get(inst.appId)!;
    const account = this.accountBody(inst.account);
    return {
      id: inst.id,
      account,
      repository_selection: inst.repositorySelection,
      access_tokens_url: `${this.origin}/api/v3/app/installations/${inst.id}/access_tokens`,
      repositories_url: `${this.origin}/api/v3/installation/repositories`,
      html_url: `${this.origin}/${account.type === 'Organization' ? `organizations/${inst.account}/` : ''}settings/installations/${inst.id}`,
      app_id: app.appId,
      app_slug: app.slug,
      client_id: app.clientId,
      target_id: account.id,
      target_type: account.type,
      permissions: inst.permissions,
      events: inst.events,
      created_at: isoSeconds(inst.createdAt),
      updated_at: isoSeconds(inst.createdAt),
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: inst.suspendedBy ? this.accountBody(inst.suspendedBy) : null,
      suspended_at: inst.suspendedAt === null ? null : isoSeconds(inst.suspendedAt),
    };
  }

  private appBody(app: GithubApp) {
    return {
      id: app.appId,
      slug: app.slug,
      node_id: Buffer.from(`03:App${app.appId}`).toString('base64'),
      client_id: app.clientId,
      owner: this.accountBody(app.owner),
      name: app.name,
      description: '',
      external_url: this.origin,
      html_url: `${this.origin}/apps/${app.slug}`,
      created_at: isoSeconds(0),
      updated_at: isoSeconds(0),
      permissions: app.permissions,
      events: app.events,
      installations_count: [...this.installations.values()].filter((i) => i.appId === app.appId).length,
    };
  }

  private userBody(login: string) {
    const user = this.users.get(login.toLowerCase());
    return { ...this.accountBody(login), name: user?.name ?? login, email: user?.email ?? null };
  }

  // ---- authentication -----------------------------------------------------------------------

  /** The principal of a request, or the 401 GitHub answers. */
  private authenticate(req: FakeRequest): Principal | Route {
    const header = req.headers.authorization;
    if (!header) return { kind: 'anonymous' };
    const auth = bearer(header, ['Bearer', 'token']);
    const badCredentials = err(401, 'Bad credentials');
    if (!auth) return badCredentials;
    const jwt = peekJwt(auth.token);
    // "if you are passing a JWT, you must use Authorization: Bearer" (Authenticating as a GitHub App)
    if (jwt) return auth.scheme === 'Bearer' ? this.verifyAppJwt(auth.token) : badCredentials;
    const stored = this.tokens.get(auth.token);
    if (stored) {
      if (stored.revoked || (stored.expiresAt !== null && this.clock.now() >= stored.expiresAt)) return badCredentials;
      const p = stored.principal;
      if (p.kind === 'installation') {
        const inst = this.installations.get(p.installationId);
        if (!inst) return badCredentials;
        if (inst.suspendedAt !== null) return err(403, 'This installation has been suspended');
      }
      return p;
    }
    const issued = this.oauth.lookup(auth.token);
    if (!issued || issued.state !== 'active') return badCredentials;
    const client = this.oauth.clients.get(issued.token.clientId)!;
    const appId = client.meta.appId as number | undefined;
    if (appId !== undefined) return { kind: 'app-user', token: auth.token, user: issued.token.user, appId };
    return { kind: 'oauth', token: auth.token, user: issued.token.user, scopes: issued.token.scopes };
  }

  /** "Generating a JSON Web Token (JWT) for a GitHub App": RS256, iss = app id or client id, iat, exp ≤ 10 minutes. */
  private verifyAppJwt(token: string): Principal | Route {
    const undecodable = err(401, 'A JSON web token could not be decoded');
    const peeked = peekJwt(token)!;
    const iss = peeked.claims.iss;
    const app = [...this.apps.values()].find((a) => String(a.appId) === String(iss) || a.clientId === iss);
    if (!app || !verifyRs256(token, app.publicKey)) return undecodable;
    const { iat, exp } = peeked.claims;
    const now = Math.floor(this.clock.now() / 1000);
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + 60) {
      return err(401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
    }
    if (typeof exp !== 'number' || exp <= now) {
      return err(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    }
    if (exp - iat > 600 || exp > now + 600) return err(401, "'Expiration time' claim ('exp') is too far in the future");
    return { kind: 'app', appId: app.appId };
  }

  private rateKey(p: Principal): string {
    switch (p.kind) {
      case 'anonymous':
        return 'ip:127.0.0.1';
      case 'app':
        return `app:${p.appId}`;
      case 'installation':
        return `installation:${p.installationId}`;
      default:
        return `user:${p.user}`;
    }
  }

  // ---- the REST API (/api/v3) ---------------------------------------------------------------

  api(req: FakeRequest): Route {
    const principal = this.authenticate(req);
    // A refused credential is answered with the caller's address budget, untouched.
    if ('status' in principal) return { ...principal, headers: { ...this.rateHeaders('ip:127.0.0.1'), ...principal.headers } };
    const key = this.rateKey(principal);
    const base: Record<string, string> = { 'x-github-media-type': 'github.v3; format=json', 'x-github-request-id': randomHex(8).toUpperCase() };
    if (req.path === '/rate_limit') return this.rateLimitAnswer(key, base);
    const secondary = this.secondary.get(key);
    if (secondary && secondary.count > 0) {
      secondary.count--;
      const wait: Record<string, string> = secondary.retryAfterSeconds === null ? {} : { 'retry-after': String(secondary.retryAfterSeconds) };
      return err(
        secondary.status,
        `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${base['x-github-request-id']}.`,
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        { ...base, ...this.rateHeaders(key), ...wait },
      );
    }
    if (!this.rates.get(key).take()) {
      const who =
        principal.kind === 'installation'
          ? `installation ID ${principal.installationId}`
          : principal.kind === 'app'
            ? `app ID ${principal.appId}`
            : principal.kind === 'anonymous'
              ? '127.0.0.1'
              : `user ID ${this.users.get(key.slice(5).toLowerCase())?.id ?? 0}`;
      return err(403, `API rate limit exceeded for ${who}.`, 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', { ...base, ...this.rateHeaders(key) });
    }
    Object.assign(base, this.rateHeaders(key));
    if (principal.kind === 'classic' || principal.kind === 'oauth') {
      base['x-oauth-scopes'] = principal.scopes.join(', ');
      base['x-accepted-oauth-scopes'] = req.path.startsWith('/repos/') || req.path.startsWith('/repositories/') ? 'repo' : '';
    }
    const route = this.route(req, principal);
    return { ...route, headers: { ...base, ...route.headers } };
  }

  private rateHeaders(key: string): Record<string, string> {
    const r = this.rateLimit(key);
    return {
      'x-ratelimit-limit': String(r.limit),
      'x-ratelimit-remaining': String(r.remaining),
      'x-ratelimit-used': String(r.used),
      'x-ratelimit-reset': String(r.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  private rateLimitAnswer(key: string, base: Record<string, string>): Route {
    const r = this.rateLimit(key);
    const core = { limit: r.limit, used: r.used, remaining: r.remaining, reset: r.reset };
    return json(200, { resources: { core }, rate: core }, base);
  }

  private route(req: FakeRequest, p: Principal): Route {
    const path = req.path;
    const method = req.method;
    let m: RegExpExecArray | null;

    // Authenticating as the app (JWT).
    if (p.kind === 'app') {
      const app = this.apps.get(p.appId)!;
      if (method === 'GET' && path === '/app') return json(200, this.appBody(app));
      if (method === 'GET' && path === '/app/installations') {
        const all = [...this.installations.values()].filter((i) => i.appId === app.appId);
        const slice = this.pageOf(req, all);
        return json(200, slice.items.map((i) => this.installationBody(i)), { link: slice.link });
      }
      if ((m = /^\/app\/installations\/(\d+)$/.exec(path)) && method === 'GET') {
        const inst = this.installations.get(Number(m[1]));
        if (!inst || inst.appId !== app.appId) return notFound('https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app');
        return json(200, this.installationBody(inst));
      }
      if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)) && method === 'POST') return this.mint(req, app, Number(m[1]));
      if ((m = /^\/(?:repos\/([^/]+)\/([^/]+)|orgs\/([^/]+)|users\/([^/]+))\/installation$/.exec(path)) && method === 'GET') {
        const owner = decodeURIComponent(m[1] ?? m[3] ?? m[4]);
        const repoPath = m[1] ? `${owner}/${decodeURIComponent(m[2])}` : null;
        const inst = [...this.installations.values()].find(
          (i) => i.appId === app.appId && i.account.toLowerCase() === owner.toLowerCase() && (!repoPath || (this.repos.has(repoPath.toLowerCase()) && this.covers(i, this.repos.get(repoPath.toLowerCase())!))),
        );
        return inst ? json(200, this.installationBody(inst)) : notFound();
      }
      // A JWT authenticates only as the app, for the endpoints that say so.
      return integrationRefused();
    }

    if (method === 'GET' && path === '/user') {
      if (p.kind === 'installation') return integrationRefused('https://docs.github.com/rest/users/users#get-the-authenticated-user');
      if (p.kind === 'anonymous') return err(401, 'Requires authentication', 'https://docs.github.com/rest/users/users#get-the-authenticated-user');
      return json(200, this.userBody(p.user));
    }

    if (method === 'GET' && path === '/user/installations') {
      if (p.kind !== 'app-user') return err(403, 'You must authenticate with an access token authorized to a GitHub App in order to list installations', 'https://docs.github.com/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token');
      const all = this.installationsFor(p.user, p.appId);
      const slice = this.pageOf(req, all);
      return json(200, { total_count: all.length, installations: slice.items.map((i) => this.installationBody(i)) }, { link: slice.link });
    }

    if ((m = /^\/user\/installations\/(\d+)\/repositories$/.exec(path)) && method === 'GET') {
      if (p.kind !== 'app-user') return err(403, 'You must authenticate with an access token authorized to a GitHub App in order to list installations');
      const inst = this.installationsFor(p.user, p.appId).find((i) => i.id === Number(m![1]));
      if (!inst) return notFound('https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-user-access-token');
      const all = this.sortedRepos().filter((r) => this.covers(inst, r) && this.roleOf(p.user, r) !== null);
      const slice = this.pageOf(req, all);
      return json(200, { total_count: all.length, repository_selection: inst.repositorySelection, repositories: slice.items.map((r) => this.repoBody(r, this.access(p, r)?.permissions ?? null)) }, { link: slice.link });
    }

    if (method === 'GET' && path === '/installation/repositories') {
      if (p.kind !== 'installation') return err(403, 'You must authenticate with an installation access token in order to list repositories for an installation.', 'https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation');
      const inst = this.installations.get(p.installationId)!;
      const all = this.sortedRepos().filter((r) => this.covers(inst, r) && (p.repositories === null || p.repositories.has(fullName(r).toLowerCase())));
      const slice = this.pageOf(req, all);
      return json(200, { total_count: all.length, repository_selection: inst.repositorySelection, repositories: slice.items.map((r) => this.repoBody(r, null)) }, { link: slice.link });
    }

    if (method === 'DELETE' && path === '/installation/token') {
      if (p.kind !== 'installation') return integrationRefused();
      this.revokeToken(p.token);
      return { status: 204, body: '' };
    }

    if (method === 'GET' && path === '/user/repos') {
      if (p.kind === 'anonymous' || p.kind === 'installation') return p.kind === 'installation' ? integrationRefused() : err(401, 'Requires authentication');
      const all = this.sortedRepos().filter((r) => (this.isMember(p.user, r.owner) || r.collaborators.has(p.user)) && this.access(p, r) !== null);
      const slice = this.pageOf(req, all);
      return json(200, slice.items.map((r) => this.repoBody(r, this.access(p, r)!.permissions)), { link: slice.link });
    }

    if ((m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path))) {
      const full = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
      const repo = this.repos.get(full.toLowerCase());
      if (!repo) {
        const movedId = this.renamed.get(full.toLowerCase());
        const moved = movedId === undefined ? undefined : [...this.repos.values()].find((r) => r.id === movedId);
        if (moved && this.access(p, moved)) {
          // Renamed or transferred: 301 to the repository by id ("Follow redirects" in the REST best practices).
          const location = `${this.origin}/api/v3/repositories/${moved.id}${m[3] ?? ''}${req.query.size ? `?${req.query}` : ''}`;
          return json(301, { message: 'Moved Permanently', url: location, documentation_url: 'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects' }, { location });
        }
        return notFound('https://docs.github.com/rest/repos/repos#get-a-repository');
      }
      return this.repoRoute(req, p, repo, m[3] ?? '');
    }
    if ((m = /^\/repositories\/(\d+)(\/.*)?$/.exec(path))) {
      const repo = [...this.repos.values()].find((r) => r.id === Number(m![1]));
      if (!repo) return notFound();
      return this.repoRoute(req, p, repo, m[2] ?? '');
    }
    return notFound();
  }

  private repoRoute(req: FakeRequest, p: Principal, repo: GithubRepo, rest: string): Route {
    const access = this.access(p, repo);
    if (!access) return notFound('https://docs.github.com/rest/repos/repos#get-a-repository');
    if (this.ssoBlocks(p, repo)) {
      // "SAML SSO and the REST API": 403 with X-GitHub-SSO naming the URL that authorizes the token.
      const url = `${this.origin}/orgs/${repo.owner}/sso?authorization_request=${randomHex(12)}`;
      return err(
        403,
        'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.',
        'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/',
        { 'x-github-sso': `required; url=${url}` },
      );
    }
    if (req.method !== 'GET') return notFound();
    if (rest === '') {
      if (repo.failNext > 0) {
        repo.failNext--;
        return { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
      }
      return { status: 200, body: this.repoBody(repo, access.permissions), delayMs: repo.delayMs || undefined };
    }
    const branch = /^\/branches\/(.+)$/.exec(rest);
    if (branch) {
      if (!access.contents) return err(403, access.denied, 'https://docs.github.com/rest/branches/branches#get-a-branch');
      const name = decodeURIComponent(branch[1]);
      const sha = repo.branches.get(name);
      if (repo.empty || !sha) return err(404, 'Branch not found', 'https://docs.github.com/rest/branches/branches#get-a-branch');
      const full = fullName(repo);
      return json(200, { name, commit: { sha, url: `${this.origin}/api/v3/repos/${full}/commits/${sha}`, commit: { message: 'head' } }, protected: true, _links: {} });
    }
    if (rest === '/pulls') {
      if (!access.pulls) return err(403, access.denied, 'https://docs.github.com/rest/pulls/pulls#list-pull-requests');
      return json(200, []);
    }
    return notFound();
  }

  /** POST /app/installations/{id}/access_tokens ("Create an installation access token for an app"). */
  private mint(req: FakeRequest, app: GithubApp, installationId: number): Route {
    const doc = 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app';
    const inst = this.installations.get(installationId);
    const log = { installationId, ok: false, at: this.clock.now() };
    this.mintLog.push(log);
    if (!inst || inst.appId !== app.appId) return notFound(doc);
    if (inst.suspendedAt !== null) return err(403, 'This installation has been suspended', doc);
    const body = bodyJson(req) ?? {};
    const asked = body.permissions as Record<string, AccessLevel> | undefined;
    const rank = (l: string | undefined) => (l === 'write' ? 2 : l === 'read' ? 1 : 0);
    if (asked && Object.entries(asked).some(([k, v]) => rank(v) > rank(inst.permissions[k]))) {
      return err(422, 'The permissions requested are not granted to this installation.', doc);
    }
    let repositories: Set<string> | null = null;
    const names = body.repositories as string[] | undefined;
    const ids = body.repository_ids as number[] | undefined;
    if (names?.length || ids?.length) {
      const wanted = [
        ...(names ?? []).map((n) => this.repos.get(`${inst.account}/${n}`.toLowerCase()) ?? null),
        ...(ids ?? []).map((id) => [...this.repos.values()].find((r) => r.id === id) ?? null),
      ];
      if (wanted.some((r) => !r || !this.covers(inst, r))) return err(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.', doc);
      repositories = new Set(wanted.map((r) => fullName(r!).toLowerCase()));
    }
    const permissions = asked ? { metadata: 'read' as AccessLevel, ...asked } : { ...inst.permissions };
    const token = randomToken('ghs_', app.installationTokenLength);
    const expiresAt = this.clock.now() + app.installationTokenTtlMs;
    this.tokens.set(token, { principal: { kind: 'installation', token, installationId, repositories, permissions }, expiresAt, revoked: false });
    log.ok = true;
    return json(201, {
      token,
      expires_at: isoSeconds(expiresAt),
      permissions,
      repository_selection: repositories ? 'selected' : inst.repositorySelection,
      ...(repositories && { repositories: [...repositories].map((r) => this.repoBody(this.repos.get(r)!, null)) }),
    });
  }

  private sortedRepos(): GithubRepo[] {
    return [...this.repos.values()].sort((a, b) => a.id - b.id);
  }

  private pageOf<T>(req: FakeRequest, items: T[]) {
    const url = `${this.origin}/api/v3${req.path}${req.query.size ? `?${req.query}` : ''}`;
    return slicePage(items, req.query, (pageNo, perPage) => withParams(url, { per_page: perPage, page: pageNo }), { defaultPerPage: 30, maxPerPage: 100 });
  }

  // ---- the browser pages --------------------------------------------------------------------

  /** `/login/oauth/authorize`, `/login/oauth/access_token`, `/apps/{slug}/installations/new`; null for other paths. */
  web(req: FakeRequest): Route | null {
    if (req.path === '/login/oauth/authorize' && req.method === 'GET') return this.authorizePage(req);
    if (req.path === '/login/oauth/access_token' && req.method === 'POST') return this.tokenEndpoint(req);
    const install = /^\/(?:github-)?apps\/([^/]+)\/installations\/new$/.exec(req.path);
    if (install && req.method === 'GET') return this.installPage(req, decodeURIComponent(install[1]));
    return null;
  }

  private authorizePage(req: FakeRequest): Route {
    const outcome = this.oauth.authorize(req.query);
    const troubleshooting = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors';
    switch (outcome.kind) {
      case 'unknown_client':
        return page(404, 'Not Found');
      case 'bad_redirect':
        // GitHub sends the error to the registered callback URL, never to the one given.
        return redirect(
          withParams(outcome.registered, {
            error: 'redirect_uri_mismatch',
            error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
            error_uri: `${troubleshooting}/#redirect-uri-mismatch`,
            state: req.query.get('state'),
          }),
        );
      case 'error': {
        const description: Record<string, string> = {
          access_denied: 'The user has denied your application access.',
          invalid_request: 'Only the S256 code challenge method is supported.',
          invalid_scope: 'The requested scope is invalid.',
          unsupported_response_type: 'The response type is not supported.',
        };
        return redirect(withParams(outcome.redirectUri, { error: outcome.error, error_description: description[outcome.error], error_uri: `${troubleshooting}/#${outcome.error.replace(/_/g, '-')}`, state: outcome.state }));
      }
      case 'code':
        return redirect(withParams(outcome.redirectUri, { code: outcome.code, state: outcome.state }));
    }
  }

  /** "Authorizing OAuth apps" step 2 and "Refreshing user access tokens": errors are 200 answers with `error`. */
  private tokenEndpoint(req: FakeRequest): Route {
    const params: Record<string, string> = { ...Object.fromEntries(req.query), ...bodyParams(req) };
    // GitHub's code exchange names no grant_type; refreshing sends grant_type=refresh_token.
    params.grant_type ??= 'authorization_code';
    const wantsJson = String(req.headers.accept ?? '').includes('application/json');
    const answer = (fields: Record<string, string | number>): Route =>
      wantsJson
        ? json(200, fields)
        : { status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString() };
    const client = this.oauth.authenticate(params.client_id, params.client_secret);
    const result = this.oauth.token(client, params);
    if ('error' in result) {
      const troubleshooting = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';
      const errors: Record<TokenError, [string, string]> = {
        invalid_client: ['incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.'],
        redirect_uri_mismatch: ['redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.'],
        bad_code: ['bad_verification_code', 'The code passed is incorrect or expired.'],
        // Not documented separately; GitHub's page says a code that "doesn't match what you received in the first request" is bad_verification_code.
        bad_verifier: ['bad_verification_code', 'The code passed is incorrect or expired.'],
        bad_refresh_token: ['bad_refresh_token', 'The refresh token passed is incorrect or expired.'],
        unsupported_grant_type: ['unsupported_grant_type', 'The grant type is not supported.'],
        invalid_request: ['invalid_request', 'The request is missing a required parameter.'],
      };
      const [error, description] = errors[result.error];
      return answer({ error, error_description: description, error_uri: `${troubleshooting}/#${error.replace(/_/g, '-')}` });
    }
    const t = result.ok;
    const fields: Record<string, string | number> = { access_token: t.accessToken };
    if (t.expiresAt !== null) fields.expires_in = Math.round((t.expiresAt - t.createdAt) / 1000);
    if (t.refreshToken) {
      fields.refresh_token = t.refreshToken;
      fields.refresh_token_expires_in = Math.round((t.refreshExpiresAt! - t.createdAt) / 1000);
    }
    fields.scope = t.scopes.join(',');
    fields.token_type = 'bearer';
    return answer(fields);
  }

  /**
   * The installation page. The person picks an account and repositories on GitHub; here the test
   * said beforehand (`prepareInstall`), else the signed-in user's account with all repositories.
   * Then GitHub redirects to the Setup URL with `installation_id`, `setup_action=install` and the
   * `state` given, or, with "Request user authorization (OAuth) during installation", to the
   * callback URL with a `code` as well.
   */
  private installPage(req: FakeRequest, slug: string): Route {
    const app = [...this.apps.values()].find((a) => a.slug === slug);
    if (!app) return page(404, 'Not Found');
    const user = this.oauth.signedIn;
    if (!user) return page(401, 'Sign in to install this app.');
    const plan = this.pendingInstall && (this.pendingInstall.appId === null || this.pendingInstall.appId === app.appId) ? this.pendingInstall : { account: user, repositories: 'all' as const };
    this.pendingInstall = null;
    const existing = [...this.installations.values()].find((i) => i.appId === app.appId && i.account.toLowerCase() === plan.account.toLowerCase());
    const inst = existing ?? this.createInstallation({ app, account: plan.account, repositories: plan.repositories });
    if (existing) this.setInstallationRepositories(existing.id, plan.repositories);
    const setupAction = existing ? 'update' : 'install';
    const state = req.query.get('state');
    if (app.requestOAuthOnInstall && app.callbackUrls.length) {
      const params = new URLSearchParams({ client_id: app.clientId, redirect_uri: app.callbackUrls[0] });
      const outcome = this.oauth.authorize(params, { user });
      if (outcome.kind === 'code') return redirect(withParams(app.callbackUrls[0], { code: outcome.code, installation_id: inst.id, setup_action: setupAction, state }));
    }
    if (app.setupUrl) return redirect(withParams(app.setupUrl, { installation_id: inst.id, setup_action: setupAction, state }));
    return page(200, `Installed ${app.name} on ${plan.account}.`);
  }
}

export const fullName = (repo: GithubRepo) => `${repo.owner}/${repo.name}`;
