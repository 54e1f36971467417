import { createDataSource, runMigrations } from '../src/db/data-source';
import { createIsolatedDatabase } from './support/db';
import { rest } from './support/rest';
import { startTestServer } from './support/test-server';

test('/healthz answers while the process is up; /readyz only once no migration is pending', async () => {
  const db = await createIsolatedDatabase('readiness');
  const ds = createDataSource({ url: db.url, poolSize: 1 });
  await ds.initialize();
  await ds.undoLastMigration();
  await ds.destroy();
  const t = await startTestServer({ databaseUrl: db.url, env: { REPOLINK_RATE_LIMIT_PER_MINUTE: 'unlimited' } }).catch(() => null);
  // The test server creates an account, which needs no pending table; the last migration is the rate-limit table.
  expect(t).not.toBeNull();
  try {
    expect((await rest(t!.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    const pending = await rest(t!.url, 'GET', '/readyz');
    expect(pending.status).toBe(503);
    expect(pending.body).toEqual({ status: 'unavailable', reason: 'migrations pending' });
    await runMigrations(db.url);
    const ready = await rest(t!.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  } finally {
    await t?.close();
    await db.drop();
  }
});
