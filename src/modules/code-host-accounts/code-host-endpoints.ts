import type { Config } from '../../config';
import type { Platform } from '../../db/entities/repo-connection.entity';

/** Where one host's browser pages, OAuth endpoints and REST API are, for one base URL. */
export interface HostEndpoints {
  host: Platform;
  /** The web root the account is stored under (`https://github.com`, a GHES or GitLab origin…). */
  web: string;
  /** REST API root: `https://api.github.com`, `<GHES>/api/v3`, `<GitLab>/api/v4`, `https://api.bitbucket.org/2.0`. */
  api: string;
  authorize: string;
  token: string;
  /** OAuth scopes repolink asks for: enough to read code, pull/merge requests and who the user is. */
  scopes: string[];
}

const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * The code hosts' OAuth and API addresses, from their public documentation: GitHub
 * (`/login/oauth/authorize`, `/login/oauth/access_token`; GHES serves its API under /api/v3),
 * GitLab (`/oauth/authorize`, `/oauth/token`, `/api/v4`) and Bitbucket Cloud
 * (`/site/oauth2/authorize`, `/site/oauth2/access_token`, `api.bitbucket.org/2.0`). The public
 * services' roots come from configuration so that tests can point them at the fakes.
 */
export class CodeHostEndpoints {
  constructor(private readonly config: Config) {}

  /** The web root of the public service of `host`. */
  publicWeb(host: Platform): string {
    if (host === 'github') return trim(this.config.codeHosts.githubWebUrl);
    if (host === 'gitlab') return trim(this.config.platforms.gitlabUrl).replace(/\/api\/v4$/, '');
    return trim(this.config.codeHosts.bitbucketWebUrl);
  }

  /**
   * A base URL as given by a person (`https://ghe.example.com`, `https://ghe.example.com/api/v3`,
   * `https://gitlab.example.com/`), as the web root accounts are stored under; null: the public service.
   */
  normalizeBaseUrl(host: Platform, baseUrl: string | null | undefined): string {
    if (baseUrl === null || baseUrl === undefined || baseUrl.trim() === '') return this.publicWeb(host);
    const url = new URL(baseUrl.trim());
    let path = url.pathname.replace(/\/+$/, '');
    if (host === 'github') path = path.replace(/\/api\/v3$/, '');
    if (host === 'gitlab') path = path.replace(/\/api\/v4$/, '');
    if (host === 'github' && url.hostname.toLowerCase() === 'api.github.com') return this.publicWeb(host);
    return `${url.origin}${path}`.toLowerCase() === this.publicWeb(host).toLowerCase() ? this.publicWeb(host) : `${url.origin}${path}`;
  }

  for(host: Platform, web: string): HostEndpoints {
    const isPublic = web === this.publicWeb(host);
    switch (host) {
      case 'github':
        return {
          host,
          web,
          api: isPublic ? trim(this.config.platforms.githubApiUrl) : `${web}/api/v3`,
          authorize: `${web}/login/oauth/authorize`,
          token: `${web}/login/oauth/access_token`,
          // Classic OAuth apps need `repo` for private code; GitHub Apps ignore scopes (permissions instead).
          scopes: ['repo', 'read:user', 'read:org'],
        };
      case 'gitlab':
        return { host, web, api: `${web}/api/v4`, authorize: `${web}/oauth/authorize`, token: `${web}/oauth/token`, scopes: ['read_api', 'read_user', 'read_repository'] };
      case 'bitbucket':
        return {
          host,
          web,
          api: `${isPublic ? trim(this.config.platforms.bitbucketApiUrl) : web}/2.0`,
          authorize: `${web}/site/oauth2/authorize`,
          token: `${web}/site/oauth2/access_token`,
          // A consumer's scopes are set on the consumer itself; Bitbucket ignores the parameter.
          scopes: [],
        };
    }
  }
}
