import type { Config } from '../../config';
import type { InstallationFacts } from '../../db/entities/code-host-account.entity';
import { Secret } from '../crypto';
import { PlatformError, PlatformHttp, type RateObserver } from '../platforms/host-http';
import type { HostEndpoints } from './code-host-endpoints';

/** How a credential is sent: `Authorization: Bearer …`, or HTTP Basic with a user name (a Bitbucket API token's email). */
export interface HostAuth {
  scheme: 'bearer' | 'basic';
  token: Secret<string>;
  username?: string | null;
}

export function authHeaders(auth: HostAuth): Record<string, string> {
  return auth.scheme === 'basic'
    ? { authorization: `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.token.reveal()}`).toString('base64')}` }
    : { authorization: `Bearer ${auth.token.reveal()}` };
}

const GITHUB = { 'x-github-api-version': '2022-11-28' };
const GITHUB_JSON = 'application/vnd.github+json';

/** Who a credential belongs to, as its host says. */
export type IdentityAnswer =
  | { ok: true; identity: string | null; externalId: string | null; scopes: string[] | null }
  | { ok: false; status: number; message: string; scopes: string[] | null };

/** One installation of `GET /user/installations`. */
export interface UserInstallation {
  id: string;
  facts: InstallationFacts;
}

export type MintAnswer =
  | { kind: 'minted'; token: Secret<string>; expiresAt: Date | null; permissions: Record<string, string>; repositorySelection: string | null }
  | { kind: 'suspended'; message: string }
  | { kind: 'gone'; message: string }
  | { kind: 'app_refused'; message: string };

/** A repository an account can see, for a picker and for reconciliation. */
export interface HostRepository {
  /** The host's own id (GitHub and GitLab `id` as text, Bitbucket `uuid`): it survives renames and transfers. Null when the body lacks it. */
  hostId: string | null;
  /** `owner/repo`, `group/sub/project`, `workspace/slug`: what `connectRepos` takes. */
  path: string;
  name: string;
  private: boolean | null;
  defaultBranch: string | null;
  webUrl: string | null;
  archived: boolean | null;
  /** The host's last activity on it: GitHub `pushed_at`, GitLab `last_activity_at`, Bitbucket `updated_on`; null when not said. */
  activityAt: Date | null;
}

/** The host says the account itself is suspended (a GitHub App installation's token answered "This installation has been suspended"). */
export class HostSuspendedError extends PlatformError {
  constructor(message: string, status: number) {
    super('forbidden', message, status);
    this.name = 'HostSuspendedError';
  }
}

/** A repository read by its host id: found (perhaps renamed), or not there for this credential (404, or 403 without a rate limit). */
export type RepositoryByIdAnswer = { kind: 'found'; repository: HostRepository } | { kind: 'absent'; status: number };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** A host's id as text: a non-negative integer, or a short printable token (Bitbucket's `{uuid}`). */
const hostIdOf = (v: unknown): string | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : typeof v === 'string' && /^[\x21-\x7e]{1,64}$/.test(v) ? v : null;

const dateOf = (v: unknown): Date | null => {
  if (typeof v !== 'string') return null;
  const at = new Date(v);
  return Number.isNaN(at.getTime()) ? null : at;
};

/** One repository of a host's answer, in its shape; null when it has no path. */
function hostRepository(host: HostEndpoints['host'], r: Record<string, unknown>): HostRepository | null {
  if (host === 'github') {
    const path = str(r.full_name);
    return path
      ? { hostId: hostIdOf(r.id), path, name: str(r.name) ?? path, private: typeof r.private === 'boolean' ? r.private : null, defaultBranch: str(r.default_branch), webUrl: str(r.html_url), archived: typeof r.archived === 'boolean' ? r.archived : null, activityAt: dateOf(r.pushed_at) }
      : null;
  }
  if (host === 'gitlab') {
    const path = str(r.path_with_namespace);
    return path
      ? { hostId: hostIdOf(r.id), path, name: str(r.name) ?? path, private: typeof r.visibility === 'string' ? r.visibility !== 'public' : null, defaultBranch: str(r.default_branch), webUrl: str(r.web_url), archived: typeof r.archived === 'boolean' ? r.archived : null, activityAt: dateOf(r.last_activity_at) }
      : null;
  }
  const path = str(r.full_name);
  const links = (r.links ?? {}) as { html?: { href?: unknown } };
  const main = (r.mainbranch ?? null) as { name?: unknown } | null;
  return path
    ? { hostId: hostIdOf(r.uuid), path, name: str(r.name) ?? path, private: typeof r.is_private === 'boolean' ? r.is_private : null, defaultBranch: str(main?.name), webUrl: str(links.html?.href), archived: null, activityAt: dateOf(r.updated_on) }
    : null;
}

function installationFacts(body: Record<string, unknown>): InstallationFacts {
  const account = (body.account ?? {}) as Record<string, unknown>;
  const permissions = body.permissions && typeof body.permissions === 'object' ? (body.permissions as Record<string, unknown>) : {};
  return {
    accountLogin: str(account.login) ?? str(account.slug),
    targetType: str(body.target_type),
    repositorySelection: str(body.repository_selection),
    permissions: Object.fromEntries(Object.entries(permissions).filter((e): e is [string, string] => typeof e[1] === 'string')),
    suspendedAt: str(body.suspended_at),
  };
}

/**
 * The calls the accounts make to the code hosts besides OAuth's token endpoint: who a credential
 * is, a user's GitHub App installations, an installation token, the repositories an account can
 * see. Every call goes through PlatformHttp: the private-address guard (REPOLINK_PLATFORM_ALLOW_PRIVATE
 * for the fakes), the configured timeout, the body size limit; messages name a host and a status only.
 */
export class CodeHostApi {
  constructor(private readonly config: Config) {}

  http(headers: Record<string, string> = {}, maxPages?: number, rateObserver?: RateObserver): PlatformHttp {
    return new PlatformHttp(headers, { allowPrivate: this.config.platforms.allowPrivate, timeoutMs: this.config.platforms.timeoutMs, ...(maxPages !== undefined && { maxPages }), ...(rateObserver && { rateObserver }) });
  }

  /** `GET /user` (and the token's scopes where the host tells them). */
  async identity(endpoints: HostEndpoints, auth: HostAuth): Promise<IdentityAnswer> {
    const http = this.http({ ...authHeaders(auth), ...(endpoints.host === 'github' && GITHUB) });
    const res = await http.get<Record<string, unknown>>(`${endpoints.api}/user`, endpoints.host === 'github' ? GITHUB_JSON : 'application/json');
    const header = res.headers.get('x-oauth-scopes');
    const scopes = header === null ? null : header.split(',').map((s) => s.trim()).filter(Boolean);
    if (res.status !== 200 || !res.body) {
      // Bitbucket names the scopes a credential has on a 403 too: in the header, or as the refusal's `granted`.
      const granted = (res.body as { error?: { detail?: { granted?: unknown } } } | null)?.error?.detail?.granted;
      return { ok: false, status: res.status, message: `${endpoints.host} answered ${res.status} to GET /user`, scopes: scopes ?? (Array.isArray(granted) ? granted.filter((g): g is string => typeof g === 'string') : null) };
    }
    const body = res.body;
    const identity = endpoints.host === 'gitlab' ? str(body.username) : endpoints.host === 'github' ? str(body.login) : (str(body.username) ?? str(body.nickname) ?? str(body.display_name));
    const externalId = endpoints.host === 'bitbucket' ? (str(body.account_id) ?? str(body.uuid)) : str(body.id);
    return { ok: true, identity, externalId, scopes };
  }

  /** GitLab's own description of a token (personal, project or group access token): its scopes. Null when it does not say. */
  async gitlabTokenScopes(endpoints: HostEndpoints, auth: HostAuth): Promise<string[] | null> {
    const res = await this.http(authHeaders(auth)).get<{ scopes?: unknown }>(`${endpoints.api}/personal_access_tokens/self`);
    return res.status === 200 && Array.isArray(res.body?.scopes) ? res.body.scopes.filter((s): s is string => typeof s === 'string') : null;
  }

  /** Every installation of the app that the user who authorized can reach (`GET /user/installations`, paged). */
  async userInstallations(endpoints: HostEndpoints, userToken: Secret<string>): Promise<UserInstallation[] | { status: number }> {
    const http = this.http({ authorization: `Bearer ${userToken.reveal()}`, ...GITHUB }, 50);
    const res = await http.getAll<Record<string, unknown>>(`${endpoints.api}/user/installations?per_page=100`, (body) => {
      const list = (body as { installations?: unknown } | null)?.installations;
      return Array.isArray(list) ? list : null;
    });
    if (res.status !== 200) return { status: res.status };
    return res.body.filter((i) => str(i.id) !== null).map((i) => ({ id: str(i.id)!, facts: installationFacts(i) }));
  }

  /** `POST /app/installations/{id}/access_tokens` with the app's JWT: an installation token, or why not. */
  async mintInstallationToken(endpoints: HostEndpoints, jwt: string, installationId: string): Promise<MintAnswer> {
    const http = this.http({ authorization: `Bearer ${jwt}`, ...GITHUB });
    const res = await http.post<Record<string, unknown>>(`${endpoints.api}/app/installations/${encodeURIComponent(installationId)}/access_tokens`, null, { accept: GITHUB_JSON });
    const body = res.body ?? {};
    if (res.status === 201 && typeof body.token === 'string' && body.token !== '') {
      const expires = str(body.expires_at);
      const facts = installationFacts(body);
      return { kind: 'minted', token: new Secret(body.token), expiresAt: expires ? new Date(expires) : null, permissions: facts.permissions, repositorySelection: facts.repositorySelection };
    }
    const message = typeof body.message === 'string' && /suspended/i.test(body.message) ? 'suspended' : null;
    if (res.status === 403 && message) return { kind: 'suspended', message: `GitHub says installation ${installationId} is suspended: an owner of the account must unsuspend the app, then connect it again` };
    if (res.status === 404) return { kind: 'gone', message: `GitHub does not know installation ${installationId} any more (404): the app was uninstalled` };
    if (res.status === 401) return { kind: 'app_refused', message: `GitHub refused the app's JWT (401): check the app id and private key registered for ${endpoints.web}` };
    if (res.status >= 500 || res.status === 429) throw new PlatformError(res.status === 429 ? 'rate_limited' : 'unavailable', `GitHub answered ${res.status} to an installation token request`, res.status);
    return { kind: 'app_refused', message: `GitHub answered ${res.status} to an installation token request` };
  }

  /** `GET /app/installations/{id}` with the app's JWT: the installation's account, permissions and suspension. */
  async installation(endpoints: HostEndpoints, jwt: string, installationId: string): Promise<InstallationFacts | null> {
    const res = await this.http({ authorization: `Bearer ${jwt}`, ...GITHUB }).get<Record<string, unknown>>(`${endpoints.api}/app/installations/${encodeURIComponent(installationId)}`, GITHUB_JSON);
    return res.status === 200 && res.body ? installationFacts(res.body) : null;
  }

  /**
   * One page of the repositories a credential can see, as the host pages them (`per_page` ≤ 100),
   * searched on the host where it can search: GitLab `search=`, Bitbucket `q=full_name ~ "…"`;
   * GitHub lists without a search (the caller filters). `full`: GitLab's whole project view (its
   * `simple` view leaves out `archived`), for reconciliation. A refusal, a failure or a body that is
   * not the host's list throws: a page is never answered as empty when it was not read.
   */
  async repositoriesPage(
    endpoints: HostEndpoints,
    kind: 'installation' | 'user',
    auth: HostAuth,
    page: number,
    perPage: number,
    search: string | null,
    rateObserver?: RateObserver,
    full = false,
  ): Promise<{ items: HostRepository[]; hasMore: boolean; unreadable: number }> {
    const http = this.http({ ...authHeaders(auth), ...(endpoints.host === 'github' && GITHUB) }, undefined, rateObserver);
    let url: string;
    if (endpoints.host === 'github') {
      url = kind === 'installation' ? `${endpoints.api}/installation/repositories?per_page=${perPage}&page=${page}` : `${endpoints.api}/user/repos?per_page=${perPage}&page=${page}&sort=full_name`;
    } else if (endpoints.host === 'gitlab') {
      url = `${endpoints.api}/projects?membership=true${full ? '' : '&simple=true'}&order_by=path&sort=asc&per_page=${perPage}&page=${page}${search ? `&search=${encodeURIComponent(search)}&search_namespaces=true` : ''}`;
    } else {
      const q = search ? `&q=${encodeURIComponent(`full_name ~ "${search.replace(/["\\]/g, '')}"`)}` : '';
      url = `${endpoints.api}/repositories?role=member&sort=full_name&pagelen=${perPage}&page=${page}${q}`;
    }
    const res = await http.get<unknown>(url, endpoints.host === 'github' ? GITHUB_JSON : 'application/json');
    this.refusal(endpoints, res, 'to list repositories');
    if (res.status !== 200) throw new PlatformError('bad_response', `${endpoints.host} answered ${res.status} to a repository list`, res.status);
    const body = res.body as Record<string, unknown> | unknown[] | null;
    const list: unknown = Array.isArray(body)
      ? body
      : endpoints.host === 'github'
        ? (body as { repositories?: unknown } | null)?.repositories
        : endpoints.host === 'bitbucket'
          ? (body as { values?: unknown } | null)?.values
          : null;
    if (!Array.isArray(list)) throw new PlatformError('bad_response', `${endpoints.host} answered a repository list in an unknown shape`, res.status);
    const items = list.map((r) => (r !== null && typeof r === 'object' ? hostRepository(endpoints.host, r as Record<string, unknown>) : null));
    const found = items.filter((i): i is HostRepository => i !== null);
    const hasMore =
      endpoints.host === 'bitbucket'
        ? typeof (body as { next?: unknown } | null)?.next === 'string'
        : /rel="?next"?/.test(res.headers.get('link') ?? '') || (res.headers.get('x-next-page') ?? '') !== '';
    return { items: found, hasMore, unreadable: items.length - found.length };
  }

  /**
   * One repository by the host's id (GitHub `GET /repositories/{id}`, GitLab `GET /projects/{id}`,
   * Bitbucket `GET /repositories/{workspace}/{uuid}`, the workspace taken from `path`): whether the
   * credential still reaches it, and where it is now. 404, and 403 that is no rate limit, are
   * `absent`; 401, rate limits and failures throw.
   */
  async repositoryById(endpoints: HostEndpoints, auth: HostAuth, hostId: string, path: string, rateObserver?: RateObserver): Promise<RepositoryByIdAnswer> {
    const http = this.http({ ...authHeaders(auth), ...(endpoints.host === 'github' && GITHUB) }, undefined, rateObserver);
    const url =
      endpoints.host === 'github'
        ? `${endpoints.api}/repositories/${encodeURIComponent(hostId)}`
        : endpoints.host === 'gitlab'
          ? `${endpoints.api}/projects/${encodeURIComponent(hostId)}`
          : `${endpoints.api}/repositories/${encodeURIComponent(path.split('/')[0])}/${encodeURIComponent(hostId)}`;
    const res = await http.get<unknown>(url, endpoints.host === 'github' ? GITHUB_JSON : 'application/json');
    if (res.status === 404) return { kind: 'absent', status: 404 };
    if (res.status === 403 && !this.suspendedMessage(res.body)) return { kind: 'absent', status: 403 };
    this.refusal(endpoints, res, 'to read a repository');
    const found = res.status === 200 && res.body !== null && typeof res.body === 'object' ? hostRepository(endpoints.host, res.body as Record<string, unknown>) : null;
    if (found === null) throw new PlatformError('bad_response', `${endpoints.host} answered ${res.status} to a repository read, not a repository`, res.status);
    return { kind: 'found', repository: found };
  }

  private suspendedMessage(body: unknown): boolean {
    const message = (body as { message?: unknown } | null)?.message;
    return typeof message === 'string' && /suspended/i.test(message);
  }

  /** 401, and 403, as errors in safe words; a GitHub installation the host says is suspended as HostSuspendedError. */
  private refusal(endpoints: HostEndpoints, res: { status: number; body: unknown }, what: string): void {
    if (res.status === 403 && this.suspendedMessage(res.body)) throw new HostSuspendedError(`${endpoints.host} says the account is suspended (it answered 403 when asked ${what})`, 403);
    if (res.status === 401 || res.status === 403) throw new PlatformError(res.status === 401 ? 'unauthorized' : 'forbidden', `${endpoints.host} refused ${what} (${res.status})`, res.status);
  }
}
