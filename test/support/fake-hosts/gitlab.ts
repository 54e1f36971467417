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
  slicePage,
  withParams,
} from './shared';

/**
 * Fake GitLab (gitlab.com or self-managed: REST under `/api/v4`, OAuth under `/oauth`), written
 * from docs.gitlab.com ("OAuth 2.0 identity provider API", "REST API authentication", Projects,
 * Users, Personal access tokens, "Rate limits"). What a test does with it (`fake.gitlabHost`):
 *
 *   Data
 *     addUser({ username, name? })
 *     addProject({ path: 'group/sub/name', members: { alice: 30 }, defaultBranch?, visibility?, archived?, head? })
 *       (access levels: 10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner)
 *     renameProject(from, to)   the old path keeps answering (GitLab follows its redirect routes)
 *     archiveProject(path, archived?), deleteProject(path), setHead(path, sha, branch?)
 *   Credentials
 *     addPersonalAccessToken({ user, scopes, expiresAt?, token? }) → the token (`glpat-…`)
 *     registerApplication({ redirectUris, scopes?, confidential?, accessTokenTtlMs? }) → { clientId, clientSecret }
 *       (an OAuth application of this GitLab instance; access tokens live 2 h by default)
 *     addRedirectUri(clientId, uri)
 *     issueOAuthToken(clientId, username, scopes?) → a token pair as the web flow gives it
 *     revokeToken(token)
 *   Browser: signIn(username), denyConsent(times?)
 *   Counters: refreshes(username)   refresh_token grants that reached /oauth/token for that user
 *     rateLimit(username) / setRateLimit(username, { remaining, limit?, resetInMs? })
 *
 * Checks, as GitLab does them: OAuth access tokens go in `Authorization: Bearer` only
 * (`PRIVATE-TOKEN` takes personal, project and group access tokens); an expired OAuth token is 401
 * `invalid_token` "Token is expired. You can either do re-authorization or token refresh."; a used
 * refresh token is revoked, so reusing it is 400 `invalid_grant`; API scopes are enforced
 * (`read_user` cannot read projects: 403 `insufficient_scope`).
 */

export interface GitlabUser {
  username: string;
  id: number;
  name: string;
}

export interface GitlabProject {
  id: number;
  /** Full path with namespace: `group/sub/name`. */
  path: string;
  defaultBranch: string;
  visibility: 'private' | 'internal' | 'public';
  archived: boolean;
  /** Username → access level (10 guest … 50 owner). */
  members: Map<string, number>;
  branches: Map<string, string>;
  repositoryAccessLevel: 'enabled' | 'private' | 'disabled';
  createdAt: number;
  lastActivityAt: number;
}

interface PersonalAccessToken {
  id: number;
  token: string;
  user: string;
  name: string;
  scopes: string[];
  createdAt: number;
  /** `YYYY-MM-DD`: the token stops working at the start of that day (UTC). */
  expiresAt: string | null;
  revoked: boolean;
  lastUsedAt: number | null;
}

type Principal = { kind: 'pat'; pat: PersonalAccessToken; user: string; scopes: string[] } | { kind: 'oauth'; token: IssuedToken; user: string; scopes: string[] };

const ACCESS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;
const unauthorized = () => json(401, { message: '401 Unauthorized' });
const invalidToken = (description: string): Route =>
  json(401, { error: 'invalid_token', error_description: description }, { 'www-authenticate': `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="${description}"` });
const INVALID_GRANT = 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';
const INVALID_CLIENT = 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.';

export class GitlabHost {
  readonly users = new Map<string, GitlabUser>();
  readonly projects = new Map<string, GitlabProject>();
  readonly oauth: OAuthServer;
  private readonly redirects = new Map<string, number>();
  private readonly pats = new Map<string, PersonalAccessToken>();
  private readonly confidential = new Map<string, boolean>();
  private readonly rates: RateBudgets;
  private nextId = 5_000_000;
  origin = '';

  constructor(private readonly clock: FakeClock) {
    this.oauth = new OAuthServer(clock, {
      accessToken: () => randomHex(32),
      refreshToken: () => randomHex(32),
      code: () => randomHex(32),
      // Doorkeeper, which GitLab's OAuth is built on, takes S256 and plain.
      pkceMethods: ['S256', 'plain'],
    });
    // "Authenticated API traffic (for a given user)": 2,000 requests per minute on GitLab.com.
    this.rates = new RateBudgets(clock, () => 2000, 60_000);
  }

  // ---- data ---------------------------------------------------------------------------------

  addUser(input: { username: string; id?: number; name?: string }): GitlabUser {
    const user: GitlabUser = { username: input.username, id: input.id ?? this.nextId++, name: input.name ?? input.username };
    this.users.set(input.username, user);
    return user;
  }

  addProject(input: {
    path: string;
    id?: number;
    members?: Record<string, number>;
    defaultBranch?: string;
    visibility?: GitlabProject['visibility'];
    archived?: boolean;
    head?: string;
    branches?: Record<string, string>;
    repositoryAccessLevel?: GitlabProject['repositoryAccessLevel'];
    createdAt?: number;
  }): GitlabProject {
    const defaultBranch = input.defaultBranch ?? 'main';
    const project: GitlabProject = {
      id: input.id ?? this.nextId++,
      path: input.path,
      defaultBranch,
      visibility: input.visibility ?? 'private',
      archived: input.archived ?? false,
      members: new Map(Object.entries(input.members ?? {})),
      branches: new Map(Object.entries(input.branches ?? { [defaultBranch]: input.head ?? randomHex(20) })),
      repositoryAccessLevel: input.repositoryAccessLevel ?? 'enabled',
      createdAt: input.createdAt ?? this.clock.now(),
      lastActivityAt: input.createdAt ?? this.clock.now(),
    };
    this.projects.set(input.path.toLowerCase(), project);
    return project;
  }

  project(path: string): GitlabProject {
    const project = this.projects.get(path.toLowerCase());
    if (!project) throw new Error(`no fake GitLab project ${path}`);
    return project;
  }

  /** Renames or transfers a project; GitLab keeps a redirect route, so the old path still finds it. */
  renameProject(from: string, to: string): GitlabProject {
    const project = this.project(from);
    this.projects.delete(from.toLowerCase());
    this.redirects.set(from.toLowerCase(), project.id);
    project.path = to;
    this.projects.set(to.toLowerCase(), project);
    this.redirects.delete(to.toLowerCase());
    return project;
  }

  archiveProject(path: string, archived = true): void {
    this.project(path).archived = archived;
  }

  deleteProject(path: string): void {
    const project = this.project(path);
    this.projects.delete(path.toLowerCase());
    for (const [old, id] of this.redirects) if (id === project.id) this.redirects.delete(old);
  }

  setHead(path: string, sha: string, branch?: string): void {
    const project = this.project(path);
    project.branches.set(branch ?? project.defaultBranch, sha);
    project.lastActivityAt = this.clock.now();
  }

  // ---- credentials --------------------------------------------------------------------------

  addPersonalAccessToken(input: { user: string; scopes: string[]; token?: string; name?: string; expiresAt?: string | null; revoked?: boolean; id?: number }): string {
    const token = input.token ?? randomToken('glpat-', 26);
    this.pats.set(token, {
      id: input.id ?? this.nextId++,
      token,
      user: input.user,
      name: input.name ?? 'repolink',
      scopes: input.scopes,
      createdAt: this.clock.now(),
      expiresAt: input.expiresAt === undefined ? null : input.expiresAt,
      revoked: input.revoked ?? false,
      lastUsedAt: null,
    });
    return token;
  }

  registerApplication(input: { redirectUris: string[]; scopes?: string[]; confidential?: boolean; accessTokenTtlMs?: number }): { clientId: string; clientSecret: string } {
    const scopes = input.scopes ?? ['api', 'read_api', 'read_user', 'read_repository'];
    const client = this.oauth.register({
      clientId: randomHex(32),
      clientSecret: `gloas-${randomHex(32)}`,
      redirectUris: input.redirectUris,
      redirectMatch: 'exact',
      allowedScopes: scopes,
      defaultScopes: scopes,
      // "Access tokens expire after two hours."
      accessTokenTtlMs: input.accessTokenTtlMs ?? 2 * 60 * 60_000,
      refreshTokenTtlMs: 10 * 365 * 24 * 60 * 60_000,
      meta: {},
    });
    this.confidential.set(client.clientId, input.confidential ?? true);
    return { clientId: client.clientId, clientSecret: client.clientSecret };
  }

  /** Adds a redirect URI to an application (a test learns its server's URL after registering). */
  addRedirectUri(clientId: string, uri: string): void {
    this.oauth.clients.get(clientId)!.redirectUris.push(uri);
  }

  issueOAuthToken(clientId: string, username: string, scopes?: string[]): IssuedToken {
    return this.oauth.issue(clientId, username, scopes ?? this.oauth.clients.get(clientId)!.defaultScopes);
  }

  revokeToken(token: string): void {
    const pat = this.pats.get(token);
    if (pat) pat.revoked = true;
    this.oauth.revoke(token);
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

  rateLimit(username: string): { limit: number; remaining: number; reset: number } {
    const b = this.rates.get(username);
    return { limit: b.limit, remaining: b.remaining, reset: Math.ceil(b.resetAt / 1000) };
  }

  setRateLimit(username: string, state: { remaining: number; limit?: number; resetInMs?: number }): void {
    this.rates.get(username).set(state);
  }

  // ---- the REST API (/api/v4) ---------------------------------------------------------------

  private authenticate(req: FakeRequest): Principal | Route | null {
    const privateToken = req.headers['private-token'] as string | undefined;
    const auth = bearer(req.headers.authorization);
    if (!privateToken && !auth) return null;
    const value = privateToken ?? auth!.token;
    const pat = this.pats.get(value);
    if (pat) {
      if (pat.revoked) return invalidToken('Token was revoked. You have to re-authorize from the user.');
      if (pat.expiresAt && this.clock.now() >= Date.parse(`${pat.expiresAt}T00:00:00Z`)) return invalidToken('Token is expired. You can either do re-authorization or token refresh.');
      pat.lastUsedAt = this.clock.now();
      return { kind: 'pat', pat, user: pat.user, scopes: pat.scopes };
    }
    // OAuth tokens are read from the Authorization header (or access_token), never from PRIVATE-TOKEN.
    if (privateToken) return unauthorized();
    const issued = this.oauth.lookup(value);
    if (!issued) return unauthorized();
    if (issued.state === 'expired') return invalidToken('Token is expired. You can either do re-authorization or token refresh.');
    if (issued.state === 'revoked') return invalidToken('Token was revoked. You have to re-authorize from the user.');
    return { kind: 'oauth', token: issued.token, user: issued.token.user, scopes: issued.token.scopes };
  }

  api(req: FakeRequest): Route {
    const principal = this.authenticate(req);
    if (principal && 'status' in principal) return principal;
    const headers: Record<string, string> = {};
    if (principal) {
      const budget = this.rates.get(principal.user);
      const taken = budget.take();
      const reset = Math.ceil(budget.resetAt / 1000);
      Object.assign(headers, {
        'ratelimit-limit': String(budget.limit),
        'ratelimit-observed': String(budget.limit - budget.remaining),
        'ratelimit-remaining': String(budget.remaining),
        'ratelimit-reset': String(reset),
        'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
      });
      if (!taken) return { status: 429, headers: { ...headers, 'retry-after': String(Math.max(reset - Math.floor(this.clock.now() / 1000), 1)), 'content-type': 'text/plain' }, body: 'Retry later\n' };
    }
    const route = this.route(req, principal);
    return { ...route, headers: { ...headers, ...route.headers } };
  }

  private hasApiScope(p: Principal | null): boolean {
    return !p || p.scopes.includes('api') || p.scopes.includes('read_api');
  }

  private route(req: FakeRequest, p: Principal | null): Route {
    const insufficient = json(
      403,
      { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api read_api' },
      { 'www-authenticate': 'Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="api read_api"' },
    );
    if (req.method !== 'GET') return json(405, { message: '405 Method Not Allowed' });
    if (req.path === '/user') {
      if (!p) return unauthorized();
      if (!p.scopes.some((s) => ['api', 'read_api', 'read_user'].includes(s))) return insufficient;
      const user = this.users.get(p.user)!;
      return json(200, { id: user.id, username: user.username, name: user.name, state: 'active', locked: false, web_url: `${this.origin}/${user.username}` });
    }
    if (req.path === '/personal_access_tokens/self') {
      if (!p) return unauthorized();
      // Documented for personal, project and group access tokens; an OAuth token is not one.
      if (p.kind !== 'pat') return json(404, { message: '404 Not Found' });
      const t = p.pat;
      return json(200, {
        id: t.id,
        name: t.name,
        revoked: t.revoked,
        created_at: new Date(t.createdAt).toISOString(),
        scopes: t.scopes,
        user_id: this.users.get(t.user)?.id ?? 0,
        last_used_at: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
        active: !t.revoked,
        expires_at: t.expiresAt,
      });
    }
    if (req.path === '/projects') {
      if (!this.hasApiScope(p)) return insufficient;
      return this.listProjects(req, p);
    }
    const m = /^\/projects\/([^/]+)(\/.*)?$/.exec(req.path);
    if (m) {
      if (!this.hasApiScope(p)) return insufficient;
      const id = decodeURIComponent(m[1]);
      const project = /^\d+$/.test(id)
        ? [...this.projects.values()].find((x) => x.id === Number(id))
        : (this.projects.get(id.toLowerCase()) ?? [...this.projects.values()].find((x) => x.id === this.redirects.get(id.toLowerCase())));
      const level = project ? this.levelOf(p, project) : null;
      if (!project || level === null) return json(404, { message: '404 Project Not Found' });
      const rest = m[2] ?? '';
      if (rest === '') return json(200, this.projectBody(project, level));
      const branch = /^\/repository\/branches\/(.+)$/.exec(rest);
      if (branch) {
        // Private code needs Reporter; public and internal projects' code is readable by those who see them.
        if (project.repositoryAccessLevel === 'disabled' || (project.visibility === 'private' && level < ACCESS.reporter)) return json(403, { message: '403 Forbidden' });
        const name = decodeURIComponent(branch[1]);
        const sha = project.branches.get(name);
        if (!sha) return json(404, { message: '404 Branch Not Found' });
        return json(200, { name, merged: false, protected: true, default: name === project.defaultBranch, commit: { id: sha, short_id: sha.slice(0, 8), title: 'head' } });
      }
      return json(404, { error: '404 Not Found' });
    }
    return json(404, { error: '404 Not Found' });
  }

  /** The caller's access level on a project it can see (0 for a non-member of a public or internal one), or null. */
  private levelOf(p: Principal | null, project: GitlabProject): number | null {
    const member = p ? project.members.get(p.user) : undefined;
    if (member !== undefined) return member;
    if (project.visibility === 'public' || (project.visibility === 'internal' && p)) return 0;
    return null;
  }

  private projectBody(project: GitlabProject, level: number) {
    const parts = project.path.split('/');
    const name = parts[parts.length - 1];
    const namespace = parts.slice(0, -1).join('/');
    return {
      id: project.id,
      name,
      path: name,
      path_with_namespace: project.path,
      name_with_namespace: parts.join(' / '),
      namespace: { id: 1, name: parts[parts.length - 2] ?? namespace, path: parts[parts.length - 2] ?? namespace, kind: 'group', full_path: namespace },
      default_branch: project.defaultBranch,
      visibility: project.visibility,
      web_url: `${this.origin}/${project.path}`,
      http_url_to_repo: `${this.origin}/${project.path}.git`,
      archived: project.archived,
      empty_repo: project.branches.size === 0,
      repository_access_level: project.repositoryAccessLevel,
      created_at: new Date(project.createdAt).toISOString(),
      last_activity_at: new Date(project.lastActivityAt).toISOString(),
      permissions: { project_access: level > 0 ? { access_level: level, notification_level: 3 } : null, group_access: null },
    };
  }

  /** GET /projects: membership, search, archived, min_access_level, order_by/sort, with GitLab's x-* paging headers. */
  private listProjects(req: FakeRequest, p: Principal | null): Route {
    const q = req.query;
    const search = q.get('search')?.toLowerCase();
    const minLevel = Number(q.get('min_access_level') ?? 0);
    let items = [...this.projects.values()]
      .map((project) => ({ project, level: this.levelOf(p, project) }))
      .filter((x): x is { project: GitlabProject; level: number } => x.level !== null)
      .filter((x) => q.get('membership') !== 'true' || x.project.members.has(p?.user ?? ''))
      .filter((x) => !minLevel || x.level >= minLevel)
      .filter((x) => !search || x.project.path.split('/').pop()!.toLowerCase().includes(search) || (q.get('search_namespaces') === 'true' && x.project.path.toLowerCase().includes(search)))
      .filter((x) => q.get('archived') === null || String(x.project.archived) === q.get('archived'));
    const orderBy = q.get('order_by') ?? 'created_at';
    const dir = (q.get('sort') ?? 'desc') === 'asc' ? 1 : -1;
    const key = (x: GitlabProject) => (orderBy === 'id' ? x.id : orderBy === 'last_activity_at' || orderBy === 'updated_at' ? x.lastActivityAt : orderBy === 'path' || orderBy === 'name' ? 0 : x.createdAt);
    items = items.sort((a, b) => (orderBy === 'path' || orderBy === 'name' ? a.project.path.localeCompare(b.project.path) * dir : (key(a.project) - key(b.project)) * dir || (b.project.id - a.project.id)));
    const url = `${this.origin}/api/v4/projects${q.size ? `?${q}` : ''}`;
    const slice = slicePage(items, q, (pageNo, perPage) => withParams(url, { page: pageNo, per_page: perPage }), { defaultPerPage: 20, maxPerPage: 100 });
    return json(
      200,
      slice.items.map((x) => this.projectBody(x.project, x.level)),
      {
        link: slice.link,
        'x-page': String(slice.page),
        'x-per-page': String(slice.perPage),
        'x-total': String(items.length),
        'x-total-pages': String(slice.totalPages),
        'x-next-page': slice.page < slice.totalPages ? String(slice.page + 1) : '',
        'x-prev-page': slice.page > 1 ? String(slice.page - 1) : '',
      },
    );
  }

  // ---- OAuth (/oauth) -----------------------------------------------------------------------

  /** `/oauth/authorize`, `/oauth/token`, `/oauth/token/info`, `/oauth/revoke`; null for other paths. */
  web(req: FakeRequest): Route | null {
    if (req.path === '/oauth/authorize' && req.method === 'GET') return this.authorizePage(req);
    if (req.path === '/oauth/token' && req.method === 'POST') return this.tokenEndpoint(req);
    if (req.path === '/oauth/token/info' && req.method === 'GET') {
      const auth = bearer(req.headers.authorization);
      const issued = auth ? this.oauth.lookup(auth.token) : null;
      if (!issued || issued.state !== 'active') return json(401, { error: 'invalid_token', error_description: 'The access token is invalid' });
      const t = issued.token;
      const left = t.expiresAt === null ? null : Math.floor((t.expiresAt - this.clock.now()) / 1000);
      return json(200, { resource_owner_id: this.users.get(t.user)?.id ?? 0, scope: t.scopes, expires_in: left, application: { uid: t.clientId }, created_at: Math.floor(t.createdAt / 1000), scopes: t.scopes, expires_in_seconds: left });
    }
    if (req.path === '/oauth/revoke' && req.method === 'POST') {
      const params = bodyParams(req);
      if (params.token) this.oauth.revoke(params.token);
      return json(200, {});
    }
    return null;
  }

  private authorizePage(req: FakeRequest): Route {
    const outcome = this.oauth.authorize(req.query, { requireRedirectUri: true });
    switch (outcome.kind) {
      case 'unknown_client':
        return page(401, INVALID_CLIENT);
      case 'bad_redirect':
        // Doorkeeper shows an error page; it never redirects to an unregistered URI.
        return page(400, 'The redirect URI included is not valid.');
      case 'error': {
        const description: Record<string, string> = {
          access_denied: 'The resource owner or authorization server denied the request.',
          invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
          invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
          unsupported_response_type: 'The authorization server does not support this response type.',
        };
        return redirect(withParams(outcome.redirectUri, { error: outcome.error, error_description: description[outcome.error], state: outcome.state }));
      }
      case 'code':
        return redirect(withParams(outcome.redirectUri, { code: outcome.code, state: outcome.state }));
    }
  }

  private tokenEndpoint(req: FakeRequest): Route {
    const params = bodyParams(req);
    const basic = basicAuth(req.headers.authorization);
    const clientId = basic?.user ?? params.client_id;
    const secret = basic?.password ?? params.client_secret;
    // A public (non-confidential) application authenticates by client_id alone, and must use PKCE.
    const isPublic = clientId !== undefined && this.confidential.get(clientId) === false;
    const client = isPublic && secret === undefined ? (this.oauth.clients.get(clientId) ?? null) : this.oauth.authenticate(clientId, secret);
    const result = this.oauth.token(client, params, { requirePkce: isPublic && secret === undefined });
    if ('error' in result) {
      const refuse = (status: number, error: string, description: string) =>
        json(status, { error, error_description: description }, { 'www-authenticate': `Bearer realm="Doorkeeper", error="${error}", error_description="${description}"`, 'cache-control': 'no-store' });
      const errors: Record<TokenError, Route> = {
        invalid_client: refuse(401, 'invalid_client', INVALID_CLIENT),
        invalid_request: refuse(400, 'invalid_request', 'Missing required parameter: grant_type.'),
        unsupported_grant_type: refuse(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.'),
        redirect_uri_mismatch: refuse(400, 'invalid_grant', INVALID_GRANT),
        bad_code: refuse(400, 'invalid_grant', INVALID_GRANT),
        bad_verifier: refuse(400, 'invalid_grant', INVALID_GRANT),
        bad_refresh_token: refuse(400, 'invalid_grant', INVALID_GRANT),
      };
      return errors[result.error];
    }
    const t = result.ok;
    return json(
      200,
      {
        access_token: t.accessToken,
        token_type: 'Bearer',
        expires_in: t.expiresAt === null ? null : Math.round((t.expiresAt - t.createdAt) / 1000),
        refresh_token: t.refreshToken,
        scope: t.scopes.join(' '),
        created_at: Math.floor(t.createdAt / 1000),
      },
      { 'cache-control': 'no-store' },
    );
  }
}

export const GITLAB_ACCESS = ACCESS;
