/**
 * One refresh per account across processes. Two services on two DataSources (two connection pools,
 * as two server processes have) ask for the token of one GitLab OAuth account at once, several
 * times each: the fake GitLab (which revokes a refresh token when it is used, so a second refresh
 * with it would fail) sees exactly one refresh, and every caller gets the same working token. And
 * a refresh refused because another process had just spent the refresh token does not mark the
 * account NEEDS_REAUTHORIZATION: the stored tokens are read again and used.
 */
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { CodeHostAccountEntity } from '../src/db/entities';
import { CodeHostApi } from '../src/modules/code-host-accounts/code-host-api';
import { createCodeHostServices, type CodeHostServices } from '../src/modules/code-host-accounts/code-host.module';
import { accountAad } from '../src/modules/code-host-accounts/code-host-secrets';
import { OAuthTokenEndpoint } from '../src/modules/code-host-accounts/oauth-client';
import { CodeHostAccountStore } from '../src/modules/code-host-accounts/code-host-account.store';
import { CodeHostTokens } from '../src/modules/code-host-accounts/code-host-tokens';
import { CodeHostEndpoints } from '../src/modules/code-host-accounts/code-host-endpoints';
import { CodeHostAppService } from '../src/modules/code-host-accounts/code-host-app.service';
import { CredentialCipher, Secret } from '../src/modules/crypto';
import type { PlatformHttp } from '../src/modules/platforms/http';
import { uuidv7 } from '../src/lib/ids';
import { createAccount, type TestAccount } from './support/factories';
import { openTestDataSource } from './support/db';
import { startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { testKeyRing } from './support/test-server';

let fake: FakeHosts;
let one: DataSource;
let two: DataSource;
let tenant: TestAccount;
const cipher = new CredentialCipher(testKeyRing());
let config: ReturnType<typeof loadConfig>;
let gitlab: { clientId: string; clientSecret: string };
let appId: string;

beforeAll(async () => {
  fake = await startFakeHosts();
  gitlab = fake.gitlabHost.registerApplication({ redirectUris: ['http://127.0.0.1:1/oauth/callback/gitlab'] });
  config = loadConfig({ REPOLINK_DATA_DIR: '/tmp/repolink-test-unused', REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'silent' });
  one = await openTestDataSource(4);
  two = await openTestDataSource(4);
  tenant = await createAccount(one);
  const app = await createCodeHostServices({ dataSource: one, config, cipher }).apps.register({
    kind: 'oauth_app',
    host: 'gitlab',
    baseUrl: fake.gitlab,
    githubAppId: null,
    slug: null,
    clientId: gitlab.clientId,
    clientSecret: new Secret(gitlab.clientSecret),
    privateKey: null,
    webhookSecret: null,
    source: 'admin',
  });
  appId = app.id;
});

afterAll(async () => {
  await one?.destroy();
  await two?.destroy();
  await fake?.close();
});

/** An OAuth account of `user` as the callback stores it, with its access token already at its expiry. */
async function staleAccount(user: string): Promise<{ id: string; accessToken: string }> {
  fake.gitlabHost.addUser({ username: user });
  const issued = fake.gitlabHost.issueOAuthToken(gitlab.clientId, user);
  const id = `cha_${uuidv7().replace(/-/g, '')}`;
  const row = { tenantId: tenant.tenant.id, id };
  const access = cipher.seal(issued.accessToken, accountAad(row, 'access_token'));
  const refresh = cipher.seal(issued.refreshToken!, accountAad(row, 'refresh_token'));
  await one.query(
    `INSERT INTO code_host_accounts (id, tenant_id, kind, host, base_url, app_id, external_id, link_key, status, identity,
       access_token_key_id, access_token_ciphertext, access_token_expires_at, refresh_token_key_id, refresh_token_ciphertext, created_at, updated_at)
     VALUES (?, ?, 'oauth', 'gitlab', ?, ?, ?, ?, 'active', ?, ?, ?, UTC_TIMESTAMP(3), ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    [id, tenant.tenant.id, fake.gitlab, appId, user, `${appId}:${user}`, user, access.keyId, access.blob, refresh.keyId, refresh.blob],
  );
  return { id, accessToken: issued.accessToken };
}

const works = async (headers: Record<string, string>) => (await fetch(`${fake.gitlab}/api/v4/user`, { headers })).status;

test('two processes asking at once: exactly one refresh reaches GitLab, every caller gets the same working token', async () => {
  const a: CodeHostServices = createCodeHostServices({ dataSource: one, config, cipher });
  const b: CodeHostServices = createCodeHostServices({ dataSource: two, config, cipher });
  const { id, accessToken } = await staleAccount('racer');
  expect(await works({ authorization: `Bearer ${accessToken}` })).toBe(200);

  const calls = [a, b, a, b, a, b, a, b].map((s) => s.tokens.tokenFor(tenant.tenant.id, id));
  const tokens = await Promise.all(calls);
  expect(fake.gitlabHost.refreshes('racer')).toBe(1);
  expect(new Set(tokens.map((t) => t.token.reveal())).size).toBe(1);
  expect(tokens[0].token.reveal()).not.toBe(accessToken);
  expect(await works(tokens[0].headers())).toBe(200);
  // GitLab revoked the old pair when it was refreshed: the refresh was real.
  expect(await works({ authorization: `Bearer ${accessToken}` })).toBe(401);

  // Fresh now: more calls cost no refresh.
  await Promise.all([a.tokens.tokenFor(tenant.tenant.id, id), b.tokens.tokenFor(tenant.tenant.id, id)]);
  expect(fake.gitlabHost.refreshes('racer')).toBe(1);

  // Stale again: again exactly one more.
  await one.query('UPDATE code_host_accounts SET access_token_expires_at = UTC_TIMESTAMP(3) WHERE id = ?', [id]);
  const again = await Promise.all([b.tokens.tokenFor(tenant.tenant.id, id), a.tokens.tokenFor(tenant.tenant.id, id), b.tokens.tokenFor(tenant.tenant.id, id)]);
  expect(fake.gitlabHost.refreshes('racer')).toBe(2);
  expect(new Set(again.map((t) => t.token.reveal())).size).toBe(1);
  expect(await works(again[0].headers())).toBe(200);
  const stored = await one.getRepository(CodeHostAccountEntity).findOneByOrFail({ id });
  expect(stored).toMatchObject({ status: 'active', leaseOwner: null, leaseUntil: null });
});

test('invalid_grant because another process had just refreshed: the tokens it stored are used, the account stays ACTIVE', async () => {
  const { id } = await staleAccount('late');
  const store = new CodeHostAccountStore(one);
  const endpoints = new CodeHostEndpoints(config);
  const apps = new CodeHostAppService(one, store, cipher, endpoints);
  // Process A's lease ran out while its refresh was in flight; it spends the refresh token at
  // GitLab just before B's request arrives, and stores what it got (fenced on the token it spent).
  let interleaved = false;
  class SecondInLine extends CodeHostApi {
    override http(headers: Record<string, string> = {}, maxPages?: number): PlatformHttp {
      const http = super.http(headers, maxPages);
      const post = http.post.bind(http);
      http.post = (async (...args: Parameters<PlatformHttp['post']>) => {
        if (!interleaved) {
          interleaved = true;
          const secrets = (await store.readSecrets(id))!;
          const spent = secrets.refresh!;
          const tokens = await new OAuthTokenEndpoint(endpoints.for('gitlab', fake.gitlab), apps.clientCredentials((await apps.byId(appId))!), super.http()).refresh(cipher.open(spent, accountAad(secrets, 'refresh_token')));
          const sealed = (value: Secret<string>, field: 'access_token' | 'refresh_token') => cipher.seal(value.reveal(), accountAad(secrets, field));
          expect(
            await store.storeTokens(id, 'process-a', { access: sealed(tokens.accessToken, 'access_token'), accessExpires: { inSeconds: tokens.expiresIn! }, refresh: sealed(tokens.refreshToken!, 'refresh_token'), refreshExpiresInSeconds: null }, spent.blob),
          ).toBe(true);
        }
        return post(...args);
      }) as PlatformHttp['post'];
      return http;
    }
  }
  const b = new CodeHostTokens(config, store, cipher, apps, new SecondInLine(config), endpoints);
  const token = await b.tokenFor(tenant.tenant.id, id);
  expect(interleaved).toBe(true);
  // Two refresh calls reached GitLab: A's (good) and B's (invalid_grant, its token already spent).
  expect(fake.gitlabHost.refreshes('late')).toBe(2);
  expect(await works(token.headers())).toBe(200);
  const stored = await one.getRepository(CodeHostAccountEntity).findOneByOrFail({ id });
  expect(stored).toMatchObject({ status: 'active', statusReason: null, leaseOwner: null });
});
