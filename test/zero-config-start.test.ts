import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAdmin } from '../src/cli/admin';
import { buildDist } from './support/build';
import { startServerProcess } from './support/process-server';

jest.setTimeout(180_000);

/**
 * What `npm start` does on a fresh machine: a private database in the data folder, migrations, a
 * key file, a demo key printed once; Ctrl-C stops server and database; data survives a restart.
 */
test('npm start with no configuration: private database, demo key, clean stop, data kept across restarts', async () => {
  buildDist();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'repolink-start-'));
  try {
    const first = await startServerProcess({ REPOLINK_DATA_DIR: dataDir }, 120_000);
    const out = first.output();
    const key = /API key (ss_secret_[A-Za-z0-9_-]{43})/.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(out).toContain('Created a new encryption key file');
    expect(out).toContain('curl');
    expect(statSync(path.join(dataDir, 'encryption-keys.json')).mode & 0o777).toBe(0o600);

    const gql = async (url: string, query: string): Promise<any> => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
      return res.json();
    };
    const created = await gql(first.url, 'mutation { connectRepos(input: { platform: GITHUB, credentials: { token: "ghp_zero_config_token" }, repositories: ["acme/kept"] }) { repoConnection { id } userErrors { message } } }');
    expect(created.data.connectRepos.userErrors).toEqual([]);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    // The admin command line works while the server runs: it attaches to the same private database.
    const tenant = await runAdmin(['tenant:create', '--name', 'From the CLI', '--json'], { REPOLINK_DATA_DIR: dataDir });
    expect(tenant.stderr).toBe('');
    expect(JSON.parse(tenant.stdout).name).toBe('From the CLI');
    expect((await gql(first.url, '{ viewer { tenant { name } } }')).data.viewer.tenant.name).toBe('repolink demo');
    expect(await (await fetch(`${first.url}/readyz`)).json()).toEqual({ status: 'ready' });

    expect(await first.stop('SIGINT')).toBe(0);
    // The private database stopped with it: its pid file is gone.
    expect(() => statSync(path.join(dataDir, 'mysql', 'mysqld.pid'))).toThrow();
    expect(first.output()).toContain('SIGINT: shutting down');

    const second = await startServerProcess({ REPOLINK_DATA_DIR: dataDir }, 120_000);
    expect(second.output()).not.toContain('ss_secret_');
    const read = await gql(second.url, `{ repoConnection(id: "${created.data.connectRepos.repoConnection.id}") { repositories { path } } }`);
    expect(read.data.repoConnection.repositories).toEqual([{ path: 'acme/kept' }]);
    expect(await second.stop('SIGTERM')).toBe(0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
