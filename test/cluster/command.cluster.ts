import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/build';
import { rest } from '../support/rest';
import { figure, tempRoot } from './support';

/** `npm run cluster` as a user runs it: up, a playground request through it, Ctrl-C, up again on the same data. */

let root: string;

afterAll(() => {
  if (root && process.env.CLUSTER_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
});

function runCluster(dataDir: string) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'cluster.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', REPOLINK_DATA_DIR: dataDir, REPOLINK_WORKERS: '2', LOG_LEVEL: 'error', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run cluster did not come up in time:\n${out}`)), 240_000);
    child.stdout!.on('data', () => {
      const m = /repolink cluster is listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm run cluster exited with ${code}:\n${out}`));
    });
  });
  return { child, output: () => out, exited, listening };
}

const VIEWER = '{ viewer { tenant { name } project { id } permissions } }';

function pidsOf(dataDir: string): number[] {
  return ['n1', 'n2', 'n3']
    .map((n) => path.join(dataDir, 'cluster', n, 'mysqld.pid'))
    .filter((f) => fs.existsSync(f))
    .map((f) => Number(fs.readFileSync(f, 'utf8')));
}

test('npm run cluster: up with the demo key, a playground request through it, Ctrl-C stops everything, a second start reuses the data, a start after a crash of every node recovers', async () => {
  root = tempRoot('cluster-cmd');
  const t0 = Date.now();
  const first = runCluster(root);
  const url = await first.listening;
  const upSeconds = (Date.now() - t0) / 1000;
  const apiKey = /API key (\S+)/.exec(first.output())![1];
  const query = await rest(url, 'POST', '/graphql', { headers: { authorization: `Bearer ${apiKey}` }, body: { query: VIEWER } });
  expect(query.status).toBe(200);
  expect(query.body.data.viewer.tenant.name).toBe('repolink demo');
  const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const running = pidsOf(root);
  expect(running).toHaveLength(3);

  const t1 = Date.now();
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(0);
  const stopSeconds = (Date.now() - t1) / 1000;
  const alive = running.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);

  const t2 = Date.now();
  const second = runCluster(root);
  const url2 = await second.listening;
  const againSeconds = (Date.now() - t2) / 1000;
  // A clean stop left one node safe to bootstrap: no recovery needed.
  expect(second.output()).toMatch(/bootstrapping n\d/);
  expect(second.output()).not.toMatch(/no node is safe to bootstrap/);
  expect(second.output()).not.toMatch(/Demo account created/);
  // The same demo key works: the data was reused.
  const again = await rest(url2, 'POST', '/graphql', { headers: { authorization: `Bearer ${apiKey}` }, body: { query: VIEWER } });
  expect(again.body.data.viewer.project.id).toBe(query.body.data.viewer.project.id);
  const write = await rest(url2, 'POST', '/v1/config/repos', { headers: { authorization: `Bearer ${apiKey}` }, body: { platform: 'github', credentials: { token: 'ghp_crash' }, repositories: ['acme/before-crash'] } });
  expect(write.status).toBe(201);

  // The whole database cluster crashes (SIGKILL on every node): no node is safe to bootstrap.
  for (const pid of pidsOf(root)) process.kill(pid, 'SIGKILL');
  second.child.kill('SIGINT');
  expect(await second.exited).toBe(0);
  const t3 = Date.now();
  const third = runCluster(root);
  const url3 = await third.listening;
  const recoverSeconds = (Date.now() - t3) / 1000;
  expect(third.output()).toMatch(/no node is safe to bootstrap/);
  const after = await rest(url3, 'GET', `/v1/config/repos/${write.body.data.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(after.status).toBe(200);
  third.child.kill('SIGINT');
  expect(await third.exited).toBe(0);
  figure(
    `npm run cluster (2 workers): first start ${upSeconds.toFixed(1)} s (install + 2 SST joins), Ctrl-C stop ${stopSeconds.toFixed(1)} s, restart on the same data ${againSeconds.toFixed(1)} s (IST); ` +
      `after SIGKILL of all three nodes, start with --wsrep-recover and bootstrap of the most advanced ${recoverSeconds.toFixed(1)} s, the acknowledged write still there; playground GET and a POST /graphql with the demo key work`,
  );
}, 420_000);
