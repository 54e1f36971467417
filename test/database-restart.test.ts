import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { RepoConnectionEntity } from '../src/db/entities';
import { startPrivateMysql, type PrivateMysql } from '../src/db/private-mysql';
import { CredentialCipher } from '../src/modules/crypto';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { createServer, type RepolinkServer } from '../src/server';
import { rest } from './support/rest';
import { testKeyRing } from './support/test-server';

jest.setTimeout(120_000);

interface Attempt {
  startedAt: number;
  ms: number;
  ok: boolean;
  id?: string;
  status: number;
  code?: string;
}

/**
 * The database goes away under a steady write load and comes back: requests fail fast with
 * SERVICE_UNAVAILABLE (503 on the shim) meanwhile, every acknowledged write is in the database
 * afterwards, and service resumes by itself within seconds.
 */
test('a database restart under load loses no acknowledged write, fails fast while down, and recovers by itself', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'repolink-restart-'));
  let mysql: PrivateMysql | null = await startPrivateMysql({ dataDir, database: 'repolink' });
  const url = mysql.url;
  let dataSource: DataSource | null = null;
  let server: RepolinkServer | null = null;
  try {
    await runMigrations(url);
    dataSource = createDataSource({ url, poolSize: 4 });
    await dataSource.initialize();
    const tenancy = new TenancyService(dataSource);
    const tenant = await tenancy.createTenant({ name: 'restart', plan: 'enterprise' });
    const project = await tenancy.createProject({ tenantId: tenant.id, name: 'p' });
    const { secret } = await tenancy.createApiKey({ projectId: project.id, permissions: ['config:read', 'config:write'] });
    server = await createServer({ dataSource, config: loadConfig({ LOG_LEVEL: 'silent', REPOLINK_DATA_DIR: dataDir }), cipher: new CredentialCipher(testKeyRing()), logger: false });
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });

    const attempts: Attempt[] = [];
    let n = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        const startedAt = Date.now();
        const res = await rest(base, 'POST', '/v1/config/repos', {
          headers: { authorization: `Bearer ${secret}` },
          body: { platform: 'github', credentials: { token: 'ghp_restart_test_token' }, repositories: [`acme/r${n++}`] },
        });
        attempts.push({ startedAt, ms: Date.now() - startedAt, ok: res.status === 201, id: res.body?.data?.id, status: res.status, code: res.body?.error?.code });
        if (res.status !== 201) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const workers = [worker(), worker(), worker()];

    await new Promise((r) => setTimeout(r, 1500));
    const downAt = Date.now();
    await mysql.stop();
    mysql = null;
    await new Promise((r) => setTimeout(r, 2000));
    const ready = await rest(base, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    const gql = await rest(base, 'POST', '/graphql', { headers: { authorization: `Bearer ${secret}` }, body: { query: '{ repoConnections { totalCount } }' } });
    expect(gql.status).toBe(503);
    expect(gql.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(gql.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT/);
    mysql = await startPrivateMysql({ dataDir, database: 'repolink', port: new URL(url).port ? Number(new URL(url).port) : undefined });
    const upAt = Date.now();
    // Run on until a write has succeeded again (bounded), then a little longer.
    for (let i = 0; i < 100 && !attempts.some((a) => a.ok && a.startedAt >= upAt); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all(workers);

    const acknowledged = attempts.filter((a) => a.ok);
    const failed = attempts.filter((a) => !a.ok);
    expect(acknowledged.length).toBeGreaterThan(5);
    expect(failed.length).toBeGreaterThan(0);
    // Every failure says the service is unavailable, with the shim's status; none is a 500.
    for (const f of failed) expect([f.status, f.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    // Fail fast: no request hangs while the database is away.
    expect(Math.max(...failed.map((f) => f.ms))).toBeLessThan(5000);
    // Service resumed by itself within seconds of the database coming back.
    const firstAfter = acknowledged.find((a) => a.startedAt >= upAt);
    expect(firstAfter).toBeDefined();
    expect(firstAfter!.startedAt - upAt).toBeLessThan(10_000);
    expect(downAt).toBeLessThan(upAt);

    const stored = await dataSource.getRepository(RepoConnectionEntity).find({ select: { id: true } });
    const ids = new Set(stored.map((r) => r.id));
    for (const a of acknowledged) expect(ids.has(a.id!)).toBe(true);
    expect((await rest(base, 'GET', '/readyz')).status).toBe(200);
  } finally {
    await server?.close();
    await dataSource?.destroy().catch(() => undefined);
    await mysql?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
