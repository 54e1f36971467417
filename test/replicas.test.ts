import { ConfigError, loadConfig } from '../src/config';
import { freePorts } from '../src/cli/galera/machine';
import { createDataSource } from '../src/db/data-source';
import { ProjectEntity } from '../src/db/entities';
import { readFromReplicas, replicaStats } from '../src/db/replicas';
import { testDatabaseUrl } from './support/db';
import { rest } from './support/rest';
import { startTestServer } from './support/test-server';

// Replication itself (reads landing on a real replica, read-your-writes in 1,000 pairs) is
// exercised by `npm run test:cluster` (test/cluster/replica.cluster.ts); these run on the suite's
// single server.

test('DATABASE_REPLICA_URLS is a comma-separated list of mysql:// URLs and needs DATABASE_URL', () => {
  const base = { REPOLINK_DATA_DIR: '/tmp/unused' };
  expect(loadConfig({ ...base, DATABASE_URL: 'mysql://a@p/db', DATABASE_REPLICA_URLS: ' mysql://a@r1/db, mariadb://a@r2/db ' }).databaseReplicaUrls).toEqual(['mysql://a@r1/db', 'mariadb://a@r2/db']);
  expect(loadConfig(base).databaseReplicaUrls).toEqual([]);
  expect(() => loadConfig({ ...base, DATABASE_REPLICA_URLS: 'mysql://a@r1/db' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, DATABASE_URL: 'mysql://a@p/db', DATABASE_REPLICA_URLS: 'postgres://r1/db' })).toThrow(/DATABASE_REPLICA_URLS/);
});

test('/readyz stays ready with a replica that is not replicating or gone, and names each one without its credentials', async () => {
  const [closedPort] = await freePorts(1);
  const notReplica = testDatabaseUrl();
  const gone = `mysql://someone:secret@127.0.0.1:${closedPort}/repolink`;
  const t = await startTestServer({ env: { DATABASE_URL: notReplica, DATABASE_REPLICA_URLS: `${notReplica},${gone}` } });
  try {
    const ready = await rest(t.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      replicas: [
        { replica: `127.0.0.1:${new URL(notReplica).port}`, status: 'not a replica', lagSeconds: null },
        { replica: `127.0.0.1:${closedPort}`, status: 'unreachable', lagSeconds: null },
      ],
    });
    expect(ready.text).not.toContain('secret');
  } finally {
    await t.close();
  }
});

test('reads meant for a replica that is unreachable (or with no GTID position on the primary) run on the primary', async () => {
  const [closedPort] = await freePorts(1);
  const ds = createDataSource({ url: testDatabaseUrl(), poolSize: 2, replicaUrls: [`mysql://root@127.0.0.1:${closedPort}/repolink`] });
  await ds.initialize();
  try {
    const before = replicaStats.primaryFallbacks;
    const read = await readFromReplicas(() => ds.getRepository(ProjectEntity).createQueryBuilder('p').limit(1).getMany());
    expect(read).toHaveLength(1);
    expect(replicaStats.primaryFallbacks).toBe(before + 1);
  } finally {
    await ds.destroy();
  }
});
