import { buildDist } from './support/build';
import { openTestDataSource, testDatabaseUrl } from './support/db';
import { createAccount } from './support/factories';
import { startServerProcess } from './support/process-server';
import { rest } from './support/rest';

jest.setTimeout(120_000);

test('SIGTERM: the server stops accepting, finishes the request in flight, then exits cleanly', async () => {
  buildDist();
  const dataSource = await openTestDataSource(2);
  const server = await startServerProcess({
    DATABASE_URL: testDatabaseUrl(),
    REPOLINK_DEMO: 'false',
    REPOLINK_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    REPOLINK_DATA_DIR: '/tmp/repolink-shutdown-test',
  });
  const runner = dataSource.createQueryRunner();
  try {
    const account = await createAccount(dataSource);
    // Hold the project's row lock so the request below stays in flight for as long as we like.
    await runner.startTransaction();
    await runner.query('SELECT id FROM projects WHERE id = ? FOR UPDATE', [account.project.id]);
    const slow = rest(server.url, 'POST', '/api/repos', {
      headers: { authorization: `Bearer ${account.apiKey}` },
      body: { name: 'slow', remote_url: 'https://example.com/slow.git', default_branch: 'main' },
    });
    // Wait until the request is really in flight: blocked on the row lock inside the server.
    for (let i = 0; i < 200; i++) {
      const [{ waiting }] = await dataSource.query(
        `SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST WHERE info LIKE 'UPDATE%projects%' AND info LIKE ?`,
        [`%${account.project.id}%`],
      );
      if (Number(waiting) > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = server.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // No new connection is accepted any more.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await runner.commitTransaction();
    const res = await slow;
    expect(res.status).toBe(201);
    expect(res.body.data.name).toBe('slow');
    expect(await exited).toBe(0);
    expect(server.output()).toContain('SIGTERM: shutting down');
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
    await server.stop();
    await dataSource.destroy();
  }
});
