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
  /** Scopes a credential needs to read code and pull/merge requests. */
  requiredScopes: readonly string[];
  /** The required scopes that granted ones do not cover (a broader scope covers a narrower one). */
  missingScopes(granted: readonly string[]): string[];
  /** Where API calls go: the connection's `baseUrl` read as this host reads it, else the configured `apiUrl`. */
  apiRoot(baseUrl: string | null, configured?: string): string;
  /** Where people browse a connection's server (its `baseUrl` read as this host reads it), else the public site. */
  webRoot(baseUrl: string | null): string;
  /** The page of a file on a branch, at a line (`webRoot` from webRoot()). */
  fileUrl(webRoot: string, repoPath: string, branch: string, file: string, line: number | null): string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
const encodedPath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const notDots = (segment: string) => segment !== '.' && segment !== '..' && !segment.endsWith('.git');

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
const GITLAB_SEGMENT = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,254})$/;
const BITBUCKET_WORKSPACE = /^[A-Za-z0-9_-]{1,62}$/;
const BITBUCKET_SLUG = /^[A-Za-z0-9._-]{1,62}$/;

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
    missingScopes(granted) {
      return this.requiredScopes.filter((s) => !granted.includes(s));
    },
    apiRoot(baseUrl, configured) {
      return githubUrls(baseUrl)?.api ?? trimSlash(configured ?? this.apiUrl);
    },
    webRoot(baseUrl) {
      return githubUrls(baseUrl)?.web ?? this.webUrl;
    },
    fileUrl: (web, repoPath, branch, file, line) => `${trimSlash(web)}/${repoPath}/blob/${encodedPath(branch)}/${encodedPath(file)}${line ? `#L${line}` : ''}`,
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
    missingScopes(granted) {
      // `api` is read_api and more.
      return granted.includes('api') ? [] : this.requiredScopes.filter((s) => !granted.includes(s));
    },
    apiRoot(baseUrl, configured) {
      return `${gitlabRoot(baseUrl ?? configured ?? this.apiUrl)}/api/v4`;
    },
    webRoot(baseUrl) {
      return baseUrl ? gitlabRoot(baseUrl) : this.webUrl;
    },
    fileUrl: (web, repoPath, branch, file, line) => `${trimSlash(web)}/${repoPath}/-/blob/${encodedPath(branch)}/${encodedPath(file)}${line ? `#L${line}` : ''}`,
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
    requiredScopes: ['repository', 'pullrequest'],
    missingScopes(granted) {
      // A write or admin scope includes the read scope of the same name.
      return this.requiredScopes.filter((s) => !granted.includes(s) && !granted.includes(`${s}:write`) && !granted.includes(`${s}:admin`));
    },
    apiRoot(_baseUrl, configured) {
      return trimSlash(configured ?? this.apiUrl);
    },
    webRoot() {
      return this.webUrl;
    },
    fileUrl: (web, repoPath, branch, file, line) => `${trimSlash(web)}/${repoPath}/src/${encodedPath(branch)}/${encodedPath(file)}${line ? `#lines-${line}` : ''}`,
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

/** The page of a file at a line on its platform (GitHub/GHES and GitLab `#L…`, Bitbucket `#lines-…`). */
export function fileWebUrl(platform: Platform, webBaseUrl: string, repoPath: string, branch: string, file: string, line: number | null): string {
  return PLATFORM_FACTS[platform].fileUrl(webBaseUrl, repoPath, branch, file, line);
}
