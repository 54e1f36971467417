import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Fakes of the GitHub (Enterprise Server layout, under /api/v3), GitLab (/api/v4) and Bitbucket
 * Cloud (/2.0) REST APIs on one loopback port, answering with the platforms' real response shapes,
 * status codes and headers for the calls repolink makes. Each test file starts its own.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface FakeHosts {
  url: string;
  /** GHES-style API base (`…/api/v3`) to give as a connection's `baseUrl`. */
  githubApi: string;
  /** Self-managed GitLab base to give as `baseUrl`. */
  gitlab: string;
  /** Bitbucket API root for the server's REPOLINK_BITBUCKET_API_URL. */
  bitbucketApi: string;
  requests: RecordedRequest[];
  /** Head commits can move: the sync tests push a new one. */
  setHead(platform: 'github' | 'gitlab' | 'bitbucket', path: string, sha: string): void;
  /** Makes the next `count` calls whose path contains `fragment` fail with `status`. */
  failNext(fragment: string, count: number, status?: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const SHA = {
  githubApi: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  githubWeb: '0f1e2d3c4b5a69788796a5b4c3d2e1f001234567',
  githubFlaky: '1111111111111111111111111111111111111111',
  gitlabProject: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
  bitbucketApp: 'beefbeefbeefbeefbeefbeefbeefbeefbeefbeef',
};

/** Tokens the fakes know. None of them is real. */
export const TOKENS = {
  githubClassic: 'ghp_fakeClassicToken000000000000000000001',
  githubPublicOnly: 'ghp_fakePublicOnlyToken0000000000000000002',
  githubFineGrained: 'github_pat_fakeFineGrained_000000000000000000000003',
  githubBad: 'ghp_fakeRevokedToken00000000000000000000004',
  gitlabGood: 'glpat-fakeGoodToken0000001',
  gitlabNoApi: 'glpat-fakeNoApiToken000002',
  gitlabBad: 'glpat-fakeBadToken00000003',
  bitbucketUser: 'bb-user',
  bitbucketPassword: 'ATBBfakeAppPassword000000000001',
  bitbucketBadPassword: 'ATBBfakeWrongPassword00000000002',
  /** An app password with the repository scope only (no account, no pullrequest). */
  bitbucketRepoOnlyPassword: 'ATBBfakeRepoOnlyPassword0000000003',
};

/** How long the "slow" repositories take to answer (tests give the client a shorter timeout). */
export const SLOW_MS = 1500;

interface Route {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export async function startFakeHosts(): Promise<FakeHosts> {
  const requests: RecordedRequest[] = [];
  const heads: Record<string, string> = {
    'github:acme/api': SHA.githubApi,
    'github:acme/web': SHA.githubWeb,
    'github:acme/flaky': SHA.githubFlaky,
    'gitlab:group/sub/project': SHA.gitlabProject,
    'bitbucket:ws/app': SHA.bitbucketApp,
  };
  const failures: { fragment: string; count: number; status: number; headers: Record<string, string> }[] = [];
  let flakyCalls = 0;
  let origin = '';
  const rateHeaders = () => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-used': '1',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
  });

  function github(path: string, query: URLSearchParams, auth: string | undefined): Route {
    const token = auth?.replace(/^(Bearer|token) /i, '');
    const known = [TOKENS.githubClassic, TOKENS.githubPublicOnly, TOKENS.githubFineGrained];
    if (!token || !known.includes(token)) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };
    }
    const scopes = token === TOKENS.githubClassic ? 'read:org, repo' : token === TOKENS.githubPublicOnly ? 'public_repo' : null;
    const h = { ...rateHeaders(), ...(scopes !== null && { 'x-oauth-scopes': scopes, 'x-accepted-oauth-scopes': 'repo' }), 'x-github-media-type': 'github.v3; format=json' };
    if (path === '/user') return { status: 200, headers: h, body: { login: 'octocat', id: 583231, node_id: 'MDQ6VXNlcjU4MzIzMQ==', type: 'User', site_admin: false, name: 'The Octocat' } };
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return { status: 404, headers: h, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
    const full = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
    const rest = m[3] ?? '';
    const repos: Record<string, { private: boolean; default_branch: string }> = {
      'acme/api': { private: true, default_branch: 'main' },
      'acme/web': { private: false, default_branch: 'trunk' },
      'acme/flaky': { private: true, default_branch: 'main' },
      'acme/slow': { private: true, default_branch: 'main' },
      // Created but never pushed to: GitHub names a default branch and answers 404 for it.
      'acme/empty': { private: true, default_branch: 'main' },
    };
    if (full === 'acme/sso') {
      return { status: 403, headers: h, body: { message: 'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.', documentation_url: 'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/', status: '403' } };
    }
    if (full === 'acme/flaky' && rest === '' && flakyCalls++ === 0) {
      return { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
    }
    const repo = repos[full];
    // Private repositories a token cannot see are 404 on GitHub, never 403.
    if (!repo || (repo.private && token === TOKENS.githubPublicOnly)) {
      return { status: 404, headers: h, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository', status: '404' } };
    }
    if (full === 'acme/slow') return { status: 200, headers: h, body: repoBody(full, repo), delayMs: SLOW_MS };
    if (rest === '') return { status: 200, headers: h, body: repoBody(full, repo) };
    const branch = /^\/branches\/(.+)$/.exec(rest);
    if (branch) {
      const name = decodeURIComponent(branch[1]);
      if (name !== repo.default_branch || full === 'acme/empty') return { status: 404, headers: h, body: { message: 'Branch not found', documentation_url: 'https://docs.github.com/rest/branches/branches#get-a-branch', status: '404' } };
      const sha = heads[`github:${full}`];
      return { status: 200, headers: h, body: { name, commit: { sha, url: `${origin}/api/v3/repos/${full}/commits/${sha}`, commit: { message: 'head' } }, protected: true, _links: {} } };
    }
    if (rest === '/pulls') {
      if (token === TOKENS.githubFineGrained) {
        return { status: 403, headers: h, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest/pulls/pulls#list-pull-requests', status: '403' } };
      }
      void query;
      return { status: 200, headers: h, body: [] };
    }
    return { status: 404, headers: h, body: { message: 'Not Found', status: '404' } };
  }

  function repoBody(full: string, repo: { private: boolean; default_branch: string }) {
    const [owner, name] = full.split('/');
    return {
      id: 1296269,
      node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
      name,
      full_name: full,
      owner: { login: owner, type: 'Organization' },
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: `${origin}/${full}`,
      default_branch: repo.default_branch,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    };
  }

  function gitlab(path: string, query: URLSearchParams, token: string | undefined): Route {
    const known = [TOKENS.gitlabGood, TOKENS.gitlabNoApi];
    if (!token || !known.includes(token)) return { status: 401, body: { message: '401 Unauthorized' } };
    const h = { 'ratelimit-limit': '2000', 'ratelimit-remaining': '1999', 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60), 'ratelimit-observed': '1' };
    if (path === '/personal_access_tokens/self') {
      const scopes = token === TOKENS.gitlabGood ? ['read_api', 'read_repository'] : ['read_user'];
      return { status: 200, headers: h, body: { id: 42, name: 'repolink', revoked: false, created_at: '2026-01-01T00:00:00.000Z', scopes, user_id: 7, last_used_at: null, active: true, expires_at: '2027-01-01' } };
    }
    if (path === '/user') return { status: 200, headers: h, body: { id: 7, username: 'gitlab-user', name: 'GitLab User', state: 'active' } };
    if (path === '/projects') {
      // A paged list with GitLab's Link and x-* headers, for the pagination test.
      const page = Number(query.get('page') ?? '1');
      const all = Array.from({ length: 5 }, (_, i) => ({ id: 100 + i, path_with_namespace: `group/p${i}` }));
      const per = 2;
      const links = [];
      if (page * per < all.length) links.push(`<${origin}/api/v4/projects?page=${page + 1}&per_page=${per}>; rel="next"`);
      links.push(`<${origin}/api/v4/projects?page=1&per_page=${per}>; rel="first"`, `<${origin}/api/v4/projects?page=3&per_page=${per}>; rel="last"`);
      return { status: 200, headers: { ...h, link: links.join(', '), 'x-page': String(page), 'x-per-page': String(per), 'x-total': String(all.length), 'x-total-pages': '3' }, body: all.slice((page - 1) * per, page * per) };
    }
    const m = /^\/projects\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return { status: 404, headers: h, body: { error: '404 Not Found' } };
    const full = decodeURIComponent(m[1]);
    const rest = m[2] ?? '';
    const projects: Record<string, { id: number; default_branch: string; visibility: string; level: number }> = {
      'group/sub/project': { id: 278964, default_branch: 'develop', visibility: 'private', level: 30 },
      'group/guest': { id: 278965, default_branch: 'main', visibility: 'private', level: 10 },
    };
    const project = projects[full];
    if (!project) return { status: 404, headers: h, body: { message: '404 Project Not Found' } };
    if (rest === '') {
      return {
        status: 200,
        headers: h,
        body: {
          id: project.id,
          path_with_namespace: full,
          default_branch: project.default_branch,
          visibility: project.visibility,
          web_url: `${origin}/${full}`,
          repository_access_level: 'enabled',
          permissions: { project_access: { access_level: project.level, notification_level: 3 }, group_access: null },
        },
      };
    }
    const branch = /^\/repository\/branches\/(.+)$/.exec(rest);
    if (branch) {
      if (project.level < 20) return { status: 403, headers: h, body: { message: '403 Forbidden' } };
      const name = decodeURIComponent(branch[1]);
      if (name !== project.default_branch) return { status: 404, headers: h, body: { message: '404 Branch Not Found' } };
      return { status: 200, headers: h, body: { name, merged: false, protected: true, default: true, commit: { id: heads[`gitlab:${full}`], short_id: heads[`gitlab:${full}`].slice(0, 8), title: 'head' } } };
    }
    return { status: 404, headers: h, body: { error: '404 Not Found' } };
  }

  function bitbucket(path: string, query: URLSearchParams, auth: string | undefined): Route {
    const basic = (password: string) => `Basic ${Buffer.from(`${TOKENS.bitbucketUser}:${password}`).toString('base64')}`;
    const repoOnly = auth === basic(TOKENS.bitbucketRepoOnlyPassword);
    if (auth !== basic(TOKENS.bitbucketPassword) && !repoOnly) return { status: 401, headers: { 'www-authenticate': 'Basic realm="Bitbucket.org HTTP"' }, body: { type: 'error', error: { message: 'Unauthorized' } } };
    if (repoOnly && (path === '/user' || path.startsWith('/user/'))) {
      // Bitbucket's answer to a call that needs a scope the credential lacks: 403, granted and required named.
      return { status: 403, headers: {}, body: { type: 'error', error: { message: 'Your credentials lack one or more required privilege scopes.', detail: { granted: ['repository'], required: ['account'] } } } };
    }
    const h = { 'x-oauth-scopes': repoOnly ? 'repository' : 'pullrequest, account, repository', 'x-accepted-oauth-scopes': 'account' };
    if (path === '/user') return { status: 200, headers: h, body: { type: 'user', username: 'bb-user', display_name: 'Bit Bucket', account_id: '557058:fake', uuid: '{f3c5f7e6-fake}', nickname: 'bb-user' } };
    if (path === '/user/permissions/repositories') {
      // One entry per page, so the `next` links are followed.
      const all = [
        { type: 'repository_permission', permission: 'write', repository: { type: 'repository', full_name: 'ws/app', name: 'app' }, user: { username: 'bb-user' } },
        { type: 'repository_permission', permission: 'read', repository: { type: 'repository', full_name: 'ws/docs', name: 'docs' }, user: { username: 'bb-user' } },
      ];
      const page = Number(query.get('page') ?? '1');
      const body: Record<string, unknown> = { pagelen: 1, page, size: all.length, values: all.slice(page - 1, page) };
      if (page < all.length) body.next = `${origin}/2.0/user/permissions/repositories?pagelen=1&page=${page + 1}`;
      return { status: 200, headers: h, body };
    }
    const m = /^\/repositories\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return { status: 404, headers: h, body: { type: 'error', error: { message: 'Resource not found' } } };
    const full = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
    const rest = m[3] ?? '';
    if (full === 'ws/secret') return { status: 403, headers: h, body: { type: 'error', error: { message: 'Access denied. You must have write or admin access.' } } };
    if (full !== 'ws/app') return { status: 404, headers: h, body: { type: 'error', error: { message: `Repository ${full} not found` } } };
    if (rest === '') {
      return { status: 200, headers: h, body: { type: 'repository', full_name: full, name: 'app', slug: 'app', is_private: true, uuid: '{repo-uuid}', mainbranch: { type: 'branch', name: 'master' }, links: { html: { href: `https://bitbucket.org/${full}` } } } };
    }
    const branch = /^\/refs\/branches\/(.+)$/.exec(rest);
    if (branch && decodeURIComponent(branch[1]) === 'master') {
      return { status: 200, headers: h, body: { type: 'branch', name: 'master', target: { type: 'commit', hash: heads[`bitbucket:${full}`], message: 'head' } } };
    }
    return { status: 404, headers: h, body: { type: 'error', error: { message: 'Branch not found' } } };
  }

  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers });
    const send = (route: Route) => {
      const write = () => {
        if (res.destroyed) return;
        const body = typeof route.body === 'string' ? route.body : JSON.stringify(route.body ?? null);
        res.writeHead(route.status, { 'content-type': 'application/json; charset=utf-8', ...route.headers });
        res.end(body);
      };
      if (route.delayMs) setTimeout(write, route.delayMs).unref();
      else write();
    };
    const failure = failures.find((f) => f.count > 0 && url.pathname.includes(f.fragment));
    if (failure) {
      failure.count--;
      return send({ status: failure.status, headers: failure.headers, body: failure.status === 429 ? { message: 'API rate limit exceeded' } : { message: 'Server Error' } });
    }
    let route: Route;
    if (url.pathname.startsWith('/api/v3/')) route = github(url.pathname.slice('/api/v3'.length), url.searchParams, req.headers.authorization);
    else if (url.pathname.startsWith('/api/v4/')) route = gitlab(url.pathname.slice('/api/v4'.length), url.searchParams, req.headers['private-token'] as string | undefined);
    else if (url.pathname.startsWith('/2.0/')) route = bitbucket(url.pathname.slice('/2.0'.length), url.searchParams, req.headers.authorization);
    else route = { status: 404, body: { message: 'Not Found' } };
    send(route);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    githubApi: `${origin}/api/v3`,
    gitlab: origin,
    bitbucketApi: origin,
    requests,
    setHead(platform, path, sha) {
      heads[`${platform}:${path}`] = sha;
    },
    failNext(fragment, count, status = 502, headers = {}) {
      failures.push({ fragment, count, status, headers });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
