import { buildDist } from './support/build';
import { createIsolatedDatabase } from './support/db';
import { createDataSource } from '../src/db/data-source';
import { createAccount } from './support/factories';
import { TOKENS, startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { startServerProcess, type ServerProcess } from './support/process-server';

jest.setTimeout(120_000);

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let server: ServerProcess | null = null;

beforeAll(async () => {
  fake = await startFakeHosts();
  db = await createIsolatedDatabase('sync_process');
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  await db?.drop();
  await fake?.close();
});

test('npm start runs the sync worker: a queued sync completes by itself, and SIGTERM still exits cleanly', async () => {
  buildDist();
  server = await startServerProcess({
    DATABASE_URL: db.url,
    REPOLINK_DEMO: 'false',
    REPOLINK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    REPOLINK_DATA_DIR: '/tmp/repolink-sync-process-test',
    REPOLINK_SYNC_WORKER: 'true',
    REPOLINK_SYNC_POLL_MS: '50',
    REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
  });
  const ds = createDataSource({ url: db.url, poolSize: 1 });
  await ds.initialize();
  try {
    const account = await createAccount(ds);
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`${server!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${account.apiKey}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as any;
    };
    const connected = await gql(`mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { message } } }`, {
      input: { platform: 'GITHUB', credentials: { token: TOKENS.githubClassic }, baseUrl: fake.githubApi, repositories: ['acme/web'] },
    });
    const id = connected.data.connectRepos.repoConnection.id;
    const queued = await gql(`mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { repoConnection { syncStatus } } }`, { id });
    expect(queued.data.syncRepoConnection.repoConnection.syncStatus).toBe('PENDING');
    let state: any = null;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      state = (await gql(`query($id: ID!) { repoConnection(id: $id) { syncStatus syncedAt repositories { defaultBranch } } }`, { id })).data.repoConnection;
      if (state.syncStatus !== 'PENDING') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toMatchObject({ syncStatus: 'OK', syncedAt: expect.any(String), repositories: [{ defaultBranch: 'trunk' }] });
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output()).not.toContain(TOKENS.githubClassic);
  } finally {
    await ds.destroy();
  }
});
