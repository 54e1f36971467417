import { OAuthServer, type IssuedToken, type TokenError } from './oauth';
import {
  type FakeClock,
  type FakeRequest,
  type Route,
  RateBudgets,
  basicAuth,
  bearer,
  bodyParams,
  json,
  page,
  randomHex,
  randomToken,
  redirect,
  sameSecret,
  uuid,
  withParams,
} from './shared';

/**
 * Fake Bitbucket Cloud (REST under `/2.0`, OAuth 2 under `/site/oauth2`), written from
 * developer.atlassian.com and support.atlassian.com ("Authentication methods", "API token
 * permissions", "Scopes for the Bitbucket Cloud REST API", "OAuth 2.0", "API request limits") and
 * the app-password deprecation notice. What a test does with it (`fake.bitbucketHost`):
 *
 *   Data
 *     addUser({ username, email })
 *     addWorkspace({ slug, members: ['alice'] })
 *     addRepo({ workspace, slug, project?, private?, mainbranch?, head?, permissions: { alice: 'write' } })
 *     setHead(path, sha, branch?), deleteRepo(path)
 *   Credentials
 *     addApiToken({ email, scopes: ['read:repository:bitbucket', …], expiresAt? }) → `ATATT…`
 *       (HTTP Basic with the account's EMAIL and the token)
 *     addAccessToken({ kind: 'repository' | 'project' | 'workspace', workspace, repo?, project?, scopes: ['repository', …] })
 *       (Authorization: Bearer)
 *     addAppPassword({ username, scopes, password? })   the old kind; `appPasswordsEnded = true`
 *       makes every app password answer 401, as Bitbucket does since 28 July 2026
 *     registerConsumer({ callbackUrl, scopes?, accessTokenTtlMs?, rotateRefreshTokens? }) → { key, secret }
 *     setCallbackUrl(key, url)
 *     issueOAuthToken(key, username) → a token pair as the web flow gives it; revokeToken(token)
 *   Browser: signIn(username), denyConsent(times?)
 *   Counters: refreshes(username); rateLimit(key) / setRateLimit(key, …) with key `user:<username>`
 *     or `token:<the token>` for access tokens (each has its own allowance); a spent budget is 429
 *     with Retry-After; access tokens' answers under /2.0/repositories/ carry X-RateLimit-Limit,
 *     X-RateLimit-Resource (`api`) and X-RateLimit-NearLimit (under 20% left), as Bitbucket documents
 *   maxPagelen   every list is cut into pages of at most this many values (default 1, so clients
 *                must follow `next`; Bitbucket: "the default and maximum sizes of paged data are
 *                not considered part of the API and are subject to change (possibly dynamically)")
 *
 * Checks, as Bitbucket does them: scopes per endpoint, reported in `X-OAuth-Scopes` and
 * `X-Accepted-OAuth-Scopes` (a missing one is 403 "Your credentials lack one or more required
 * privilege scopes." naming granted and required); the new API-token scopes do not imply each
 * other ("This scope does not imply the read:repository:bitbucket scope"); an API token works only
 * as Basic with the account's email (as Bearer: 401 "Token is invalid, expired, or not supported
 * for this endpoint."); access tokens reach only their repository, project or workspace; expired
 * OAuth tokens are 401 "Access token expired. Use your refresh token to obtain a new access token.";
 * OAuth consumers authenticate with HTTP Basic at the token endpoint.
 */

export interface BitbucketUser {
  username: string;
  email: string;
  displayName: string;
  accountId: string;
  uuid: string;
}

export interface BitbucketRepo {
  workspace: string;
  slug: string;
  project: string;
  uuid: string;
  private: boolean;
  mainbranch: string;
  branches: Map<string, string>;
  /** Username → the user's permission on the repository. */
  permissions: Map<string, 'read' | 'write' | 'admin'>;
  createdOn: number;
  updatedOn: number;
}

type Scoped = { scopes: string[] };
type Principal =
  | { kind: 'anonymous' }
  | ({ kind: 'app-password'; user: string } & Scoped)
  | ({ kind: 'api-token'; user: string } & Scoped)
  | ({ kind: 'oauth'; user: string; token: IssuedToken } & Scoped)
  | ({ kind: 'access-token'; token: string; tokenKind: 'repository' | 'project' | 'workspace'; workspace: string; project: string | null; repo: string | null; name: string } & Scoped);

const error = (status: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Route => json(status, { type: 'error', error: { message, ...extra } }, headers);
const unauthorized = (detail?: string) => error(401, 'Unauthorized', detail ? { detail } : {}, { 'www-authenticate': 'Basic realm="Bitbucket.org HTTP"' });

/** An endpoint's scope, in the old names (app passwords, access tokens, OAuth) and the new ones (API tokens). */
interface Need {
  old: string;
  new: string;
}
const NEED = {
  account: { old: 'account', new: 'read:user:bitbucket' },
  repository: { old: 'repository', new: 'read:repository:bitbucket' },
  pullrequest: { old: 'pullrequest', new: 'read:pullrequest:bitbucket' },
} satisfies Record<string, Need>;

/** Old scope names: higher ones include lower ones, and pull requests include repository reads. */
const IMPLIED: Record<string, string[]> = {
  account: ['account', 'account:write'],
  repository: ['repository', 'repository:write', 'repository:admin', 'repository:delete', 'pullrequest', 'pullrequest:write'],
  pullrequest: ['pullrequest', 'pullrequest:write'],
};

export class BitbucketHost {
  readonly users = new Map<string, BitbucketUser>();
  readonly workspaces = new Map<string, { slug: string; uuid: string; members: Set<string> }>();
  readonly repos = new Map<string, BitbucketRepo>();
  readonly oauth: OAuthServer;
  /** Since 28 July 2026 Bitbucket refuses every app password (401); false keeps the older tests' world. */
  appPasswordsEnded = false;
  maxPagelen = 1;
  private readonly appPasswords = new Map<string, { username: string; password: string; scopes: string[] }>();
  private readonly apiTokens = new Map<string, { email: string; scopes: string[]; expiresAt: number | null; revoked: boolean }>();
  private readonly accessTokens = new Map<string, { kind: 'repository' | 'project' | 'workspace'; workspace: string; project: string | null; repo: string | null; scopes: string[]; name: string; revoked: boolean }>();
  private readonly rates: RateBudgets;
  origin = '';

  constructor(private readonly clock: FakeClock) {
    this.oauth = new OAuthServer(clock, {
      accessToken: () => randomToken('', 120),
      refreshToken: () => randomToken('', 24),
      code: () => randomToken('', 18),
      // Bitbucket Cloud's OAuth pages do not mention PKCE; a challenge sent is held to RFC 7636 (S256).
      pkceMethods: ['S256'],
    });
    // "API request limits": 1,000 requests per hour (a rolling hour) for repository data, per user.
    this.rates = new RateBudgets(clock, () => 1000, 60 * 60_000);
  }

  // ---- data ---------------------------------------------------------------------------------

  addUser(input: { username: string; email?: string; displayName?: string; accountId?: string }): BitbucketUser {
    const user: BitbucketUser = {
      username: input.username,
      email: input.email ?? `${input.username}@example.com`,
      displayName: input.displayName ?? input.username,
      accountId: input.accountId ?? `557058:${uuid()}`,
      uuid: `{${uuid()}}`,
    };
    this.users.set(input.username, user);
    return user;
  }

  addWorkspace(input: { slug: string; members?: string[] }): void {
    this.workspaces.set(input.slug, { slug: input.slug, uuid: `{${uuid()}}`, members: new Set(input.members ?? []) });
  }

  addRepo(input: {
    workspace: string;
    slug: string;
    project?: string;
    private?: boolean;
    mainbranch?: string;
    head?: string;
    permissions?: Record<string, 'read' | 'write' | 'admin'>;
  }): BitbucketRepo {
    if (!this.workspaces.has(input.workspace)) this.addWorkspace({ slug: input.workspace });
    const mainbranch = input.mainbranch ?? 'main';
    const repo: BitbucketRepo = {
      workspace: input.workspace,
      slug: input.slug,
      project: input.project ?? 'PROJ',
      uuid: `{${uuid()}}`,
      private: input.private ?? true,
      mainbranch,
      branches: new Map([[mainbranch, input.head ?? randomHex(20)]]),
      permissions: new Map(Object.entries(input.permissions ?? {})),
      createdOn: this.clock.now(),
      updatedOn: this.clock.now(),
    };
    this.repos.set(`${input.workspace}/${input.slug}`.toLowerCase(), repo);
    return repo;
  }

  repo(path: string): BitbucketRepo {
    const repo = this.repos.get(path.toLowerCase());
    if (!repo) throw new Error(`no fake Bitbucket repository ${path}`);
    return repo;
  }

  setHead(path: string, sha: string, branch?: string): void {
    const repo = this.repo(path);
    repo.branches.set(branch ?? repo.mainbranch, sha);
    repo.updatedOn = this.clock.now();
  }

  deleteRepo(path: string): void {
    this.repos.delete(path.toLowerCase());
  }

  // ---- credentials --------------------------------------------------------------------------

  addAppPassword(input: { username: string; scopes: string[]; password?: string }): string {
    const password = input.password ?? randomToken('ATBB', 36);
    this.appPasswords.set(`${input.username}:${password}`, { username: input.username, password, scopes: input.scopes });
    return password;
  }

  /** An Atlassian API token with Bitbucket scopes; used as HTTP Basic `email:token`. */
  addApiToken(input: { email: string; scopes: string[]; token?: string; expiresAt?: number | null }): string {
    const token = input.token ?? randomToken('ATATT3xFfGF0', 192);
    this.apiTokens.set(token, { email: input.email, scopes: input.scopes, expiresAt: input.expiresAt ?? null, revoked: false });
    return token;
  }

  /** A repository, project or workspace access token; used as `Authorization: Bearer`. */
  addAccessToken(input: { kind: 'repository' | 'project' | 'workspace'; workspace: string; repo?: string; project?: string; scopes: string[]; token?: string; name?: string }): string {
    const token = input.token ?? randomToken('ATCTT3xFfGN0', 184);
    this.accessTokens.set(token, {
      kind: input.kind,
      workspace: input.workspace,
      project: input.project ?? null,
      repo: input.repo ? input.repo.toLowerCase() : null,
      scopes: input.scopes,
      name: input.name ?? `${input.kind} token`,
      revoked: false,
    });
    return token;
  }

  registerConsumer(input: { callbackUrl: string; scopes?: string[]; accessTokenTtlMs?: number; rotateRefreshTokens?: boolean }): { key: string; secret: string } {
    const scopes = input.scopes ?? ['account', 'repository', 'pullrequest'];
    const client = this.oauth.register({
      clientId: randomToken('', 18),
      clientSecret: randomToken('', 32),
      redirectUris: [input.callbackUrl],
      // "If you do include the URL in a request it must be appended to the same URL configured in the consumer."
      redirectMatch: 'prefix',
      // The consumer's permissions are the scopes; a request cannot widen them.
      allowedScopes: null,
      defaultScopes: scopes,
      // "Access tokens expire in two hours."
      accessTokenTtlMs: input.accessTokenTtlMs ?? 2 * 60 * 60_000,
      refreshTokenTtlMs: 10 * 365 * 24 * 60 * 60_000,
      // Bitbucket's pages do not say whether refresh tokens rotate; by default the fake rotates them
      // (the stricter host: a client must keep whatever comes back). Refreshing does not end the
      // access tokens already issued (seen by integrators: "creating a new token does not invalidate existing tokens").
      rotateRefreshTokens: input.rotateRefreshTokens ?? true,
      revokeAccessOnRefresh: false,
      meta: { scopes },
    });
    return { key: client.clientId, secret: client.clientSecret };
  }

  /** Sets a consumer's callback URL (a test learns its server's URL after registering). */
  setCallbackUrl(key: string, url: string): void {
    this.oauth.clients.get(key)!.redirectUris.splice(0, Infinity, url);
  }

  issueOAuthToken(key: string, username: string): IssuedToken {
    return this.oauth.issue(key, username, this.oauth.clients.get(key)!.defaultScopes);
  }

  revokeToken(token: string): void {
    this.oauth.revoke(token);
    const api = this.apiTokens.get(token);
    if (api) api.revoked = true;
    const access = this.accessTokens.get(token);
    if (access) access.revoked = true;
  }

  signIn(username: string): void {
    this.oauth.signedIn = username;
  }

  denyConsent(times = 1): void {
    this.oauth.denyConsent(times);
  }

  refreshes(username: string): number {
    return this.oauth.refreshCount(username);
  }

  rateLimit(key: string): { limit: number; remaining: number } {
    const b = this.rates.get(key);
    return { limit: b.limit, remaining: b.remaining };
  }

  setRateLimit(key: string, state: { remaining: number; limit?: number; resetInMs?: number }): void {
    this.rates.get(key).set(state);
  }

  // ---- authentication -----------------------------------------------------------------------

  private authenticate(req: FakeRequest): Principal | Route {
    const header = req.headers.authorization;
    if (!header) return { kind: 'anonymous' };
    const basic = basicAuth(header);
    if (basic) {
      const app = this.appPasswords.get(`${basic.user}:${basic.password}`);
      if (app) {
        // The body of this refusal is not documented for the API; Git clients are told this text
        // (CHANGE-3222). Code must not depend on it: the status is what Bitbucket promises.
        if (this.appPasswordsEnded) return unauthorized('App passwords are deprecated and must be replaced with API tokens. https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-3222');
        return { kind: 'app-password', user: app.username, scopes: app.scopes };
      }
      const api = this.apiTokens.get(basic.password);
      const owner = api && [...this.users.values()].find((u) => u.email.toLowerCase() === api.email.toLowerCase());
      // "Using API tokens": the username is the Atlassian account's email address.
      if (api && owner && basic.user.toLowerCase() === api.email.toLowerCase() && !api.revoked && (api.expiresAt === null || this.clock.now() < api.expiresAt)) {
        return { kind: 'api-token', user: owner.username, scopes: api.scopes };
      }
      return unauthorized();
    }
    const auth = bearer(header);
    if (!auth) return unauthorized();
    const access = this.accessTokens.get(auth.token);
    if (access && !access.revoked) {
      return { kind: 'access-token', token: auth.token, tokenKind: access.kind, workspace: access.workspace, project: access.project, repo: access.repo, name: access.name, scopes: access.scopes };
    }
    const issued = this.oauth.lookup(auth.token);
    if (issued?.state === 'expired') return error(401, 'Access token expired. Use your refresh token to obtain a new access token.');
    if (issued?.state === 'active') return { kind: 'oauth', user: issued.token.user, token: issued.token, scopes: issued.token.scopes };
    return error(401, 'Token is invalid, expired, or not supported for this endpoint.');
  }

  /** Does the principal hold the endpoint's scope? (Anonymous callers need none: public data only.) */
  private has(p: Principal, need: Need): boolean {
    if (p.kind === 'anonymous') return true;
    if (p.kind === 'api-token') return p.scopes.includes(need.new);
    return p.scopes.some((s) => IMPLIED[need.old]?.includes(s) ?? s === need.old);
  }

  private scopeRefused(p: Principal, need: Need): Route {
    const required = p.kind === 'api-token' ? need.new : need.old;
    const granted = 'scopes' in p ? p.scopes : [];
    return error(403, 'Your credentials lack one or more required privilege scopes.', { detail: { granted, required: [required] } });
  }

  private rateKey(p: Principal): string | null {
    if (p.kind === 'anonymous') return null;
    // "Each access token has its own rate limit allowance" (Bitbucket Cloud rate limit troubleshooting).
    if (p.kind === 'access-token') return `token:${p.token}`;
    return `user:${p.user}`;
  }

  // ---- access rules -------------------------------------------------------------------------

  /** The principal's permission on a repository it can see, or null. */
  private permissionOn(p: Principal, repo: BitbucketRepo): 'read' | 'write' | 'admin' | null {
    if (p.kind === 'access-token') {
      const inside =
        repo.workspace === p.workspace &&
        (p.tokenKind === 'workspace' || (p.tokenKind === 'project' && repo.project === p.project) || (p.tokenKind === 'repository' && `${repo.workspace}/${repo.slug}`.toLowerCase() === p.repo));
      if (!inside) return null;
      return p.scopes.some((s) => s.startsWith('repository:admin')) ? 'admin' : p.scopes.some((s) => s === 'repository:write' || s === 'pullrequest:write') ? 'write' : 'read';
    }
    const user = p.kind === 'anonymous' ? null : p.user;
    const explicit = user ? repo.permissions.get(user) : undefined;
    if (explicit) return explicit;
    return repo.private ? null : 'read';
  }

  private isWorkspaceMember(p: Principal, workspace: string): boolean {
    return p.kind !== 'anonymous' && p.kind !== 'access-token' && !!this.workspaces.get(workspace)?.members.has(p.user);
  }

  // ---- bodies -------------------------------------------------------------------------------

  private userBody(username: string) {
    const u = this.users.get(username)!;
    return {
      type: 'user',
      username: u.username,
      nickname: u.username,
      display_name: u.displayName,
      account_id: u.accountId,
      uuid: u.uuid,
      links: { html: { href: `https://bitbucket.org/${u.username}/` } },
    };
  }

  private repoBody(repo: BitbucketRepo) {
    const full = `${repo.workspace}/${repo.slug}`;
    const ws = this.workspaces.get(repo.workspace);
    return {
      type: 'repository',
      uuid: repo.uuid,
      full_name: full,
      name: repo.slug,
      slug: repo.slug,
      is_private: repo.private,
      mainbranch: { type: 'branch', name: repo.mainbranch },
      project: { type: 'project', key: repo.project, name: repo.project },
      workspace: { type: 'workspace', slug: repo.workspace, uuid: ws?.uuid ?? '{}' },
      scm: 'git',
      created_on: new Date(repo.createdOn).toISOString(),
      updated_on: new Date(repo.updatedOn).toISOString(),
      links: {
        self: { href: `${this.origin}/2.0/repositories/${full}` },
        html: { href: `https://bitbucket.org/${full}` },
        clone: [{ name: 'https', href: `https://bitbucket.org/${full}.git` }],
      },
    };
  }

  /** Bitbucket's paged list: `size`, `page`, `pagelen`, `values`, and `next` while there is more. */
  private paged<T>(req: FakeRequest, items: T[]): Record<string, unknown> {
    const pagelen = Math.min(Math.max(Number(req.query.get('pagelen')) || 10, 1), this.maxPagelen);
    const pageNo = Math.max(Number(req.query.get('page')) || 1, 1);
    const body: Record<string, unknown> = { size: items.length, page: pageNo, pagelen, values: items.slice((pageNo - 1) * pagelen, pageNo * pagelen) };
    const base = `${this.origin}/2.0${req.path}${req.query.size ? `?${req.query}` : ''}`;
    if (pageNo * pagelen < items.length) body.next = withParams(base, { pagelen, page: pageNo + 1 });
    if (pageNo > 1) body.previous = withParams(base, { pagelen, page: pageNo - 1 });
    return body;
  }

  /** The little of BBQL (`q=`) the fake reads: `name ~ "x"`, `full_name ~ "x"`, `slug = "x"`, joined by AND. */
  private matchesQuery(repo: BitbucketRepo, q: string | null): boolean {
    if (!q) return true;
    return q.split(/\s+AND\s+/i).every((clause) => {
      const m = /^\s*(name|full_name|slug|project\.key)\s*(~|=)\s*"([^"]*)"\s*$/.exec(clause);
      if (!m) return true;
      const value = m[1] === 'full_name' ? `${repo.workspace}/${repo.slug}` : m[1] === 'project.key' ? repo.project : repo.slug;
      return m[2] === '=' ? value === m[3] : value.toLowerCase().includes(m[3].toLowerCase());
    });
  }

  // ---- the REST API (/2.0) ------------------------------------------------------------------

  api(req: FakeRequest): Route {
    const p = this.authenticate(req);
    if ('status' in p) return p;
    const headers: Record<string, string> = {};
    const key = this.rateKey(p);
    if (key) {
      const budget = this.rates.get(key);
      const taken = budget.take();
      // Bitbucket documents no "remaining" count: requests by access tokens to the scaled `api` resource
      // group (/2.0/repositories/…) carry the limit, the group and whether under 20% is left; others carry none.
      if (p.kind === 'access-token' && (req.path === '/repositories' || req.path.startsWith('/repositories/'))) {
        Object.assign(headers, { 'x-ratelimit-limit': String(budget.limit), 'x-ratelimit-resource': 'api', 'x-ratelimit-nearlimit': String(budget.remaining < budget.limit * 0.2) });
      }
      if (!taken) return error(429, 'Rate limit for this resource has been exceeded', {}, { ...headers, 'retry-after': String(Math.max(Math.ceil((budget.resetAt - this.clock.now()) / 1000), 1)) });
    }
    if ('scopes' in p) headers['x-oauth-scopes'] = p.scopes.join(', ');
    if (p.kind !== 'anonymous') {
      headers['x-credential-type'] = { 'app-password': 'app_password', 'api-token': 'api_token', oauth: 'oauth2', 'access-token': `${p.kind === 'access-token' && p.tokenKind === 'repository' ? 'repo' : p.kind === 'access-token' ? p.tokenKind : ''}_access_token` }[p.kind];
    }
    const route = this.route(req, p, headers);
    return { ...route, headers: { ...headers, ...route.headers } };
  }

  private route(req: FakeRequest, p: Principal, headers: Record<string, string>): Route {
    const accept = (need: Need) => {
      headers['x-accepted-oauth-scopes'] = p.kind === 'api-token' ? need.new : need.old;
      return this.has(p, need);
    };
    if (req.method !== 'GET') return error(405, 'Method not allowed');
    if (req.path === '/user') {
      if (p.kind === 'anonymous') return unauthorized();
      if (!accept(NEED.account)) return this.scopeRefused(p, NEED.account);
      if (p.kind === 'access-token') return this.scopeRefused(p, NEED.account);
      return json(200, this.userBody(p.user));
    }
    if (req.path === '/user/permissions/repositories') {
      if (p.kind === 'anonymous') return unauthorized();
      if (p.kind === 'access-token' || !accept(NEED.account)) return this.scopeRefused(p, NEED.account);
      const values = [...this.repos.values()]
        .filter((r) => r.permissions.has(p.user))
        .map((r) => ({ type: 'repository_permission', permission: r.permissions.get(p.user)!, repository: { type: 'repository', full_name: `${r.workspace}/${r.slug}`, name: r.slug, uuid: r.uuid }, user: { type: 'user', username: p.user } }));
      return json(200, this.paged(req, values));
    }
    if (req.path === '/repositories' || /^\/repositories\/[^/]+$/.test(req.path)) {
      if (!accept(NEED.repository)) return this.scopeRefused(p, NEED.repository);
      const workspace = req.path === '/repositories' ? null : decodeURIComponent(req.path.split('/')[2]);
      const role = req.query.get('role');
      const rank = { read: 1, write: 2, admin: 3 } as const;
      const minRank = role === 'admin' || role === 'owner' ? 3 : role === 'contributor' ? 2 : role === 'member' ? 1 : 0;
      const values = [...this.repos.values()]
        .filter((r) => !workspace || r.workspace === workspace)
        .filter((r) => {
          const perm = this.permissionOn(p, r);
          if (!perm) return false;
          // role=member: repositories the caller has explicit access to (public ones do not count).
          if (minRank === 0) return true;
          const explicit = p.kind === 'access-token' ? perm : p.kind === 'anonymous' ? undefined : r.permissions.get(p.user);
          return !!explicit && rank[explicit] >= minRank;
        })
        .filter((r) => this.matchesQuery(r, req.query.get('q')))
        .sort((a, b) => `${a.workspace}/${a.slug}`.localeCompare(`${b.workspace}/${b.slug}`))
        .map((r) => this.repoBody(r));
      return json(200, this.paged(req, values));
    }
    const m = /^\/repositories\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path);
    if (m) {
      // "repo_slug: the repository slug or its UUID surrounded by curly-braces" (and likewise the workspace).
      const slug = decodeURIComponent(m[2]);
      const byUuid = slug.startsWith('{') ? [...this.repos.values()].find((r) => r.uuid === slug && (r.workspace === decodeURIComponent(m[1]) || this.workspaces.get(r.workspace)?.uuid === decodeURIComponent(m[1]))) : undefined;
      const full = byUuid ? `${byUuid.workspace}/${byUuid.slug}` : `${decodeURIComponent(m[1])}/${slug}`;
      const repo = this.repos.get(full.toLowerCase());
      const rest = m[3] ?? '';
      const need = rest.startsWith('/pullrequests') ? NEED.pullrequest : NEED.repository;
      if (!accept(need)) return this.scopeRefused(p, need);
      const perm = repo ? this.permissionOn(p, repo) : null;
      if (!repo || !perm) {
        // A workspace member without a permission on a private repository is told so; others learn nothing.
        if (repo && this.isWorkspaceMember(p, repo.workspace)) return error(403, 'Access denied. You must have write or admin access.');
        return error(404, `Repository ${full} not found`);
      }
      if (rest === '') return json(200, this.repoBody(repo));
      const branch = /^\/refs\/branches\/(.+)$/.exec(rest);
      if (branch) {
        const name = decodeURIComponent(branch[1]);
        const hash = repo.branches.get(name);
        if (!hash) return error(404, 'Branch not found');
        return json(200, { type: 'branch', name, target: { type: 'commit', hash, message: 'head', date: new Date(repo.updatedOn).toISOString() } });
      }
      if (rest === '/pullrequests') return json(200, this.paged(req, []));
      return error(404, 'Resource not found');
    }
    return error(404, 'Resource not found');
  }

  // ---- OAuth 2 (/site/oauth2) ---------------------------------------------------------------

  /** `/site/oauth2/authorize` and `/site/oauth2/access_token`; null for other paths. */
  web(req: FakeRequest): Route | null {
    if (req.path === '/site/oauth2/authorize' && req.method === 'GET') return this.authorizePage(req);
    if (req.path === '/site/oauth2/access_token' && req.method === 'POST') return this.tokenEndpoint(req);
    return null;
  }

  private authorizePage(req: FakeRequest): Route {
    const outcome = this.oauth.authorize(req.query);
    switch (outcome.kind) {
      case 'unknown_client':
        return page(400, 'Invalid client_id. This integration is misconfigured. Contact the vendor for assistance.');
      case 'bad_redirect':
        return page(400, 'Invalid redirect_uri. This integration is misconfigured. Contact the vendor for assistance.');
      case 'error': {
        const description: Record<string, string> = {
          access_denied: 'The user denied access to the application.',
          invalid_request: 'Invalid code_challenge_method.',
          invalid_scope: 'Invalid scope.',
          unsupported_response_type: 'Unsupported response_type.',
        };
        return redirect(withParams(outcome.redirectUri, { error: outcome.error, error_description: description[outcome.error], state: outcome.state }));
      }
      case 'code':
        return redirect(withParams(outcome.redirectUri, { code: outcome.code, state: outcome.state }));
    }
  }

  /** "OAuth 2.0": `curl -X POST -u "client_id:secret" …/site/oauth2/access_token -d grant_type=authorization_code -d code={code}`. */
  private tokenEndpoint(req: FakeRequest): Route {
    const params = bodyParams(req);
    const basic = basicAuth(req.headers.authorization);
    if (!basic) return json(400, { error_description: 'Requests must be authenticated using OAuth client credentials', error: 'unauthorized_client' });
    const known = this.oauth.clients.get(basic.user);
    const client = known && sameSecret(basic.password, known.clientSecret) ? known : null;
    const result = this.oauth.token(client, params);
    if ('error' in result) {
      const errors: Record<TokenError, Route> = {
        invalid_client: json(400, { error_description: 'Invalid OAuth client credentials', error: 'invalid_client' }),
        invalid_request: json(400, { error_description: 'Missing grant_type', error: 'invalid_request' }),
        unsupported_grant_type: json(400, { error_description: 'Unsupported grant type', error: 'unsupported_grant_type' }),
        redirect_uri_mismatch: json(400, { error_description: 'The specified code is not valid.', error: 'invalid_grant' }),
        bad_code: json(400, { error_description: 'The specified code is not valid.', error: 'invalid_grant' }),
        bad_verifier: json(400, { error_description: 'The specified code is not valid.', error: 'invalid_grant' }),
        bad_refresh_token: json(400, { error_description: 'Invalid refresh_token', error: 'invalid_grant' }),
      };
      return errors[result.error];
    }
    const t = result.ok;
    return json(200, {
      access_token: t.accessToken,
      scopes: t.scopes.join(' '),
      expires_in: t.expiresAt === null ? null : Math.round((t.expiresAt - t.createdAt) / 1000),
      refresh_token: t.refreshToken,
      token_type: 'bearer',
      state: params.grant_type,
    });
  }
}
