import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { AppRegistrationError, describeApp } from '../src/modules/code-host-accounts/code-host-app.service';
import { Secret } from '../src/modules/crypto';
import { WebhookIngestService } from '../src/modules/webhooks/webhook-ingest.service';
import { codeHostAppWebhookSecrets } from '../src/modules/webhooks/webhook-secrets';
import { purgeOldDeliveries } from '../src/modules/webhooks/webhook-purge';
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
  type HookRepo,
} from './support/fake-hosts/webhooks';
import { useTestServer } from './support/test-server';

/**
 * The webhook endpoints against the real database, with deliveries built and signed as the hosts
 * send them (test/support/fake-hosts/webhooks.ts): what is accepted and recorded, what is refused
 * and left unrecorded, redeliveries, rotation windows, body limits and the purge.
 */

const BODY_LIMIT = 256 * 1024;
const t = useTestServer({ env: { REPOLINK_WEBHOOK_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });

const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

interface TestApp {
  id: string;
  githubAppId: number;
  secret: string;
}

/** A GitHub App registered as the operator would, on a GHES address of its own (no other test file's app is replaced). */
async function registerApp(webhookSecret: string | null = randomBytes(20).toString('hex')): Promise<TestApp> {
  const githubAppId = randomInt(1_000_000, 2_000_000_000);
  const app = await t.server.services.codeHosts.apps.register({
    kind: 'github_app',
    host: 'github',
    baseUrl: `https://ghe-${randomBytes(5).toString('hex')}.example.com`,
    githubAppId: String(githubAppId),
    slug: `repolink-${githubAppId}`,
    clientId: `Iv1.${randomBytes(8).toString('hex')}`,
    clientSecret: new Secret(randomBytes(20).toString('hex')),
    privateKey: new Secret(PRIVATE_KEY),
    webhookSecret: webhookSecret === null ? null : new Secret(webhookSecret),
    source: 'admin',
  });
  return { id: app.id, githubAppId, secret: webhookSecret ?? '' };
}

async function createHook(host: 'github' | 'gitlab' | 'bitbucket', tenantId = t.account.tenant.id) {
  const { hook, generatedSecret } = await t.server.services.webhooks.hooks.create({ tenantId, host, baseUrl: null, description: `${host} test hook`, secret: null });
  return { hook, secret: generatedSecret!.reveal(), url: `${t.url}${hook.host === 'github' ? `/webhooks/github/hooks/${hook.id}` : `/webhooks/${hook.host}/${hook.id}`}` };
}

interface StoredDelivery {
  source_id: string;
  installation_key: string;
  id: string;
  delivery_key: string;
  host: string;
  event: string;
  action: string | null;
  repository_host_id: string | null;
  repository_full_name: string | null;
  status: string;
  outcome: string | null;
  body_bytes: number;
  body_gzip: Buffer | null;
  received_at: Date;
}

const stored = (sourceId: string): Promise<StoredDelivery[]> => t.dataSource.query('SELECT * FROM webhook_deliveries WHERE source_id = ? ORDER BY id', [sourceId]);

const repo = (): HookRepo => ({ id: randomInt(1, 2_000_000_000), owner: 'acme', name: `api-${randomBytes(3).toString('hex')}`, defaultBranch: 'main' });
const sha = () => randomBytes(20).toString('hex');
const REFUSED = '{"error":"Unauthorized"}';

/** A UUIDv7 of a past millisecond (the id generator never goes back in time: it makes ids of now). */
function pastId(ms: number): string {
  const hex = `${ms.toString(16).padStart(12, '0')}7${randomBytes(10).toString('hex').slice(0, 19)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${'89ab'[randomInt(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

describe('GitHub App deliveries (POST /webhooks/github)', () => {
  let app: TestApp;
  const appUrl = () => `${t.url}/webhooks/github`;
  const appDelivery = (event = githubEvents.push({ repo: repo(), after: sha(), installationId: 4242 }), secret: string | null = app.secret) =>
    githubDelivery(appUrl(), event, { secret, target: { type: 'integration', id: app.githubAppId } });

  beforeAll(async () => {
    app = await registerApp();
  });

  test('a signed push is answered 202 and recorded with what it says about itself; the body is kept as sent', async () => {
    const r = repo();
    const after = sha();
    const delivery = appDelivery(githubEvents.push({ repo: r, after, installationId: 777001 }));
    const answer = await send(delivery);
    expect([answer.status, answer.body]).toEqual([202, '{"status":"queued"}']);
    const [row] = (await stored(app.id)).filter((d) => d.delivery_key === delivery.headers['X-GitHub-Delivery']);
    expect(row).toMatchObject({
      installation_key: '777001',
      host: 'github',
      event: 'push',
      action: null,
      repository_host_id: String(r.id),
      repository_full_name: `acme/${r.name}`,
      status: 'queued',
      outcome: null,
      body_bytes: Buffer.byteLength(delivery.body),
    });
    expect(gunzipSync(row.body_gzip!).toString('utf8')).toBe(delivery.body);
    expect(Math.abs(row.received_at.getTime() - Date.now())).toBeLessThan(60_000);
  });

  test('a redelivery (same X-GitHub-Delivery) is answered 200 and recorded once', async () => {
    const delivery = appDelivery();
    expect((await send(delivery)).status).toBe(202);
    const again = await send(redeliver(delivery));
    expect([again.status, again.body]).toEqual([200, '{"status":"duplicate"}']);
    expect((await stored(app.id)).filter((d) => d.delivery_key === delivery.headers['X-GitHub-Delivery'])).toHaveLength(1);
  });

  test('the same delivery arriving many times at once is recorded once: one 202, the rest 200', async () => {
    const delivery = appDelivery();
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(redeliver(delivery))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    expect((await stored(app.id)).filter((d) => d.delivery_key === delivery.headers['X-GitHub-Delivery'])).toHaveLength(1);
  });

  test('a delivery for an installation no tenant has connected is acknowledged and recorded', async () => {
    const installation = { id: randomInt(1_000_000, 2_000_000_000), appId: app.githubAppId, account: 'someone-else' };
    const delivery = appDelivery(githubEvents.installation('created', { installation, repositories: [repo()] }));
    expect((await send(delivery)).status).toBe(202);
    const [row] = (await stored(app.id)).filter((d) => d.delivery_key === delivery.headers['X-GitHub-Delivery']);
    expect(row).toMatchObject({ installation_key: String(installation.id), event: 'installation', action: 'created', status: 'queued', repository_host_id: null });
  });

  test('unsigned, wrongly signed, malformed and unknown-app deliveries are refused with one same 401 and not recorded', async () => {
    const before = (await stored(app.id)).length;
    const unsigned = appDelivery(undefined, null);
    const wrongSecret = appDelivery(undefined, 'not-the-secret');
    const tampered = appDelivery();
    tampered.body = tampered.body.replace('"push"', '"push" ').replace('README.md', 'README.me');
    const malformed = appDelivery();
    malformed.headers['X-Hub-Signature-256'] = `sha256=${'zz'.repeat(32)}`;
    const sha1Only = appDelivery();
    delete (sha1Only.headers as Record<string, string>)['X-Hub-Signature-256'];
    const unknownApp = githubDelivery(appUrl(), githubEvents.push({ repo: repo(), after: sha() }), { secret: app.secret, target: { type: 'integration', id: app.githubAppId + 1 } });
    for (const [label, delivery] of Object.entries({ unsigned, wrongSecret, tampered, malformed, sha1Only, unknownApp })) {
      const answer = await send(delivery);
      expect({ label, status: answer.status, body: answer.body }).toEqual({ label, status: 401, body: REFUSED });
    }
    expect(await stored(app.id)).toHaveLength(before);
  });

  test('an app registered without a webhook secret cannot receive deliveries', async () => {
    const bare = await registerApp(null);
    const answer = await send(githubDelivery(appUrl(), githubEvents.push({ repo: repo(), after: sha() }), { secret: 'anything', target: { type: 'integration', id: bare.githubAppId } }));
    expect(answer.status).toBe(401);
    expect(await stored(bare.id)).toEqual([]);
  });
});

describe('hooks of a tenant', () => {
  test('GitLab: the right X-Gitlab-Token is taken; a wrong or missing one is refused; a retry (same Idempotency-Key, new Webhook-UUID) is recorded once', async () => {
    const { hook, secret, url } = await createHook('gitlab');
    const project = { id: randomInt(1, 1_000_000), path: `acme/platform/api-${randomBytes(3).toString('hex')}` };
    const delivery = gitlabDelivery(url, gitlabEvents.push({ project, after: sha() }), { token: secret });
    expect((await send(delivery)).status).toBe(202);
    expect((await send(redeliver(delivery))).status).toBe(200);
    expect((await send(gitlabDelivery(url, gitlabEvents.push({ project, after: sha() }), { token: `${secret}x` }))).body).toBe(REFUSED);
    expect((await send(gitlabDelivery(url, gitlabEvents.push({ project, after: sha() }), { token: null }))).status).toBe(401);
    const rows = await stored(hook.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      installation_key: '',
      delivery_key: delivery.headers['Idempotency-Key'],
      event: 'Push Hook',
      action: 'push',
      repository_host_id: String(project.id),
      repository_full_name: project.path,
      status: 'queued',
    });
  });

  test('GitLab system hook: a project rename is recorded with its event name and new path', async () => {
    const { hook, secret, url } = await createHook('gitlab');
    const project = { id: randomInt(1, 1_000_000), path: 'acme/renamed' };
    expect((await send(gitlabDelivery(url, gitlabEvents.project('project_rename', { project, oldPath: 'acme/old' }), { token: secret }))).status).toBe(202);
    expect(await stored(hook.id)).toMatchObject([{ event: 'System Hook', action: 'project_rename', repository_host_id: String(project.id), repository_full_name: 'acme/renamed' }]);
  });

  test('Bitbucket: a signed delivery is taken; a retry (same X-Request-UUID) is recorded once; unsigned and wrongly signed ones are refused', async () => {
    const { hook, secret, url } = await createHook('bitbucket');
    const bbRepo = { workspace: 'acme', slug: `web-${randomBytes(3).toString('hex')}`, uuid: `{${globalThis.crypto.randomUUID()}}` };
    const delivery = bitbucketDelivery(url, bitbucketEvents.push({ repo: bbRepo, branch: 'main', hash: sha() }), { secret });
    expect((await send(delivery)).status).toBe(202);
    expect((await send(redeliver(delivery))).status).toBe(200);
    expect((await send(bitbucketDelivery(url, bitbucketEvents.push({ repo: bbRepo, branch: 'main', hash: sha() }), { secret: null }))).status).toBe(401);
    expect((await send(bitbucketDelivery(url, bitbucketEvents.push({ repo: bbRepo, branch: 'main', hash: sha() }), { secret: 'wrong-secret-wrong-secret' }))).status).toBe(401);
    expect(await stored(hook.id)).toMatchObject([{ delivery_key: delivery.headers['X-Request-UUID'], event: 'repo:push', repository_host_id: bbRepo.uuid, repository_full_name: `acme/${bbRepo.slug}` }]);
  });

  test('GitHub repository hook: a signed delivery is taken; an unknown, deleted or other-host hook id gets the same 401', async () => {
    const { hook, secret, url } = await createHook('github');
    const event = githubEvents.repository('renamed', { repo: repo(), from: { name: 'old-name' } });
    expect((await send(githubDelivery(url, event, { secret }))).status).toBe(202);
    expect(await stored(hook.id)).toMatchObject([{ event: 'repository', action: 'renamed', status: 'queued' }]);

    const gitlab = await createHook('gitlab');
    const wrongRoute = githubDelivery(`${t.url}/webhooks/github/hooks/${gitlab.hook.id}`, event, { secret: gitlab.secret });
    const unknown = githubDelivery(`${t.url}/webhooks/github/hooks/wh_${randomBytes(16).toString('hex')}`, event, { secret });
    const notAnId = githubDelivery(`${t.url}/webhooks/github/hooks/1234`, event, { secret });
    for (const delivery of [wrongRoute, unknown, notAnId]) {
      const answer = await send(delivery);
      expect([answer.status, answer.body]).toEqual([401, REFUSED]);
    }

    await t.server.services.webhooks.hooks.delete(hook.id);
    t.server.services.webhooks.ingest.forgetHook(hook.id);
    expect((await send(githubDelivery(url, event, { secret }))).status).toBe(401);
    expect(await stored(hook.id)).toHaveLength(1);
    expect(await stored(gitlab.hook.id)).toEqual([]);
  });

  test('a body over the limit is refused with 413 and not recorded', async () => {
    const { hook, secret, url } = await createHook('github');
    const event = githubEvents.push({ repo: repo(), after: sha(), message: 'x'.repeat(BODY_LIMIT) });
    const answer = await send(githubDelivery(url, event, { secret }));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Payload Too Large', limitBytes: BODY_LIMIT });
    expect(await stored(hook.id)).toEqual([]);
    // Just under the limit is taken (the message is in the body twice: the commit and the head commit).
    const fits = githubDelivery(url, githubEvents.push({ repo: repo(), after: sha(), message: 'x'.repeat(BODY_LIMIT / 2 - 2048) }), { secret });
    expect(Buffer.byteLength(fits.body)).toBeGreaterThan(BODY_LIMIT - 4096);
    expect(Buffer.byteLength(fits.body)).toBeLessThanOrEqual(BODY_LIMIT);
    expect((await send(fits)).status).toBe(202);
  });

  test('a signed body that is not JSON is acknowledged and recorded as failed, without its body', async () => {
    const { hook, secret, url } = await createHook('bitbucket');
    const delivery: Delivery = bitbucketDelivery(url, bitbucketEvents.push({ repo: { workspace: 'acme', slug: 'x' }, branch: 'main', hash: sha() }), { secret });
    delivery.body = 'not json at all';
    delivery.headers['X-Hub-Signature'] = `sha256=${(await import('node:crypto')).createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
    const answer = await send(delivery);
    expect([answer.status, answer.body]).toEqual([202, '{"status":"recorded"}']);
    expect(await stored(hook.id)).toMatchObject([{ status: 'failed', outcome: 'The body is not the JSON document the host sends', body_gzip: null }]);
  });
});

describe('secret rotation', () => {
  test('during the window both secrets are accepted; after it, or when rotated without one, the old secret is refused', async () => {
    const { hook, secret: oldSecret, url } = await createHook('github');
    const event = () => githubEvents.push({ repo: repo(), after: sha() });
    const { generatedSecret } = await t.server.services.webhooks.hooks.rotateSecret({ id: hook.id, secret: null, keepPreviousHours: 24 });
    const newSecret = generatedSecret!.reveal();
    expect(newSecret).not.toBe(oldSecret);
    t.server.services.webhooks.ingest.forgetHook(hook.id);
    expect((await send(githubDelivery(url, event(), { secret: oldSecret }))).status).toBe(202);
    expect((await send(githubDelivery(url, event(), { secret: newSecret }))).status).toBe(202);

    // The same database, a clock 25 hours on: the window is over.
    const services = t.server.services;
    const later = new WebhookIngestService(services.webhooks.store, t.cipher, codeHostAppWebhookSecrets(services.codeHosts.apps, t.cipher), () => Date.now() + 25 * 3_600_000);
    const at = (secret: string) => {
      const delivery = githubDelivery(url, event(), { secret });
      return later.ingest({ kind: 'hook', host: 'github', hookId: hook.id }, lower(delivery.headers), Buffer.from(delivery.body));
    };
    expect(await at(oldSecret)).toEqual({ status: 401, result: 'refused', reason: 'bad_signature' });
    expect(await at(newSecret)).toMatchObject({ status: 202, result: 'queued' });

    // Rotated again with no window: the secret it replaces is refused at once.
    const { generatedSecret: third } = await services.webhooks.hooks.rotateSecret({ id: hook.id, secret: new Secret('a-chosen-secret-of-some-length'), keepPreviousHours: 0 });
    expect(third).toBeNull();
    services.webhooks.ingest.forgetHook(hook.id);
    expect((await send(githubDelivery(url, event(), { secret: newSecret }))).status).toBe(401);
    expect((await send(githubDelivery(url, event(), { secret: oldSecret }))).status).toBe(401);
    expect((await send(githubDelivery(url, event(), { secret: 'a-chosen-secret-of-some-length' }))).status).toBe(202);
    expect(await stored(hook.id)).toHaveLength(4);
  });

  describe('a GitHub App', () => {
    const services = () => t.server.services;
    const push = (app: TestApp, secret: string | null) =>
      githubDelivery(`${t.url}/webhooks/github`, githubEvents.push({ repo: repo(), after: sha(), installationId: 4242 }), { secret, target: { type: 'integration', id: app.githubAppId } });
    /** An endpoint of the same database that kept nothing yet, with its clock `aheadMs` on. */
    const ingestAt = (app: TestApp, aheadMs = 0) => {
      const ingest = new WebhookIngestService(services().webhooks.store, t.cipher, codeHostAppWebhookSecrets(services().codeHosts.apps, t.cipher), () => Date.now() + aheadMs);
      return (delivery: ReturnType<typeof push>) => ingest.ingest({ kind: 'github_app' }, lower(delivery.headers), Buffer.from(delivery.body));
    };
    const refused = (reason: string) => ({ status: 401, result: 'refused', reason });

    test('rotated: the new secret is accepted, the old one during the window and not after; bad and missing signatures are refused', async () => {
      const app = await registerApp();
      const { app: rotated, generatedSecret } = await services().codeHosts.apps.rotateWebhookSecret({ id: app.id, secret: null, keepPreviousHours: 24 });
      const newSecret = generatedSecret!.reveal();
      expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(newSecret).not.toBe(app.secret);
      expect(rotated.previousWebhookSecretValidUntil!.getTime() - Date.now()).toBeGreaterThan(24 * 3_600_000 - 60_000);
      // What is shown of the app: when the window ends, never a secret.
      const shown = JSON.stringify(describeApp(rotated));
      expect(shown).toContain(rotated.previousWebhookSecretValidUntil!.toISOString());
      for (const secret of [newSecret, app.secret]) expect(shown).not.toContain(secret);
      const [row] = await t.dataSource.query('SELECT webhook_secret_ciphertext, previous_webhook_secret_ciphertext FROM code_host_apps WHERE id = ?', [app.id]);
      for (const secret of [newSecret, app.secret]) expect(Buffer.concat([row.webhook_secret_ciphertext, row.previous_webhook_secret_ciphertext]).includes(Buffer.from(secret))).toBe(false);

      // Through the server's endpoint, during the window.
      expect((await send(push(app, newSecret))).status).toBe(202);
      expect((await send(push(app, app.secret))).status).toBe(202);
      const malformed = push(app, newSecret);
      malformed.headers['X-Hub-Signature-256'] = 'sha256=not-hex';
      const tampered = push(app, newSecret);
      tampered.body = tampered.body.replace('README.md', 'README.me');
      for (const delivery of [push(app, null), push(app, 'not-the-secret-at-all'), malformed, tampered]) {
        const answer = await send(delivery);
        expect([answer.status, answer.body]).toEqual([401, REFUSED]);
      }
      expect(await stored(app.id)).toHaveLength(2);

      // The same database, a clock 25 hours on: the window is over.
      const later = ingestAt(app, 25 * 3_600_000);
      expect(await later(push(app, app.secret))).toEqual(refused('bad_signature'));
      expect(await later(push(app, newSecret))).toMatchObject({ status: 202, result: 'queued' });
      expect(await later(push(app, null))).toEqual(refused('missing_signature'));

      // Rotated again with no window: the secret it replaces is refused at once.
      await services().codeHosts.apps.rotateWebhookSecret({ id: app.id, secret: new Secret('a-chosen-app-secret-of-some-length'), keepPreviousHours: 0 });
      const now = ingestAt(app);
      expect(await now(push(app, newSecret))).toEqual(refused('bad_signature'));
      expect(await now(push(app, app.secret))).toEqual(refused('bad_signature'));
      expect(await now(push(app, 'a-chosen-app-secret-of-some-length'))).toMatchObject({ status: 202 });
    });

    test('registered again with another webhook secret (a start with a new REPOLINK_GITHUB_APP_WEBHOOK_SECRET), the stored one stays accepted for the window; the same secret again changes nothing', async () => {
      const app = await registerApp();
      const [first] = await t.dataSource.query('SELECT id, github_app_id, base_url, slug, client_id FROM code_host_apps WHERE id = ?', [app.id]);
      const again = async (secret: string, keepPreviousWebhookSecretHours?: number) =>
        services().codeHosts.apps.register({
          kind: 'github_app', host: 'github', baseUrl: first.base_url, githubAppId: first.github_app_id, slug: first.slug, clientId: first.client_id,
          clientSecret: new Secret(randomBytes(20).toString('hex')), privateKey: new Secret(PRIVATE_KEY), webhookSecret: new Secret(secret), source: 'admin', keepPreviousWebhookSecretHours,
        });
      const next = randomBytes(20).toString('hex');
      const replaced = await again(next);
      expect(replaced.id).toBe(app.id);
      expect(replaced.previousWebhookSecretValidUntil!.getTime() - Date.now()).toBeGreaterThan(24 * 3_600_000 - 60_000);
      const now = ingestAt(app);
      expect(await now(push(app, app.secret))).toMatchObject({ status: 202 });
      expect(await now(push(app, next))).toMatchObject({ status: 202 });
      expect(await ingestAt(app, 25 * 3_600_000)(push(app, app.secret))).toEqual(refused('bad_signature'));

      // Every process registers the environment's app at start: the same secret keeps the window as it was.
      const same = await again(next);
      expect(same.previousWebhookSecretValidUntil).toEqual(replaced.previousWebhookSecretValidUntil);
      expect(same.webhookSecretRotatedAt).toEqual(replaced.webhookSecretRotatedAt);
      expect(await ingestAt(app)(push(app, app.secret))).toMatchObject({ status: 202 });

      // With no window asked, the replaced secret is refused at once.
      const third = randomBytes(20).toString('hex');
      expect((await again(third, 0)).previousWebhookSecretValidUntil).toBeNull();
      expect(await ingestAt(app)(push(app, next))).toEqual(refused('bad_signature'));
      expect(await ingestAt(app)(push(app, third))).toMatchObject({ status: 202 });
    });

    test('an app from the environment is rotated there, not by the command; bad options are refused', async () => {
      const apps = services().codeHosts.apps;
      const configured = await apps.register({
        kind: 'github_app', host: 'github', baseUrl: `https://ghe-${randomBytes(5).toString('hex')}.example.com`, githubAppId: String(randomInt(1_000_000, 2_000_000_000)), slug: 'from-env',
        clientId: 'Iv1.fromenv', clientSecret: new Secret(randomBytes(20).toString('hex')), privateKey: new Secret(PRIVATE_KEY), webhookSecret: new Secret(randomBytes(20).toString('hex')), source: 'config',
      });
      const rotate = (id: string, extra: { secret?: Secret<string>; keepPreviousHours?: number } = {}) => apps.rotateWebhookSecret({ id, secret: extra.secret ?? null, keepPreviousHours: extra.keepPreviousHours ?? 24 });
      await expect(rotate(configured.id)).rejects.toThrow(/registered from the environment.*REPOLINK_GITHUB_APP_WEBHOOK_SECRET/);
      await expect(rotate('app_nope')).rejects.toThrow(AppRegistrationError);
      await expect(rotate(`app_${'0'.repeat(32)}`)).rejects.toThrow(/No app app_0+/);
      const app = await registerApp();
      await expect(rotate(app.id, { keepPreviousHours: 721 })).rejects.toThrow(/--keep-previous-hours must be a number from 0 to 720/);
      await expect(rotate(app.id, { secret: new Secret('short') })).rejects.toThrow(/16 to 512 characters/);
      // Nothing changed: the registered secret still verifies, alone.
      expect(await ingestAt(app)(push(app, app.secret))).toMatchObject({ status: 202 });
    });
  });

  test('a process that kept the old secret checks the database again before refusing a new signature', async () => {
    const { hook, secret: oldSecret, url } = await createHook('gitlab');
    const event = () => gitlabEvents.push({ project: { id: 1, path: 'acme/x' }, after: sha() });
    expect((await send(gitlabDelivery(url, event(), { token: oldSecret }))).status).toBe(202);
    // Rotated by another process (the admin command): this one still holds the old secret.
    const { generatedSecret } = await t.server.services.webhooks.hooks.rotateSecret({ id: hook.id, secret: null, keepPreviousHours: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await send(gitlabDelivery(url, event(), { token: generatedSecret!.reveal() }))).status).toBe(202);
  });
});

describe('purge', () => {
  test('deletes deliveries older than the retention, whatever their status, and nothing newer', async () => {
    const { hook } = await createHook('gitlab');
    const store = t.server.services.webhooks.store;
    const day = 86_400_000;
    const insert = (ageMs: number, status: 'queued' | 'processed' | 'ignored' | 'failed') => {
      const at = Date.now() - ageMs;
      return store.insertDelivery({
        sourceId: hook.id,
        installationKey: '',
        id: pastId(at),
        deliveryKey: globalThis.crypto.randomUUID(),
        host: 'gitlab',
        event: 'Push Hook',
        action: 'push',
        repositoryHostId: '1',
        repositoryFullName: 'acme/x',
        receivedAt: new Date(at),
        status,
        outcome: null,
        bodyBytes: 2,
        bodyGzip: null,
      });
    };
    for (const status of ['queued', 'processed', 'ignored', 'failed'] as const) {
      await insert(8 * day, status);
      await insert(7 * day + 60_000, status);
      await insert(7 * day - 60_000, status);
      await insert(day, status);
    }
    expect(await stored(hook.id)).toHaveLength(16);
    // The purge is the table's (other test files' old rows go too): run it until nothing is left to purge, in small batches.
    let deleted = 0;
    for (let run = 0, n = -1; n !== 0 && run < 100; run++) deleted += n = await purgeOldDeliveries(store, 7, 50);
    expect(deleted).toBeGreaterThanOrEqual(8);
    const left = await stored(hook.id);
    expect(left).toHaveLength(8);
    expect(left.every((d) => d.received_at.getTime() > Date.now() - 7 * day)).toBe(true);
  });
});

/** Node's incoming headers are lower-case. */
function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

describe('GraphQL: hooks and the deliveries of the last day', () => {
  const HOOK = `query($id: ID!, $first: Int, $after: String) { webhookHook(id: $id) { id host baseUrl description path rotatedAt rotationWindowEndsAt
    deliveries(first: $first, after: $after) { edges { cursor node { id deliveryId host event action installationId repositoryHostId repositoryFullName receivedAt outcome outcomeMessage processedAt bodyBytes } }
      pageInfo { hasNextPage endCursor } } } }`;

  test("a hook's deliveries of the last 24 hours, newest first, page by page; older ones and other hooks' are not listed", async () => {
    const { hook, secret, url } = await createHook('gitlab');
    const other = await createHook('gitlab');
    const project = { id: 99, path: 'acme/listed' };
    const sent: Delivery[] = [];
    for (let i = 0; i < 5; i++) {
      const delivery = gitlabDelivery(url, gitlabEvents.push({ project, after: sha() }), { token: secret });
      expect((await send(delivery)).status).toBe(202);
      sent.push(delivery);
    }
    expect((await send(gitlabDelivery(other.url, gitlabEvents.push({ project, after: sha() }), { token: other.secret }))).status).toBe(202);
    // One from two days ago, as it would be before the purge removes it.
    const old = Date.now() - 2 * 86_400_000;
    await t.server.services.webhooks.store.insertDelivery({
      sourceId: hook.id, installationKey: '', id: pastId(old), deliveryKey: 'old-delivery', host: 'gitlab', event: 'Push Hook', action: 'push',
      repositoryHostId: '99', repositoryFullName: 'acme/listed', receivedAt: new Date(old), status: 'processed', outcome: null, bodyBytes: 10, bodyGzip: null,
    });

    const first = await t.gql(HOOK, { id: hook.id, first: 3 });
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data.webhookHook;
    expect(page1).toMatchObject({ id: hook.id, host: 'GITLAB', baseUrl: 'http://127.0.0.1:9', description: 'gitlab test hook', path: `/webhooks/gitlab/${hook.id}`, rotationWindowEndsAt: null });
    expect(Date.parse(page1.rotatedAt)).toBe(hook.secretRotatedAt.getTime());
    const second = await t.gql(HOOK, { id: hook.id, first: 3, after: page1.deliveries.pageInfo.endCursor });
    const page2 = second.body.data.webhookHook.deliveries;
    expect(page1.deliveries.pageInfo.hasNextPage).toBe(true);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const listed = [...page1.deliveries.edges, ...page2.edges].map((e: any) => e.node);
    expect(listed.map((d: any) => d.deliveryId)).toEqual(sent.map((d) => d.headers['Idempotency-Key']).reverse());
    expect(listed[0]).toMatchObject({ host: 'GITLAB', event: 'Push Hook', action: 'push', installationId: null, repositoryHostId: '99', repositoryFullName: 'acme/listed', outcome: 'QUEUED', outcomeMessage: null, processedAt: null });
    expect(listed[0].bodyBytes).toBe(Buffer.byteLength(sent[4].body));
  });

  test("the tenant's hooks, newest first; another tenant's hook is not visible; no secret in any field", async () => {
    const a = await createHook('bitbucket');
    const b = await createHook('github');
    const list = await t.gql('{ webhookHooks(first: 100) { edges { node { id host path } } totalCount } }');
    const ids = list.body.data.webhookHooks.edges.map((e: any) => e.node.id);
    expect(ids.indexOf(b.hook.id)).toBeLessThan(ids.indexOf(a.hook.id));
    expect(ids.indexOf(a.hook.id)).toBeGreaterThanOrEqual(0);
    expect(list.body.data.webhookHooks.totalCount).toBe(ids.length);
    expect(JSON.stringify(list.body)).not.toContain(a.secret);

    const { createAccount } = await import('./support/factories');
    const stranger = await createAccount(t.dataSource);
    const theirs = await createHook('gitlab', stranger.tenant.id);
    expect((await t.gql(HOOK, { id: theirs.hook.id })).body.data.webhookHook).toBeNull();
    expect((await t.gql('{ webhookHooks(first: 100) { edges { node { id } } } }')).body.data.webhookHooks.edges.map((e: any) => e.node.id)).not.toContain(theirs.hook.id);
    const asStranger = await t.gql(HOOK, { id: theirs.hook.id }, { authorization: `Bearer ${stranger.apiKey}` });
    expect(asStranger.body.data.webhookHook.id).toBe(theirs.hook.id);
    expect((await t.gql('{ webhookHooks { totalCount } }', {}, { authorization: '' })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test("a GitHub App installation account lists what its app received for that installation (and not for another)", async () => {
    const app = await registerApp();
    const installationId = randomInt(1_000_000, 2_000_000_000);
    const { CodeHostAccountEntity } = await import('../src/db/entities');
    const now = new Date();
    const account = Object.assign(new CodeHostAccountEntity(), {
      id: `cha_${randomBytes(16).toString('hex')}`, tenantId: t.account.tenant.id, kind: 'github_app_installation', host: 'github', baseUrl: 'https://ghe.example.com',
      appId: app.id, externalId: String(installationId), linkKey: `${app.id}:${installationId}`, status: 'active', statusReason: null, identity: 'acme', authUsername: null,
      scopes: null, installation: null, credentialHint: null, accessTokenKeyId: null, accessTokenCiphertext: null, accessTokenExpiresAt: null, refreshTokenKeyId: null,
      refreshTokenCiphertext: null, refreshTokenExpiresAt: null, refreshedAt: null, leaseOwner: null, leaseUntil: null, createdByUserId: null, createdByApiKeyId: null,
      createdAt: now, updatedAt: now, deletedAt: null,
    });
    await t.server.services.codeHosts.store.insertAccount(t.dataSource.manager, account);
    const deliver = (installation: number) =>
      send(githubDelivery(`${t.url}/webhooks/github`, githubEvents.push({ repo: repo(), after: sha(), installationId: installation }), { secret: app.secret, target: { type: 'integration', id: app.githubAppId } }));
    expect((await deliver(installationId)).status).toBe(202);
    expect((await deliver(installationId + 1)).status).toBe(202);
    const res = await t.gql(`query($id: ID!) { codeHostAccount(id: $id) { id webhookDeliveries(first: 10) { edges { node { event installationId outcome } } pageInfo { hasNextPage } } } }`, { id: account.id });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.codeHostAccount.webhookDeliveries.edges.map((e: any) => e.node)).toEqual([{ event: 'push', installationId: String(installationId), outcome: 'QUEUED' }]);
  });

  test('bad page arguments are refused with the field named', async () => {
    const { hook } = await createHook('gitlab');
    const tooMany = await t.gql(HOOK, { id: hook.id, first: 101 });
    expect(tooMany.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['first'] } });
    const badCursor = await t.gql(HOOK, { id: hook.id, after: 'bm90LWEtY3Vyc29y' });
    expect(badCursor.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['after'] } });
  });
});

describe('logs', () => {
  test('a refusal is logged with its reason and route, an accepted delivery without its body; no secret, signature or body in any line', async () => {
    const { startTestServer } = await import('./support/test-server');
    const lines: string[] = [];
    const logged = await startTestServer({ env: { LOG_LEVEL: 'debug' }, deps: { logger: true, logDestination: { write: (chunk: string) => void lines.push(chunk) } } });
    try {
      const { hook, generatedSecret } = await logged.server.services.webhooks.hooks.create({ tenantId: logged.account.tenant.id, host: 'github', baseUrl: null, description: null, secret: null });
      const secret = generatedSecret!.reveal();
      const url = `${logged.url}/webhooks/github/hooks/${hook.id}`;
      const marker = `body-marker-${randomBytes(6).toString('hex')}`;
      const good = githubDelivery(url, githubEvents.push({ repo: repo(), after: sha(), message: marker }), { secret });
      const forged = `forged-${randomBytes(12).toString('hex')}`;
      const bad = githubDelivery(url, githubEvents.push({ repo: repo(), after: sha(), message: marker }), { secret: forged });
      expect((await send(good)).status).toBe(202);
      expect((await send(bad)).status).toBe(401);
      const text = lines.join('');
      const refusal = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'webhook delivery refused');
      expect(refusal).toMatchObject({ level: 'warn', host: 'github', endpoint: hook.id, reason: 'bad_signature' });
      expect(lines.map((l) => JSON.parse(l)).filter((l) => l.route === '/webhooks/github/hooks/:hookId').map((l) => l.status)).toEqual([202, 401]);
      for (const leak of [secret, forged, marker, good.headers['X-Hub-Signature-256'], bad.headers['X-Hub-Signature-256'], good.headers['X-GitHub-Delivery']]) expect(text).not.toContain(leak);
    } finally {
      await logged.close();
    }
  });
});
