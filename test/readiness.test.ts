import { createDataSource, runMigrations } from '../src/db/data-source';
import { createIsolatedDatabase } from './support/db';
import { rest } from './support/rest';
import { startTestServer } from './support/test-server';

test('/healthz answers while the process is up; /readyz only once no migration is pending', async () => {
  const db = await createIsolatedDatabase('readiness');
  // The server starts on the whole schema (it creates its test account); then the last migration is undone under it.
  const t = await startTestServer({ databaseUrl: db.url, env: { REPOLINK_RATE_LIMIT_PER_MINUTE: 'unlimited' } }).catch(() => null);
  expect(t).not.toBeNull();
  const ds = createDataSource({ url: db.url, poolSize: 1 });
  await ds.initialize();
  await ds.undoLastMigration();
  await ds.destroy();
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
