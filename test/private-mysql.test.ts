import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { findMysqlServer, startPrivateMysql, type PrivateMysql } from '../src/db/private-mysql';
import { isAlive } from '../src/lib/processes';

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const connection = await createConnection(url);
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

describe('private MariaDB/MySQL instance', () => {
  let tempDir: string;
  const started: PrivateMysql[] = [];

  beforeAll(async () => {
    tempDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'repolink-private-mysql-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((instance) => instance.stop()));
    await fs.promises.rm(tempDir, { recursive: true, force: true });
  });

  it('finds the installed server binary', () => {
    const found = findMysqlServer();
    expect(found).not.toBeNull();
    const { server, installDb, flavor } = found!;
    expect(['mariadbd', 'mysqld']).toContain(path.basename(server));
    const version = spawnSync(server, ['--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(/MariaDB/i.test(version.stdout) ? 'mariadb' : 'mysql').toBe(flavor);
    if (flavor === 'mariadb') expect(fs.existsSync(installDb!)).toBe(true);
  });

  it('keeps data across a restart (data dir too deep for the socket to live inside it)', async () => {
    const dataDir = path.join(tempDir, 'a-data-folder-whose-path-is-long-enough-to-push-the-socket-elsewhere', 'mysql');
    const lines: string[] = [];
    const options = { dataDir, database: 'private_mysql_test', log: (line: string) => lines.push(line) };

    const first = await startPrivateMysql(options);
    started.push(first);
    expect(first.url).toBe(`mysql://root@127.0.0.1:${first.port}/private_mysql_test`);
    expect(lines.some((line) => line.startsWith('initializing'))).toBe(true);
    const [charset] = await query<{ cs: string }>(first.url, 'SELECT @@character_set_database AS cs');
    expect(charset.cs).toBe('utf8mb4');
    await query(first.url, 'CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100) NOT NULL)');
    await query(first.url, 'INSERT INTO notes VALUES (1, ?)', ['survives a restart ✓']);

    await expect(startPrivateMysql(options)).rejects.toThrow(/already using/);

    await first.stop();
    expect(isAlive(first.pid)).toBe(false);
    await expect(first.stop()).resolves.toBeUndefined();

    lines.length = 0;
    const second = await startPrivateMysql(options);
    started.push(second);
    expect(lines.some((line) => line.startsWith('initializing'))).toBe(false);
    expect(await query(second.url, 'SELECT body FROM notes WHERE id = 1')).toEqual([{ body: 'survives a restart ✓' }]);

    await Promise.all([second.stop(), second.stop()]);
    expect(isAlive(second.pid)).toBe(false);
  });
});
