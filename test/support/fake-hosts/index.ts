import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GithubHost } from './github';
import { type FakeClock, type FakeRequest, type Route, createClock } from './shared';

export { GithubHost } from './github';
export type { GithubApp, GithubInstallation, GithubRepo, GithubUser } from './github';
export { signJwt, generateRsaKeyPair } from './jwt';
export { pkceS256 } from './shared';
export type { FakeClock } from './shared';

/**
 * Fakes of GitHub (Enterprise Server layout: REST under /api/v3, browser pages at the root),
 * GitLab (/api/v4, /oauth) and Bitbucket Cloud (/2.0, /site/oauth2) on one loopback port, written
 * from the hosts' public documentation: they answer with the hosts' response shapes, status codes
 * and headers, and refuse what the hosts refuse. Each test file starts its own:
 *
 *   const fake = await startFakeHosts();
 *   fake.githubApi        GHES-style API base (`…/api/v3`) for a connection's `baseUrl`
 *   fake.githubWeb        where GitHub's pages are (`/login/oauth/authorize`, `/apps/{slug}/installations/new`)
 *   fake.gitlab           self-managed GitLab base (API under /api/v4, OAuth under /oauth)
 *   fake.bitbucketApi     Bitbucket API root for REPOLINK_BITBUCKET_API_URL (REST under /2.0)
 *   fake.githubHost       the GitHub fake's data, credentials and counters (./github.ts)
 *   fake.clock            the hosts' clock: fake.clock.advance(ms) makes tokens, codes and JWTs age
 *   fake.requests         every request received (method, path with query, headers, body)
 *   fake.setHead(platform, path, sha), fake.failNext(fragment, count, status?, headers?)
 *
 * The data the older tests use (TOKENS, SHA below) is seeded in every fake.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeHosts {
  url: string;
  /** GHES-style API base (`…/api/v3`) to give as a connection's `baseUrl`. */
  githubApi: string;
  /** GitHub's web root (OAuth authorize and token, app installation pages). */
  githubWeb: string;
  /** Self-managed GitLab base to give as `baseUrl`. */
  gitlab: string;
  /** Bitbucket API root for the server's REPOLINK_BITBUCKET_API_URL. */
  bitbucketApi: string;
  githubHost: GithubHost;
  clock: FakeClock;
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

/** The GitHub data the older tests use: octocat, a member of acme, and acme's repositories. */
function seedGithub(github: GithubHost): void {
  github.addOrg({ login: 'acme', id: 9919 });
  github.addUser({ login: 'octocat', id: 583231, name: 'The Octocat', orgs: ['acme'] });
  github.addRepo({ owner: 'acme', name: 'api', id: 1296269, private: true, head: SHA.githubApi });
  github.addRepo({ owner: 'acme', name: 'web', id: 1296270, private: false, defaultBranch: 'trunk', head: SHA.githubWeb });
  // Answers 502 once, then works: the client's retry is seen.
  github.addRepo({ owner: 'acme', name: 'flaky', id: 1296271, private: true, head: SHA.githubFlaky, failNext: 1 });
  github.addRepo({ owner: 'acme', name: 'slow', id: 1296272, private: true, delayMs: SLOW_MS });
  // Created but never pushed to: GitHub names a default branch and answers 404 for it.
  github.addRepo({ owner: 'acme', name: 'empty', id: 1296273, private: true, empty: true });
  // In an organization that enforces SAML SSO for this repository (the flag is per repository so acme can hold both kinds).
  github.addRepo({ owner: 'acme', name: 'sso', id: 1296274, private: true, sso: true });
  github.addToken({ kind: 'classic', user: 'octocat', scopes: ['read:org', 'repo'], token: TOKENS.githubClassic });
  github.addToken({ kind: 'classic', user: 'octocat', scopes: ['public_repo'], token: TOKENS.githubPublicOnly });
  // Fine-grained: every acme repository, code but not pull requests.
  github.addToken({ kind: 'fine-grained', user: 'octocat', owner: 'acme', repositories: 'all', permissions: { contents: 'read' }, token: TOKENS.githubFineGrained });
  // TOKENS.githubBad is known to no one: 401 Bad credentials.
}

const MAX_BODY = 1024 * 1024;

export async function startFakeHosts(): Promise<FakeHosts> {
  const requests: RecordedRequest[] = [];
  const clock = createClock();
  const githubHost = new GithubHost(clock);
  seedGithub(githubHost);
  const heads: Record<string, string> = {
    'gitlab:group/sub/project': SHA.gitlabProject,
    'bitbucket:ws/app': SHA.bitbucketApp,
  };
  const failures: { fragment: string; count: number; status: number; headers: Record<string, string> }[] = [];
  let origin = '';

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
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body });
      const send = (route: Route) => {
        const write = () => {
          if (res.destroyed) return;
          const text = typeof route.body === 'string' ? route.body : JSON.stringify(route.body ?? null);
          res.writeHead(route.status, { 'content-type': 'application/json; charset=utf-8', ...route.headers });
          res.end(text);
        };
        if (route.delayMs) setTimeout(write, route.delayMs).unref();
        else write();
      };
      if (size > MAX_BODY) return send({ status: 413, body: { message: 'Payload too large' } });
      const failure = failures.find((f) => f.count > 0 && url.pathname.includes(f.fragment));
      if (failure) {
        failure.count--;
        return send({ status: failure.status, headers: failure.headers, body: failure.status === 429 ? { message: 'API rate limit exceeded' } : { message: 'Server Error' } });
      }
      const at = (prefix: string): FakeRequest => ({ method: req.method ?? 'GET', path: url.pathname.slice(prefix.length), query: url.searchParams, headers: req.headers, body, origin });
      let route: Route | null;
      if (url.pathname.startsWith('/api/v3/')) route = githubHost.api(at('/api/v3'));
      else if (url.pathname.startsWith('/api/v4/')) route = gitlab(url.pathname.slice('/api/v4'.length), url.searchParams, req.headers['private-token'] as string | undefined);
      else if (url.pathname.startsWith('/2.0/')) route = bitbucket(url.pathname.slice('/2.0'.length), url.searchParams, req.headers.authorization);
      else route = githubHost.web(at(''));
      send(route ?? { status: 404, body: { message: 'Not Found' } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  githubHost.origin = origin;
  return {
    url: origin,
    githubApi: `${origin}/api/v3`,
    githubWeb: origin,
    gitlab: origin,
    bitbucketApi: origin,
    githubHost,
    clock,
    requests,
    setHead(platform, path, sha) {
      if (platform === 'github') githubHost.setHead(path, sha);
      else heads[`${platform}:${path}`] = sha;
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
