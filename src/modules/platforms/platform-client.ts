import type { Platform } from '../../db/entities/repo-connection.entity';
import { PlatformError, PlatformHttp, type PlatformHttpOptions, type PlatformResponse, type RenewableAuth } from './host-http';
import { BITBUCKET_APP_PASSWORDS_ENDED, PLATFORM_FACTS } from './platform-facts';

/** What a check found out about one repository. */
export type RepositoryAccess = 'found' | 'moved' | 'not_found' | 'no_access' | 'unreachable';

export interface CredentialReport {
  /** null when the platform could not be asked (timeout, outage, blocked address). */
  valid: boolean | null;
  /** The account the credential belongs to (login, username). */
  identity: string | null;
  /** Scopes the credential carries; null when the platform does not say (GitHub fine-grained tokens). */
  scopes: string[] | null;
  /** Scopes needed to read code and pull/merge requests that the credential lacks; null when unknown. */
  missingScopes: string[] | null;
  /** Safe words on what went wrong; never the credential or a response body. */
  message: string | null;
  /**
   * What the credential is judged on when it is not the platform's scopes: a GitHub App
   * installation's permissions (`contents:read`…), in the names `scopes` and `missingScopes` use.
   */
  requiredScopes?: string[];
}

export interface RepositoryReport {
  /** The repository path as given. */
  repository: string;
  status: RepositoryAccess;
  visibility: string | null;
  /** The caller's permission on the repository as the platform names it (`admin`, `write`, `read`, `developer`…). */
  permission: string | null;
  defaultBranch: string | null;
  headCommit: string | null;
  /** Whether the platform has it archived (read-only); null when the platform does not say (Bitbucket Cloud). */
  archived: boolean | null;
  /** The platform's own id of the repository (GitHub's and GitLab's number, Bitbucket's `{uuid}`), which survives renames and transfers. */
  hostRepositoryId: string | null;
  /** Where the platform says the repository is now (`owner/new-name`) when status is `moved` and the new place is visible. */
  movedTo: string | null;
  /** The page that authorizes the credential for an organization enforcing SAML single sign-on (GitHub's `X-GitHub-SSO`). */
  ssoAuthorizationUrl: string | null;
  message: string | null;
  /** For a moved repository, what the check found at its new place (`found`: readable there); not part of the GraphQL answer. */
  atNewPlace?: Exclude<RepositoryAccess, 'moved'>;
}

export interface PlatformClient {
  readonly platform: Platform;
  /** Where people browse the platform (`https://github.com`, a GHES or self-managed GitLab host). */
  readonly webBaseUrl: string;
  checkCredential(): Promise<CredentialReport>;
  /** `credential` (from checkCredential) tells scope-less tokens apart, which need per-repository checks. */
  checkRepository(path: string, credential?: CredentialReport): Promise<RepositoryReport>;
}

/**
 * A connection's credentials as the platforms take them: a token (GitHub, GitLab); for Bitbucket
 * Cloud the SigSentry body's `{username, appPassword}` (HTTP Basic: an Atlassian API token works in
 * it with the account's email as username), an API token with its account's email (HTTP Basic), or
 * a repository, project or workspace access token (Bearer).
 */
export type PlatformCredentials = { token: string } | { username: string; appPassword: string } | { email: string; apiToken: string } | { accessToken: string };

/**
 * A code-host account's credential as a check uses it: its current token, renewed (once) when the
 * host refuses it, and what the account knows about itself. Built from the account by the
 * platform service; never stored on a connection.
 */
export interface AccountCredential {
  kind: 'github_app_installation' | 'oauth' | 'api_token' | 'access_token';
  auth: RenewableAuth;
  /** The current token, only to make sure no URL passed on carries it. */
  secret(): string;
  /** A GitHub App installation's account, repository selection and permissions (as of its last mint). */
  installation: { accountLogin: string | null; repositorySelection: string | null; permissions: Record<string, string> } | null;
  /** The scopes the host granted (OAuth), as stored with the account; null when unknown. */
  scopes: string[] | null;
}

/** What a client asks with: a connection's own credentials, or an account's current token. */
export type ClientCredentials = PlatformCredentials | { account: AccountCredential };

/** What an installation needs to read code and pull requests (GitHub App permissions, `name:level`). */
export const INSTALLATION_PERMISSIONS = ['metadata:read', 'contents:read', 'pull_requests:read'] as const;

/** How a client authenticates: the headers (fixed, or an account's renewable ones) and the secret they carry. */
interface ClientAuth {
  http: Record<string, string> | RenewableAuth;
  secret(): string;
  account: AccountCredential | null;
}

const withHeaders = (auth: Record<string, string> | RenewableAuth, extra: Record<string, string>): Record<string, string> | RenewableAuth =>
  typeof (auth as RenewableAuth).renew === 'function'
    ? { headers: () => ({ ...(auth as RenewableAuth).headers(), ...extra }), renew: () => (auth as RenewableAuth).renew() }
    : { ...(auth as Record<string, string>), ...extra };

/** The configured API roots of the public services (absent: each host's own, from PLATFORM_FACTS). */
export interface PlatformEndpoints {
  githubApiUrl: string;
  gitlabUrl: string;
  bitbucketApiUrl: string;
}

export interface PlatformClientOptions extends PlatformHttpOptions {
  endpoints?: Partial<PlatformEndpoints>;
}

/** A failure while asking about a credential, as a report: the platform could not be asked. */
export function unreachableCredential(error: unknown): CredentialReport {
  return { valid: null, identity: null, scopes: null, missingScopes: null, message: safeMessage(error) };
}

export function unreachableRepository(path: string, error: unknown): RepositoryReport {
  return report(path, 'unreachable', safeMessage(error));
}

/** Only our own messages go out: they name a host and a status, never a header or a body. */
export function safeMessage(error: unknown): string {
  return error instanceof PlatformError ? error.message : 'The platform could not be asked';
}

export const report = (path: string, status: RepositoryAccess, message: string | null, fields: Partial<RepositoryReport> = {}): RepositoryReport => ({
  repository: path,
  status,
  visibility: null,
  permission: null,
  defaultBranch: null,
  headCommit: null,
  archived: null,
  hostRepositoryId: null,
  movedTo: null,
  ssoAuthorizationUrl: null,
  message,
  ...fields,
});

const enc = encodeURIComponent;
const isRedirect = (status: number) => status >= 300 && status < 400;
/** A host's own id as text: a safe integer or a short id string; anything else is not stored. */
const hostId = (id: unknown): string | null =>
  typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? String(id) : typeof id === 'string' && /^[A-Za-z0-9{}-]{1,64}$/.test(id) ? id : null;
const samePath = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * A report found at a repository's new place made into a `moved` one: the facts found there stay
 * (it is the same repository, by the host's id), and the message says where it went.
 */
function moved(path: string, to: string | null, found: RepositoryReport, host: string): RepositoryReport {
  const atNewPlace = found.status === 'moved' ? undefined : found.status;
  if (to === null) {
    return { ...found, repository: path, status: 'moved', atNewPlace, message: `${host} says the repository moved, but its new place is not visible to this credential${found.message ? ` (${found.message})` : ''}` };
  }
  const there = found.status === 'found' ? '' : `; there, ${found.message ?? found.status}`;
  return { ...found, repository: path, status: 'moved', movedTo: to, atNewPlace, message: `Renamed or transferred on ${host}: it is now ${to}${there}` };
}

type GithubRepoBody = { id?: unknown; full_name?: unknown; default_branch?: string; private?: boolean; visibility?: string; archived?: unknown; permissions?: Record<string, boolean> };

class GitHubClient implements PlatformClient {
  readonly platform = 'github' as const;
  readonly webBaseUrl: string;
  private readonly api: string;
  private readonly http: PlatformHttp;

  constructor(
    private readonly auth: ClientAuth,
    baseUrl: string | null,
    options: PlatformClientOptions,
  ) {
    this.api = PLATFORM_FACTS.github.apiRoot(baseUrl, options.endpoints?.githubApiUrl);
    this.webBaseUrl = PLATFORM_FACTS.github.webRoot(baseUrl);
    this.http = new PlatformHttp(withHeaders(auth.http, { 'x-github-api-version': '2022-11-28' }), options);
  }

  async checkCredential(): Promise<CredentialReport> {
    if (this.auth.account?.kind === 'github_app_installation') return this.checkInstallation(this.auth.account);
    try {
      const res = await this.http.get<{ login?: string }>(`${this.api}/user`, 'application/vnd.github+json');
      if (res.status === 401) return { valid: false, identity: null, scopes: null, missingScopes: null, message: 'GitHub refused the token (401): it is wrong, expired or revoked' };
      if (res.status === 403) {
        // An installation token (`ghs_…` pasted as a token) acts as no user: GET /user answers 403. It is one when its own repository list answers.
        const installation = await this.http.get<{ total_count?: unknown }>(`${this.api}/installation/repositories?per_page=1`, 'application/vnd.github+json');
        if (installation.status === 200) {
          return {
            valid: true,
            identity: null,
            scopes: null,
            missingScopes: null,
            message: 'A GitHub App installation token: it acts as no user (GET /user answers 403), so access is checked per repository. It expires within an hour: connect the installation as a code-host account and repolink mints its tokens',
          };
        }
      }
      if (res.status !== 200) return { valid: null, identity: null, scopes: null, missingScopes: null, message: `GitHub answered ${res.status} to GET /user` };
      const header = res.headers.get('x-oauth-scopes');
      // Fine-grained tokens and GitHub App tokens carry no scope header: access is judged per repository.
      const scopes = header === null ? null : header.split(',').map((s) => s.trim()).filter(Boolean);
      const missingScopes = scopes === null ? null : PLATFORM_FACTS.github.missingScopes(scopes);
      return { valid: true, identity: res.body?.login ?? null, scopes, missingScopes, message: scopes === null ? 'Fine-grained token: scopes are not listed; access is checked per repository' : null };
    } catch (error) {
      return unreachableCredential(error);
    }
  }

  /**
   * An installation token acts as no person: `GET /user` answers it 403 ("Resource not accessible
   * by integration"). It is judged on the installation instead: the token works (one call to its own
   * repository list, renewed once on a 401), and the installation's permissions cover reading code
   * and pull requests (`metadata`, `contents`, `pull_requests` at `read` or more); which repositories
   * it may read (`all` or `selected`) is then seen per repository.
   */
  private async checkInstallation(account: AccountCredential): Promise<CredentialReport> {
    const installation = account.installation;
    const owner = installation?.accountLogin ?? null;
    const requiredScopes = [...INSTALLATION_PERMISSIONS];
    const refused = (message: string): CredentialReport => ({ valid: false, identity: owner, scopes: null, missingScopes: null, message, requiredScopes });
    try {
      const res = await this.http.get<{ total_count?: unknown; repository_selection?: unknown; message?: unknown }>(`${this.api}/installation/repositories?per_page=1`, 'application/vnd.github+json');
      if (res.status === 401) return refused('GitHub refused the installation token (401), also one minted anew');
      if (res.status === 403 && typeof res.body?.message === 'string' && /suspended/i.test(res.body.message)) {
        // A token of a suspended installation: minting anew is what tells the account so (and marks it SUSPENDED).
        await account.auth.renew();
        return refused('GitHub says the installation is suspended: an owner of the account must unsuspend the app on GitHub');
      }
      if (res.status !== 200) return { valid: null, identity: owner, scopes: null, missingScopes: null, message: `GitHub answered ${res.status} to GET /installation/repositories`, requiredScopes };
      const permissions = installation?.permissions ?? {};
      const rank = (level: string | undefined) => (level === 'admin' ? 3 : level === 'write' ? 2 : level === 'read' ? 1 : 0);
      const scopes = Object.entries(permissions).map(([name, level]) => `${name}:${level}`);
      const missingScopes = requiredScopes.filter((p) => rank(permissions[p.split(':')[0]]) < 1);
      const selection = typeof res.body?.repository_selection === 'string' ? res.body.repository_selection : installation?.repositorySelection;
      const total = typeof res.body?.total_count === 'number' ? res.body.total_count : null;
      const which = selection === 'all' ? 'all its repositories' : `${total === null ? 'selected' : `${total} selected`} repositor${total === 1 ? 'y' : 'ies'}`;
      return {
        valid: true,
        identity: owner,
        scopes,
        missingScopes,
        requiredScopes,
        message: `GitHub App installation on ${owner ?? 'its account'} (${which}): judged on its permissions and repository selection, not on GET /user`,
      };
    } catch (error) {
      return { ...unreachableCredential(error), identity: owner, requiredScopes };
    }
  }

  /**
   * A renamed or transferred repository answers 301 with a `Location` on the same API (GitHub's
   * "follow redirects"); repolink follows it with the same token, at most three hops and never to
   * another origin (the token would go with it), and reports what it finds there as `moved`.
   */
  async checkRepository(path: string, credential?: CredentialReport): Promise<RepositoryReport> {
    const [owner, repo] = path.split('/');
    let url = `${this.api}/repos/${enc(owner)}/${enc(repo)}`;
    try {
      let res = await this.http.get<GithubRepoBody | null>(url, 'application/vnd.github+json', { redirects: 'return' });
      let hops = 0;
      for (; isRedirect(res.status); hops++) {
        const next = this.sameOrigin(res.headers.get('location'), url);
        if (next === null || hops === 3) return report(path, 'unreachable', `GitHub answered with a redirect (${res.status}) ${next === null ? 'to another host' : 'again and again'}, which is not followed`);
        url = next;
        res = await this.http.get<GithubRepoBody | null>(url, 'application/vnd.github+json', { redirects: 'return' });
      }
      const found = await this.judge(path, res, url, credential);
      const fullName = typeof res.body?.full_name === 'string' && res.status === 200 ? res.body.full_name : null;
      if (fullName !== null && !samePath(fullName, path)) return moved(path, fullName, found, 'GitHub');
      if (hops > 0 && fullName === null) return moved(path, null, found, 'GitHub');
      return found;
    } catch (error) {
      return unreachableRepository(path, error);
    }
  }

  /** A `Location` as an absolute URL on the API's own origin, else null (never follow the token elsewhere). */
  private sameOrigin(location: string | null, from: string): string | null {
    if (!location) return null;
    try {
      const next = new URL(location, from);
      return next.origin === new URL(this.api).origin && next.username === '' && next.password === '' ? next.href : null;
    } catch {
      return null;
    }
  }

  private async judge(path: string, res: PlatformResponse<GithubRepoBody | null>, url: string, credential?: CredentialReport): Promise<RepositoryReport> {
    if (res.status === 404) return report(path, 'not_found', 'Not found on GitHub, or not visible to this token');
    if (res.status === 403) {
      const sso = res.headers.get('x-github-sso');
      if (sso !== null && /^\s*required\b/i.test(sso)) {
        const url = this.ssoUrl(sso);
        const owner = path.split('/')[0];
        return report(
          path,
          'no_access',
          `The ${owner} organization enforces SAML single sign-on: authorize this token for ${owner}${url ? ` at ${url}` : ' (Settings → Tokens → Configure SSO on GitHub)'}, then check again`,
          { ssoAuthorizationUrl: url },
        );
      }
    }
    if (res.status === 401 || res.status === 403) return report(path, 'no_access', `GitHub refused access (${res.status})`);
    if (res.status !== 200 || !res.body) return report(path, 'unreachable', `GitHub answered ${res.status}`);
    const body = res.body;
    const permissions = body.permissions ?? {};
    const permission = ['admin', 'maintain', 'push', 'triage', 'pull'].find((p) => permissions[p]) ?? null;
    const fields: Partial<RepositoryReport> = {
      visibility: body.visibility ?? (body.private ? 'private' : 'public'),
      permission,
      defaultBranch: body.default_branch ?? null,
      archived: typeof body.archived === 'boolean' ? body.archived : null,
      hostRepositoryId: hostId(body.id),
    };
    // The repository's own path for what follows: a moved one is read at its new place.
    const base = typeof body.full_name === 'string' && PLATFORM_FACTS.github.isValidPath(body.full_name) ? `${this.api}/repos/${body.full_name.split('/').map(enc).join('/')}` : url.split('?')[0];
    if (body.permissions && !permissions.pull) return report(path, 'no_access', 'The token cannot read this repository', fields);
    if (fields.defaultBranch) {
      const branch = await this.http.get<{ commit?: { sha?: string } }>(`${base}/branches/${enc(fields.defaultBranch)}`, 'application/vnd.github+json');
      if (branch.status === 401 || branch.status === 403) return report(path, 'no_access', `The token cannot read the code (${branch.status} on the default branch)`, fields);
      // 404 for the default branch of a repository the token can read: nothing was pushed yet.
      if (branch.status === 404) return report(path, 'found', 'The repository is empty: its default branch has no commit yet', fields);
      fields.headCommit = branch.body?.commit?.sha ?? null;
    }
    if (credential && credential.scopes === null) {
      const pulls = await this.http.get(`${base}/pulls?per_page=1&state=all`, 'application/vnd.github+json');
      if (pulls.status === 403 || pulls.status === 404) return report(path, 'no_access', `The token cannot read pull requests (${pulls.status})`, fields);
    }
    return report(path, 'found', null, fields);
  }

  /**
   * The authorization page an `X-GitHub-SSO: required; url=…` names, when it is an http(s) page on
   * this GitHub's own web host without user info and without the token in it; else null.
   */
  private ssoUrl(header: string): string | null {
    const m = /\burl=(\S+)/i.exec(header);
    if (!m) return null;
    try {
      const url = new URL(m[1]);
      const ok = (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === new URL(this.webBaseUrl).origin && url.username === '' && url.password === '';
      const token = this.auth.secret();
      return ok && !url.href.includes(token) && !decodeURIComponent(url.href).includes(token) ? url.href : null;
    } catch {
      return null;
    }
  }
}

const GITLAB_ACCESS: Record<number, string> = { 5: 'minimal', 10: 'guest', 15: 'planner', 20: 'reporter', 30: 'developer', 40: 'maintainer', 50: 'owner' };

class GitLabClient implements PlatformClient {
  readonly platform = 'gitlab' as const;
  readonly webBaseUrl: string;
  private readonly api: string;
  private readonly http: PlatformHttp;

  constructor(
    private readonly auth: ClientAuth,
    baseUrl: string | null,
    options: PlatformClientOptions,
  ) {
    this.api = PLATFORM_FACTS.gitlab.apiRoot(baseUrl, options.endpoints?.gitlabUrl);
    this.webBaseUrl = PLATFORM_FACTS.gitlab.webRoot(baseUrl ?? options.endpoints?.gitlabUrl ?? null);
    this.http = new PlatformHttp(auth.http, options);
  }

  async checkCredential(): Promise<CredentialReport> {
    if (this.auth.account?.kind === 'oauth') return this.checkOAuth(this.auth.account);
    try {
      const self = await this.http.get<{ scopes?: string[]; active?: boolean; revoked?: boolean }>(`${this.api}/personal_access_tokens/self`);
      if (self.status === 401) return { valid: false, identity: null, scopes: null, missingScopes: null, message: 'GitLab refused the token (401): it is wrong, expired or revoked' };
      let scopes: string[] | null = null;
      if (self.status === 200 && self.body) {
        if (self.body.active === false || self.body.revoked === true) {
          return { valid: false, identity: null, scopes: self.body.scopes ?? null, missingScopes: null, message: 'The GitLab token is revoked or expired' };
        }
        scopes = Array.isArray(self.body.scopes) ? self.body.scopes : null;
      }
      const user = await this.http.get<{ username?: string }>(`${this.api}/user`);
      if (user.status === 401) return { valid: false, identity: null, scopes, missingScopes: null, message: 'GitLab refused the token (401)' };
      const missingScopes = scopes === null ? null : PLATFORM_FACTS.gitlab.missingScopes(scopes);
      return { valid: true, identity: user.status === 200 ? (user.body?.username ?? null) : null, scopes, missingScopes, message: scopes === null ? 'GitLab did not describe this token; access is checked per repository' : null };
    } catch (error) {
      return unreachableCredential(error);
    }
  }

  /**
   * An OAuth token is no personal access token (`/personal_access_tokens/self` does not describe
   * it): its scopes are the ones GitLab granted when it was issued, kept with the account; `/user`
   * says whose it is (an expired token is refreshed once on its 401).
   */
  private async checkOAuth(account: AccountCredential): Promise<CredentialReport> {
    try {
      const user = await this.http.get<{ username?: string }>(`${this.api}/user`);
      if (user.status === 401) return { valid: false, identity: null, scopes: account.scopes, missingScopes: null, message: 'GitLab refused the OAuth token (401), also after refreshing it' };
      const missingScopes = account.scopes === null ? null : PLATFORM_FACTS.gitlab.missingScopes(account.scopes);
      if (user.status !== 200 && user.status !== 403) return { valid: null, identity: null, scopes: account.scopes, missingScopes, message: `GitLab answered ${user.status} to GET /user` };
      return { valid: true, identity: user.status === 200 ? (user.body?.username ?? null) : null, scopes: account.scopes, missingScopes, message: null };
    } catch (error) {
      return unreachableCredential(error);
    }
  }

  /**
   * GitLab keeps a renamed or transferred project's old path as a redirect route and answers there
   * with the project itself: a `path_with_namespace` other than the path asked is a move.
   */
  async checkRepository(path: string): Promise<RepositoryReport> {
    try {
      const res = await this.http.get<{
        id?: unknown;
        path_with_namespace?: unknown;
        default_branch?: string | null;
        visibility?: string;
        archived?: unknown;
        repository_access_level?: string;
        permissions?: { project_access?: { access_level?: number } | null; group_access?: { access_level?: number } | null };
      }>(`${this.api}/projects/${enc(path)}`);
      if (res.status === 404) return report(path, 'not_found', 'Not found on GitLab, or not visible to this token');
      if (res.status === 401 || res.status === 403) return report(path, 'no_access', `GitLab refused access (${res.status})`);
      if (res.status !== 200 || !res.body) return report(path, 'unreachable', `GitLab answered ${res.status}`);
      const body = res.body;
      const level = Math.max(body.permissions?.project_access?.access_level ?? 0, body.permissions?.group_access?.access_level ?? 0);
      const id = hostId(body.id);
      const fields: Partial<RepositoryReport> = {
        visibility: body.visibility ?? null,
        permission: GITLAB_ACCESS[level] ?? null,
        defaultBranch: body.default_branch ?? null,
        archived: typeof body.archived === 'boolean' ? body.archived : null,
        hostRepositoryId: id,
      };
      // By id from here on: the same project whatever its path is now.
      const base = `${this.api}/projects/${id ?? enc(path)}`;
      const current = typeof body.path_with_namespace === 'string' ? body.path_with_namespace : null;
      const judged = await this.readCode(path, base, fields, body.repository_access_level);
      return current !== null && !samePath(current, path) ? moved(path, current, judged, 'GitLab') : judged;
    } catch (error) {
      return unreachableRepository(path, error);
    }
  }

  private async readCode(path: string, base: string, fields: Partial<RepositoryReport>, repositoryAccess: string | undefined): Promise<RepositoryReport> {
    if (repositoryAccess === 'disabled') return report(path, 'no_access', 'The project has its repository disabled', fields);
    if (fields.defaultBranch) {
      const branch = await this.http.get<{ commit?: { id?: string } }>(`${base}/repository/branches/${enc(fields.defaultBranch)}`);
      if (branch.status === 403 || branch.status === 401) return report(path, 'no_access', `The token cannot read the code (${branch.status} on the default branch)`, fields);
      fields.headCommit = branch.status === 200 ? (branch.body?.commit?.id ?? null) : null;
    }
    return report(path, 'found', null, fields);
  }
}

/** How a Bitbucket credential signs its calls, and what it is (the words of a refusal depend on it). */
type BitbucketAuth =
  /** The SigSentry body: an app password, or an Atlassian API token with the account's email as username. */
  | { kind: 'username-password'; username: string; secret: string }
  | { kind: 'api-token'; email: string; secret: string }
  | { kind: 'access-token'; secret: string }
  /** An OAuth consumer's token, refreshed by the account (Bearer). */
  | { kind: 'oauth'; secret: string };

const ENDED = `Bitbucket Cloud ended app passwords on ${BITBUCKET_APP_PASSWORDS_ENDED.words}`;
const INSTEAD =
  'use an Atlassian API token with Bitbucket scopes (read:repository:bitbucket, read:pullrequest:bitbucket) and your Atlassian account email as the username, or a repository, project or workspace access token';
// Bitbucket's documented prefixes: app passwords ATBB…, Atlassian API tokens ATATT…. Read only to choose words.
const looksLikeAppPassword = (secret: string) => secret.startsWith('ATBB');
const looksLikeApiToken = (secret: string) => secret.startsWith('ATATT');
const isEmail = (value: string) => /^[^\s@]+@[^\s@]+$/.test(value);

/**
 * Why Bitbucket refused a credential (401), in words that say what to do. Since 28 July 2026 every
 * app password is refused, so a refused username and password that is not an email and an API
 * token is told that app passwords ended and what replaces them. Never the secret.
 */
export function bitbucketRefusal(auth: BitbucketAuth): string {
  switch (auth.kind) {
    case 'username-password':
      if (isEmail(auth.username) && !looksLikeAppPassword(auth.secret)) {
        return 'Bitbucket refused the email and API token given as username and appPassword (401): the token is wrong, expired or revoked, or the email is not its Atlassian account\'s';
      }
      return `Bitbucket refused the username and app password (401). ${ENDED}: ${INSTEAD}`;
    case 'api-token':
      if (looksLikeAppPassword(auth.secret)) return `Bitbucket refused the email and token (401): this is an app password, and ${ENDED}; ${INSTEAD}`;
      return "Bitbucket refused the email and API token (401): the token is wrong, expired or revoked, or the email is not its Atlassian account's";
    case 'access-token':
      if (looksLikeApiToken(auth.secret)) return 'Bitbucket refused the token as an access token (401): an Atlassian API token is sent with its account email (give it as email and apiToken), not as a Bearer access token';
      return 'Bitbucket refused the access token (401): it is wrong, expired or revoked';
    case 'oauth':
      return 'Bitbucket refused the OAuth token (401), also after refreshing it: connect the account again';
  }
}

class BitbucketClient implements PlatformClient {
  readonly platform = 'bitbucket' as const;
  readonly webBaseUrl = PLATFORM_FACTS.bitbucket.webRoot(null);
  private readonly api: string;
  private readonly http: PlatformHttp;
  private permissions: Promise<Map<string, string>> | null = null;

  constructor(
    private readonly auth: BitbucketAuth,
    options: PlatformClientOptions,
    /** An account's renewable headers; absent: the credential's own, fixed. */
    renewable?: RenewableAuth,
  ) {
    this.api = PLATFORM_FACTS.bitbucket.apiRoot(null, options.endpoints?.bitbucketApiUrl);
    const basic = (user: string) => `Basic ${Buffer.from(`${user}:${auth.secret}`).toString('base64')}`;
    const authorization = auth.kind === 'access-token' || auth.kind === 'oauth' ? `Bearer ${auth.secret}` : basic(auth.kind === 'api-token' ? auth.email : auth.username);
    this.http = new PlatformHttp(renewable ?? { authorization }, options);
  }

  async checkCredential(): Promise<CredentialReport> {
    try {
      const res = await this.http.get<{ username?: string; nickname?: string }>(`${this.api}/2.0/user`);
      if (res.status === 401) return { valid: false, identity: null, scopes: null, missingScopes: null, message: bitbucketRefusal(this.auth) };
      if (res.status !== 200 && res.status !== 403) return { valid: null, identity: null, scopes: null, missingScopes: null, message: `Bitbucket answered ${res.status} to GET /2.0/user` };
      // The scope header, else (on a 403 for a missing scope) the scopes the error says were granted.
      const header = res.headers.get('x-oauth-scopes');
      const granted = (res.body as { error?: { detail?: { granted?: unknown } } } | null)?.error?.detail?.granted;
      const scopes =
        header !== null ? header.split(',').map((s) => s.trim()).filter(Boolean) : Array.isArray(granted) ? granted.filter((g): g is string => typeof g === 'string') : null;
      const missingScopes = scopes === null ? null : PLATFORM_FACTS.bitbucket.missingScopes(scopes);
      if (res.status === 403) {
        // An access token is no person (GET /user is refused whatever its scopes); another credential lacks the account scope.
        const message =
          this.auth.kind === 'access-token'
            ? 'An access token acts for its repository, project or workspace, not for a person, so no account is named'
            : 'The credential has no account scope (read:user:bitbucket; `account` for older kinds: 403 on /2.0/user), so its owner is not named';
        return { valid: true, identity: null, scopes, missingScopes, message };
      }
      return { valid: true, identity: res.body?.username ?? res.body?.nickname ?? null, scopes, missingScopes, message: null };
    } catch (error) {
      return unreachableCredential(error);
    }
  }

  /** The permission of the credential's user on every repository it can see, read once (paged with `next`); none for an access token (no user). */
  private permissionMap(): Promise<Map<string, string>> {
    if (this.auth.kind === 'access-token') return Promise.resolve(new Map());
    this.permissions ??= this.http
      .getAll<{ permission?: string; repository?: { full_name?: string } }>(`${this.api}/2.0/user/permissions/repositories?pagelen=100`, (body) => {
        const values = (body as { values?: unknown } | null)?.values;
        return Array.isArray(values) ? values : null;
      })
      .then((res) => new Map(res.body.filter((v) => v.repository?.full_name && v.permission).map((v) => [v.repository!.full_name!.toLowerCase(), v.permission!])))
      .catch(() => new Map<string, string>());
    return this.permissions;
  }

  async checkRepository(path: string): Promise<RepositoryReport> {
    const [workspace, slug] = path.split('/');
    const base = `${this.api}/2.0/repositories/${enc(workspace)}/${enc(slug)}`;
    try {
      const res = await this.http.get<{ uuid?: unknown; full_name?: unknown; is_private?: boolean; mainbranch?: { name?: string } | null }>(base);
      if (res.status === 404) return report(path, 'not_found', 'Not found on Bitbucket, or not visible to this credential');
      if (res.status === 401 || res.status === 403) return report(path, 'no_access', `Bitbucket refused access (${res.status})`);
      if (res.status !== 200 || !res.body) return report(path, 'unreachable', `Bitbucket answered ${res.status}`);
      const current = typeof res.body.full_name === 'string' ? res.body.full_name : null;
      const permission = (await this.permissionMap()).get((current ?? path).toLowerCase()) ?? null;
      // Bitbucket Cloud has no archived state: `archived` stays null (unknown), never a guessed false.
      const fields: Partial<RepositoryReport> = { visibility: res.body.is_private ? 'private' : 'public', permission, defaultBranch: res.body.mainbranch?.name ?? null, hostRepositoryId: hostId(res.body.uuid) };
      let judged = report(path, 'found', null, fields);
      if (fields.defaultBranch) {
        const branch = await this.http.get<{ target?: { hash?: string } }>(`${base}/refs/branches/${enc(fields.defaultBranch)}`);
        if (branch.status === 403 || branch.status === 401) judged = report(path, 'no_access', `The credential cannot read the code (${branch.status} on the default branch)`, fields);
        else judged = report(path, 'found', null, { ...fields, headCommit: branch.status === 200 ? (branch.body?.target?.hash ?? null) : null });
      }
      return current !== null && PLATFORM_FACTS.bitbucket.isValidPath(current) && !samePath(current, path) ? moved(path, current, judged, 'Bitbucket') : judged;
    } catch (error) {
      return unreachableRepository(path, error);
    }
  }
}

export function createPlatformClient(platform: Platform, credentials: ClientCredentials, baseUrl: string | null, options: PlatformClientOptions = {}): PlatformClient {
  if ('account' in credentials) return accountClient(platform, credentials.account, baseUrl, options);
  if (platform === 'bitbucket') {
    if ('username' in credentials) return new BitbucketClient({ kind: 'username-password', username: credentials.username, secret: credentials.appPassword }, options);
    if ('email' in credentials) return new BitbucketClient({ kind: 'api-token', email: credentials.email, secret: credentials.apiToken }, options);
    if ('accessToken' in credentials) return new BitbucketClient({ kind: 'access-token', secret: credentials.accessToken }, options);
    throw new Error('bitbucket takes username and appPassword, email and apiToken, or accessToken');
  }
  if (!('token' in credentials)) throw new Error(`${platform} takes a token`);
  const token = credentials.token;
  const auth: ClientAuth = { http: platform === 'github' ? { authorization: `Bearer ${token}` } : { 'private-token': token }, secret: () => token, account: null };
  return platform === 'github' ? new GitHubClient(auth, baseUrl, options) : new GitLabClient(auth, baseUrl, options);
}

/** A client on an account's current token (its headers are the account's: Bearer, or a Bitbucket API token's Basic). */
function accountClient(platform: Platform, account: AccountCredential, baseUrl: string | null, options: PlatformClientOptions): PlatformClient {
  const auth: ClientAuth = { http: account.auth, secret: () => account.secret(), account };
  if (platform === 'github') return new GitHubClient(auth, baseUrl, options);
  if (platform === 'gitlab') return new GitLabClient(auth, baseUrl, options);
  // Bitbucket's words of a refusal and its permission list depend on the kind; the headers stay the account's.
  const kind: BitbucketAuth =
    account.kind === 'api_token'
      ? { kind: 'api-token', email: '', secret: account.secret() }
      : account.kind === 'access_token'
        ? { kind: 'access-token', secret: account.secret() }
        : { kind: 'oauth', secret: account.secret() };
  return new BitbucketClient(kind, options, account.auth);
}
