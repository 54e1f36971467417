import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { CodeHostAccountEntity, RepoConnectionEntity, RepositoryEntity } from '../src/db/entities';
import { uuidv7 } from '../src/lib/ids';
import { Secret } from '../src/modules/crypto';
import { platformHost } from '../src/modules/platforms/platform-facts';
import { RepoConnectionStore } from '../src/modules/repo-connections/repo-connection.store';
import { RepositoryStore } from '../src/modules/repositories/repository.store';
import { SyncWorker } from '../src/modules/sync/sync-worker';
import {
  bitbucketDelivery,
  bitbucketEvents,
  githubDelivery,
  githubEvents,
  gitlabDelivery,
  gitlabEvents,
  redeliver,
  send,
  type Delivery,
  type HookInstallation,
  type HookRepo,
} from './support/fake-hosts/webhooks';
import { createAccount, type TestAccount } from './support/factories';
import { useTestServer } from './support/test-server';

/**
 * Processing of verified deliveries against the real database: each delivery is built and signed
 * as its host sends it (the documented example bodies of test/support/fake-hosts/webhooks.ts),
 * received by the real endpoint, then processed; every test checks what changed and that nothing
 * else did (the whole row, and the rows of other tenants with the same host id).
 */

const t = useTestServer();
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const sha = () => randomBytes(20).toString('hex');
const store = new RepositoryStore();
/** The endpoints this file's deliveries arrive at: processing is scoped to them (other test files share the database). */
const sources: string[] = [];
const processAll = () => t.server.services.webhooks.processor.drain({ sources });

type Row = Record<string, unknown>;
const repositoryRow = async (id: string): Promise<Row> => (await t.dataSource.query('SELECT * FROM repositories WHERE id = ?', [id]))[0];
const accountRow = async (id: string): Promise<Row> => (await t.dataSource.query('SELECT * FROM code_host_accounts WHERE id = ?', [id]))[0];
/** The delivery as stored, found by the host's delivery id. */
const deliveryRows = (sourceId: string, key: string): Promise<Row[]> =>
  t.dataSource.query('SELECT status, outcome, body_gzip, processed_at, id FROM webhook_deliveries WHERE source_id = ? AND delivery_key = ?', [sourceId, key]);
const keyOf = (d: Delivery) => d.headers['X-GitHub-Delivery'] ?? d.headers['Idempotency-Key'] ?? d.headers['X-Request-UUID'];

/** Only the named columns changed (and `updated_at` / the last event when `stamped`): the rest of the row is as it was. */
function expectOnly(before: Row, after: Row, changed: Record<string, unknown>, stamped = true) {
  const moving = new Set([...Object.keys(changed), ...(stamped ? ['updated_at', 'last_webhook_event', 'last_webhook_action', 'last_webhook_received_at', 'last_webhook_delivery_id'] : [])]);
  if ('last_commit_sha' in changed) moving.add('synced_at');
  if ('path' in changed) moving.add('live_path'); // generated from path
  const keep = (row: Row) => Object.fromEntries(Object.entries(row).filter(([k]) => !moving.has(k)));
  expect(keep(after)).toEqual(keep(before));
  for (const [column, value] of Object.entries(changed)) expect(after[column]).toEqual(value);
}

/** A repository stored as a sync of `host` leaves it (its host id read). */
async function storedRepository(
  owner: TestAccount,
  input: { host: string; hostId: string; path: string; sourceType?: RepositoryEntity['sourceType']; connectionId?: string | null; linkedAccountId?: string | null },
): Promise<string> {
  const now = new Date(Date.now() - 60_000);
  const id = uuidv7();
  await store.insert(t.dataSource.manager, [
    Object.assign(new RepositoryEntity(), {
      id,
      tenantId: owner.tenant.id,
      projectId: owner.project.id,
      repoConnectionId: input.connectionId ?? null,
      userId: null,
      name: input.path.split('/').pop()!,
      sourceType: input.sourceType ?? 'github',
      path: input.path,
      remoteUrl: `https://${input.host}/${input.path}.git`,
      defaultBranch: 'main',
      lastCommitSha: sha(),
      oauthConnectionId: input.linkedAccountId ?? null,
      issueAutoCreateEnabled: false,
      issueAutoCreateMinSeverity: 'high',
      archived: false,
      platformHost: input.host,
      hostRepositoryId: input.hostId,
      syncStatus: 'ok',
      syncedAt: now,
      syncError: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    }),
  ]);
  return id;
}

interface App {
  id: string;
  githubAppId: number;
  secret: string;
  host: string;
}

async function registerApp(): Promise<App> {
  const githubAppId = randomInt(1_000_000, 2_000_000_000);
  const secret = randomBytes(20).toString('hex');
  const baseUrl = `https://ghe-${randomBytes(5).toString('hex')}.example.com`;
  const app = await t.server.services.codeHosts.apps.register({
    kind: 'github_app',
    host: 'github',
    baseUrl,
    githubAppId: String(githubAppId),
    slug: `repolink-${githubAppId}`,
    clientId: `Iv1.${randomBytes(8).toString('hex')}`,
    clientSecret: new Secret(randomBytes(20).toString('hex')),
    privateKey: new Secret(PRIVATE_KEY),
    webhookSecret: new Secret(secret),
    source: 'admin',
  });
  sources.push(app.id);
  return { id: app.id, githubAppId, secret, host: platformHost(baseUrl) };
}

/** The tenant's account linking the installation, as the installation flow stores it. */
async function linkInstallation(owner: TestAccount, app: App, installationId: number): Promise<string> {
  const now = new Date();
  const id = `cha_${randomBytes(16).toString('hex')}`;
  await t.server.services.codeHosts.store.insertAccount(
    t.dataSource.manager,
    Object.assign(new CodeHostAccountEntity(), {
      id, tenantId: owner.tenant.id, kind: 'github_app_installation', host: 'github', baseUrl: `https://${app.host}`, appId: app.id, externalId: String(installationId),
      linkKey: `${app.id}:${installationId}`, status: 'active', statusReason: null, identity: 'acme', authUsername: null, scopes: null, installation: null, credentialHint: null,
      accessTokenKeyId: null, accessTokenCiphertext: null, accessTokenExpiresAt: null, refreshTokenKeyId: null, refreshTokenCiphertext: null, refreshTokenExpiresAt: null,
      refreshedAt: null, leaseOwner: null, leaseUntil: null, createdByUserId: null, createdByApiKeyId: null, createdAt: now, updatedAt: now, deletedAt: null,
    }),
  );
  return id;
}

/** A connection of the owner's project made through a code-host account (it keeps no credentials of its own). */
async function connectionThrough(owner: TestAccount, accountId: string, host: string): Promise<string> {
  const now = new Date(Date.now() - 60_000);
  const id = `rc_${uuidv7().replace(/-/g, '')}`;
  await new RepoConnectionStore().insert(
    t.dataSource.manager,
    Object.assign(new RepoConnectionEntity(), {
      id, tenantId: owner.tenant.id, projectId: owner.project.id, platform: 'github', credentialsKeyId: null, credentialsCiphertext: null, credentialsHint: null,
      codeHostAccountId: accountId, baseUrl: `https://${host}`, lookbackDays: 30, cacheInvalidatedAt: null, createdAt: now, updatedAt: now, deletedAt: null,
    }),
  );
  return id;
}

async function createHook(owner: TestAccount, host: 'github' | 'gitlab' | 'bitbucket') {
  const { hook, generatedSecret } = await t.server.services.webhooks.hooks.create({ tenantId: owner.tenant.id, host, baseUrl: null, description: `${host} processing`, secret: null });
  sources.push(hook.id);
  return { id: hook.id, secret: generatedSecret!.reveal(), host: platformHost(hook.baseUrl), url: `${t.url}${host === 'github' ? `/webhooks/github/hooks/${hook.id}` : `/webhooks/${host}/${hook.id}`}` };
}

async function deliver(d: Delivery): Promise<void> {
  expect((await send(d)).status).toBe(202);
  await processAll();
}

describe('GitHub App deliveries', () => {
  let app: App;
  let owner: TestAccount;
  let other: TestAccount;
  let installationId: number;
  let accountId: string;
  const appDelivery = (event: ReturnType<typeof githubEvents.push>) => githubDelivery(`${t.url}/webhooks/github`, event, { secret: app.secret, target: { type: 'integration', id: app.githubAppId } });
  const hookRepo = (path: string, id: number): HookRepo => ({ id, owner: path.split('/')[0], name: path.split('/')[1], defaultBranch: 'main' });

  beforeAll(async () => {
    app = await registerApp();
    owner = t.account;
    other = await createAccount(t.dataSource);
    installationId = randomInt(1_000_000, 2_000_000_000);
    accountId = await linkInstallation(owner, app, installationId);
  });

  /** The owner's repository, and another tenant's with the same host id on the same host (which no delivery of this installation may touch). */
  async function pair(path = `acme/api-${randomBytes(3).toString('hex')}`) {
    const hostId = randomInt(1, 2_000_000_000);
    const mine = await storedRepository(owner, { host: app.host, hostId: String(hostId), path });
    const theirs = await storedRepository(other, { host: app.host, hostId: String(hostId), path });
    return { mine, theirs, hostId, path, before: await repositoryRow(mine), theirsBefore: await repositoryRow(theirs) };
  }

  test('a push to the default branch sets the head and the sync time, records the event, and drops the body; the other tenant’s row is untouched', async () => {
    const p = await pair();
    const after = sha();
    const d = appDelivery(githubEvents.push({ repo: hookRepo(p.path, p.hostId), after, installationId }));
    await deliver(d);
    const row = await repositoryRow(p.mine);
    expectOnly(p.before, row, { last_commit_sha: after, last_webhook_event: 'push', last_webhook_action: null });
    expect((row.synced_at as Date).getTime()).toBeGreaterThan((p.before.synced_at as Date).getTime());
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);
    const [stored] = await deliveryRows(app.id, keyOf(d));
    expect(stored).toMatchObject({ status: 'processed', body_gzip: null });
    expect(stored.outcome).toContain(`head set to ${after.slice(0, 12)}`);
    expect(row.last_webhook_delivery_id).toBe(stored.id);

    const res = await t.gql('query($id: ID!) { repository(id: $id) { lastCommitSha lastWebhookEvent { event action webhookDeliveryId receivedAt } } }', { id: p.mine });
    expect(res.body.data.repository).toMatchObject({ lastCommitSha: after, lastWebhookEvent: { event: 'push', action: null, webhookDeliveryId: stored.id } });
  });

  test('a push to another branch changes no fact (the event is recorded)', async () => {
    const p = await pair();
    const d = appDelivery(githubEvents.push({ repo: hookRepo(p.path, p.hostId), after: sha(), ref: 'refs/heads/feature', installationId }));
    await deliver(d);
    expectOnly(p.before, await repositoryRow(p.mine), { updated_at: p.before.updated_at, last_webhook_event: 'push' });
    expect((await deliveryRows(app.id, keyOf(d)))[0].outcome).toContain('push to feature, not the default branch main');
  });

  test('a change of the default branch is stored', async () => {
    const p = await pair();
    await deliver(appDelivery(githubEvents.repository('edited', { repo: { ...hookRepo(p.path, p.hostId), defaultBranch: 'trunk' }, from: { defaultBranch: 'main' }, installationId })));
    expectOnly(p.before, await repositoryRow(p.mine), { default_branch: 'trunk', last_webhook_event: 'repository', last_webhook_action: 'edited' });
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);
  });

  test('a rename moves the stored path, name and remote URL; a push to the new name then updates the same row', async () => {
    const p = await pair();
    const renamed = { ...hookRepo(p.path, p.hostId), name: 'renamed-api' };
    await deliver(appDelivery(githubEvents.repository('renamed', { repo: renamed, from: { name: p.path.split('/')[1] }, installationId })));
    const moved = await repositoryRow(p.mine);
    expectOnly(p.before, moved, { path: 'acme/renamed-api', name: 'renamed-api', remote_url: `https://${app.host}/acme/renamed-api.git`, last_webhook_action: 'renamed' });
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);

    const after = sha();
    await deliver(appDelivery(githubEvents.push({ repo: renamed, after, installationId })));
    expectOnly(moved, await repositoryRow(p.mine), { last_commit_sha: after, last_webhook_action: null, last_webhook_event: 'push' });
    const rows = await t.dataSource.query('SELECT id FROM repositories WHERE project_id = ? AND host_repository_id = ?', [owner.project.id, String(p.hostId)]);
    expect(rows).toEqual([{ id: p.mine }]);
  });

  test('a transfer moves the stored path to the new owner', async () => {
    const p = await pair();
    const name = p.path.split('/')[1];
    await deliver(appDelivery(githubEvents.repository('transferred', { repo: { ...hookRepo(p.path, p.hostId), owner: 'new-org' }, from: { owner: 'acme' }, installationId })));
    expectOnly(p.before, await repositoryRow(p.mine), { path: `new-org/${name}`, name, remote_url: `https://${app.host}/new-org/${name}.git`, last_webhook_action: 'transferred' });
  });

  test('a rename onto a path another repository of the project has is not applied, and says so', async () => {
    const p = await pair();
    const taken = `acme/taken-${randomBytes(3).toString('hex')}`;
    await storedRepository(owner, { host: app.host, hostId: String(randomInt(1, 2_000_000_000)), path: taken });
    const d = appDelivery(githubEvents.repository('renamed', { repo: { ...hookRepo(p.path, p.hostId), name: taken.split('/')[1] }, installationId }));
    await deliver(d);
    expectOnly(p.before, await repositoryRow(p.mine), { updated_at: p.before.updated_at, last_webhook_action: 'renamed' });
    expect((await deliveryRows(app.id, keyOf(d)))[0].outcome).toContain('which is another repository of its project');
  });

  test('archived and unarchived set the flag', async () => {
    const p = await pair();
    await deliver(appDelivery(githubEvents.repository('archived', { repo: hookRepo(p.path, p.hostId), installationId })));
    const archived = await repositoryRow(p.mine);
    expectOnly(p.before, archived, { archived: 1, last_webhook_action: 'archived' });
    await deliver(appDelivery(githubEvents.repository('unarchived', { repo: hookRepo(p.path, p.hostId), installationId })));
    expectOnly(archived, await repositoryRow(p.mine), { archived: 0, last_webhook_action: 'unarchived' });
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);
  });

  test('deleted on the host marks the repository, which stays live', async () => {
    const p = await pair();
    await deliver(appDelivery(githubEvents.repository('deleted', { repo: hookRepo(p.path, p.hostId), installationId })));
    const row = await repositoryRow(p.mine);
    expect(row.host_deleted_at).toBeInstanceOf(Date);
    expectOnly(p.before, row, { host_deleted_at: row.host_deleted_at, deleted_at: null, last_webhook_action: 'deleted' });
    const res = await t.gql('query($id: ID!) { repository(id: $id) { id hostDeletedAt deletedAt } }', { id: p.mine });
    expect(res.body.data.repository).toMatchObject({ id: p.mine, deletedAt: null, hostDeletedAt: expect.any(String) });
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);
  });

  test('repositories removed from the installation are marked unavailable, and available again when added back', async () => {
    const p = await pair();
    const installation: HookInstallation = { id: installationId, appId: app.githubAppId, account: 'acme', repositorySelection: 'selected' };
    await deliver(appDelivery(githubEvents.installationRepositories('removed', { installation, removed: [hookRepo(p.path, p.hostId)] })));
    const removed = await repositoryRow(p.mine);
    expect(removed.host_unavailable_at).toBeInstanceOf(Date);
    expectOnly(p.before, removed, { host_unavailable_at: removed.host_unavailable_at, deleted_at: null, last_webhook_event: 'installation_repositories', last_webhook_action: 'removed' });
    await deliver(appDelivery(githubEvents.installationRepositories('added', { installation, added: [hookRepo(p.path, p.hostId)] })));
    expectOnly(removed, await repositoryRow(p.mine), { host_unavailable_at: null, last_webhook_action: 'added' });
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);
  });

  test('installation suspended, unsuspended and deleted change the linked account’s status, and no other account', async () => {
    const ownInstallation = randomInt(1_000_000, 2_000_000_000);
    const account = await linkInstallation(owner, app, ownInstallation);
    const bystander = await linkInstallation(other, app, randomInt(1_000_000, 2_000_000_000));
    const bystanderBefore = await accountRow(bystander);
    const installation: HookInstallation = { id: ownInstallation, appId: app.githubAppId, account: 'acme' };
    const status = async () => {
      const row = await accountRow(account);
      return [row.status, row.status_reason];
    };
    await deliver(appDelivery(githubEvents.installation('suspend', { installation })));
    expect(await status()).toEqual(['suspended', 'The installation was suspended on GitHub']);
    const res = await t.gql('query($id: ID!) { codeHostAccount(id: $id) { status } }', { id: account });
    expect(res.body.data.codeHostAccount.status).toBe('SUSPENDED');
    await deliver(appDelivery(githubEvents.installation('unsuspend', { installation })));
    expect(await status()).toEqual(['active', null]);
    await deliver(appDelivery(githubEvents.installation('deleted', { installation })));
    const ended = await accountRow(account);
    expect([ended.status, ended.deleted_at, ended.access_token_ciphertext]).toEqual(['revoked', null, null]);
    expect(await accountRow(bystander)).toEqual(bystanderBefore);
    expect(await accountRow(accountId)).toMatchObject({ status: 'active' });
  });

  test('installation deleted marks unavailable, in their own tenant, the repositories its account read (its connections’ and those linked to it); suspend marks none', async () => {
    const ownInstallation = randomInt(1_000_000, 2_000_000_000);
    const account = await linkInstallation(owner, app, ownInstallation);
    const connection = await connectionThrough(owner, account, app.host);
    const hex = () => randomBytes(3).toString('hex');
    const hostId = randomInt(1, 2_000_000_000);
    const inConnection = await storedRepository(owner, { host: app.host, hostId: String(hostId), path: `acme/conn-${hex()}`, connectionId: connection });
    const alreadyOut = await storedRepository(owner, { host: app.host, hostId: String(randomInt(1, 2_000_000_000)), path: `acme/out-${hex()}`, connectionId: connection });
    await t.dataSource.query('UPDATE repositories SET host_unavailable_at = ? WHERE id = ?', [new Date(Date.now() - 30_000), alreadyOut]);
    const linked = await storedRepository(owner, { host: app.host, hostId: String(randomInt(1, 2_000_000_000)), path: `acme/linked-${hex()}`, linkedAccountId: account });
    // Left alone: the owner's repositories read otherwise (no account; another installation's account), and another tenant's with the same host id.
    const byToken = await storedRepository(owner, { host: app.host, hostId: String(hostId), path: `acme/token-${hex()}` });
    const otherAccounts = await storedRepository(owner, { host: app.host, hostId: String(randomInt(1, 2_000_000_000)), path: `acme/other-${hex()}`, linkedAccountId: accountId });
    const theirs = await storedRepository(other, { host: app.host, hostId: String(hostId), path: `acme/conn-${hex()}` });
    const before = new Map<string, Row>();
    for (const id of [inConnection, alreadyOut, linked, byToken, otherAccounts, theirs]) before.set(id, await repositoryRow(id));
    const unchanged = async (ids: string[]) => {
      for (const id of ids) expect(await repositoryRow(id)).toEqual(before.get(id));
    };

    const installation: HookInstallation = { id: ownInstallation, appId: app.githubAppId, account: 'acme', repositorySelection: 'selected' };
    await deliver(appDelivery(githubEvents.installation('suspend', { installation })));
    expect((await accountRow(account)).status).toBe('suspended');
    await unchanged([...before.keys()]);
    await deliver(appDelivery(githubEvents.installation('unsuspend', { installation })));
    await unchanged([...before.keys()]);

    const repos = [hookRepo('acme/conn', hostId)];
    const d = appDelivery(githubEvents.installation('deleted', { installation, repositories: repos }));
    await deliver(d);
    const [stored] = await deliveryRows(app.id, keyOf(d));
    expect(stored).toMatchObject({ status: 'processed', outcome: 'installation deleted: 1 account of 1 changed; 2 repositories marked unavailable' });
    for (const id of [inConnection, linked]) {
      const row = await repositoryRow(id);
      expect(row.host_unavailable_at).toBeInstanceOf(Date);
      expectOnly(before.get(id)!, row, { host_unavailable_at: row.host_unavailable_at, deleted_at: null, last_webhook_event: 'installation', last_webhook_action: 'deleted', last_webhook_delivery_id: stored.id });
    }
    // Already marked: the mark keeps its time and the row its updated_at; the event is recorded.
    expectOnly(before.get(alreadyOut)!, await repositoryRow(alreadyOut), { updated_at: before.get(alreadyOut)!.updated_at, host_unavailable_at: before.get(alreadyOut)!.host_unavailable_at, last_webhook_action: 'deleted' });
    await unchanged([byToken, otherAccounts, theirs]);
    expect((await accountRow(account)).status).toBe('revoked');
    const res = await t.gql('query($id: ID!) { repository(id: $id) { hostUnavailableAt deletedAt lastWebhookEvent { event action } } }', { id: linked });
    expect(res.body.data.repository).toEqual({ hostUnavailableAt: expect.any(String), deletedAt: null, lastWebhookEvent: { event: 'installation', action: 'deleted' } });
  });

  test('a redelivery is acknowledged and processed once', async () => {
    const p = await pair();
    const first = sha();
    const d = appDelivery(githubEvents.push({ repo: hookRepo(p.path, p.hostId), after: first, installationId }));
    await deliver(d);
    expect((await repositoryRow(p.mine)).last_commit_sha).toBe(first);
    // Meanwhile a sync read a newer head: applying the push again would set it back.
    const newer = sha();
    await t.dataSource.query('UPDATE repositories SET last_commit_sha = ? WHERE id = ?', [newer, p.mine]);
    const once = await repositoryRow(p.mine);
    const again = await send(redeliver(d));
    expect([again.status, again.body]).toEqual([200, '{"status":"duplicate"}']);
    await processAll();
    expect(await repositoryRow(p.mine)).toEqual(once);
    expect(once.last_commit_sha).toBe(newer);
    expect(await deliveryRows(app.id, keyOf(d))).toEqual([expect.objectContaining({ status: 'processed' })]);
  });

  test('a delivery about a repository nobody stored is recorded as ignored, and one for an installation no tenant linked too', async () => {
    const unknown = appDelivery(githubEvents.push({ repo: hookRepo('acme/nowhere', randomInt(1, 2_000_000_000)), after: sha(), installationId }));
    await deliver(unknown);
    const [row] = await deliveryRows(app.id, keyOf(unknown));
    expect(row).toMatchObject({ status: 'ignored', body_gzip: null });
    expect(row.outcome).toMatch(/^no stored repository has id \d+ on /);
    expect(row.processed_at).toBeInstanceOf(Date);

    // The owner's repository, named by an installation that only the other tenant… has not linked at all.
    const p = await pair();
    const stranger = appDelivery(githubEvents.push({ repo: hookRepo(p.path, p.hostId), after: sha(), installationId: randomInt(1_000_000, 2_000_000_000) }));
    await deliver(stranger);
    expect((await deliveryRows(app.id, keyOf(stranger)))[0]).toMatchObject({ status: 'ignored', outcome: expect.stringContaining('is not connected by any tenant') });
    expect(await repositoryRow(p.mine)).toEqual(p.before);
    expect(await repositoryRow(p.theirs)).toEqual(p.theirsBefore);
  });

  test('an installation linked by two tenants changes both tenants’ rows, and a third tenant’s row with the same id stays', async () => {
    const p = await pair();
    const third = await createAccount(t.dataSource);
    const thirds = await storedRepository(third, { host: app.host, hostId: String(p.hostId), path: p.path });
    const thirdsBefore = await repositoryRow(thirds);
    const shared = randomInt(1_000_000, 2_000_000_000);
    await linkInstallation(owner, app, shared);
    await linkInstallation(other, app, shared);
    const after = sha();
    await deliver(appDelivery(githubEvents.push({ repo: hookRepo(p.path, p.hostId), after, installationId: shared })));
    expect((await repositoryRow(p.mine)).last_commit_sha).toBe(after);
    expect((await repositoryRow(p.theirs)).last_commit_sha).toBe(after);
    expect(await repositoryRow(thirds)).toEqual(thirdsBefore);
  });
});

describe('the worker', () => {
  test('the sync worker’s loop processes queued deliveries beside its jobs', async () => {
    const hook = await createHook(t.account, 'github');
    const hostId = randomInt(1, 2_000_000_000);
    const path = `acme/looped-${randomBytes(3).toString('hex')}`;
    const id = await storedRepository(t.account, { host: hook.host, hostId: String(hostId), path });
    const after = sha();
    expect((await send(githubDelivery(hook.url, githubEvents.push({ repo: { id: hostId, owner: 'acme', name: path.split('/')[1] }, after }), { secret: hook.secret }))).status).toBe(202);
    const processor = t.server.services.webhooks.processor;
    const quiet = { warn: () => undefined, info: () => undefined };
    const worker = new SyncWorker(t.server.services.sync, { ...t.config.sync, pollMs: 20 }, quiet, [{ runBatch: (limit, log) => processor.runBatch(limit, log, sources) }]);
    worker.start();
    try {
      const deadline = Date.now() + 10_000;
      while ((await repositoryRow(id)).last_commit_sha !== after && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await worker.stop();
    }
    expect((await repositoryRow(id)).last_commit_sha).toBe(after);
  });
});

describe('hook deliveries', () => {
  test('a GitHub repository hook changes only its tenant’s rows', async () => {
    const hook = await createHook(t.account, 'github');
    const other = await createAccount(t.dataSource);
    const hostId = randomInt(1, 2_000_000_000);
    const path = `acme/hooked-${randomBytes(3).toString('hex')}`;
    const mine = await storedRepository(t.account, { host: hook.host, hostId: String(hostId), path });
    const theirs = await storedRepository(other, { host: hook.host, hostId: String(hostId), path });
    // The same number on another GitHub (a GHES counts from 1 too), in the hook's own tenant.
    const elsewhere = await storedRepository(t.account, { host: 'ghe.elsewhere.example.com', hostId: String(hostId), path: `${path}-ghes` });
    const [before, theirsBefore, elsewhereBefore] = [await repositoryRow(mine), await repositoryRow(theirs), await repositoryRow(elsewhere)];
    await deliver(githubDelivery(hook.url, githubEvents.repository('archived', { repo: { id: hostId, owner: 'acme', name: path.split('/')[1] } }), { secret: hook.secret }));
    expectOnly(before, await repositoryRow(mine), { archived: 1, last_webhook_action: 'archived' });
    expect(await repositoryRow(theirs)).toEqual(theirsBefore);
    expect(await repositoryRow(elsewhere)).toEqual(elsewhereBefore);
  });

  test('a delivery that cannot be applied is recorded failed, and the others of its batch are applied', async () => {
    const hook = await createHook(t.account, 'github');
    const hostId = randomInt(1, 2_000_000_000);
    const path = `acme/batch-${randomBytes(3).toString('hex')}`;
    const id = await storedRepository(t.account, { host: hook.host, hostId: String(hostId), path });
    // A stored body that is not gzip (as a torn write would leave it), queued before a good push.
    const broken = `broken-${randomBytes(6).toString('hex')}`;
    await t.server.services.webhooks.store.insertDelivery({
      sourceId: hook.id, installationKey: '', id: uuidv7(), deliveryKey: broken, host: 'github', event: 'push', action: null, repositoryHostId: String(hostId),
      repositoryFullName: path, receivedAt: new Date(Date.now() - 1_000), status: 'queued', outcome: null, bodyBytes: 9, bodyGzip: Buffer.from('not gzip!'),
    });
    const after = sha();
    const good = githubDelivery(hook.url, githubEvents.push({ repo: { id: hostId, owner: 'acme', name: path.split('/')[1] }, after }), { secret: hook.secret });
    await deliver(good);
    expect((await deliveryRows(hook.id, broken))[0]).toMatchObject({ status: 'failed', body_gzip: null, outcome: expect.stringMatching(/^processing failed \(\w+\); nothing of it was applied$/) });
    expect((await deliveryRows(hook.id, keyOf(good)))[0]).toMatchObject({ status: 'processed' });
    expect((await repositoryRow(id)).last_commit_sha).toBe(after);
  });

  describe('GitLab', () => {
    const CONNECT = 'mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id repositories { id } } userErrors { code field message } } }';

    /** A connection of the tenant's, its repository given the host id a sync would have read. */
    async function connected(platform: 'GITLAB' | 'BITBUCKET', path: string, host: string, hostId: string) {
      const res = await t.gql(CONNECT, { input: { platform, credentials: platform === 'GITLAB' ? { token: 'glpat-0123456789abcdefghij' } : { accessToken: 'bb-access-token-0123456789' }, repositories: [path] } });
      expect(res.body.data.connectRepos.userErrors).toEqual([]);
      const connection = res.body.data.connectRepos.repoConnection;
      const id = connection.repositories[0].id as string;
      await t.dataSource.query("UPDATE repositories SET platform_host = ?, host_repository_id = ?, sync_status = 'ok' WHERE id = ?", [host, hostId, id]);
      await t.dataSource.query("UPDATE repo_connections SET sync_status = 'ok' WHERE id = ?", [connection.id]);
      await t.dataSource.query('DELETE FROM sync_jobs WHERE repo_connection_id = ?', [connection.id]);
      return { connectionId: connection.id as string, id };
    }
    const openJobs = (connectionId: string) => t.dataSource.query("SELECT status FROM sync_jobs WHERE repo_connection_id = ? AND status IN ('queued', 'running')", [connectionId]);

    test('a push to the default branch sets the head; a rename by a system hook moves the path; project_update queues a sync; project_destroy marks it deleted', async () => {
      const hook = await createHook(t.account, 'gitlab');
      const projectId = randomInt(1, 2_000_000_000);
      const path = `group/sub/api-${randomBytes(3).toString('hex')}`;
      const repo = await connected('GITLAB', path, hook.host, String(projectId));
      const before = await repositoryRow(repo.id);

      const after = sha();
      await deliver(gitlabDelivery(hook.url, gitlabEvents.push({ project: { id: projectId, path, defaultBranch: 'main' }, after }), { token: hook.secret }));
      const pushed = await repositoryRow(repo.id);
      expectOnly(before, pushed, { last_commit_sha: after, last_webhook_event: 'Push Hook', last_webhook_action: 'push', default_branch: before.default_branch });
      expect(await openJobs(repo.connectionId)).toEqual([]);

      const newPath = `group/other/api-${randomBytes(3).toString('hex')}`;
      await deliver(gitlabDelivery(hook.url, gitlabEvents.project('project_transfer', { project: { id: projectId, path: newPath }, oldPath: path }), { token: hook.secret }));
      const moved = await repositoryRow(repo.id);
      expectOnly(pushed, moved, { path: newPath, name: newPath.split('/').pop(), remote_url: (pushed.remote_url as string).replace(path, newPath), last_webhook_event: 'System Hook', last_webhook_action: 'project_transfer' });

      await deliver(gitlabDelivery(hook.url, gitlabEvents.project('project_update', { project: { id: projectId, path: newPath } }), { token: hook.secret }));
      expect(await openJobs(repo.connectionId)).toEqual([{ status: 'queued' }]);
      expect((await repositoryRow(repo.id)).sync_status).toBe('pending');

      await deliver(gitlabDelivery(hook.url, gitlabEvents.project('project_destroy', { project: { id: projectId, path: newPath } }), { token: hook.secret }));
      const destroyed = await repositoryRow(repo.id);
      expect(destroyed.host_deleted_at).toBeInstanceOf(Date);
      expect(destroyed.deleted_at).toBeNull();
    });

    test('a project hook push naming another path than the stored one queues a sync (project hooks carry no rename)', async () => {
      const hook = await createHook(t.account, 'gitlab');
      const projectId = randomInt(1, 2_000_000_000);
      const path = `group/api-${randomBytes(3).toString('hex')}`;
      const repo = await connected('GITLAB', path, hook.host, String(projectId));
      await deliver(gitlabDelivery(hook.url, gitlabEvents.push({ project: { id: projectId, path: `${path}-renamed` }, after: sha() }), { token: hook.secret }));
      expect(await openJobs(repo.connectionId)).toEqual([{ status: 'queued' }]);
      expect((await repositoryRow(repo.id)).path).toBe(path);
    });
  });

  test('Bitbucket: a push to the main branch sets the head; repo:updated moves the path and queues a sync (it lacks the main branch)', async () => {
    const hook = await createHook(t.account, 'bitbucket');
    const uuid = `{${globalThis.crypto.randomUUID()}}`;
    const slug = `api-${randomBytes(3).toString('hex')}`;
    const res = await t.gql('mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id repositories { id } } userErrors { message } } }', {
      input: { platform: 'BITBUCKET', credentials: { accessToken: 'bb-access-token-0123456789' }, repositories: [`acme/${slug}`] },
    });
    expect(res.body.data.connectRepos.userErrors).toEqual([]);
    const connectionId = res.body.data.connectRepos.repoConnection.id as string;
    const id = res.body.data.connectRepos.repoConnection.repositories[0].id as string;
    await t.dataSource.query("UPDATE repositories SET platform_host = ?, host_repository_id = ?, sync_status = 'ok' WHERE id = ?", [hook.host, uuid, id]);
    await t.dataSource.query('DELETE FROM sync_jobs WHERE repo_connection_id = ?', [connectionId]);
    const before = await repositoryRow(id);

    const hash = sha();
    await deliver(bitbucketDelivery(hook.url, bitbucketEvents.push({ repo: { workspace: 'acme', slug, uuid }, branch: before.default_branch as string, hash, oldHash: sha() }), { secret: hook.secret }));
    const pushed = await repositoryRow(id);
    expectOnly(before, pushed, { last_commit_sha: hash, last_webhook_event: 'repo:push' });

    await deliver(bitbucketDelivery(hook.url, bitbucketEvents.updated({ repo: { workspace: 'acme', slug: `${slug}-new`, uuid }, old: { slug } }), { secret: hook.secret }));
    const updated = await repositoryRow(id);
    expect([updated.path, updated.name, updated.last_webhook_event]).toEqual([`acme/${slug}-new`, `${slug}-new`, 'repo:updated']);
    expect(await t.dataSource.query("SELECT status FROM sync_jobs WHERE repo_connection_id = ? AND status = 'queued'", [connectionId])).toHaveLength(1);
  });
});
