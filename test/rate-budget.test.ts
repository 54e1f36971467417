/**
 * A rate budget per code-host account (issue 19 §4), against the loopback fakes (which send the
 * hosts' documented rate-limit headers, with a count a test sets) and a database of this file's own
 * (its worker takes every due job): what each host's headers said is kept per account and shown on
 * the account in GraphQL; below the floor a background sync is deferred to the reset — re-queued,
 * not failed, no attempt spent — while a person's dry run still goes through, and once the reset
 * passes the sync runs; a sync that reaches the floor while it runs stops asking; a refusal with
 * Retry-After (GitHub's secondary limit, GitLab's 429) defers likewise; Bitbucket's NearLimit pauses;
 * and no tenant sees another's budget.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RateBudgetStore } from '../src/modules/code-host-accounts/rate-budget.store';
import { createIsolatedDatabase } from './support/db';
import { createAccount, createSessionFor } from './support/factories';
import { rest } from './support/rest';
import { startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let t: TestServer;
const MINUTE = 60_000;

const BUDGET = 'rateBudget { limit remaining resetsAt resource nearLimit retryAt observedAt floor backgroundPaused backgroundResumesAt }';
const CHECK = `mutation($input: ConnectReposInput!) { checkRepoConnection(input: $input) {
  check { ok credential { valid message } repositories { repository status message } } userErrors { code field message } } }`;
const CONNECT = `mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { code field message } } }`;
const READ = `query($id: ID!) { repoConnection(id: $id) { syncStatus syncError repositories { path lastCommitSha syncStatus } } }`;
const SYNC = `mutation($id: ID!) { syncRepoConnection(input: { id: $id }) { userErrors { code } } }`;

beforeAll(async () => {
  fake = await startFakeHosts();
  db = await createIsolatedDatabase('rate_budget');
  t = await startTestServer({
    databaseUrl: db.url,
    env: {
      REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true',
      REPOLINK_BITBUCKET_API_URL: fake.bitbucketApi,
      REPOLINK_BITBUCKET_URL: fake.url,
      REPOLINK_RATE_BUDGET_FLOOR: '0.1',
      REPOLINK_RATE_BUDGET_FLOOR_MIN: '50',
    },
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await db?.drop();
  await fake?.close();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function addAccount(input: Record<string, unknown>, key = t.apiKey): Promise<string> {
  const res = await t.gql(`mutation($input: AddCodeHostAccountInput!) { addCodeHostAccount(input: $input) { codeHostAccount { id } userErrors { message } } }`, { input }, as(key));
  expect(res.body.data.addCodeHostAccount.userErrors).toEqual([]);
  return res.body.data.addCodeHostAccount.codeHostAccount.id;
}

/** A GitHub user with an organization of `repos` repositories and a classic token, connected as an ACCESS_TOKEN account. */
async function githubAccount(login: string, repos = 1, key = t.apiKey): Promise<{ account: string; paths: string[] }> {
  fake.githubHost.addUser({ login, orgs: [`${login}-org`] });
  const paths = Array.from({ length: repos }, (_, i) => `${login}-org/r${i}`);
  paths.forEach((path, i) => fake.githubHost.addRepo({ owner: `${login}-org`, name: `r${i}`, head: String(i + 1).repeat(40).slice(0, 40) }));
  const token = fake.githubHost.addToken({ kind: 'classic', user: login, scopes: ['repo', 'read:org'] });
  return { account: await addAccount({ host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token }, key), paths };
}

async function budgetOf(account: string, key = t.apiKey) {
  const res = await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { id ${BUDGET} } }`, { id: account }, as(key));
  expect(res.body.errors).toBeUndefined();
  return res.body.data.codeHostAccount?.rateBudget;
}

async function check(platform: string, account: string, repositories: string[], key = t.apiKey) {
  const res = await t.gql(CHECK, { input: { platform, codeHostAccountId: account, repositories } }, as(key));
  expect(res.body.data.checkRepoConnection.userErrors).toEqual([]);
  return res.body.data.checkRepoConnection.check;
}

async function connect(platform: string, account: string, repositories: string[], key = t.apiKey): Promise<string> {
  const res = await t.gql(CONNECT, { input: { platform, codeHostAccountId: account, repositories } }, as(key));
  expect(res.body.data.connectRepos.userErrors).toEqual([]);
  return res.body.data.connectRepos.repoConnection.id;
}

/** Asks for a sync and runs every due job; answers the attempts made for `id`. */
async function syncNow(id: string, key = t.apiKey) {
  expect((await t.gql(SYNC, { id }, as(key))).body.data.syncRepoConnection.userErrors).toEqual([]);
  return runDue(id);
}

async function runDue(id: string) {
  return (await runAll()).filter((a) => a.connectionId === id);
}

/** Runs every due job (syncs, and the link jobs new accounts queue). */
async function runAll() {
  const attempts = [];
  for (let attempt = await t.server.syncWorker.runOnce(); attempt !== null; attempt = await t.server.syncWorker.runOnce()) attempts.push(attempt);
  return attempts;
}

const jobOf = async (id: string) => (await t.dataSource.query('SELECT status, attempts, run_after AS runAfter, last_error AS lastError FROM sync_jobs WHERE repo_connection_id = ?', [id]))[0];
const hostCalls = (fragment: string) => fake.requests.filter((r) => r.path.includes(fragment)).length;

test('each account keeps what its host said of its rate limit, shown on the account (GitHub, GitLab, Bitbucket); nothing before a call', async () => {
  const gh = await githubAccount('rb-seen');
  expect(await budgetOf(gh.account)).toBeNull();
  fake.githubHost.setRateLimit('user:rb-seen', { remaining: 4200, resetInMs: 30 * MINUTE });
  expect((await check('GITHUB', gh.account, gh.paths)).ok).toBe(true);
  const github = fake.githubHost.rateLimit('user:rb-seen');
  const seen = await budgetOf(gh.account);
  expect(seen).toMatchObject({ limit: 5000, remaining: github.remaining, resource: 'core', nearLimit: null, retryAt: null, floor: 500, backgroundPaused: false, backgroundResumesAt: null });
  expect(Date.parse(seen.resetsAt)).toBe(github.reset * 1000);
  expect(Math.abs(Date.parse(seen.observedAt) - Date.now())).toBeLessThan(MINUTE);

  fake.gitlabHost.addUser({ username: 'rb-gl' });
  fake.gitlabHost.addProject({ path: 'rb-group/app', members: { 'rb-gl': 30 } });
  const glToken = fake.gitlabHost.addPersonalAccessToken({ user: 'rb-gl', scopes: ['read_api', 'read_repository'] });
  const gl = await addAccount({ host: 'GITLAB', kind: 'ACCESS_TOKEN', baseUrl: fake.gitlab, token: glToken });
  expect((await check('GITLAB', gl, ['rb-group/app'])).ok).toBe(true);
  const gitlab = fake.gitlabHost.rateLimit('rb-gl');
  const glSeen = await budgetOf(gl);
  expect(glSeen).toMatchObject({ limit: 2000, remaining: gitlab.remaining, resource: null, floor: 200, backgroundPaused: false });
  expect(Date.parse(glSeen.resetsAt)).toBe(gitlab.reset * 1000);

  // Bitbucket sends no count: its limit, its resource group and NearLimit, to access tokens.
  fake.bitbucketHost.addWorkspace({ slug: 'rb-ws', members: [] });
  fake.bitbucketHost.addRepo({ workspace: 'rb-ws', slug: 'app', mainbranch: 'main', head: 'e'.repeat(40) });
  const bbToken = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'rb-ws', scopes: ['repository', 'pullrequest'] });
  const bb = await addAccount({ host: 'BITBUCKET', kind: 'ACCESS_TOKEN', token: bbToken });
  expect((await check('BITBUCKET', bb, ['rb-ws/app'])).ok).toBe(true);
  expect(await budgetOf(bb)).toMatchObject({ limit: 1000, remaining: null, resetsAt: null, resource: 'api', nearLimit: false, floor: 100, backgroundPaused: false });

  // Every account of the list in one statement per page (the loader batches them).
  const listed = await t.gql(`{ codeHostAccounts(first: 10) { edges { node { id ${BUDGET} } } } }`);
  const byId = new Map(listed.body.data.codeHostAccounts.edges.map((e: any) => [e.node.id, e.node.rateBudget]));
  expect(byId.get(gh.account)).toMatchObject({ remaining: github.remaining });
  expect(byId.get(bb)).toMatchObject({ resource: 'api' });
});

test('below the floor a background sync is deferred to the reset (re-queued, no attempt spent) while a dry run goes through; after the reset it runs', async () => {
  const gh = await githubAccount('rb-floor', 2);
  const id = await connect('GITHUB', gh.account, gh.paths);
  // A person's dry run sees 120 left of 5,000 (the floor is 500): it goes through, and the budget says so.
  fake.githubHost.setRateLimit('user:rb-floor', { remaining: 120, resetInMs: 4000 });
  expect((await check('GITHUB', gh.account, gh.paths)).ok).toBe(true);
  const budget = await budgetOf(gh.account);
  expect(budget).toMatchObject({ remaining: fake.githubHost.rateLimit('user:rb-floor').remaining, floor: 500, backgroundPaused: true });
  expect(budget.backgroundResumesAt).toBe(budget.resetsAt);

  const before = hostCalls('/api/v3/');
  const [deferred] = await syncNow(id);
  expect(deferred).toMatchObject({ outcome: 'defer', message: expect.stringContaining(`Waiting for the rate budget of code-host account ${gh.account}`) });
  expect(hostCalls('/api/v3/')).toBe(before);
  const job = await jobOf(id);
  expect(job).toMatchObject({ status: 'queued', attempts: 0 });
  expect(new Date(job.runAfter).getTime()).toBe(Date.parse(budget.resetsAt));
  const waiting = (await t.gql(READ, { id })).body.data.repoConnection;
  expect(waiting).toMatchObject({ syncStatus: 'PENDING', syncError: expect.stringMatching(/below the floor kept for what people ask, so background work yields until/) });
  expect(waiting.repositories.every((r: any) => r.syncStatus === 'PENDING')).toBe(true);
  // Asking again does not spend the budget either: the job runs, defers again, and gives its attempt back.
  expect((await syncNow(id)).map((a) => a.outcome)).toEqual(['defer']);
  expect(await jobOf(id)).toMatchObject({ status: 'queued', attempts: 0 });
  // What people ask still goes through while background work waits.
  expect((await check('GITHUB', gh.account, gh.paths)).ok).toBe(true);

  // Once the window restarts the job is due, and the sync runs.
  await sleep(Math.max(0, Date.parse(budget.resetsAt) - Date.now()) + 200);
  fake.setHead('github', gh.paths[0], 'f'.repeat(40));
  expect((await runDue(id)).map((a) => a.outcome)).toEqual(['done']);
  const synced = (await t.gql(READ, { id })).body.data.repoConnection;
  expect(synced).toMatchObject({ syncStatus: 'OK', syncError: null });
  expect(synced.repositories[0]).toMatchObject({ lastCommitSha: 'f'.repeat(40), syncStatus: 'OK' });
  expect(await budgetOf(gh.account)).toMatchObject({ remaining: fake.githubHost.rateLimit('user:rb-floor').remaining, backgroundPaused: false });
}, 30_000);

test('a sync that reaches the floor while it runs stops asking: what it read is kept, the rest waits for the reset', async () => {
  const gh = await githubAccount('rb-midway', 8);
  const id = await connect('GITHUB', gh.account, gh.paths);
  // Six requests above the floor: the credential and a few repositories (two calls each) fit, eight do not.
  fake.githubHost.setRateLimit('user:rb-midway', { remaining: 506, resetInMs: 20 * MINUTE });
  const before = hostCalls('/api/v3/repos/rb-midway-org/');
  const [attempt] = await syncNow(id);
  expect(attempt).toMatchObject({ outcome: 'defer' });
  const asked = hostCalls('/api/v3/repos/rb-midway-org/') - before;
  // Held once an answer showed the budget under the floor; only calls already in flight (4 at once) went on.
  expect(asked).toBeLessThan(2 * gh.paths.length);
  expect(fake.githubHost.rateLimit('user:rb-midway').remaining).toBeGreaterThanOrEqual(500 - 4);
  expect(await jobOf(id)).toMatchObject({ status: 'queued', attempts: 0 });
  const read = (await t.gql(READ, { id })).body.data.repoConnection;
  expect(read.syncStatus).toBe('PENDING');
  // Nothing was marked failed: the repositories not read wait, the ones read keep what the host said.
  expect(read.repositories.filter((r: any) => r.syncStatus === 'ERROR')).toEqual([]);
  expect(read.repositories.some((r: any) => r.syncStatus === 'OK')).toBe(true);
});

test('a refusal with Retry-After (GitHub\'s secondary limit, GitLab\'s 429) defers the sync to that time; the dry run is not held by it', async () => {
  const gh = await githubAccount('rb-secondary', 2);
  const id = await connect('GITHUB', gh.account, gh.paths);
  fake.githubHost.secondaryLimit('user:rb-secondary', { count: 1, retryAfterSeconds: 60 });
  const before = hostCalls('/api/v3/');
  const [attempt] = await syncNow(id);
  expect(attempt).toMatchObject({ outcome: 'defer' });
  // One request met the limit; nothing more was sent to a host that said to wait.
  expect(hostCalls('/api/v3/')).toBe(before + 1);
  const budget = await budgetOf(gh.account);
  expect(Date.parse(budget.retryAt) - Date.now()).toBeGreaterThan(50_000);
  expect(budget).toMatchObject({ backgroundPaused: true, backgroundResumesAt: budget.retryAt });
  const job = await jobOf(id);
  expect(job).toMatchObject({ status: 'queued', attempts: 0 });
  expect(new Date(job.runAfter).getTime()).toBe(Date.parse(budget.retryAt));
  expect((await t.gql(READ, { id })).body.data.repoConnection.syncStatus).toBe('PENDING');
  // A person's dry run is not held by the budget: the host answers it (its secondary limit has passed).
  expect((await check('GITHUB', gh.account, gh.paths)).ok).toBe(true);

  fake.gitlabHost.addUser({ username: 'rb-429' });
  fake.gitlabHost.addProject({ path: 'rb-429/app', members: { 'rb-429': 30 } });
  const token = fake.gitlabHost.addPersonalAccessToken({ user: 'rb-429', scopes: ['read_api', 'read_repository'] });
  const gl = await addAccount({ host: 'GITLAB', kind: 'ACCESS_TOKEN', baseUrl: fake.gitlab, token });
  const glId = await connect('GITLAB', gl, ['rb-429/app']);
  fake.gitlabHost.setRateLimit('rb-429', { remaining: 0, resetInMs: 45_000 });
  expect((await syncNow(glId)).map((a) => a.outcome)).toEqual(['defer']);
  const glBudget = await budgetOf(gl);
  expect(Date.parse(glBudget.retryAt) - Date.now()).toBeGreaterThan(30_000);
  expect(glBudget).toMatchObject({ remaining: 0, backgroundPaused: true });
  expect(await jobOf(glId)).toMatchObject({ status: 'queued', attempts: 0 });
});

test('Bitbucket\'s NearLimit (under 20% of the hour left) pauses background work for a while; the dry run goes through', async () => {
  fake.bitbucketHost.addWorkspace({ slug: 'rb-near', members: [] });
  fake.bitbucketHost.addRepo({ workspace: 'rb-near', slug: 'svc', mainbranch: 'main', head: 'd'.repeat(40) });
  const token = fake.bitbucketHost.addAccessToken({ kind: 'workspace', workspace: 'rb-near', scopes: ['repository', 'pullrequest'] });
  const bb = await addAccount({ host: 'BITBUCKET', kind: 'ACCESS_TOKEN', token });
  const id = await connect('BITBUCKET', bb, ['rb-near/svc']);
  fake.bitbucketHost.setRateLimit(`token:${token}`, { remaining: 150 });
  expect((await check('BITBUCKET', bb, ['rb-near/svc'])).ok).toBe(true);
  const budget = await budgetOf(bb);
  expect(budget).toMatchObject({ nearLimit: true, remaining: null, backgroundPaused: true });
  expect(Date.parse(budget.backgroundResumesAt) - Date.parse(budget.observedAt)).toBe(10 * MINUTE);
  expect((await syncNow(id)).map((a) => a.outcome)).toEqual(['defer']);
});

test('a link job waits for the rate budget like a sync, and links once the window restarts', async () => {
  const tenant = await createAccount(t.dataSource);
  const { token: session } = await createSessionFor(t.dataSource, tenant);
  fake.githubHost.addUser({ login: 'rb-link', orgs: ['rb-link-org'] });
  fake.githubHost.addRepo({ owner: 'rb-link-org', name: 'api', head: 'c'.repeat(40) });
  const created = await rest(t.url, 'POST', '/api/repos', { body: { name: 'api', source_type: 'github', remote_url: `${fake.url}/rb-link-org/api.git` }, headers: { cookie: `session=${session}` } });
  expect(created.body.data.oauth_connection_id).toBeNull();
  // The account is connected (its link job queued with it) while its budget is under the floor, as a person's dry run sees.
  const token = fake.githubHost.addToken({ kind: 'classic', user: 'rb-link', scopes: ['repo', 'read:org'] });
  const account = await addAccount({ host: 'GITHUB', kind: 'ACCESS_TOKEN', baseUrl: fake.githubWeb, token }, tenant.apiKey);
  fake.githubHost.setRateLimit('user:rb-link', { remaining: 100, resetInMs: 3000 });
  expect((await check('GITHUB', account, ['rb-link-org/api'], tenant.apiKey)).ok).toBe(true);
  const budget = await budgetOf(account, tenant.apiKey);
  expect(budget.backgroundPaused).toBe(true);
  const runLinks = async () => (await runAll()).filter((a) => a.accountId === account);
  const before = hostCalls('/api/v3/repos/rb-link-org/');
  expect(await runLinks()).toEqual([expect.objectContaining({ outcome: 'defer', linked: 0 })]);
  expect(hostCalls('/api/v3/repos/rb-link-org/')).toBe(before);
  const readBack = async () => (await rest(t.url, 'GET', `/api/repos/${created.body.data.id}`, { headers: { cookie: `session=${session}` } })).body.data.oauth_connection_id;
  expect(await readBack()).toBeNull();

  await sleep(Math.max(0, Date.parse(budget.resetsAt) - Date.now()) + 200);
  expect(await runLinks()).toEqual([expect.objectContaining({ outcome: 'done', linked: 1 })]);
  expect(await readBack()).toBe(account);
}, 30_000);

test('no tenant sees another tenant\'s budget', async () => {
  const mine = await githubAccount('rb-tenant-a');
  expect((await check('GITHUB', mine.account, mine.paths)).ok).toBe(true);
  const other = await createAccount(t.dataSource);
  const theirs = await githubAccount('rb-tenant-b', 1, other.apiKey);
  expect((await check('GITHUB', theirs.account, theirs.paths, other.apiKey)).ok).toBe(true);

  // By id: another tenant's account is not there, budget and all.
  const foreign = await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { id ${BUDGET} } node(id: $id) { id } }`, { id: mine.account }, as(other.apiKey));
  expect(foreign.body.data).toEqual({ codeHostAccount: null, node: null });
  const listed = await t.gql(`{ codeHostAccounts(first: 10) { edges { node { id rateBudget { remaining } } } } }`, {}, as(other.apiKey));
  expect(listed.body.data.codeHostAccounts.edges).toEqual([{ node: { id: theirs.account, rateBudget: { remaining: fake.githubHost.rateLimit('user:rb-tenant-b').remaining } } }]);
  // The loader's statement is scoped to the caller's tenant, whatever ids it is given.
  const store = new RateBudgetStore(t.dataSource);
  expect((await store.byAccounts(t.dataSource.manager, other.tenant.id, [mine.account, theirs.account])).map((r) => r.accountId)).toEqual([theirs.account]);
});
