import type { Platform } from '../../db/entities/repo-connection.entity';

/**
 * Everything repolink knows about one code host, written once: the input rules, the clients, the
 * clone and web URLs, code locations and the configuration defaults all read it from here. Adding
 * a host is adding a row (and a client in platform-client.ts that speaks its API).
 */
export interface PlatformFacts {
  /** Where people browse the public service. */
  webUrl: string;
  /**
   * The public service as its API is configured (the default of REPOLINK_GITHUB_API_URL,
   * REPOLINK_GITLAB_URL, REPOLINK_BITBUCKET_API_URL): GitHub's and Bitbucket's API hosts, GitLab's site.
   */
  apiUrl: string;
  /** Whether a connection may name its own server with `baseUrl` (GitHub Enterprise Server, self-managed GitLab). */
  takesBaseUrl: boolean;
  /** A repository path's shape, as messages name it. */
  pathFormat: string;
  /** Whether a repository path has this host's shape. */
  isValidPath(path: string): boolean;
  /** Scopes a credential needs to read code and pull/merge requests, in the host's current names. */
  requiredScopes: readonly string[];
  /**
   * Older names the host still reports for the same grants (Bitbucket's access tokens, OAuth
   * consumers and app passwords speak `repository` where API tokens speak `read:repository:bitbucket`):
   * a required scope is covered by itself or by any name listed for it here.
   */
  scopeEquivalents: Readonly<Record<string, readonly string[]>>;
  /** The required scopes that granted ones do not cover (a broader scope covers a narrower one), in `requiredScopes`' names. */
  missingScopes(granted: readonly string[]): string[];
  /** Where API calls go: the connection's `baseUrl` read as this host reads it, else the configured `apiUrl`. */
  apiRoot(baseUrl: string | null, configured?: string): string;
  /** Where people browse a connection's server (its `baseUrl` read as this host reads it), else the public site. */
  webRoot(baseUrl: string | null): string;
  /**
   * The page of a file at a ref, at a line (`webRoot` from webRoot()). The ref is a branch, a tag or a
   * commit SHA: each host serves all three under the same form (GitHub `/blob/<ref>/`, GitLab
   * `/-/blob/<ref>/`, Bitbucket `/src/<ref>/`).
   */
  fileUrl(webRoot: string, repoPath: string, ref: string, file: string, line: number | null): string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
const encodedPath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const notDots = (segment: string) => segment !== '.' && segment !== '..' && !segment.endsWith('.git');

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
const GITLAB_SEGMENT = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,254})$/;
const BITBUCKET_WORKSPACE = /^[A-Za-z0-9_-]{1,62}$/;
const BITBUCKET_SLUG = /^[A-Za-z0-9._-]{1,62}$/;

/** The required scopes of a row that neither a granted scope of that name nor one of its equivalents covers. */
function uncovered(row: Pick<PlatformFacts, 'requiredScopes' | 'scopeEquivalents'>, granted: readonly string[]): string[] {
  return row.requiredScopes.filter((s) => !granted.includes(s) && !(row.scopeEquivalents[s] ?? []).some((other) => granted.includes(other)));
}

/** GitLab's site root from its API root or site URL (self-managed servers may sit under a path). */
const gitlabRoot = (url: string) => trimSlash(url).replace(/\/api\/v4$/, '');

/** One row per host. The rows' methods read their own facts through `this`: call them on the row. */
export const PLATFORM_FACTS: Readonly<Record<Platform, PlatformFacts>> = {
  github: {
    webUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    takesBaseUrl: true,
    pathFormat: 'owner/repo',
    isValidPath(path) {
      const parts = path.split('/');
      return parts.length === 2 && GITHUB_OWNER.test(parts[0]) && GITHUB_REPO.test(parts[1]) && notDots(parts[1]);
    },
    requiredScopes: ['repo'],
    scopeEquivalents: {},
    missingScopes(granted) {
      return uncovered(this, granted);
    },
    apiRoot(baseUrl, configured) {
      return githubUrls(baseUrl)?.api ?? trimSlash(configured ?? this.apiUrl);
    },
    webRoot(baseUrl) {
      return githubUrls(baseUrl)?.web ?? this.webUrl;
    },
    fileUrl: (web, repoPath, ref, file, line) => `${trimSlash(web)}/${repoPath}/blob/${encodedPath(ref)}/${encodedPath(file)}${line ? `#L${line}` : ''}`,
  },
  gitlab: {
    webUrl: 'https://gitlab.com',
    apiUrl: 'https://gitlab.com',
    takesBaseUrl: true,
    pathFormat: 'group/project or group/subgroup/project',
    isValidPath(path) {
      const parts = path.split('/');
      return parts.length >= 2 && parts.length <= 20 && parts.every((p) => GITLAB_SEGMENT.test(p) && notDots(p) && !p.endsWith('.atom'));
    },
    requiredScopes: ['read_api'],
    scopeEquivalents: { read_api: ['api'] },
    missingScopes(granted) {
      // `api` is read_api and more.
      return uncovered(this, granted);
    },
    apiRoot(baseUrl, configured) {
      return `${gitlabRoot(baseUrl ?? configured ?? this.apiUrl)}/api/v4`;
    },
    webRoot(baseUrl) {
      return baseUrl ? gitlabRoot(baseUrl) : this.webUrl;
    },
    fileUrl: (web, repoPath, ref, file, line) => `${trimSlash(web)}/${repoPath}/-/blob/${encodedPath(ref)}/${encodedPath(file)}${line ? `#L${line}` : ''}`,
  },
  bitbucket: {
    webUrl: 'https://bitbucket.org',
    apiUrl: 'https://api.bitbucket.org',
    takesBaseUrl: false,
    pathFormat: 'workspace/repo-slug',
    isValidPath(path) {
      const parts = path.split('/');
      return parts.length === 2 && BITBUCKET_WORKSPACE.test(parts[0]) && BITBUCKET_SLUG.test(parts[1]) && notDots(parts[1]);
    },
    // Atlassian API tokens' names ("API token permissions"). They do not imply each other: a write
    // or admin scope does not include the read scope of the same kind, and reading a repository
    // does not include its pull requests.
    requiredScopes: ['read:repository:bitbucket', 'read:pullrequest:bitbucket'],
    // Access tokens, OAuth consumers and app passwords name the same grants the old way, where a
    // higher scope includes the lower ones and `pullrequest` includes reading the repository.
    scopeEquivalents: {
      'read:repository:bitbucket': ['repository', 'repository:write', 'repository:admin', 'repository:delete', 'pullrequest', 'pullrequest:write'],
      'read:pullrequest:bitbucket': ['pullrequest', 'pullrequest:write'],
    },
    missingScopes(granted) {
      return uncovered(this, granted);
    },
    apiRoot(_baseUrl, configured) {
      return trimSlash(configured ?? this.apiUrl);
    },
    webRoot() {
      return this.webUrl;
    },
    fileUrl: (web, repoPath, ref, file, line) => `${trimSlash(web)}/${repoPath}/src/${encodedPath(ref)}/${encodedPath(file)}${line ? `#lines-${line}` : ''}`,
  },
};

/** Every platform, in the table's order. */
export const PLATFORMS = Object.keys(PLATFORM_FACTS) as Platform[];

/**
 * A GitHub `baseUrl` as API root and web root. GitHub Enterprise Server serves its API under
 * /api/v3 and its pages at the host root, so a bare host (`https://ghe.example.com`) means its
 * /api/v3; github.com's own API host given explicitly is github.com's API, browsed at github.com.
 */
export function githubUrls(baseUrl: string | null): { api: string; web: string } | null {
  if (!baseUrl) return null;
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  const github = PLATFORM_FACTS.github;
  if (url.hostname.toLowerCase() === new URL(github.apiUrl).hostname) return { api: `${url.origin}${path}`, web: github.webUrl };
  return { api: `${url.origin}${path === '' ? '/api/v3' : path}`, web: url.origin };
}

/**
 * The clone URL of a repository: every host serves it at `<host>/<path>.git`, on the `baseUrl`'s host
 * (a GitHub Enterprise API under /api/v3 clones at the host root), else on the public site.
 */
export function cloneUrl(platform: Platform, baseUrl: string | null, path: string): string {
  return `${baseUrl === null ? PLATFORM_FACTS[platform].webUrl : new URL(baseUrl).origin}/${path}.git`;
}

/** The web root of a connection's platform without building a client (no credential needed). */
export function webBaseUrlFor(platform: Platform, baseUrl: string | null): string {
  return PLATFORM_FACTS[platform].webRoot(baseUrl);
}

/** The page of a file at a branch, tag or commit, at a line, on its platform (GitHub/GHES and GitLab `#L…`, Bitbucket `#lines-…`). */
export function fileWebUrl(platform: Platform, webBaseUrl: string, repoPath: string, ref: string, file: string, line: number | null): string {
  return PLATFORM_FACTS[platform].fileUrl(webBaseUrl, repoPath, ref, file, line);
}

/**
 * The host a platform's repositories live on, as webhooks and reconciliation name it: a web
 * root's (PlatformClient.webBaseUrl) `host` (with a port when it has one), lower-cased — `github.com`, `ghe.example.com`,
 * `gitlab.com`, `bitbucket.org`. Stored beside the host's repository id (`platform_host`,
 * `host_repository_id`): ids are unique per host only (every GHES counts from 1).
 */
export function platformHost(webRoot: string): string {
  return new URL(webRoot).host.toLowerCase();
}

/**
 * Bitbucket Cloud's end of app passwords: new ones could not be created after 9 September 2025,
 * brownouts from 9 June 2026, and every one is refused (401) since 28 July 2026. Its replacements:
 * Atlassian API tokens (HTTP Basic with the account's email) and repository, project or workspace
 * access tokens (Bearer).
 */
export const BITBUCKET_APP_PASSWORDS_ENDED = { on: '2026-07-28', words: '28 July 2026' } as const;
