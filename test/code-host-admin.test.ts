/**
 * The operator's side: `app:register` (secrets from a variable or a file, never from argv) and
 * `app:list`, an installation and an OAuth account connected through those apps, and
 * `credentials:rotate-key` re-sealing every code-host secret — client secrets, the private key, the
 * webhook secret, access and refresh tokens, PKCE verifiers — after which minting and refreshing
 * still work under the new key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAdmin } from '../src/cli/admin';
import { loadConfig } from '../src/config';
import { createCodeHostServices } from '../src/modules/code-host-accounts/code-host.module';
import { CredentialCipher, loadKeyRing } from '../src/modules/crypto';
import { createIsolatedDatabase } from './support/db';
import { startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { startTestServer, type TestServer } from './support/test-server';

let fake: FakeHosts;
let db: { url: string; drop(): Promise<void> };
let dataDir: string;
let t: TestServer;

beforeAll(async () => {
  fake = await startFakeHosts();
  db = await createIsolatedDatabase('code_host_admin');
  dataDir = mkdtempSync(path.join(tmpdir(), 'repolink-code-host-admin-'));
  const { ring } = loadKeyRing({ keyFile: path.join(dataDir, 'encryption-keys.json'), createIfMissing: true });
  t = await startTestServer({ databaseUrl: db.url, env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true' }, deps: { cipher: new CredentialCipher(ring) } });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await db?.drop();
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const admin = async (argv: string[], env: Record<string, string> = {}) => {
  const result = await runAdmin([...argv, '--json'], { DATABASE_URL: db.url, REPOLINK_DATA_DIR: dataDir, ...env });
  return { ...result, json: result.stdout ? JSON.parse(result.stdout) : null };
};

async function browse(url: string): Promise<URL> {
  let current = url;
  for (let hop = 0; hop < 8; hop++) {
    const res = await fetch(current, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (!location) {
      const match = /<code>(cha_[0-9a-f]{32})<\/code>/.exec(await res.text());
      if (!match) throw new Error(`the flow ended without an account at ${current} (${res.status})`);
      return new URL(`${t.url}/?codeHostAccountId=${match[1]}`);
    }
    current = new URL(location, current).toString();
  }
  throw new Error('too many redirects');
}

test('apps registered on the command line connect accounts, and rotating the key re-seals every code-host secret', async () => {
  const app = fake.githubHost.registerApp({ requestOAuthOnInstall: true });
  app.callbackUrls = [`${t.url}/oauth/callback/github`];
  const keyFile = path.join(dataDir, 'github-app.pem');
  writeFileSync(keyFile, app.privateKeyPem, { mode: 0o600 });
  const secrets = { GH_SECRET: app.clientSecret, GH_HOOK: app.webhookSecret };

  // Secrets never on the command line; a missing variable or a bad key is said plainly.
  const onArgv = await admin(['app:register', '--host', 'github', '--app-id', String(app.appId), '--slug', app.slug, '--client-id', app.clientId, '--client-secret', app.clientSecret, '--private-key-file', keyFile]);
  expect(onArgv).toMatchObject({ code: 2, json: { error: expect.stringMatching(/--client-secret is not taken on the command line.*--client-secret-env NAME or --client-secret-file PATH/) } });
  expect(onArgv.stderr.includes(app.clientSecret)).toBe(false);
  const unset = await admin(['app:register', '--host', 'github', '--app-id', String(app.appId), '--slug', app.slug, '--client-id', app.clientId, '--client-secret-env', 'NOPE', '--private-key-file', keyFile]);
  expect(unset).toMatchObject({ code: 2, json: { error: '--client-secret-env names NOPE, which is not set' } });
  const badKey = path.join(dataDir, 'bad.pem');
  writeFileSync(badKey, 'not a key');
  const refused = await admin(['app:register', '--host', 'github', '--app-id', String(app.appId), '--slug', app.slug, '--client-id', app.clientId, '--client-secret-env', 'GH_SECRET', '--private-key-file', badKey], secrets);
  expect(refused).toMatchObject({ code: 2, json: { error: expect.stringMatching(/not a PEM RSA private key/) } });

  const registered = await admin(
    ['app:register', '--host', 'github', '--base-url', fake.githubWeb, '--app-id', String(app.appId), '--slug', app.slug, '--client-id', app.clientId, '--client-secret-env', 'GH_SECRET', '--private-key-file', keyFile, '--webhook-secret-env', 'GH_HOOK'],
    secrets,
  );
  expect(registered.code).toBe(0);
  expect(registered.json).toMatchObject({ id: expect.stringMatching(/^app_/), kind: 'github_app', host: 'github', baseUrl: fake.githubWeb, githubAppId: String(app.appId), hasPrivateKey: true, hasWebhookSecret: true, source: 'admin' });
  for (const secret of [app.clientSecret, app.webhookSecret, app.privateKeyPem.split('\n')[1]]) expect(registered.stdout.includes(secret) || registered.stderr.includes(secret)).toBe(false);
  const gitlab = fake.gitlabHost.registerApplication({ redirectUris: [`${t.url}/oauth/callback/gitlab`] });
  const secretFile = path.join(dataDir, 'gitlab-secret');
  writeFileSync(secretFile, `${gitlab.clientSecret}\n`, { mode: 0o600 });
  expect((await admin(['app:register', '--host', 'gitlab', '--base-url', fake.gitlab, '--client-id', gitlab.clientId, '--client-secret-file', secretFile])).json).toMatchObject({ kind: 'oauth_app', host: 'gitlab', hasPrivateKey: false });
  const listed = await admin(['app:list']);
  expect(listed.json.apps.map((a: any) => `${a.kind} ${a.host}`).sort()).toEqual(['github_app github', 'oauth_app gitlab']);

  // An installation and a GitLab authorization through them.
  fake.githubHost.addUser({ login: 'cli-user', orgs: ['cli-org'] });
  fake.githubHost.signIn('cli-user');
  fake.githubHost.prepareInstall({ app, account: 'cli-org' });
  fake.gitlabHost.addUser({ username: 'cli-gl' });
  fake.gitlabHost.signIn('cli-gl');
  const START = `mutation($input: StartCodeHostAuthorizationInput!) { startCodeHostAuthorization(input: $input) { authorizationUrl userErrors { message } } }`;
  const ids: string[] = [];
  for (const input of [{ host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: fake.githubWeb }, { host: 'GITLAB', baseUrl: fake.gitlab }]) {
    const started = await t.gql(START, { input });
    expect(started.body.data.startCodeHostAuthorization.userErrors).toEqual([]);
    ids.push((await browse(started.body.data.startCodeHostAuthorization.authorizationUrl)).searchParams.get('codeHostAccountId')!);
  }
  const installation = [...fake.githubHost.installations.values()].find((i) => i.account === 'cli-org')!;
  expect(fake.githubHost.mints(installation.id)).toBe(1);

  const rotated = await admin(['credentials:rotate-key']);
  expect(rotated.stderr).toBe('');
  // 4 app secrets (GitHub: client secret, private key, webhook secret; GitLab: client secret),
  // 3 account tokens (the installation's, GitLab's access and refresh), 2 flows' PKCE verifiers.
  expect(rotated.json.codeHosts).toEqual({ reencrypted: 9, total: 9 });
  expect(rotated.json).toMatchObject({ reencrypted: 9, total: 9, connections: { reencrypted: 0, total: 0 } });
  const keyIds = await t.dataSource.query(
    `SELECT client_secret_key_id AS k FROM code_host_apps UNION ALL SELECT private_key_key_id FROM code_host_apps WHERE private_key_key_id IS NOT NULL
     UNION ALL SELECT webhook_secret_key_id FROM code_host_apps WHERE webhook_secret_key_id IS NOT NULL
     UNION ALL SELECT access_token_key_id FROM code_host_accounts UNION ALL SELECT refresh_token_key_id FROM code_host_accounts WHERE refresh_token_key_id IS NOT NULL
     UNION ALL SELECT pkce_verifier_key_id FROM code_host_oauth_states`,
  );
  expect(keyIds.map((r: { k: string }) => r.k)).toEqual(Array(9).fill(rotated.json.keyId));

  // A process on the rotated key ring mints and refreshes with the re-sealed private key, client secrets and refresh token.
  const ring = loadKeyRing({ keyFile: path.join(dataDir, 'encryption-keys.json'), createIfMissing: false }).ring;
  const config = loadConfig({ REPOLINK_DATA_DIR: dataDir, REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'silent' });
  const after = createCodeHostServices({ dataSource: t.dataSource, config, cipher: new CredentialCipher(ring) });
  await t.dataSource.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3)');
  for (const id of ids) {
    const token = await after.tokens.tokenFor(t.account.tenant.id, id);
    const probe = id === ids[0] ? `${fake.githubApi}/installation/repositories` : `${fake.gitlab}/api/v4/user`;
    expect((await fetch(probe, { headers: token.headers() })).status).toBe(200);
  }
  expect(fake.githubHost.mints(installation.id)).toBe(2);
  expect(fake.gitlabHost.refreshes('cli-gl')).toBe(1);
});
