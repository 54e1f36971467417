import { createIsolatedDatabase } from './support/db';
import { createAccount } from './support/factories';
import { SHA, TOKENS, startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';
import { SyncWorker } from '../src/modules/sync/sync-worker';
import { RepositoryStore } from '../src/modules/repositories/repository.store';

const CONNECT = /* GraphQL */ `
  mutation Connect($input: ConnectReposInput!) {
    connectRepos(input: $input) { repoConnection { id syncStatus syncedAt syncError } userErrors { code field message } }
  }
`;
const SYNC = /* GraphQL */ `
  mutation Sync($id: ID!) {
    syncRepoConnection(input: { id: $id }) { repoConnection { id syncStatus } userErrors { code field message } }
  }
`;
const INVALIDATE = /* GraphQL */ `
  mutation Invalidate($id: ID!) {
    invalidateRepoConnectionCache(input: { id: $id }) { repoConnection { id syncStatus cacheInvalidatedAt } userErrors { code field message } }
  }
`;
const READ = /* GraphQL */ `
  query Read($id: ID!) {
    repoConnection(id: $id) {
      syncStatus syncedAt syncError
      repositories { path defaultBranch lastCommitSha syncStatus syncedAt syncError }
    }
  }
`;

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let server: TestServer;
const quiet = { warn: () => undefined, info: () => undefined };
const sync = { worker: false, pollMs: 20, leaseMs: 5_000, retryBaseMs: 50, maxAttempts: 3 };

beforeAll(async () => {
  fake = await startFakeHosts();
  // A database of its own: the workers here take every due job, and must not take other test files'.
  db = await createIsolatedDatabase('sync');
  server = await startTestServer({
    databaseUrl: db.url,
    env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi, REPOLINK_SYNC_RETRY_BASE_MS: '1000', REPOLINK_SYNC_MAX_ATTEMPTS: '3' },
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.drop();
  await fake?.close();
});

const worker = () => new SyncWorker(server.server.services.sync, sync, quiet);

async function connect(repositories: string[], token = TOKENS.githubClassic, key?: string): Promise<string> {
  const headers = key ? { authorization: `Bearer ${key}` } : undefined;
  const res = await server.gql(CONNECT, { input: { platform: 'GITHUB', credentials: { token }, baseUrl: fake.githubApi, repositories } }, headers);
  expect(res.body.data.connectRepos.userErrors).toEqual([]);
  return res.body.data.connectRepos.repoConnection.id;
}

async function freshKey(): Promise<string> {
  return (await createAccount(server.dataSource)).apiKey;
}

async function read(id: string, key?: string) {
  const res = await server.gql(READ, { id }, key ? { authorization: `Bearer ${key}` } : undefined);
  return res.body.data.repoConnection;
}

const jobs = (connectionId: string) =>
  server.dataSource.query('SELECT id, status, attempts, last_error AS lastError FROM sync_jobs WHERE repo_connection_id = ? ORDER BY created_at', [connectionId]);

describe('sync', () => {
  it('a queued sync stores each repository default branch and head; the client follows it by polling syncStatus', async () => {
    const key = await freshKey();
    const id = await connect(['acme/web', 'acme/gone'], TOKENS.githubClassic, key);
    expect(await read(id, key)).toMatchObject({ syncStatus: 'NEVER', syncedAt: null, repositories: expect.arrayContaining([expect.objectContaining({ path: 'acme/web', defaultBranch: 'main', lastCommitSha: null, syncStatus: 'NEVER' })]) });

    const queued = await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(queued.body.data.syncRepoConnection).toEqual({ repoConnection: { id, syncStatus: 'PENDING' }, userErrors: [] });
    expect((await read(id, key)).repositories.every((r: any) => r.syncStatus === 'PENDING')).toBe(true);

    const attempt = await worker().runOnce();
    expect(attempt).toMatchObject({ connectionId: id, outcome: 'done' });
    const after = await read(id, key);
    expect(after).toMatchObject({ syncStatus: 'OK', syncError: null, syncedAt: expect.any(String) });
    const web = after.repositories.find((r: any) => r.path === 'acme/web');
    expect(web).toMatchObject({ defaultBranch: 'trunk', lastCommitSha: SHA.githubWeb, syncStatus: 'OK', syncError: null, syncedAt: expect.any(String) });
    const gone = after.repositories.find((r: any) => r.path === 'acme/gone');
    expect(gone).toMatchObject({ syncStatus: 'ERROR', syncError: expect.stringMatching(/Not found on GitHub/), lastCommitSha: null });
    expect(await worker().runOnce()).toBeNull(); // nothing left
  });

  it('invalidateRepoConnectionCache queues a sync; asking twice leaves one open job; a moved head is picked up', async () => {
    const key = await freshKey();
    const id = await connect(['acme/api'], TOKENS.githubClassic, key);
    const first = await server.gql(INVALIDATE, { id }, { authorization: `Bearer ${key}` });
    expect(first.body.data.invalidateRepoConnectionCache.repoConnection).toMatchObject({ syncStatus: 'PENDING', cacheInvalidatedAt: expect.any(String) });
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(await jobs(id)).toHaveLength(1);
    expect(await worker().runOnce()).toMatchObject({ connectionId: id, outcome: 'done' });
    expect((await read(id, key)).repositories[0].lastCommitSha).toBe(SHA.githubApi);

    const moved = 'feedfacefeedfacefeedfacefeedfacefeedface';
    fake.setHead('github', 'acme/api', moved);
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(await worker().runOnce()).toMatchObject({ outcome: 'done' });
    expect((await read(id, key)).repositories[0].lastCommitSha).toBe(moved);
    fake.setHead('github', 'acme/api', SHA.githubApi);
  });

  it('a platform that fails is retried later with backoff, and the sync completes once it recovers', async () => {
    const key = await freshKey();
    const id = await connect(['acme/web'], TOKENS.githubClassic, key);
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    fake.failNext('/repos/acme/web', 4, 502); // every attempt of the client's own retries
    const failed = await worker().runOnce();
    expect(failed).toMatchObject({ connectionId: id, outcome: 'retry', message: expect.stringMatching(/^Attempt 1 of 3: .*answered 502 after 4 attempts/) });
    expect(await read(id, key)).toMatchObject({ syncStatus: 'PENDING', syncError: expect.stringMatching(/retrying$/) });
    // Backed off: due again retryBaseMs (1 s) after the failure, not at once.
    const [due] = await server.dataSource.query("SELECT status, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), run_after) / 1000 AS waitMs FROM sync_jobs WHERE repo_connection_id = ?", [id]);
    expect(due.status).toBe('queued');
    expect(Number(due.waitMs)).toBeGreaterThan(0);
    expect(Number(due.waitMs)).toBeLessThanOrEqual(1000);
    let retried = null;
    for (const deadline = Date.now() + 5000; retried === null && Date.now() < deadline; ) {
      retried = await worker().runOnce();
      if (retried === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(retried).toMatchObject({ connectionId: id, outcome: 'done' });
    expect(await read(id, key)).toMatchObject({ syncStatus: 'OK', syncError: null });
    expect(await jobs(id)).toEqual([expect.objectContaining({ status: 'done', attempts: 2 })]);
  }, 20_000);

  it('a refused credential fails the sync at once with a safe error (no retry)', async () => {
    const key = await freshKey();
    const id = await connect(['acme/api'], TOKENS.githubBad, key);
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(await worker().runOnce()).toMatchObject({ outcome: 'failed' });
    const after = await read(id, key);
    expect(after).toMatchObject({ syncStatus: 'ERROR', syncError: expect.stringMatching(/refused the credentials/), repositories: [expect.objectContaining({ syncStatus: 'ERROR' })] });
    expect(JSON.stringify(after)).not.toContain(TOKENS.githubBad);
    const [stored] = await server.dataSource.query('SELECT sync_error AS e FROM repo_connections WHERE id = ?', [id]);
    expect(stored.e).not.toContain(TOKENS.githubBad);
    expect(await jobs(id)).toEqual([expect.objectContaining({ status: 'failed', attempts: 1 })]);
  });

  it('a job whose worker died is taken over when its lease expires; the dead worker can no longer write', async () => {
    const key = await freshKey();
    const id = await connect(['acme/web'], TOKENS.githubClassic, key);
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    const store = server.server.services.sync.store;
    const dead = await store.claim('dead-worker', 150);
    expect(dead).toMatchObject({ connectionId: id, attempt: 1 });
    expect(await worker().runOnce()).toBeNull(); // leased: nobody else takes it
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await worker().runOnce()).toMatchObject({ jobId: dead!.id, outcome: 'done' });
    // The dead worker wakes up and tries to finish: refused, nothing written.
    const late = await server.dataSource.transaction((em) => store.finish(em, dead!.id, 'dead-worker', { kind: 'failed', error: 'late' }));
    expect(late).toBeNull();
    expect(await jobs(id)).toEqual([expect.objectContaining({ status: 'done', attempts: 2, lastError: null })]);
    expect(await read(id, key)).toMatchObject({ syncStatus: 'OK' });
  });

  it('a job whose workers keep dying is not taken up forever: past its attempts it fails, and a new request queues it again', async () => {
    const key = await freshKey();
    const id = await connect(['acme/web'], TOKENS.githubClassic, key);
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    const store = server.server.services.sync.store;
    for (let i = 1; i <= 3; i++) {
      expect(await store.claim(`dying-worker-${i}`, 50)).toMatchObject({ connectionId: id, attempt: i });
      await new Promise((resolve) => setTimeout(resolve, 120)); // it dies; its lease expires
    }
    const asked = fake.requests.length;
    expect(await worker().runOnce()).toMatchObject({ connectionId: id, outcome: 'failed', message: expect.stringMatching(/interrupted 3 times/) });
    expect(fake.requests.length).toBe(asked); // nothing more was asked of the platform
    expect(await jobs(id)).toEqual([expect.objectContaining({ status: 'failed', attempts: 4 })]);
    expect(await read(id, key)).toMatchObject({ syncStatus: 'ERROR', syncError: expect.stringMatching(/syncRepoConnection/) });
    expect(await worker().runOnce()).toBeNull();
    // Asked again, it runs as new.
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(await worker().runOnce()).toMatchObject({ connectionId: id, outcome: 'done' });
    expect(await read(id, key)).toMatchObject({ syncStatus: 'OK' });
  });

  it('several workers share the queue: every job runs exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const key = await freshKey();
      const id = await connect(['acme/api'], TOKENS.githubClassic, key);
      await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
      ids.push(id);
    }
    const before = fake.requests.filter((r) => r.path === '/api/v3/repos/acme/api').length;
    const workers = [worker(), worker(), worker()];
    const done: string[][] = await Promise.all(
      workers.map(async (w) => {
        const mine: string[] = [];
        for (let attempt = await w.runOnce(); attempt !== null; attempt = await w.runOnce()) mine.push(attempt.connectionId!);
        return mine;
      }),
    );
    const all = done.flat();
    expect(all.sort()).toEqual([...ids].sort());
    expect(fake.requests.filter((r) => r.path === '/api/v3/repos/acme/api').length - before).toBe(ids.length);
    for (const id of ids) expect(await jobs(id)).toEqual([expect.objectContaining({ status: 'done', attempts: 1 })]);
  });

  it('the worker loop runs queued jobs by itself and stops with the server', async () => {
    const key = await freshKey();
    const id = await connect(['acme/web'], TOKENS.githubClassic, key);
    const loop = worker();
    loop.start();
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    const deadline = Date.now() + 5000;
    while ((await read(id, key)).syncStatus !== 'OK' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    await loop.stop();
    expect((await read(id, key)).syncStatus).toBe('OK');
    expect(loop.started).toBe(false);
  });

  it('a repository renamed on the host: the sync reads it at its new place, stores its head, archived flag and host id, and reports the move without changing the path', async () => {
    const key = await freshKey();
    const repo = fake.githubHost.addRepo({ owner: 'acme', name: 'sync-before', private: true, head: 'dd'.repeat(20) });
    const id = await connect(['acme/sync-before', 'acme/web'], TOKENS.githubClassic, key);
    fake.githubHost.renameRepo('acme/sync-before', 'acme/sync-after');
    fake.githubHost.archiveRepo('acme/sync-after');
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(await worker().runOnce()).toMatchObject({ connectionId: id, outcome: 'done' });
    const after = await read(id, key);
    expect(after).toMatchObject({ syncStatus: 'OK', syncError: null });
    const moved = after.repositories.find((r: any) => r.path === 'acme/sync-before');
    expect(moved).toMatchObject({ path: 'acme/sync-before', lastCommitSha: 'dd'.repeat(20), syncStatus: 'ERROR', syncedAt: expect.any(String) });
    expect(moved.syncError).toBe(
      "Renamed or transferred on GitHub: it is now acme/sync-after. repolink still knows it as acme/sync-before (its branch and head were read at the new place); the path follows through the host's webhooks or reconciliation, or connect it by its new path",
    );
    const [row] = await server.dataSource.query('SELECT path, archived, platform_host AS host, host_repository_id AS hostId FROM repositories WHERE repo_connection_id = ? AND path = ?', [id, 'acme/sync-before']);
    expect(row).toEqual({ path: 'acme/sync-before', archived: 1, host: new URL(fake.url).host, hostId: String(repo.id) });
    // The host's id finds it whatever its path (what webhooks and reconciliation will use).
    const found = await new RepositoryStore().liveByHostRepositoryId(server.dataSource.manager, new URL(fake.url).host.toUpperCase(), String(repo.id));
    expect(found).toEqual([expect.objectContaining({ path: 'acme/sync-before', repoConnectionId: id })]);
    expect(after.repositories.find((r: any) => r.path === 'acme/web')).toMatchObject({ syncStatus: 'OK', syncError: null });

    // Unarchived on the host: the next sync says so.
    fake.githubHost.archiveRepo('acme/sync-after', false);
    await server.gql(SYNC, { id }, { authorization: `Bearer ${key}` });
    expect(await worker().runOnce()).toMatchObject({ outcome: 'done' });
    const [again] = await server.dataSource.query('SELECT archived FROM repositories WHERE repo_connection_id = ? AND path = ?', [id, 'acme/sync-before']);
    expect(again.archived).toBe(0);
  });

  it('the queue statements run on indexes', async () => {
    const plans = [
      "EXPLAIN SELECT id FROM sync_jobs WHERE status = 'queued' AND run_after <= UTC_TIMESTAMP(3) ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED",
      "EXPLAIN SELECT id FROM sync_jobs WHERE status = 'running' AND lease_expires_at < UTC_TIMESTAMP(3) ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED",
    ];
    for (const sql of plans) {
      const [plan] = await server.dataSource.query(sql.replace(' FOR UPDATE SKIP LOCKED', ''));
      expect(plan.type).not.toBe('ALL');
      expect(String(plan.Extra ?? '')).not.toMatch(/filesort/);
    }
  });
});
