import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, buildDist } from './support/build';
import { createIsolatedDatabase } from './support/db';

jest.setTimeout(120_000);

function run(script: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dataDir: string;
beforeAll(() => {
  buildDist();
  dataDir = mkdtempSync(path.join(tmpdir(), 'repolink-boot-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('a malformed REPOLINK_ENCRYPTION_KEY stops the server at boot, naming the variable but not the value', () => {
  const value = 'not-a-real-key-but-secret-looking-0123456789';
  const result = run('main.js', { REPOLINK_ENCRYPTION_KEY: value, REPOLINK_DATA_DIR: dataDir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('REPOLINK_ENCRYPTION_KEY');
  expect(result.stderr + result.stdout).not.toContain(value);
});

test('a malformed key file stops the server at boot, naming the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'repolink-keyfile-'));
  const keyFile = path.join(dir, 'encryption-keys.json');
  writeFileSync(keyFile, '{"version":1,"current":"x","keys":[{"id":"x","key":"c2hvcnQ="}]}');
  const result = run('main.js', { REPOLINK_DATA_DIR: dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(keyFile);
  expect(result.stderr).not.toContain('c2hvcnQ=');
  rmSync(dir, { recursive: true, force: true });
});

test('bad configuration is reported all at once and stops the server', () => {
  const result = run('main.js', { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'postgres://x', REPOLINK_DATA_DIR: dataDir });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/PORT must be an integer/);
  expect(result.stderr).toMatch(/LOG_LEVEL must be one of/);
  expect(result.stderr).toMatch(/DATABASE_URL must be a mysql:\/\/ URL/);
});

test('a DATABASE_URL nobody answers at fails the start with a clear message', () => {
  const result = run('main.js', { DATABASE_URL: 'mysql://root:hunter2pass@127.0.0.1:1/none', REPOLINK_DATA_DIR: dataDir, REPOLINK_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/failed to start/);
  expect(result.stderr).not.toContain('hunter2pass');
});

test('npm run migrate applies pending migrations to DATABASE_URL, then finds nothing to do', async () => {
  const db = await createIsolatedDatabase('migrate_cli');
  try {
    // A database with only the first migration: the later ones are pending.
    const { createDataSource } = await import('../src/db/data-source');
    const ds = createDataSource({ url: db.url, poolSize: 1 });
    await ds.initialize();
    await ds.undoLastMigration();
    await ds.destroy();
    const first = run('cli/migrate.js', { DATABASE_URL: db.url, REPOLINK_DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const { migrations } = await import('../migrations');
    // Whichever migration is the newest is the one undone.
    expect(first.stdout).toContain(`applied migrations: ${migrations[migrations.length - 1].name}`);
    const second = run('cli/migrate.js', { DATABASE_URL: db.url, REPOLINK_DATA_DIR: dataDir });
    expect(second.stdout).not.toMatch(/applied migrations/);
    expect(second.stdout).toContain('migrations are up to date');
  } finally {
    await db.drop();
  }
});

test('with no database server binary the start says how to install one and exits non-zero', () => {
  const result = run('main.js', { REPOLINK_MYSQLD: '/nonexistent/mariadbd', REPOLINK_DATA_DIR: dataDir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('apt-get install -y mariadb-server');
  expect(result.stderr).toContain('DATABASE_URL');
});
