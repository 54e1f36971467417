import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isPrivateAddress } from '../src/lib/address-guard';
import { createDefaultBranchResolver, parseSymref } from '../src/modules/repositories/default-branch';
import { createAccount, createSessionFor } from './support/factories';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

// A real remote: a bare repository whose HEAD is `trunk`, served by `git daemon` on loopback.
let dir: string;
let daemon: ChildProcess;
let daemonLog = '';
let port: number;
let closedPort: number;

// A remote that accepts connections and never answers.
let blackHole: net.Server;
let blackHolePort: number;
const blackHoleSockets: net.Socket[] = [];

const servers: TestServer[] = [];
let allowPrivate: TestServer;
let guarded: TestServer;
let disabled: TestServer;

const git = (args: string[], cwd?: string) =>
  execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

const connections = () => (daemonLog.match(/Connection from/g) ?? []).length;
const repoUrl = (host = '127.0.0.1') => `git://${host}:${port}/repo.git`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'repolink-default-branch-'));
  git(['init', '-q', '--bare', '-b', 'trunk', path.join(dir, 'repo.git')]);
  git(['init', '-q', '-b', 'trunk', path.join(dir, 'work')]);
  git(['-c', 'user.name=repolink', '-c', 'user.email=test@example.com', 'commit', '-q', '--allow-empty', '-m', 'first'], path.join(dir, 'work'));
  git(['push', '-q', path.join(dir, 'repo.git'), 'trunk'], path.join(dir, 'work'));

  port = await freePort();
  closedPort = await freePort();
  // Its own process group, so the per-connection children die with it in afterAll.
  daemon = spawn('git', ['daemon', '--reuseaddr', `--base-path=${dir}`, '--export-all', '--verbose', '--listen=127.0.0.1', `--port=${port}`, dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  daemon.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`git daemon did not start: ${daemonLog}`)), 10_000);
    daemon.once('exit', (code) => reject(new Error(`git daemon exited with ${code}: ${daemonLog}`)));
    daemon.stderr!.on('data', (chunk: string) => {
      daemonLog += chunk;
      if (daemonLog.includes('Ready to rumble')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });

  blackHole = net.createServer((socket) => {
    blackHoleSockets.push(socket);
    socket.on('error', () => undefined);
    socket.resume(); // reads (and drops) what git sends, so its end of the connection is seen
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  blackHolePort = (blackHole.address() as net.AddressInfo).port;

  allowPrivate = await startTestServer({ env: { REPOLINK_REMOTE_ALLOW_PRIVATE: 'true', REPOLINK_RESOLVE_DEFAULT_BRANCH: 'true' } });
  guarded = await startTestServer({ env: { REPOLINK_RESOLVE_DEFAULT_BRANCH: 'true' } });
  disabled = await startTestServer({ env: { REPOLINK_REMOTE_ALLOW_PRIVATE: 'true', REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false' } });
  servers.push(allowPrivate, guarded, disabled);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const socket of blackHoleSockets) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
  if (daemon?.pid !== undefined && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    process.kill(-daemon.pid, 'SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh tenant with a session, so every test's repositories are its own. */
async function createVia(t: TestServer, body: Record<string, unknown>) {
  const account = await createAccount(t.dataSource);
  const { token } = await createSessionFor(t.dataSource, account);
  const headers = { cookie: `session=${token}` };
  return Object.assign(await rest(t.url, 'POST', '/api/repos', { body, headers }), { session: headers });
}

describe('POST /api/repos without default_branch', () => {
  test("takes the remote's own default branch when the remote can be reached", async () => {
    const before = connections();
    const res = await createVia(allowPrivate, { name: 'served', remote_url: repoUrl() });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ remote_url: repoUrl(), default_branch: 'trunk' });
    expect(connections()).toBeGreaterThan(before);
    // It is stored, not only answered.
    const read = await rest(allowPrivate.url, 'GET', `/api/repos/${res.body.data.id}`, { headers: res.session });
    expect(read.status).toBe(200);
    expect(read.body.data.default_branch).toBe('trunk');
  });

  test('an explicit default_branch wins and the remote is not asked', async () => {
    const before = connections();
    const res = await createVia(allowPrivate, { name: 'explicit', remote_url: repoUrl(), default_branch: 'release' });
    expect(res.status).toBe(201);
    expect(res.body.data.default_branch).toBe('release');
    expect(connections()).toBe(before);
  });

  test('by default a loopback remote is refused before any connection: main', async () => {
    const before = connections();
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      const res = await createVia(guarded, { name: `guarded ${host}`, remote_url: repoUrl(host) });
      expect(res.status).toBe(201);
      expect(res.body.data.default_branch).toBe('main');
    }
    expect(connections()).toBe(before);
  });

  test('REPOLINK_RESOLVE_DEFAULT_BRANCH=false never asks the remote: main', async () => {
    const before = connections();
    const res = await createVia(disabled, { name: 'disabled', remote_url: repoUrl() });
    expect(res.status).toBe(201);
    expect(res.body.data.default_branch).toBe('main');
    expect(connections()).toBe(before);
  });

  test('a remote that refuses the connection gives main', async () => {
    const res = await createVia(allowPrivate, { name: 'refused', remote_url: `git://127.0.0.1:${closedPort}/repo.git` });
    expect(res.status).toBe(201);
    expect(res.body.data.default_branch).toBe('main');
  });

  test('a remote that never answers gives main once the timeout kills git, and the connection is dropped', async () => {
    const seen = blackHoleSockets.length;
    const res = await createVia(allowPrivate, { name: 'silent', remote_url: `git://127.0.0.1:${blackHolePort}/repo.git` });
    expect(res.status).toBe(201);
    expect(res.body.data.default_branch).toBe('main');
    // git was connected and is gone: its socket closes (it would stay open while git waited).
    expect(blackHoleSockets.length).toBe(seen + 1);
    const socket = blackHoleSockets[seen];
    await new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
  });
});

describe('the resolver', () => {
  test('refuses local repositories and non-network transports, even with private hosts allowed', async () => {
    const resolve = createDefaultBranchResolver({ allowPrivate: true, timeoutMs: 5_000 });
    const local = path.join(dir, 'repo.git');
    // git itself would read the local repository happily: the refusal is the resolver's.
    expect(git(['ls-remote', '--symref', local, 'HEAD']).toString()).toContain('ref: refs/heads/trunk\tHEAD');
    for (const remote of [local, `file://${local}`, `ext::git daemon --inetd ${local}`, `-c${local}`, `git://127.0.0.1:${port}/repo.git --upload-pack=x`]) {
      expect(await resolve(remote)).toBeNull();
    }
    expect(await resolve(repoUrl('localhost'))).toBe('trunk');
  });

  test('the guard refuses every host that resolves to a private address, and allows them when told', async () => {
    const before = connections();
    const guard = createDefaultBranchResolver();
    for (const host of ['127.0.0.1', 'localhost', '127.1.2.3', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '0.0.0.0', '2130706433']) {
      expect(await guard(repoUrl(host))).toBeNull();
    }
    expect(connections()).toBe(before);
    expect(await createDefaultBranchResolver({ allowPrivate: true })(repoUrl('127.0.0.1'))).toBe('trunk');
  });

  test('private, loopback, link-local and unique-local addresses are recognized; public ones are not', () => {
    const refused = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1',
      '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1', '2002:c0a8:101::1', 'not an address'];
    const allowed = ['8.8.8.8', '140.82.112.3', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001::200e'];
    expect(refused.filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(allowed.filter((a) => isPrivateAddress(a))).toEqual([]);
  });

  test('reads only a branch HEAD from the symref line', () => {
    const sha = 'a'.repeat(40);
    expect(parseSymref(`ref: refs/heads/trunk\tHEAD\n${sha}\tHEAD\n`)).toBe('trunk');
    expect(parseSymref(`ref: refs/heads/release/2.x\tHEAD\n${sha}\tHEAD\n`)).toBe('release/2.x');
    expect(parseSymref(`${sha}\tHEAD\n`)).toBeNull(); // detached HEAD
    expect(parseSymref(`ref: refs/tags/v1\tHEAD\n`)).toBeNull();
    expect(parseSymref(`ref: refs/heads/bad..name\tHEAD\n`)).toBeNull();
    expect(parseSymref(`ref: refs/heads/main\trefs/remotes/origin/HEAD\n`)).toBeNull();
  });

  test('past its concurrency limit a lookup answers null instead of starting another git', async () => {
    const resolve = createDefaultBranchResolver({ allowPrivate: true, maxConcurrent: 1, timeoutMs: 2_000 });
    const seen = blackHoleSockets.length;
    const hanging = resolve(`git://127.0.0.1:${blackHolePort}/repo.git`);
    while (blackHoleSockets.length === seen) await new Promise((r) => setTimeout(r, 20));
    expect(await resolve(repoUrl())).toBeNull();
    expect(await hanging).toBeNull();
    // The slot is free again.
    expect(await resolve(repoUrl())).toBe('trunk');
  });
});
