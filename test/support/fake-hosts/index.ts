import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GithubHost } from './github';
import { GitlabHost } from './gitlab';
import { BitbucketHost } from './bitbucket';
import { type FakeClock, type FakeRequest, type Route, createClock } from './shared';

export { GithubHost } from './github';
export type { GithubApp, GithubInstallation, GithubRepo, GithubUser } from './github';
export { GitlabHost } from './gitlab';
export type { GitlabProject, GitlabUser } from './gitlab';
export { BitbucketHost } from './bitbucket';
export type { BitbucketRepo, BitbucketUser } from './bitbucket';
export { signJwt, generateRsaKeyPair } from './jwt';
export * from './webhooks';
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
 *   fake.gitlabHost       the GitLab fake's (./gitlab.ts)
 *   fake.bitbucketHost    the Bitbucket fake's (./bitbucket.ts)
 *   fake.clock            the hosts' clock: fake.clock.advance(ms) makes tokens, codes and JWTs age
 *   fake.requests         every request received (method, path with query, headers, body)
 *   fake.setHead(platform, path, sha), fake.failNext(fragment, count, status?, headers?, body?),
 *   fake.stallNext(fragment, count, ms)   (fragments match the path with its query: `page=2`)
 *
 * Webhook deliveries as the hosts send them (signed, redeliverable) are in ./webhooks.ts and
 * exported from here: githubEvents/githubDelivery, gitlabEvents/gitlabDelivery,
 * bitbucketEvents/bitbucketDelivery, send, redeliver.
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
  gitlabHost: GitlabHost;
  bitbucketHost: BitbucketHost;
  clock: FakeClock;
  requests: RecordedRequest[];
  /** Head commits can move: the sync tests push a new one. */
  setHead(platform: 'github' | 'gitlab' | 'bitbucket', path: string, sha: string): void;
  /** Makes the next `count` calls whose path (with its query) contains `fragment` answer `status` (with `body` instead of the default error body). */
  failNext(fragment: string, count: number, status?: number, headers?: Record<string, string>, body?: unknown): void;
  /** Makes the next `count` calls whose path (with its query) contains `fragment` wait `ms` before answering 504. */
  stallNext(fragment: string, count: number, ms: number): void;
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

/**
 * The GitLab data the older tests use. The five projects gitlab-user can see have ids 100-104, the
 * newest first, so GET /projects (newest first, GitLab's default order) answers them by id.
 */
function seedGitlab(gitlab: GitlabHost, now: number): void {
  gitlab.addUser({ username: 'gitlab-user', id: 7, name: 'GitLab User' });
  const created = (age: number) => now - age * 60_000;
  gitlab.addProject({ path: 'group/sub/project', id: 100, members: { 'gitlab-user': 30 }, defaultBranch: 'develop', head: SHA.gitlabProject, createdAt: created(1) });
  gitlab.addProject({ path: 'group/guest', id: 101, members: { 'gitlab-user': 10 }, createdAt: created(2) });
  for (const i of [2, 3, 4]) gitlab.addProject({ path: `group/p${i}`, id: 100 + i, members: { 'gitlab-user': 30 }, createdAt: created(1 + i) });
  gitlab.addPersonalAccessToken({ user: 'gitlab-user', scopes: ['read_api', 'read_repository'], token: TOKENS.gitlabGood, id: 42, expiresAt: '2099-01-01' });
  gitlab.addPersonalAccessToken({ user: 'gitlab-user', scopes: ['read_user'], token: TOKENS.gitlabNoApi, id: 43, expiresAt: '2099-01-01' });
  // TOKENS.gitlabBad is known to no one: 401.
}

/** The Bitbucket data the older tests use: bb-user's app passwords and the ws workspace. */
function seedBitbucket(bitbucket: BitbucketHost): void {
  bitbucket.addUser({ username: 'bb-user', email: 'bb-user@example.com', displayName: 'Bit Bucket', accountId: '557058:fake' });
  bitbucket.addWorkspace({ slug: 'ws', members: ['bb-user'] });
  bitbucket.addRepo({ workspace: 'ws', slug: 'app', mainbranch: 'master', head: SHA.bitbucketApp, permissions: { 'bb-user': 'write' } });
  bitbucket.addRepo({ workspace: 'ws', slug: 'docs', permissions: { 'bb-user': 'read' } });
  // Private, and bb-user (a member of ws) has no permission on it: 403.
  bitbucket.addRepo({ workspace: 'ws', slug: 'secret' });
  bitbucket.addAppPassword({ username: 'bb-user', password: TOKENS.bitbucketPassword, scopes: ['pullrequest', 'account', 'repository'] });
  bitbucket.addAppPassword({ username: 'bb-user', password: TOKENS.bitbucketRepoOnlyPassword, scopes: ['repository'] });
  // TOKENS.bitbucketBadPassword is no one's: 401.
}

const MAX_BODY = 1024 * 1024;

export async function startFakeHosts(): Promise<FakeHosts> {
  const requests: RecordedRequest[] = [];
  const clock = createClock();
  const githubHost = new GithubHost(clock);
  seedGithub(githubHost);
  const gitlabHost = new GitlabHost(clock);
  seedGitlab(gitlabHost, clock.now());
  const bitbucketHost = new BitbucketHost(clock);
  seedBitbucket(bitbucketHost);
  const failures: { fragment: string; count: number; status: number; headers: Record<string, string>; body?: unknown; stallMs?: number }[] = [];
  let origin = '';

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
      const failure = failures.find((f) => f.count > 0 && (url.pathname + url.search).includes(f.fragment));
      if (failure) {
        failure.count--;
        if (failure.stallMs !== undefined) {
          // A host that takes the request and does not answer in time (the client gives up first).
          setTimeout(() => send({ status: 504, body: { message: 'Gateway Timeout' } }), failure.stallMs).unref();
          return;
        }
        return send({ status: failure.status, headers: failure.headers, body: failure.body ?? (failure.status === 429 ? { message: 'API rate limit exceeded' } : { message: 'Server Error' }) });
      }
      const at = (prefix: string): FakeRequest => ({ method: req.method ?? 'GET', path: url.pathname.slice(prefix.length), query: url.searchParams, headers: req.headers, body, origin });
      let route: Route | null;
      if (url.pathname.startsWith('/api/v3/')) route = githubHost.api(at('/api/v3'));
      else if (url.pathname.startsWith('/api/v4/')) route = gitlabHost.api(at('/api/v4'));
      else if (url.pathname.startsWith('/oauth/')) route = gitlabHost.web(at(''));
      else if (url.pathname.startsWith('/2.0/')) route = bitbucketHost.api(at('/2.0'));
      else if (url.pathname.startsWith('/site/oauth2/')) route = bitbucketHost.web(at(''));
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
  gitlabHost.origin = origin;
  bitbucketHost.origin = origin;
  return {
    url: origin,
    githubApi: `${origin}/api/v3`,
    githubWeb: origin,
    gitlab: origin,
    bitbucketApi: origin,
    githubHost,
    gitlabHost,
    bitbucketHost,
    clock,
    requests,
    setHead(platform, path, sha) {
      if (platform === 'github') githubHost.setHead(path, sha);
      else if (platform === 'gitlab') gitlabHost.setHead(path, sha);
      else bitbucketHost.setHead(path, sha);
    },
    failNext(fragment, count, status = 502, headers = {}, body) {
      failures.push({ fragment, count, status, headers, body });
    },
    stallNext(fragment, count, ms) {
      failures.push({ fragment, count, status: 504, headers: {}, stallMs: ms });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
