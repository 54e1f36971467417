import { randomBytes } from 'node:crypto';
import { buildClientSchema, getIntrospectionQuery, isObjectType } from 'graphql';
import { RepoConnectionEntity } from '../src/db/entities';
import { CredentialCipher, CredentialDecryptionError, KeyRing } from '../src/modules/crypto';
import { reencryptCredentials } from '../src/modules/repo-connections/credential-rotation';
import { CONNECT_REPOS, connectInput } from './support/operations';
import { createAccount } from './support/factories';
import { startTestServer, type TestServer } from './support/test-server';
import { createIsolatedDatabase } from './support/db';

let t: TestServer;
let isolated: { url: string; drop(): Promise<void> };
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const APP_PASSWORD = `bbpass-${randomBytes(12).toString('hex')}`;

// Rotation acts on the whole table, so this file has a database of its own.
beforeAll(async () => {
  isolated = await createIsolatedDatabase('credentials');
  t = await startTestServer({ databaseUrl: isolated.url });
});
afterAll(async () => {
  await t.close();
  await isolated.drop();
});

async function connectWith(apiKey: string, input: Record<string, unknown>) {
  const res = await t.gql(CONNECT_REPOS, { input }, { authorization: `Bearer ${apiKey}` });
  expect(res.body.data.connectRepos.userErrors).toEqual([]);
  return { id: res.body.data.connectRepos.repoConnection.id as string, response: JSON.stringify(res.body) };
}

test('the raw table holds no plaintext token and no response carries it', async () => {
  const account = await createAccount(t.dataSource);
  const gh = await connectWith(account.apiKey, connectInput({ platform: 'github', credentials: { token: TOKEN }, repositories: ['acme/secret-1'] }));
  const bb = await connectWith(account.apiKey, connectInput({ platform: 'bitbucket', credentials: { username: 'someone', appPassword: APP_PASSWORD }, repositories: ['acme/secret-2'] }));
  const rows: Record<string, unknown>[] = await t.dataSource.query('SELECT * FROM repo_connections WHERE id IN (?, ?)', [gh.id, bb.id]);
  expect(rows).toHaveLength(2);
  const dump = rows.map((r) => Object.values(r).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v))).join('|')).join('\n');
  for (const secret of [TOKEN, APP_PASSWORD, TOKEN.slice(4, 20), APP_PASSWORD.slice(7, 20)]) {
    expect(dump).not.toContain(secret);
    expect(gh.response + bb.response).not.toContain(secret);
  }
  // What is stored opens again to exactly what was sent, under the key id recorded with the row.
  const row = await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id: gh.id });
  expect(row.credentialsKeyId).toBe(t.keyRing.current.id);
  expect(JSON.parse(t.server.services.repoConnections.openCredentials(row).reveal())).toEqual({ token: TOKEN });
});

test('a tampered ciphertext is refused', async () => {
  const account = await createAccount(t.dataSource);
  const { id } = await connectWith(account.apiKey, connectInput({ platform: 'github', credentials: { token: TOKEN }, repositories: ['acme/tamper'] }));
  const row = await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id });
  const tampered = Buffer.from(row.credentialsCiphertext!);
  tampered[tampered.length - 1] ^= 0x01;
  await t.dataSource.getRepository(RepoConnectionEntity).update({ id }, { credentialsCiphertext: tampered });
  const reloaded = await t.dataSource.getRepository(RepoConnectionEntity).findOneByOrFail({ id });
  expect(() => t.server.services.repoConnections.openCredentials(reloaded)).toThrow(CredentialDecryptionError);
  // Put the real value back: key rotation (below) rightly stops at a record it cannot authenticate.
  await t.dataSource.getRepository(RepoConnectionEntity).update({ id }, { credentialsCiphertext: row.credentialsCiphertext });
});

test('a ciphertext copied to another row (another tenant) does not decrypt', async () => {
  const victim = await createAccount(t.dataSource);
  const attacker = await createAccount(t.dataSource);
  const source = await connectWith(victim.apiKey, connectInput({ platform: 'github', credentials: { token: TOKEN }, repositories: ['acme/victim'] }));
  const target = await connectWith(attacker.apiKey, connectInput({ platform: 'github', credentials: { token: 'ghp_attacker_own_token' }, repositories: ['acme/attacker'] }));
  const repo = t.dataSource.getRepository(RepoConnectionEntity);
  const stolen = await repo.findOneByOrFail({ id: source.id });
  const targetOriginal = await repo.findOneByOrFail({ id: target.id });
  await repo.update({ id: target.id }, { credentialsCiphertext: stolen.credentialsCiphertext, credentialsKeyId: stolen.credentialsKeyId });
  const moved = await repo.findOneByOrFail({ id: target.id });
  let error: unknown;
  try {
    t.server.services.repoConnections.openCredentials(moved);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CredentialDecryptionError);
  expect(String((error as Error).message) + String((error as Error).stack)).not.toContain(TOKEN);
  const own = await repo.findOneByOrFail({ id: source.id });
  expect(JSON.parse(t.server.services.repoConnections.openCredentials(own).reveal())).toEqual({ token: TOKEN });
  await repo.update({ id: target.id }, { credentialsCiphertext: targetOriginal.credentialsCiphertext });
});

test('rotation refuses to re-seal a record it cannot authenticate, and changes nothing', async () => {
  const account = await createAccount(t.dataSource);
  const { id } = await connectWith(account.apiKey, connectInput({ platform: 'github', credentials: { token: TOKEN }, repositories: ['acme/broken'] }));
  const repo = t.dataSource.getRepository(RepoConnectionEntity);
  const original = await repo.findOneByOrFail({ id });
  const broken = Buffer.from(original.credentialsCiphertext!);
  broken[20] ^= 0xff;
  await repo.update({ id }, { credentialsCiphertext: broken });
  const rotated = new CredentialCipher(new KeyRing([{ id: 'never-used', key: randomBytes(32) }, t.keyRing.current], 'never-used'));
  await expect(reencryptCredentials(t.dataSource, rotated, 1000)).rejects.toThrow(CredentialDecryptionError);
  expect((await repo.find()).every((r) => r.credentialsKeyId === t.keyRing.current.id)).toBe(true);
  await repo.update({ id }, { credentialsCiphertext: original.credentialsCiphertext });
});

/**
 * The one field that answers a secret, by design: a new API key is shown once, at its creation (the
 * product's contract). test/dashboard.test.ts checks that it is stored only as a hash, never in an
 * idempotency record, and is in no other answer.
 */
const SHOWN_ONCE_AT_CREATION = new Set(['CreateApiKeyPayload.secret']);

test('the schema has no output field that could return a secret', async () => {
  const res = await t.gql(getIntrospectionQuery());
  const schema = buildClientSchema(res.body.data);
  const suspicious: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.keys(type.getFields())) {
      if (/token|password|secret|credentials$|ciphertext|keyHash/i.test(field) && !SHOWN_ONCE_AT_CREATION.has(`${type.name}.${field}`)) suspicious.push(`${type.name}.${field}`);
    }
  }
  expect(suspicious).toEqual([]);
});

test('rotating the key re-encrypts every record, and old values still open before and after', async () => {
  const account = await createAccount(t.dataSource);
  const { id } = await connectWith(account.apiKey, connectInput({ platform: 'github', credentials: { token: TOKEN }, repositories: ['acme/rotate'] }));
  const repo = t.dataSource.getRepository(RepoConnectionEntity);
  const before = await repo.findOneByOrFail({ id });
  const oldKey = t.keyRing.current;
  const rotated = new CredentialCipher(new KeyRing([{ id: 'rotated-key', key: randomBytes(32) }, oldKey], 'rotated-key'));
  const { reencrypted } = await reencryptCredentials(t.dataSource, rotated);
  expect(reencrypted).toBeGreaterThanOrEqual(1);
  const after = await repo.findOneByOrFail({ id });
  expect(after.credentialsKeyId).toBe('rotated-key');
  expect(after.credentialsCiphertext!.equals(before.credentialsCiphertext!)).toBe(false);
  const { credentialsAad } = await import('../src/modules/repo-connections/connection-credentials');
  expect(JSON.parse(rotated.open({ keyId: after.credentialsKeyId!, blob: after.credentialsCiphertext! }, credentialsAad(after)).reveal())).toEqual({ token: TOKEN });
  // Rotation is idempotent: a second run has nothing left to do for this row.
  await reencryptCredentials(t.dataSource, rotated);
  expect((await repo.findOneByOrFail({ id })).credentialsCiphertext!.equals(after.credentialsCiphertext!)).toBe(true);
});
