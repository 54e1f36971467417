/**
 * Reconciliation of code-host accounts (issue 19 §3), the backstop for webhooks, against a database
 * of this file's own and the loopback fakes: a GitHub App installation connected by its browser
 * flow, connections through it synced (so their host ids are stored), then the host changes and a
 * run of the reconciler compares the installation's whole list (two repositories a page here) with
 * what is stored. Covered: a repository gone from a complete list marked unavailable and cleared
 * when it is back (a public one read outside the list is not); a rename or transfer found by the
 * host's id; lists cut short (a failing, stalled, rate-limited or malformed page 2) and a refused
 * credential marking nothing; a suspended installation and a revoked account not tried again; two
 * processes reconciling one account once; the interval growing and shrinking; the rate budget
 * postponing a run; other tenants' rows untouched.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { RepositoryEntity } from '../src/db/entities';
import type { Reconciler, ReconcileReport } from '../src/modules/reconciliation/reconciler';
import { nextRun } from '../src/modules/reconciliation/reconcile-schedule';
import { createReconciler } from '../src/modules/reconciliation/reconciliation.module';
import { RepoConnectionStore } from '../src/modules/repo-connections/repo-connection.store';
import { RepositoryStore } from '../src/modules/repositories/repository.store';
import { createServices } from '../src/services';
import { runAdmin } from '../src/cli/admin';
import { connectAccount } from './support/browser-flow';
import { createIsolatedDatabase } from './support/db';
import { createAccount } from './support/factories';
import { startFakeHosts, type FakeHosts, type GithubApp, type GithubInstallation } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let t: TestServer;
let app: GithubApp;
const RETURN = 'http://frontend.invalid/connected';
const DAY = 86_400_000;

const CONNECT = `mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { code field message } } }`;
const SYNC = `mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { code } } }`;
const STATE = 'status lastReconciledAt lastReconcileOutcome lastReconcileMessage nextReconcileAt';
const ACCOUNT = `query($id: ID!) { codeHostAccount(id: $id) { ${STATE} } }`;
/** With the picker's list, read from the host (an account that is not ACTIVE fails it). */
const ACCOUNT_AND_LIST = `query($id: ID!) { codeHostAccount(id: $id) { ${STATE} repositories(first: 10) { edges { node { path hostId lastActivityAt } } } } }`;

beforeAll(async () => {
  fake = await startFakeHosts();
  app = fake.githubHost.registerApp({ requestOAuthOnInstall: true });
  db = await createIsolatedDatabase('reconciliation');
  t = await startTestServer({
    databaseUrl: db.url,
    env: {
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_PLATFORM_TIMEOUT_MS: '2000',
      REPOLINK_CODE_HOST_RETURN_URL: RETURN,
      REPOLINK_RECONCILE_PAGE_SIZE: '2',
      REPOLINK_GITHUB_APP_ID: String(app.appId),
      REPOLINK_GITHUB_APP_SLUG: app.slug,
      REPOLINK_GITHUB_APP_CLIENT_ID: app.clientId,
      REPOLINK_GITHUB_APP_CLIENT_SECRET: app.clientSecret,
      REPOLINK_GITHUB_APP_PRIVATE_KEY: app.privateKeyPem,
      REPOLINK_GITHUB_APP_WEBHOOK_SECRET: app.webhookSecret,
      REPOLINK_GITHUB_APP_BASE_URL: fake.githubWeb,
    },
  });
  app.callbackUrls = [`${t.url}/oauth/callback/github`];
  app.setupUrl = `${t.url}/github-app/setup`;
}, 90_000);

afterAll(async () => {
  await t?.close();
  await db?.drop();
  await fake?.close();
});

let seq = 0;

interface Installed {
  org: string;
  accountId: string;
  installation: GithubInstallation;
  connectionId: string;
  /** Path → the fake's repository id. */
  ids: Record<string, number>;
}

/**
 * An organization with `names` repositories, the app installed on it for those repositories, the
 * account connected by the tenant of `key`, and one connection through it of `names` (and `extra`
 * paths), synced: every repository stored with its host id.
 */
async function installed(names: string[], extra: string[] = [], key = t.apiKey): Promise<Installed> {
  const { org, accountId, installation, ids } = await installApp(names, key);
  const connected = await t.gql(CONNECT, { input: { platform: 'GITHUB', codeHostAccountId: accountId, repositories: [...names.map((name) => `${org}/${name}`), ...extra] } }, { authorization: `Bearer ${key}` });
  expect(connected.body.data.connectRepos.userErrors).toEqual([]);
  const connectionId = connected.body.data.connectRepos.repoConnection.id as string;
  expect((await t.gql(SYNC, { id: connectionId }, { authorization: `Bearer ${key}` })).body.data.syncRepoConnection.userErrors).toEqual([]);
  while ((await t.server.syncWorker.runOnce()) !== null);
  const stored = await rows(connectionId);
  expect(stored.every((r) => r.host_repository_id !== null)).toBe(true);
  return { org, accountId, installation, connectionId, ids };
}

/** An organization with `names` repositories and the app installed on it for those, connected as an account of the tenant of `key`. */
async function installApp(names: string[], key = t.apiKey): Promise<Omit<Installed, 'connectionId'>> {
  const n = ++seq;
  const org = `rc-org-${n}-${randomBytes(2).toString('hex')}`;
  const login = `rc-user-${n}`;
  fake.githubHost.addUser({ login, orgs: [org] });
  const ids: Record<string, number> = {};
  for (const name of names) ids[`${org}/${name}`] = fake.githubHost.addRepo({ owner: org, name, private: true }).id;
  fake.githubHost.signIn(login);
  fake.githubHost.prepareInstall({ app, account: org, repositories: names.map((name) => `${org}/${name}`) });
  const { codeHostAccountId: accountId } = await connectAccount(t, fake, { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, key);
  expect(accountId).toMatch(/^cha_/);
  const installation = [...fake.githubHost.installations.values()].find((i) => i.account === org)!;
  return { org, accountId, installation, ids };
}

type Row = Record<string, any>;
const rows = async (connectionId: string): Promise<Row[]> =>
  t.dataSource.query(
    'SELECT id, path, name, remote_url, archived, default_branch, host_repository_id, host_unavailable_at, host_deleted_at, deleted_at, updated_at FROM repositories WHERE repo_connection_id = ? ORDER BY created_at, id',
    [connectionId],
  );
const byPath = async (connectionId: string) => Object.fromEntries((await rows(connectionId)).map((r) => [r.path, r]));
const account = async (id: string): Promise<Row> =>
  (await t.dataSource.query('SELECT status, next_reconcile_at, reconcile_interval_seconds, last_reconciled_at, last_reconcile_outcome, last_reconcile_message, reconcile_lease_owner FROM code_host_accounts WHERE id = ?', [id]))[0];
/** The runs a test asks for take only its own account (and make it due first, as `reconcile:run` does). */
const reconcile = async (accountId: string, reconciler: Reconciler = t.server.services.reconciler): Promise<ReconcileReport> => {
  const report = await reconciler.runNow(accountId);
  expect(report).not.toBeNull();
  return report!;
};
/** Pages of installations' lists asked of the fake so far (this file's tests run one after another). */
const listings = () => fake.requests.filter((r) => r.path.startsWith('/api/v3/installation/repositories')).length;

describe('a complete listing', () => {
  test('marks a repository gone from it unavailable (never deleting it), clears the mark when it is back, and leaves a public repository read outside the list alone', async () => {
    const pub = fake.githubHost.addRepo({ owner: `rc-public-${randomBytes(2).toString('hex')}`, name: 'lib', private: false });
    const pubPath = `${pub.owner}/${pub.name}`;
    const s = await installed(['a', 'b', 'c'], [pubPath]);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `${s.org}/${x}`);

    const first = await reconcile(s.accountId);
    expect(first).toMatchObject({ outcome: 'complete', changes: 0, markedUnavailable: 0 });
    expect(first.message).toContain('Listed 3 repositories on 2 pages; 4 stored through the account');

    const before = await byPath(s.connectionId);
    fake.githubHost.setInstallationRepositories(s.installation.id, [a, c]);
    const removed = await reconcile(s.accountId);
    expect(removed).toMatchObject({ outcome: 'complete', changes: 1, markedUnavailable: 1 });
    expect(removed.message).toContain('1 repository marked unavailable');
    let now = await byPath(s.connectionId);
    expect(now[b].host_unavailable_at).toBeInstanceOf(Date);
    expect(now[b].deleted_at).toBeNull();
    // Everything else as it was: the other repositories and the public one read by its id outside the list.
    for (const path of [a, c, pubPath]) expect(now[path]).toEqual(before[path]);
    expect(fake.requests.some((r) => r.path === `/api/v3/repositories/${pub.id}`)).toBe(true);

    const shown = (await t.gql(ACCOUNT_AND_LIST, { id: s.accountId })).body.data.codeHostAccount;
    expect(shown).toMatchObject({ status: 'ACTIVE', lastReconcileOutcome: 'COMPLETE', lastReconciledAt: expect.any(String), nextReconcileAt: expect.any(String) });
    expect(shown.lastReconcileMessage).toContain('marked unavailable');
    expect(new Date(shown.nextReconcileAt).getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
    // The listing carries the host's ids and activity times (the picker sees them too).
    expect(shown.repositories.edges.map((e: any) => e.node)).toEqual([
      { path: a, hostId: String(s.ids[a]), lastActivityAt: expect.any(String) },
      { path: c, hostId: String(s.ids[c]), lastActivityAt: expect.any(String) },
    ]);

    // Marked once: a second run changes nothing.
    expect(await reconcile(s.accountId)).toMatchObject({ outcome: 'complete', changes: 0 });
    expect((await byPath(s.connectionId))[b].host_unavailable_at).toEqual(now[b].host_unavailable_at);

    fake.githubHost.setInstallationRepositories(s.installation.id, [a, b, c]);
    expect(await reconcile(s.accountId)).toMatchObject({ outcome: 'complete', changes: 1, markedUnavailable: 0 });
    now = await byPath(s.connectionId);
    expect(now[b].host_unavailable_at).toBeNull();
    expect(now[b].deleted_at).toBeNull();
  }, 60_000);

  test('renames, found by the host id, move the stored path (name and remote URL with it); archived and default branch follow; another tenant’s row with the same id is untouched', async () => {
    const s = await installed(['old', 'moving', 'stays']);
    const [old, moving, stays] = ['old', 'moving', 'stays'].map((x) => `${s.org}/${x}`);
    const other = await createAccount(t.dataSource);
    const theirs = otherTenantRow(other, old, String(s.ids[old]));
    await new RepositoryStore().insert(t.dataSource.manager, [theirs]);
    const theirsBefore = (await t.dataSource.query('SELECT * FROM repositories WHERE id = ?', [theirs.id]))[0];
    const before = await byPath(s.connectionId);

    fake.githubHost.renameRepo(old, `${s.org}/new-name`);
    fake.githubHost.renameRepo(moving, `${s.org}/moved`);
    fake.githubHost.archiveRepo(`${s.org}/moved`);
    const staying = fake.githubHost.repo(stays);
    staying.branches.set('trunk', staying.branches.get('main')!);
    staying.defaultBranch = 'trunk';

    const report = await reconcile(s.accountId);
    expect(report).toMatchObject({ outcome: 'complete', changes: 3, markedUnavailable: 0 });
    expect(report.message).toContain('2 repositories moved to the host');
    const after = await rows(s.connectionId);
    const byId = Object.fromEntries(after.map((r) => [r.host_repository_id, r]));
    expect(byId[String(s.ids[old])]).toMatchObject({ id: before[old].id, path: `${s.org}/new-name`, name: 'new-name', host_unavailable_at: null, archived: 0 });
    expect(byId[String(s.ids[old])].remote_url).toMatch(new RegExp(`/${s.org}/new-name(\\.git)?$`));
    expect(byId[String(s.ids[moving])]).toMatchObject({ id: before[moving].id, path: `${s.org}/moved`, name: 'moved', archived: 1 });
    expect(byId[String(s.ids[stays])]).toMatchObject({ id: before[stays].id, path: stays, default_branch: 'trunk', archived: 0 });
    expect((await t.dataSource.query('SELECT * FROM repositories WHERE id = ?', [theirs.id]))[0]).toEqual(theirsBefore);
  }, 60_000);
});

/** Another tenant's repository, stored as a sync of the same host leaves it, with the given host id. */
describe('reconcile:run', () => {
  test('reconciles one account now (an account with nothing stored through it is not listed), and says why not when it cannot', async () => {
    const { accountId } = await installApp(['lonely']);
    const env = { DATABASE_URL: db.url, REPOLINK_DATA_DIR: '/tmp/repolink-admin-unused', REPOLINK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true' };
    const asked = fake.requests.length;
    const done = await runAdmin(['reconcile:run', '--account', accountId, '--json'], env);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ accountId, outcome: 'complete', changes: 0, message: expect.stringContaining('No repositories are stored through the account') });
    expect(fake.requests.length).toBe(asked);
    expect(await account(accountId)).toMatchObject({ last_reconcile_outcome: 'complete', reconcile_interval_seconds: 2 * t.config.reconcile.minIntervalSeconds });
    const unknown = await runAdmin(['reconcile:run', '--account', `cha_${'0'.repeat(32)}`, '--json'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('cannot be reconciled now');
  }, 60_000);
});

function otherTenantRow(owner: { tenant: { id: string }; project: { id: string } }, path: string, hostId: string): RepositoryEntity {
  const at = new Date(Date.now() - 60_000);
  return Object.assign(new RepositoryEntity(), {
    id: randomUUID(), tenantId: owner.tenant.id, projectId: owner.project.id, repoConnectionId: null, userId: null, name: path.split('/')[1], sourceType: 'github', path,
    remoteUrl: `${fake.url}/${path}.git`, defaultBranch: 'main', lastCommitSha: null, oauthConnectionId: null, issueAutoCreateEnabled: false, issueAutoCreateMinSeverity: 'high',
    archived: false, platformHost: new URL(fake.url).host, hostRepositoryId: hostId, createdAt: at, updatedAt: at, deletedAt: null,
  });
}

describe('the safety rails', () => {
  const cutShort: [string, (f: FakeHosts) => void][] = [
    ['page 2 answers 502 (after the retries)', (f) => f.failNext('&page=2', 4, 502)],
    ['page 2 does not answer in time', (f) => f.stallNext('&page=2', 1, 5_000)],
    ['page 2 is rate limited (429, Retry-After an hour)', (f) => f.failNext('&page=2', 1, 429, { 'retry-after': '3600' })],
    ['page 2 is rate limited (403, no requests left until the reset)', (f) => f.failNext('&page=2', 1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) }, { message: 'API rate limit exceeded' })],
    ['page 2 is not the host’s list', (f) => f.failNext('&page=2', 1, 200, {}, { message: 'Moved somewhere' })],
  ];
  test.each(cutShort)('a list cut short marks nothing: %s', async (_what, breakIt) => {
    const s = await installed(['a', 'b', 'c', 'd', 'e']);
    const [a, b] = ['a', 'b'].map((x) => `${s.org}/${x}`);
    // Removed from the installation, and renamed: four left, two pages; the first still shows the rename.
    fake.githubHost.setInstallationRepositories(s.installation.id, [a, ...['c', 'd', 'e'].map((x) => `${s.org}/${x}`)]);
    fake.githubHost.renameRepo(a, `${s.org}/a2`);
    const before = await byPath(s.connectionId);
    breakIt(fake);
    const report = await reconcile(s.accountId);
    expect(report.outcome).toBe('partial_listing');
    expect(report.markedUnavailable).toBe(0);
    expect(report.message).toContain('page 2');
    expect(report.message).toContain('nothing was marked unavailable');
    const after = await rows(s.connectionId);
    expect(after.every((r) => r.host_unavailable_at === null && r.deleted_at === null)).toBe(true);
    expect(after.find((r) => r.id === before[b].id)).toEqual(before[b]);
    // What was read is a fact: the rename on page 1 is followed.
    expect(after.find((r) => r.id === before[a].id)?.path).toBe(`${s.org}/a2`);
    expect(await account(s.accountId)).toMatchObject({ last_reconcile_outcome: 'partial_listing', reconcile_lease_owner: null });
    if (/rate limited/.test(_what)) {
      // The host said to wait an hour: the account's rate budget holds the next run without asking the host.
      const asked = fake.requests.length;
      expect(await reconcile(s.accountId)).toMatchObject({ outcome: 'postponed', markedUnavailable: 0 });
      expect(fake.requests.length).toBe(asked);
      // The hour passes (the stored budget's wait ends).
      await t.dataSource.query('UPDATE code_host_rate_budgets SET retry_at = NULL, resets_at = NULL, remaining = NULL WHERE account_id = ?', [s.accountId]);
    }
    // The next run, with the host well again, completes and marks.
    expect(await reconcile(s.accountId)).toMatchObject({ outcome: 'complete', markedUnavailable: 1 });
  }, 60_000);

  test('a credential the host refuses (401, once more after one renewal) marks nothing', async () => {
    const s = await installed(['a', 'b']);
    fake.githubHost.setInstallationRepositories(s.installation.id, [`${s.org}/a`]);
    const before = await rows(s.connectionId);
    const mints = fake.githubHost.mints(s.installation.id);
    fake.failNext('/installation/repositories', 2, 401, {}, { message: 'Bad credentials' });
    const report = await reconcile(s.accountId);
    expect(report).toMatchObject({ outcome: 'credential_failing', changes: 0, markedUnavailable: 0 });
    expect(report.message).toContain('401');
    expect(fake.githubHost.mints(s.installation.id)).toBe(mints + 1);
    expect(await rows(s.connectionId)).toEqual(before);
    expect((await t.gql(ACCOUNT, { id: s.accountId })).body.data.codeHostAccount).toMatchObject({ status: 'ACTIVE', lastReconcileOutcome: 'CREDENTIAL_FAILING' });
  }, 60_000);

  test('a suspended installation stops reconciliation until the account is ACTIVE again; a revoked account is not tried', async () => {
    const s = await installed(['a', 'b']);
    fake.githubHost.suspendInstallation(s.installation.id);
    fake.githubHost.setInstallationRepositories(s.installation.id, [`${s.org}/a`]);
    const before = await rows(s.connectionId);
    const report = await reconcile(s.accountId);
    expect(report).toMatchObject({ outcome: 'stopped', changes: 0, markedUnavailable: 0 });
    expect(await rows(s.connectionId)).toEqual(before);
    const shown = (await t.gql(ACCOUNT, { id: s.accountId })).body.data.codeHostAccount;
    expect(shown).toMatchObject({ status: 'SUSPENDED', lastReconcileOutcome: 'STOPPED', nextReconcileAt: null });

    // Not retried: not due for any worker, not even when asked.
    const asked = fake.requests.length;
    expect(await t.server.services.reconciler.runOnce([s.accountId])).toBeNull();
    expect(await t.server.services.reconciler.runNow(s.accountId)).toBeNull();
    expect(fake.requests.length).toBe(asked);

    // The account changes (unsuspended on the host, ACTIVE again): due at once, and it runs.
    fake.githubHost.unsuspendInstallation(s.installation.id);
    await t.server.services.codeHosts.store.setStatusFromHost(t.dataSource.manager, s.accountId, 'active', null);
    expect(await t.server.services.reconciler.runOnce([s.accountId])).toMatchObject({ outcome: 'complete', markedUnavailable: 1 });

    const revoked = await installed(['x']);
    const res = await t.gql('mutation($id: ID!) { revokeCodeHostAccount(input: { id: $id }) { userErrors { code } } }', { id: revoked.accountId });
    expect(res.body.data.revokeCodeHostAccount.userErrors).toEqual([]);
    const count = fake.requests.length;
    expect(await t.server.services.reconciler.runOnce([revoked.accountId])).toBeNull();
    expect(await t.server.services.reconciler.runNow(revoked.accountId)).toBeNull();
    expect(fake.requests.length).toBe(count);
  }, 60_000);
});

describe('one run per account', () => {
  let second: DataSource | null = null;
  afterAll(async () => {
    if (second?.isInitialized) await second.destroy();
  });

  test('two processes (each its own database pool and services) reconcile one account once', async () => {
    const s = await installed(['a', 'b', 'c']);
    fake.githubHost.setInstallationRepositories(s.installation.id, [`${s.org}/a`]);
    second = createDataSource({ url: db.url, poolSize: 3 });
    await second.initialize();
    const other = createServices({ dataSource: second, config: t.config, cipher: t.cipher }).reconciler;
    expect(other.owner).not.toBe(t.server.services.reconciler.owner);
    await t.dataSource.query('UPDATE code_host_accounts SET next_reconcile_at = UTC_TIMESTAMP(3) WHERE id = ?', [s.accountId]);
    const listedBefore = listings();
    const [mine, theirs] = await Promise.all([t.server.services.reconciler.runOnce([s.accountId]), other.runOnce([s.accountId])]);
    const reports = [mine, theirs].filter((r): r is ReconcileReport => r !== null);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ outcome: 'complete', markedUnavailable: 2 });
    // One listing (one page: a single repository is left in the installation).
    expect(listings() - listedBefore).toBe(1);
    // Done: neither takes it again before it is due.
    expect(await Promise.all([t.server.services.reconciler.runOnce([s.accountId]), other.runOnce([s.accountId])])).toEqual([null, null]);
  }, 60_000);

  test('a run whose lease was taken over writes nothing', async () => {
    const s = await installed(['a', 'b']);
    fake.githubHost.setInstallationRepositories(s.installation.id, [`${s.org}/a`]);
    const before = await rows(s.connectionId);
    // The lease is stolen while the run lists (its process was thought dead and another took the account).
    const codeHosts = t.server.services.codeHosts;
    const slow = createReconciler({
      dataSource: t.dataSource, config: t.config, accounts: codeHosts.store, repositories: new RepositoryStore(), repoConnections: new RepoConnectionStore(),
      tokens: {
        tokenFor: async (tenantId, accountId, options) => {
          await t.dataSource.query("UPDATE code_host_accounts SET reconcile_lease_owner = 'someone-else' WHERE id = ?", [accountId]);
          return codeHosts.tokens.tokenFor(tenantId, accountId, options);
        },
      },
    });
    expect(await reconcile(s.accountId, slow)).toMatchObject({ outcome: 'lease_lost', changes: 0 });
    expect(await rows(s.connectionId)).toEqual(before);
  }, 60_000);
});

describe('the schedule', () => {
  test('the interval doubles while runs change nothing and the host shows no recent activity, halves with recent activity, and is the shortest after a change', async () => {
    const s = await installed(['quiet']);
    const repo = fake.githubHost.repo(`${s.org}/quiet`);
    repo.pushedAt = Date.now() - 30 * DAY;
    const interval = async () => {
      const row = await account(s.accountId);
      expect(row.next_reconcile_at.getTime() - row.last_reconciled_at.getTime()).toBeGreaterThanOrEqual(row.reconcile_interval_seconds * 1000 - 1000);
      expect(row.next_reconcile_at.getTime() - row.last_reconciled_at.getTime()).toBeLessThanOrEqual(row.reconcile_interval_seconds * 1000 + 1000);
      return row.reconcile_interval_seconds as number;
    };
    const min = t.config.reconcile.minIntervalSeconds;
    await reconcile(s.accountId);
    expect(await interval()).toBe(2 * min);
    await reconcile(s.accountId);
    expect(await interval()).toBe(4 * min);
    // A push (the host's activity now): no stored fact changes, the interval halves.
    fake.setHead('github', `${s.org}/quiet`, 'e'.repeat(40));
    expect(await reconcile(s.accountId)).toMatchObject({ changes: 0 });
    expect(await interval()).toBe(2 * min);
    // A change (archived on the host): back to the shortest.
    fake.githubHost.archiveRepo(`${s.org}/quiet`);
    expect(await reconcile(s.accountId)).toMatchObject({ changes: 1 });
    expect(await interval()).toBe(min);
  }, 60_000);

  test('the rule, up to a day and down to the shortest; failures keep the interval and try again after the shortest', () => {
    const limits = { minIntervalSeconds: 900, maxIntervalSeconds: 86_400 };
    const now = new Date();
    const old = new Date(now.getTime() - 30 * DAY);
    const run = (outcome: 'complete' | 'partial_listing' | 'credential_failing' | 'stopped', previous: number | null, changes: number, latest: Date | null) =>
      nextRun({ outcome, previousIntervalSeconds: previous, changes, latestActivity: latest, now }, limits);
    expect(run('complete', null, 0, old)).toEqual({ intervalSeconds: 1800, inSeconds: 1800 });
    expect(run('complete', 57_600, 0, null)).toEqual({ intervalSeconds: 86_400, inSeconds: 86_400 });
    expect(run('complete', 86_400, 0, old)).toEqual({ intervalSeconds: 86_400, inSeconds: 86_400 });
    expect(run('complete', 86_400, 2, old)).toEqual({ intervalSeconds: 900, inSeconds: 900 });
    expect(run('complete', 7200, 0, new Date(now.getTime() - 60_000))).toEqual({ intervalSeconds: 3600, inSeconds: 3600 });
    expect(run('complete', 900, 0, new Date(now.getTime() - 60_000))).toEqual({ intervalSeconds: 900, inSeconds: 900 });
    expect(run('partial_listing', 7200, 0, null)).toEqual({ intervalSeconds: 7200, inSeconds: 900 });
    expect(run('credential_failing', 7200, 0, null)).toEqual({ intervalSeconds: 7200, inSeconds: 900 });
    expect(run('stopped', 7200, 0, null)).toEqual({ intervalSeconds: 7200, inSeconds: 0 });
  });

  test('a rate budget that says not now postpones the run to its time without asking the host', async () => {
    const s = await installed(['a', 'b']);
    fake.githubHost.setInstallationRepositories(s.installation.id, [`${s.org}/a`]);
    const resumeAt = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const asked: string[] = [];
    const codeHosts = t.server.services.codeHosts;
    const budgeted = createReconciler({
      dataSource: t.dataSource, config: t.config, accounts: codeHosts.store, repositories: new RepositoryStore(), repoConnections: new RepoConnectionStore(),
      tokens: codeHosts.tokens,
      budget: { backgroundAllowed: async (id) => (asked.push(id), { allowed: false, resumeAt }) },
    });
    const before = fake.requests.length;
    const report = await reconcile(s.accountId, budgeted);
    expect(report).toMatchObject({ outcome: 'postponed', changes: 0 });
    expect(asked).toEqual([s.accountId]);
    expect(fake.requests.length).toBe(before);
    const row = await account(s.accountId);
    expect(row.next_reconcile_at.getTime()).toBe(resumeAt.getTime());
    expect(row.last_reconcile_outcome).toBeNull();
    expect(row.last_reconcile_message).toContain('Postponed until');
    expect((await rows(s.connectionId)).every((r) => r.host_unavailable_at === null)).toBe(true);
  }, 60_000);
});
