import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { runAdmin } from '../src/cli/admin';
import { createDataSource } from '../src/db/data-source';
import { CredentialCipher, loadKeyRing } from '../src/modules/crypto';
import { createIsolatedDatabase, testDatabaseUrl } from './support/db';
import { bitbucketDelivery, bitbucketEvents, githubDelivery, githubEvents, gitlabDelivery, gitlabEvents, send } from './support/fake-hosts/webhooks';
import { startTestServer, useTestServer } from './support/test-server';

/** The operator's webhook commands (npm run admin -- webhook:…), against the suite's database, checked through the server's endpoints. */

const t = useTestServer();
const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: testDatabaseUrl(), REPOLINK_DATA_DIR: path.join(tmpdir(), 'repolink-admin-unused'), REPOLINK_PUBLIC_URL: 'https://repolink.example.com', ...extra });

/** Runs a command with the test server's key, so what it seals the server opens. */
async function admin(argv: string[], extraEnv: Record<string, string> = {}, json = true) {
  const dir = mkdtempSync(path.join(tmpdir(), 'repolink-webhook-admin-'));
  try {
    const keyFile = path.join(dir, 'keys.json');
    writeFileSync(keyFile, JSON.stringify({ version: 1, current: t.keyRing.current.id, keys: [{ id: t.keyRing.current.id, key: t.keyRing.current.key.toString('base64'), createdAt: new Date().toISOString() }] }), { mode: 0o600 });
    const result = await runAdmin(json ? [...argv, '--json'] : argv, env({ REPOLINK_KEY_FILE: keyFile, ...extraEnv }));
    return { ...result, json: json && result.stdout ? JSON.parse(result.stdout) : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sha = () => randomBytes(20).toString('hex');

test('webhook:create makes a hook and shows its generated secret once; the host can deliver with it; webhook:list never shows it', async () => {
  const created = await admin(['webhook:create', '--tenant', t.account.tenant.id, '--host', 'gitlab', '--base-url', 'https://gitlab.example.com/', '--description', 'acme/api project hook']);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const hook = created.json;
  expect(hook).toMatchObject({
    id: expect.stringMatching(/^wh_[0-9a-f]{32}$/),
    tenantId: t.account.tenant.id,
    host: 'gitlab',
    baseUrl: 'https://gitlab.example.com',
    description: 'acme/api project hook',
    path: `/webhooks/gitlab/${hook.id}`,
    url: `https://repolink.example.com/webhooks/gitlab/${hook.id}`,
    previousSecretValidUntil: null,
    secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  });
  const delivery = gitlabDelivery(`${t.url}${hook.path}`, gitlabEvents.push({ project: { id: 5, path: 'acme/api' }, after: sha() }), { token: hook.secret });
  expect((await send(delivery)).status).toBe(202);

  const listed = await admin(['webhook:list', '--tenant', t.account.tenant.id]);
  expect(listed.json.hooks.map((h: { id: string }) => h.id)).toContain(hook.id);
  expect(listed.stdout).not.toContain(hook.secret);
  const text = await admin(['webhook:list', '--tenant', t.account.tenant.id], {}, false);
  expect(text.stdout).toContain(`https://repolink.example.com/webhooks/gitlab/${hook.id} (acme/api project hook)`);
});

test('a secret given by the operator is read from a variable or a file, never from the command line, and never printed', async () => {
  const chosen = `chosen-${randomBytes(12).toString('hex')}`;
  const viaEnv = await admin(['webhook:create', '--tenant', t.account.tenant.id, '--host', 'bitbucket', '--secret-env', 'HOOK_SECRET'], { HOOK_SECRET: chosen });
  expect(viaEnv.code).toBe(0);
  expect(viaEnv.json.secret).toBeUndefined();
  expect(viaEnv.stdout + viaEnv.stderr).not.toContain(chosen);
  const bb = bitbucketDelivery(`${t.url}${viaEnv.json.path}`, bitbucketEvents.push({ repo: { workspace: 'acme', slug: 'web' }, branch: 'main', hash: sha() }), { secret: chosen });
  expect((await send(bb)).status).toBe(202);

  const onArgv = await admin(['webhook:create', '--tenant', t.account.tenant.id, '--host', 'gitlab', '--secret', chosen]);
  expect(onArgv.code).toBe(2);
  expect(onArgv.stderr).toMatch(/--secret is not taken on the command line/);
  expect(onArgv.stdout + onArgv.stderr).not.toContain(chosen);

  const short = await admin(['webhook:create', '--tenant', t.account.tenant.id, '--host', 'gitlab', '--secret-env', 'HOOK_SECRET'], { HOOK_SECRET: 'short-secret' });
  expect(short.code).toBe(2);
  expect(short.json.error).toBe('The secret must be 16 to 512 characters long');
  expect(short.stdout + short.stderr).not.toContain('short-secret');
});

test('bad options name what is wrong and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['webhook:create', '--host', 'gitlab'], /--tenant is required/],
    [['webhook:create', '--tenant', t.account.tenant.id, '--host', 'svn'], /--host must be github, gitlab or bitbucket/],
    [['webhook:create', '--tenant', '00000000-0000-7000-8000-000000000000', '--host', 'gitlab'], /names no tenant/],
    [['webhook:create', '--tenant', t.account.tenant.id, '--host', 'bitbucket', '--base-url', 'https://bb.example.com'], /Bitbucket Cloud has one address/],
    [['webhook:create', '--tenant', t.account.tenant.id, '--host', 'gitlab', '--base-url', 'not a url'], /--base-url must be an http\(s\) URL/],
    [['webhook:rotate-secret', '--id', 'wh_nope'], /is not a hook id/],
    [['webhook:rotate-secret', '--id', `wh_${'0'.repeat(32)}`], /No live hook/],
    [['webhook:delete', '--id', `wh_${'0'.repeat(32)}`], /No live hook/],
  ];
  for (const [argv, message] of cases) {
    const result = await admin(argv);
    expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
    expect(result.json.error).toMatch(message);
  }
  const hook = (await admin(['webhook:create', '--tenant', t.account.tenant.id, '--host', 'github'])).json;
  expect((await admin(['webhook:rotate-secret', '--id', hook.id, '--keep-previous-hours', 'soon'])).json.error).toMatch(/--keep-previous-hours must be a number from 0 to 720/);
});

test('webhook:rotate-secret prints the new secret once and keeps the old one for the window; webhook:delete stops deliveries', async () => {
  const hook = (await admin(['webhook:create', '--tenant', t.account.tenant.id, '--host', 'github'])).json;
  const rotated = await admin(['webhook:rotate-secret', '--id', hook.id, '--keep-previous-hours', '2']);
  expect(rotated.code).toBe(0);
  expect(rotated.json.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(rotated.json.secret).not.toBe(hook.secret);
  expect(Date.parse(rotated.json.previousSecretValidUntil) - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
  expect(Date.parse(rotated.json.previousSecretValidUntil) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
  t.server.services.webhooks.ingest.forgetHook(hook.id);
  const push = (secret: string) => githubDelivery(`${t.url}${hook.path}`, githubEvents.push({ repo: { id: 1, owner: 'acme', name: 'api' }, after: sha() }), { secret });
  expect((await send(push(hook.secret))).status).toBe(202);
  expect((await send(push(rotated.json.secret))).status).toBe(202);

  const deleted = await admin(['webhook:delete', '--id', hook.id]);
  expect(deleted.json).toEqual({ id: hook.id, deleted: true });
  t.server.services.webhooks.ingest.forgetHook(hook.id);
  expect((await send(push(rotated.json.secret))).status).toBe(401);
  expect((await admin(['webhook:list', '--tenant', t.account.tenant.id])).json.hooks.map((h: { id: string }) => h.id)).not.toContain(hook.id);
});

test('app:rotate-webhook-secret prints a GitHub App’s new secret once and keeps the old one for the window; a chosen one is read from a variable, never printed', async () => {
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const githubAppId = randomInt(1_000_000, 2_000_000_000);
  const first = `first-${randomBytes(12).toString('hex')}`;
  const registered = await admin(
    ['app:register', '--host', 'github', '--base-url', `https://ghe-${randomBytes(5).toString('hex')}.example.com`, '--app-id', String(githubAppId), '--slug', 'rotating',
      '--client-id', 'Iv1.rotating', '--client-secret-env', 'CS', '--private-key-env', 'PK', '--webhook-secret-env', 'WS'],
    { CS: randomBytes(20).toString('hex'), PK: privateKey, WS: first },
  );
  expect(registered.code).toBe(0);
  const app = registered.json;
  expect(registered.stdout).not.toContain(first);
  const push = (secret: string) =>
    githubDelivery(`${t.url}/webhooks/github`, githubEvents.push({ repo: { id: 1, owner: 'acme', name: 'api' }, after: sha(), installationId: 7 }), { secret, target: { type: 'integration', id: githubAppId } });

  const rotated = await admin(['app:rotate-webhook-secret', '--id', app.id, '--keep-previous-hours', '2']);
  expect(rotated.code).toBe(0);
  expect(rotated.json).toMatchObject({ id: app.id, kind: 'github_app', hasWebhookSecret: true, webhookSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  expect(Date.parse(rotated.json.previousWebhookSecretValidUntil) - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
  expect(Date.parse(rotated.json.previousWebhookSecretValidUntil) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
  expect((await send(push(first))).status).toBe(202);
  expect((await send(push(rotated.json.webhookSecret))).status).toBe(202);
  expect((await admin(['app:list'])).stdout).not.toContain(rotated.json.webhookSecret);

  const chosen = `chosen-${randomBytes(12).toString('hex')}`;
  const text = await admin(['app:rotate-webhook-secret', '--id', app.id, '--webhook-secret-env', 'NEXT', '--keep-previous-hours', '0'], { NEXT: chosen }, false);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(`new webhook secret for GitHub App ${app.id}`);
  expect(text.stdout).toContain('the previous secret is refused from now on');
  expect(text.stdout + text.stderr).not.toContain(chosen);
  const onArgv = await admin(['app:rotate-webhook-secret', '--id', app.id, '--webhook-secret', chosen]);
  expect(onArgv.code).toBe(2);
  expect(onArgv.stdout + onArgv.stderr).not.toContain(chosen);
  expect((await admin(['app:rotate-webhook-secret', '--id', 'app_nope'])).json.error).toMatch(/is not an app id/);
});

test('credentials:rotate-key re-seals hook and GitHub App webhook secrets (current and previous) under the new key; both still verify', async () => {
  const db = await createIsolatedDatabase('webhook_rotate_key');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'repolink-webhook-rotate-'));
  const keyFile = path.join(dataDir, 'encryption-keys.json');
  const { ring } = loadKeyRing({ keyFile, createIfMissing: true });
  const server = await startTestServer({ databaseUrl: db.url, deps: { cipher: new CredentialCipher(ring) } });
  const cli = (argv: string[], extra: Record<string, string> = {}) =>
    runAdmin([...argv, '--json'], { DATABASE_URL: db.url, REPOLINK_DATA_DIR: dataDir, ...extra }).then((r) => ({ ...r, json: JSON.parse(r.stdout) }));
  try {
    const hook = (await cli(['webhook:create', '--tenant', server.account.tenant.id, '--host', 'gitlab'])).json;
    const rotated = (await cli(['webhook:rotate-secret', '--id', hook.id])).json;
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const githubAppId = randomInt(1_000_000, 2_000_000_000);
    const firstAppSecret = `first-${randomBytes(12).toString('hex')}`;
    const app = (
      await cli(
        ['app:register', '--host', 'github', '--base-url', 'https://ghe-rotate.example.com', '--app-id', String(githubAppId), '--slug', 'rotate', '--client-id', 'Iv1.rotate',
          '--client-secret-env', 'CS', '--private-key-env', 'PK', '--webhook-secret-env', 'WS'],
        { CS: randomBytes(20).toString('hex'), PK: privateKey, WS: firstAppSecret },
      )
    ).json;
    const appRotated = (await cli(['app:rotate-webhook-secret', '--id', app.id])).json;
    expect(appRotated.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const result = await cli(['credentials:rotate-key']);
    expect(result.stderr).toBe('');
    expect(result.json.webhooks).toEqual({ reencrypted: 2, total: 2 });
    // The app's client secret, private key, webhook secret and previous webhook secret.
    expect(result.json.codeHosts).toEqual({ reencrypted: 4, total: 4 });

    const ds = createDataSource({ url: db.url, poolSize: 1 });
    await ds.initialize();
    const [row] = await ds.query('SELECT secret_key_id, previous_secret_key_id FROM webhook_hooks WHERE id = ?', [hook.id]);
    const [appRow] = await ds.query('SELECT webhook_secret_key_id, previous_webhook_secret_key_id FROM code_host_apps WHERE id = ?', [app.id]);
    await ds.destroy();
    expect([row.secret_key_id, row.previous_secret_key_id]).toEqual([result.json.keyId, result.json.keyId]);
    expect([appRow.webhook_secret_key_id, appRow.previous_webhook_secret_key_id]).toEqual([result.json.keyId, result.json.keyId]);

    const after = await startTestServer({ databaseUrl: db.url, deps: { cipher: new CredentialCipher(loadKeyRing({ keyFile, createIfMissing: false }).ring) } });
    try {
      const push = (token: string) => gitlabDelivery(`${after.url}${hook.path}`, gitlabEvents.push({ project: { id: 5, path: 'acme/api' }, after: sha() }), { token });
      expect((await send(push(rotated.secret))).status).toBe(202);
      expect((await send(push(hook.secret))).status).toBe(202);
      const appPush = (secret: string) =>
        githubDelivery(`${after.url}/webhooks/github`, githubEvents.push({ repo: { id: 3, owner: 'acme', name: 'web' }, after: sha(), installationId: 9 }), { secret, target: { type: 'integration', id: githubAppId } });
      expect((await send(appPush(appRotated.webhookSecret))).status).toBe(202);
      expect((await send(appPush(firstAppSecret))).status).toBe(202);
      expect((await send(appPush('neither-of-the-two-secrets'))).status).toBe(401);
    } finally {
      await after.close();
    }
  } finally {
    await server.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
