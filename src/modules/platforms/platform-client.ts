import type { Platform } from '../../db/entities/repo-connection.entity';
import { PlatformError, PlatformHttp, type PlatformHttpOptions } from './host-http';
import { PLATFORM_FACTS } from './platform-facts';

/** What a check found out about one repository. */
export type RepositoryAccess = 'found' | 'not_found' | 'no_access' | 'unreachable';

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
  message: string | null;
}

export interface PlatformClient {
  readonly platform: Platform;
  /** Where people browse the platform (`https://github.com`, a GHES or self-managed GitLab host). */
  readonly webBaseUrl: string;
  checkCredential(): Promise<CredentialReport>;
  /** `credential` (from checkCredential) tells scope-less tokens apart, which need per-repository checks. */
  checkRepository(path: string, credential?: CredentialReport): Promise<RepositoryReport>;
}

export type PlatformCredentials = { token: string } | { username: string; appPassword: string };

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
  return { repository: path, status: 'unreachable', visibility: null, permission: null, defaultBranch: null, headCommit: null, message: safeMessage(error) };
}

/** Only our own messages go out: they name a host and a status, never a header or a body. */
export function safeMessage(error: unknown): string {
  return error instanceof PlatformError ? error.message : 'The platform could not be asked';
}

const report = (path: string, status: RepositoryAccess, message: string | null, fields: Partial<RepositoryReport> = {}): RepositoryReport => ({
  repository: path,
  status,
  visibility: null,
  permission: null,
  defaultBranch: null,
  headCommit: null,
  message,
  ...fields,
});

const enc = encodeURIComponent;

class GitHubClient implements PlatformClient {
  readonly platform = 'github' as const;
  readonly webBaseUrl: string;
  private readonly api: string;
  private readonly http: PlatformHttp;

  constructor(token: string, baseUrl: string | null, options: PlatformClientOptions) {
    this.api = PLATFORM_FACTS.github.apiRoot(baseUrl, options.endpoints?.githubApiUrl);
    this.webBaseUrl = PLATFORM_FACTS.github.webRoot(baseUrl);
    this.http = new PlatformHttp({ authorization: `Bearer ${token}`, 'x-github-api-version': '2022-11-28' }, options);
  }

  async checkCredential(): Promise<CredentialReport> {
    try {
      const res = await this.http.get<{ login?: string }>(`${this.api}/user`, 'application/vnd.github+json');
      if (res.status === 401) return { valid: false, identity: null, scopes: null, missingScopes: null, message: 'GitHub refused the token (401): it is wrong, expired or revoked' };
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

  async checkRepository(path: string, credential?: CredentialReport): Promise<RepositoryReport> {
    const [owner, repo] = path.split('/');
    const base = `${this.api}/repos/${enc(owner)}/${enc(repo)}`;
    try {
      const res = await this.http.get<{ default_branch?: string; private?: boolean; visibility?: string; permissions?: Record<string, boolean> }>(base, 'application/vnd.github+json');
      if (res.status === 404) return report(path, 'not_found', 'Not found on GitHub, or not visible to this token');
      if (res.status === 401 || res.status === 403) return report(path, 'no_access', `GitHub refused access (${res.status})`);
      if (res.status !== 200 || !res.body) return report(path, 'unreachable', `GitHub answered ${res.status}`);
      const body = res.body;
      const permissions = body.permissions ?? {};
      const permission = ['admin', 'maintain', 'push', 'triage', 'pull'].find((p) => permissions[p]) ?? null;
      const fields: Partial<RepositoryReport> = { visibility: body.visibility ?? (body.private ? 'private' : 'public'), permission, defaultBranch: body.default_branch ?? null };
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
    } catch (error) {
      return unreachableRepository(path, error);
    }
  }
}

const GITLAB_ACCESS: Record<number, string> = { 5: 'minimal', 10: 'guest', 15: 'planner', 20: 'reporter', 30: 'developer', 40: 'maintainer', 50: 'owner' };

class GitLabClient implements PlatformClient {
  readonly platform = 'gitlab' as const;
  readonly webBaseUrl: string;
  private readonly api: string;
  private readonly http: PlatformHttp;

  constructor(token: string, baseUrl: string | null, options: PlatformClientOptions) {
    this.api = PLATFORM_FACTS.gitlab.apiRoot(baseUrl, options.endpoints?.gitlabUrl);
    this.webBaseUrl = PLATFORM_FACTS.gitlab.webRoot(baseUrl ?? options.endpoints?.gitlabUrl ?? null);
    this.http = new PlatformHttp({ 'private-token': token }, options);
  }

  async checkCredential(): Promise<CredentialReport> {
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

  async checkRepository(path: string): Promise<RepositoryReport> {
    const base = `${this.api}/projects/${enc(path)}`;
    try {
      const res = await this.http.get<{
        default_branch?: string | null;
        visibility?: string;
        repository_access_level?: string;
        permissions?: { project_access?: { access_level?: number } | null; group_access?: { access_level?: number } | null };
      }>(base);
      if (res.status === 404) return report(path, 'not_found', 'Not found on GitLab, or not visible to this token');
      if (res.status === 401 || res.status === 403) return report(path, 'no_access', `GitLab refused access (${res.status})`);
      if (res.status !== 200 || !res.body) return report(path, 'unreachable', `GitLab answered ${res.status}`);
      const body = res.body;
      const level = Math.max(body.permissions?.project_access?.access_level ?? 0, body.permissions?.group_access?.access_level ?? 0);
      const fields: Partial<RepositoryReport> = { visibility: body.visibility ?? null, permission: GITLAB_ACCESS[level] ?? null, defaultBranch: body.default_branch ?? null };
      if (body.repository_access_level === 'disabled') return report(path, 'no_access', 'The project has its repository disabled', fields);
      if (fields.defaultBranch) {
        const branch = await this.http.get<{ commit?: { id?: string } }>(`${base}/repository/branches/${enc(fields.defaultBranch)}`);
        if (branch.status === 403 || branch.status === 401) return report(path, 'no_access', `The token cannot read the code (${branch.status} on the default branch)`, fields);
        fields.headCommit = branch.status === 200 ? (branch.body?.commit?.id ?? null) : null;
      }
      return report(path, 'found', null, fields);
    } catch (error) {
      return unreachableRepository(path, error);
    }
  }
}

class BitbucketClient implements PlatformClient {
  readonly platform = 'bitbucket' as const;
  readonly webBaseUrl = PLATFORM_FACTS.bitbucket.webRoot(null);
  private readonly api: string;
  private readonly http: PlatformHttp;
  private permissions: Promise<Map<string, string>> | null = null;

  constructor(username: string, appPassword: string, options: PlatformClientOptions) {
    this.api = PLATFORM_FACTS.bitbucket.apiRoot(null, options.endpoints?.bitbucketApiUrl);
    this.http = new PlatformHttp({ authorization: `Basic ${Buffer.from(`${username}:${appPassword}`).toString('base64')}` }, options);
  }

  async checkCredential(): Promise<CredentialReport> {
    try {
      const res = await this.http.get<{ username?: string; nickname?: string }>(`${this.api}/2.0/user`);
      if (res.status === 401) return { valid: false, identity: null, scopes: null, missingScopes: null, message: 'Bitbucket refused the username and app password (401)' };
      if (res.status !== 200 && res.status !== 403) return { valid: null, identity: null, scopes: null, missingScopes: null, message: `Bitbucket answered ${res.status} to GET /2.0/user` };
      // The scope header, else (on a 403 for a missing scope) the scopes the error says were granted.
      const header = res.headers.get('x-oauth-scopes');
      const granted = (res.body as { error?: { detail?: { granted?: unknown } } } | null)?.error?.detail?.granted;
      const scopes =
        header !== null ? header.split(',').map((s) => s.trim()).filter(Boolean) : Array.isArray(granted) ? granted.filter((g): g is string => typeof g === 'string') : null;
      const missingScopes = scopes === null ? null : PLATFORM_FACTS.bitbucket.missingScopes(scopes);
      // Without the account scope the owner cannot be named; the account scope is not needed to read code or pull requests.
      if (res.status === 403) return { valid: true, identity: null, scopes, missingScopes, message: 'The app password has no account scope (403 on /2.0/user), so its owner is not named' };
      return { valid: true, identity: res.body?.username ?? res.body?.nickname ?? null, scopes, missingScopes, message: null };
    } catch (error) {
      return unreachableCredential(error);
    }
  }

  /** The permission of the credential's user on every repository it can see, read once (paged with `next`). */
  private permissionMap(): Promise<Map<string, string>> {
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
      const res = await this.http.get<{ is_private?: boolean; mainbranch?: { name?: string } | null }>(base);
      if (res.status === 404) return report(path, 'not_found', 'Not found on Bitbucket, or not visible to this user');
      if (res.status === 401 || res.status === 403) return report(path, 'no_access', `Bitbucket refused access (${res.status})`);
      if (res.status !== 200 || !res.body) return report(path, 'unreachable', `Bitbucket answered ${res.status}`);
      const permission = (await this.permissionMap()).get(path.toLowerCase()) ?? null;
      const fields: Partial<RepositoryReport> = { visibility: res.body.is_private ? 'private' : 'public', permission, defaultBranch: res.body.mainbranch?.name ?? null };
      if (fields.defaultBranch) {
        const branch = await this.http.get<{ target?: { hash?: string } }>(`${base}/refs/branches/${enc(fields.defaultBranch)}`);
        if (branch.status === 403 || branch.status === 401) return report(path, 'no_access', `The app password cannot read the code (${branch.status} on the default branch)`, fields);
        fields.headCommit = branch.status === 200 ? (branch.body?.target?.hash ?? null) : null;
      }
      return report(path, 'found', null, fields);
    } catch (error) {
      return unreachableRepository(path, error);
    }
  }
}

export function createPlatformClient(platform: Platform, credentials: PlatformCredentials, baseUrl: string | null, options: PlatformClientOptions = {}): PlatformClient {
  if (platform === 'bitbucket') {
    if (!('username' in credentials)) throw new Error('bitbucket takes a username and an app password');
    return new BitbucketClient(credentials.username, credentials.appPassword, options);
  }
  if (!('token' in credentials)) throw new Error(`${platform} takes a token`);
  return platform === 'github' ? new GitHubClient(credentials.token, baseUrl, options) : new GitLabClient(credentials.token, baseUrl, options);
}
