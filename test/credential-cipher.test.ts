import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import {
  CredentialCipher,
  CredentialDecryptionError,
  EncryptionKeyError,
  KeyRing,
  Secret,
  addKeyToFile,
  loadKeyRing,
  parseEncryptionKeyEnv,
  type SealedValue,
} from '../src/modules/crypto';

// Pure unit tests: no database, no server.

const CREDENTIALS = JSON.stringify({ token: 'ghp_SuperSecretToken1234567890abcdef', user: 'ci-bot' });
const AAD = 'repo_connection:tenant-1:project-1:row-1';

function ringOf(...ids: string[]): KeyRing {
  return new KeyRing(ids.map((id) => ({ id, key: randomBytes(32) })), ids[0]);
}

function expectDecryptionError(fn: () => unknown): CredentialDecryptionError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CredentialDecryptionError);
  const error = caught as CredentialDecryptionError;
  expect(error.message).toBe('stored credentials could not be decrypted');
  return error;
}

function expectKeyError(fn: () => unknown, ...mustNotContain: string[]): EncryptionKeyError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EncryptionKeyError);
  const error = caught as EncryptionKeyError;
  for (const secret of mustNotContain) {
    expect(error.message).not.toContain(secret);
    expect(String(error.stack)).not.toContain(secret);
  }
  return error;
}

describe('CredentialCipher', () => {
  it('round-trips a credentials JSON string and returns it as a Secret', () => {
    const cipher = new CredentialCipher(ringOf('k1'));
    const sealed = cipher.seal(CREDENTIALS, AAD);
    expect(sealed.keyId).toBe('k1');
    // version | 12-byte IV | 16-byte tag | ciphertext
    expect(sealed.blob[0]).toBe(1);
    expect(sealed.blob.length).toBe(1 + 12 + 16 + Buffer.byteLength(CREDENTIALS));
    // The blob is not the plaintext.
    expect(sealed.blob.includes(Buffer.from('ghp_SuperSecretToken'))).toBe(false);

    const opened = cipher.open(sealed, AAD);
    expect(opened).toBeInstanceOf(Secret);
    expect(JSON.parse(opened.reveal())).toEqual(JSON.parse(CREDENTIALS));
  });

  it('round-trips the empty string and non-ASCII text', () => {
    const cipher = new CredentialCipher(ringOf('k1'));
    expect(cipher.open(cipher.seal('', AAD), AAD).reveal()).toBe('');
    expect(cipher.open(cipher.seal('pässwörd ✓ 秘密', AAD), AAD).reveal()).toBe('pässwörd ✓ 秘密');
  });

  it('uses a new IV each time: the same plaintext gives different blobs', () => {
    const cipher = new CredentialCipher(ringOf('k1'));
    const a = cipher.seal(CREDENTIALS, AAD);
    const b = cipher.seal(CREDENTIALS, AAD);
    expect(a.blob.subarray(1, 13).equals(b.blob.subarray(1, 13))).toBe(false);
    expect(a.blob.equals(b.blob)).toBe(false);
    expect(cipher.open(a, AAD).reveal()).toBe(CREDENTIALS);
    expect(cipher.open(b, AAD).reveal()).toBe(CREDENTIALS);
  });

  it('fails closed when any byte of the blob is changed', () => {
    const cipher = new CredentialCipher(ringOf('k1'));
    const sealed = cipher.seal(CREDENTIALS, AAD);
    for (let i = 0; i < sealed.blob.length; i++) {
      const blob = Buffer.from(sealed.blob);
      blob[i] ^= 0x01;
      expectDecryptionError(() => cipher.open({ keyId: sealed.keyId, blob }, AAD));
    }
    // The untouched value still opens, so the failures above are due to the tampering.
    expect(cipher.open(sealed, AAD).reveal()).toBe(CREDENTIALS);
  });

  it('fails closed on a truncated or extended blob, another version or a non-buffer', () => {
    const cipher = new CredentialCipher(ringOf('k1'));
    const sealed = cipher.seal(CREDENTIALS, AAD);
    for (const length of [0, 1, 13, 28, 29, sealed.blob.length - 1]) {
      expectDecryptionError(() => cipher.open({ keyId: 'k1', blob: sealed.blob.subarray(0, length) }, AAD));
    }
    expectDecryptionError(() => cipher.open({ keyId: 'k1', blob: Buffer.concat([sealed.blob, Buffer.from([0])]) }, AAD));
    const v2 = Buffer.from(sealed.blob);
    v2[0] = 2;
    expectDecryptionError(() => cipher.open({ keyId: 'k1', blob: v2 }, AAD));
    expectDecryptionError(() => cipher.open({ keyId: 'k1', blob: sealed.blob.toString('base64') as unknown as Buffer }, AAD));
  });

  it('fails when the ciphertext is moved to another row (different aad)', () => {
    const cipher = new CredentialCipher(ringOf('k1'));
    const sealed = cipher.seal(CREDENTIALS, AAD);
    expectDecryptionError(() => cipher.open(sealed, 'repo_connection:tenant-1:project-1:row-2'));
    expectDecryptionError(() => cipher.open(sealed, 'repo_connection:tenant-2:project-1:row-1'));
    expectDecryptionError(() => cipher.open(sealed, ''));
    expect(cipher.open(sealed, AAD).reveal()).toBe(CREDENTIALS);
  });

  it('fails on an unknown key id, and on a known id whose key did not seal the value', () => {
    const ring = ringOf('k1', 'k0');
    const cipher = new CredentialCipher(ring);
    const sealed = cipher.seal(CREDENTIALS, AAD);
    expectDecryptionError(() => cipher.open({ keyId: 'nope', blob: sealed.blob }, AAD));
    expectDecryptionError(() => cipher.open({ keyId: 'k0', blob: sealed.blob }, AAD));
    // Another ring that reuses the id "k1" with a different key cannot open it either.
    expectDecryptionError(() => new CredentialCipher(ringOf('k1')).open(sealed, AAD));
  });

  it('says nothing of the plaintext, the key or the ciphertext when it fails', () => {
    const ring = ringOf('k1');
    const cipher = new CredentialCipher(ring);
    const sealed = cipher.seal(CREDENTIALS, AAD);
    const error = expectDecryptionError(() => cipher.open(sealed, 'other'));
    const everything = `${error.message}\n${error.stack}\n${util.inspect(error)}\n${JSON.stringify(error)}`;
    for (const leak of [
      'ghp_SuperSecretToken',
      ring.current.key.toString('base64'),
      ring.current.key.toString('hex'),
      sealed.blob.toString('base64'),
      sealed.blob.toString('hex'),
    ]) {
      expect(everything).not.toContain(leak);
    }
    expect((error as unknown as { cause?: unknown }).cause).toBeUndefined();
  });

  it('keeps old values readable after rotation and reports that they need re-encryption', () => {
    const oldRing = ringOf('k-old');
    const oldSealed = new CredentialCipher(oldRing).seal(CREDENTIALS, AAD);
    expect(new CredentialCipher(oldRing).needsRotation(oldSealed)).toBe(false);

    const rotated = new KeyRing([{ id: 'k-new', key: randomBytes(32) }, oldRing.current], 'k-new');
    const cipher = new CredentialCipher(rotated);
    expect(cipher.open(oldSealed, AAD).reveal()).toBe(CREDENTIALS);
    expect(cipher.needsRotation(oldSealed)).toBe(true);

    const resealed = cipher.seal(cipher.open(oldSealed, AAD).reveal(), AAD);
    expect(resealed.keyId).toBe('k-new');
    expect(cipher.needsRotation(resealed)).toBe(false);
    expect(cipher.open(resealed, AAD).reveal()).toBe(CREDENTIALS);
    // Once the old key is dropped, the re-encrypted value still opens and the old one does not.
    const newOnly = new CredentialCipher(new KeyRing([rotated.current], 'k-new'));
    expect(newOnly.open(resealed, AAD).reveal()).toBe(CREDENTIALS);
    expectDecryptionError(() => newOnly.open(oldSealed, AAD));
  });
});

describe('Secret', () => {
  const VALUE = 'hunter2-very-secret-value';

  it('reveals the value only through reveal()', () => {
    const s = new Secret(VALUE);
    expect(s.reveal()).toBe(VALUE);
    expect(new Secret({ token: 't' }).reveal()).toEqual({ token: 't' });
  });

  it('never leaks through serialisation, printing or enumeration', () => {
    const s = new Secret(VALUE);
    const outputs = [
      JSON.stringify(s),
      JSON.stringify({ credentials: s }),
      util.inspect(s),
      util.inspect({ nested: { s } }, { depth: 10, showHidden: true }),
      String(s),
      `${s}`,
      'x' + s,
      util.format('%s %o %j', s, s, s),
      util.format('%O %d', s, s),
      util.format(s),
      Object.keys(s).join(','),
      JSON.stringify(Object.entries(s)),
      JSON.stringify(Object.getOwnPropertyNames(s)),
    ];
    for (const out of outputs) expect(out).not.toContain('hunter2');
    expect(JSON.stringify(s)).toBe('"[redacted]"');
    expect(String(s)).toBe('[redacted]');
    expect(s.toString()).toBe('[redacted]');
    expect([s].join()).toBe('[redacted]');
    expect(`${s}`).toBe('[redacted]');
    expect(util.inspect(s)).toBe('[redacted]');
    expect(util.format('%s %o %j', s, s, s)).toBe('[redacted] [redacted] "[redacted]"');
    expect(Object.keys(s)).toEqual([]);
  });

  it('does not leak through console.log', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      // A fresh Console writes to the (spied) process.stdout, bypassing jest's console capture.
      const out = new console.Console({ stdout: process.stdout, stderr: process.stdout });
      out.log(new Secret(VALUE));
      out.log('credentials: %s', new Secret(VALUE), { s: new Secret(VALUE) });
    } finally {
      spy.mockRestore();
    }
    const text = writes.join('');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('hunter2');
  });

  it('gives a hint of the last 4 characters for values of 16+ characters, nothing for shorter ones', () => {
    expect(new Secret('abcdefghijklmnop').hint()).toBe('…mnop');
    expect(new Secret(VALUE).hint()).toBe('…alue');
    expect(new Secret('abcdefghijklmno').hint()).toBe('');
    expect(new Secret('').hint()).toBe('');
    expect(new Secret({ token: 'abcdefghijkl' }).hint()).toBe('');
  });
});

describe('parseEncryptionKeyEnv', () => {
  const key = randomBytes(32);
  const derived = `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

  it('accepts one key as base64 (44 characters) with an id derived from the key', () => {
    const b64 = key.toString('base64');
    expect(b64).toHaveLength(44);
    const ring = parseEncryptionKeyEnv(b64);
    expect(ring.ids()).toEqual([derived]);
    expect(ring.current.id).toBe(derived);
    expect(ring.current.key.equals(key)).toBe(true);
  });

  it('accepts one key as 64 hex characters, giving the same key and id as base64', () => {
    const ring = parseEncryptionKeyEnv(key.toString('hex'));
    expect(ring.current.id).toBe(derived);
    expect(ring.current.key.equals(key)).toBe(true);
    expect(parseEncryptionKeyEnv(` ${key.toString('hex').toUpperCase()}\n`).current.key.equals(key)).toBe(true);
  });

  it('accepts id:key,id2:key2 with the first entry current and the others kept for decryption', () => {
    const older = randomBytes(32);
    const ring = parseEncryptionKeyEnv(`k2:${key.toString('base64')}, k1:${older.toString('base64')}`);
    expect(ring.current.id).toBe('k2');
    expect(ring.current.key.equals(key)).toBe(true);
    expect(ring.ids().sort()).toEqual(['k1', 'k2']);
    expect(ring.byId('k1')?.key.equals(older)).toBe(true);
    expect(ring.byId('k3')).toBeUndefined();

    // A value sealed with k1 opens with the env ring and needs rotation.
    const sealed: SealedValue = new CredentialCipher(new KeyRing([{ id: 'k1', key: older }], 'k1')).seal('x', AAD);
    const cipher = new CredentialCipher(ring);
    expect(cipher.open(sealed, AAD).reveal()).toBe('x');
    expect(cipher.needsRotation(sealed)).toBe(true);
  });

  it('rejects malformed values with messages that name the variable and contain no key material', () => {
    const b64 = key.toString('base64');
    const hex = key.toString('hex');
    const short = randomBytes(16);
    const long = randomBytes(33);
    const cases: Array<[string, string[]]> = [
      ['', []],
      ['   ', []],
      [short.toString('base64'), [short.toString('base64')]],
      [short.toString('hex'), [short.toString('hex')]],
      [long.toString('base64'), [long.toString('base64')]],
      [hex.slice(0, 63), [hex.slice(0, 63)]],
      [`${hex}0`, [hex]],
      [`${hex.slice(0, 62)}zz`, [hex.slice(0, 62)]],
      [`${b64.slice(0, 40)}!!!=`, [b64.slice(0, 40)]],
      [`k1:${b64},k1:${randomBytes(32).toString('base64')}`, [b64]], // duplicate id
      [`k1:${b64},`, [b64]], // empty entry
      [`k1:${b64},,k2:${randomBytes(32).toString('base64')}`, [b64]],
      [`:${b64}`, [b64]], // no id
      [`k1:`, []],
      [`k1:${short.toString('base64')}`, [short.toString('base64')]],
      [`k1:${b64},k2`, [b64]],
      [`k 1:${b64}`, [b64]], // bad id
      [`${hex}:${b64}`, [hex, b64]], // a key pasted where the id goes is not echoed
    ];
    for (const [value, secrets] of cases) {
      const error = expectKeyError(() => parseEncryptionKeyEnv(value), ...secrets);
      expect(error.message).toContain('REPOLINK_ENCRYPTION_KEY');
    }
    expect(expectKeyError(() => parseEncryptionKeyEnv(`k1:${b64},,k2:${hex}`), b64, hex).message).toMatch(/entry 2 is empty/);
  });
});

describe('key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repolink-keyring-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is created once with mode 0600 (with its folder) and the same key is loaded next time', () => {
    const keyFile = path.join(dir, 'data', 'nested', 'encryption-keys.json');
    const first = loadKeyRing({ keyFile, createIfMissing: true });
    expect(first.source).toBe('file');
    expect(first.created).toBe(true);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

    const content = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
    expect(content.version).toBe(1);
    expect(content.current).toBe(first.ring.current.id);
    expect(content.keys).toHaveLength(1);
    expect(content.keys[0].id).toBe(first.ring.current.id);
    expect(Buffer.from(content.keys[0].key, 'base64').equals(first.ring.current.key)).toBe(true);
    expect(Number.isNaN(Date.parse(content.keys[0].createdAt))).toBe(false);
    expect(first.ring.current.key).toHaveLength(32);

    const again = loadKeyRing({ keyFile, createIfMissing: true });
    expect(again.created).toBe(false);
    expect(again.ring.current.id).toBe(first.ring.current.id);
    expect(again.ring.current.key.equals(first.ring.current.key)).toBe(true);

    // Values sealed before the "restart" open after it.
    const sealed = new CredentialCipher(first.ring).seal(CREDENTIALS, AAD);
    expect(new CredentialCipher(again.ring).open(sealed, AAD).reveal()).toBe(CREDENTIALS);
    // No temp files are left next to it.
    expect(fs.readdirSync(path.dirname(keyFile))).toEqual(['encryption-keys.json']);
  });

  it('creates a different random key for each new file', () => {
    const a = loadKeyRing({ keyFile: path.join(dir, 'a.json'), createIfMissing: true });
    const b = loadKeyRing({ keyFile: path.join(dir, 'b.json'), createIfMissing: true });
    expect(a.ring.current.key.equals(b.ring.current.key)).toBe(false);
  });

  it('is not created when createIfMissing is false, and the error names the variable and the path', () => {
    const keyFile = path.join(dir, 'missing.json');
    const error = expectKeyError(() => loadKeyRing({ keyFile, createIfMissing: false }));
    expect(error.message).toContain('REPOLINK_ENCRYPTION_KEY');
    expect(error.message).toContain(keyFile);
    expect(fs.existsSync(keyFile)).toBe(false);
  });

  it('prefers the environment over the file', () => {
    const keyFile = path.join(dir, 'keys.json');
    const fromFile = loadKeyRing({ keyFile, createIfMissing: true });
    const envKey = randomBytes(32);
    const fromEnv = loadKeyRing({ envValue: envKey.toString('base64'), keyFile, createIfMissing: true });
    expect(fromEnv.source).toBe('env');
    expect(fromEnv.created).toBe(false);
    expect(fromEnv.ring.current.key.equals(envKey)).toBe(true);
    expect(fromEnv.ring.byId(fromFile.ring.current.id)).toBeUndefined();

    // With the env set and no file, no file is created.
    const other = path.join(dir, 'never.json');
    loadKeyRing({ envValue: envKey.toString('hex'), keyFile: other, createIfMissing: true });
    expect(fs.existsSync(other)).toBe(false);
    // A malformed env value is an error, not a silent fall-back to the file.
    expectKeyError(() => loadKeyRing({ envValue: 'not-a-key', keyFile, createIfMissing: true }));
  });

  it('rejects malformed key files with an error naming the file and no key material', () => {
    const good = randomBytes(32).toString('base64');
    const files: Record<string, string> = {
      'not-json.json': `{"version":1,"current":"k1","keys":[{"id":"k1","key":"${good}"`,
      'empty.json': '',
      'null.json': 'null',
      'array.json': '[]',
      'wrong-version.json': JSON.stringify({ version: 2, current: 'k1', keys: [{ id: 'k1', key: good, createdAt: '2024-01-01T00:00:00Z' }] }),
      'no-keys.json': JSON.stringify({ version: 1, current: 'k1', keys: [] }),
      'unknown-current.json': JSON.stringify({ version: 1, current: 'k9', keys: [{ id: 'k1', key: good, createdAt: '2024-01-01T00:00:00Z' }] }),
      'short-key.json': JSON.stringify({ version: 1, current: 'k1', keys: [{ id: 'k1', key: randomBytes(16).toString('base64') }] }),
      'bad-key.json': JSON.stringify({ version: 1, current: 'k1', keys: [{ id: 'k1', key: 42 }] }),
      'dup-id.json': JSON.stringify({ version: 1, current: 'k1', keys: [{ id: 'k1', key: good }, { id: 'k1', key: good }] }),
    };
    for (const [name, text] of Object.entries(files)) {
      const keyFile = path.join(dir, name);
      fs.writeFileSync(keyFile, text, { mode: 0o600 });
      const error = expectKeyError(() => loadKeyRing({ keyFile, createIfMissing: true }), good);
      expect(error.message).toContain(keyFile);
      // A malformed file is never silently replaced by a new key.
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(text);
    }
  });

  it('addKeyToFile adds a new current key and keeps the old one for decryption', () => {
    const keyFile = path.join(dir, 'keys.json');
    const before = loadKeyRing({ keyFile, createIfMissing: true }).ring;
    const sealed = new CredentialCipher(before).seal(CREDENTIALS, AAD);

    const added = addKeyToFile(keyFile);
    expect(added.key).toHaveLength(32);
    expect(added.id).not.toBe(before.current.id);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

    const after = loadKeyRing({ keyFile, createIfMissing: false }).ring;
    expect(after.current.id).toBe(added.id);
    expect(after.current.key.equals(added.key)).toBe(true);
    expect(after.ids().sort()).toEqual([before.current.id, added.id].sort());

    const cipher = new CredentialCipher(after);
    expect(cipher.needsRotation(sealed)).toBe(true);
    expect(cipher.open(sealed, AAD).reveal()).toBe(CREDENTIALS);
    expect(fs.readdirSync(dir)).toEqual(['keys.json']);
  });
});
