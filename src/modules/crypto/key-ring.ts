import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface EncryptionKey {
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

/** Never carries key material in its message. */
export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyError';
  }
}

export class KeyRing {
  readonly #keys: Map<string, EncryptionKey>;
  readonly #currentId: string;

  constructor(keys: EncryptionKey[], currentId: string) {
    if (keys.length === 0) throw new EncryptionKeyError('A key ring needs at least one key');
    this.#keys = new Map();
    for (const k of keys) {
      if (k.key.length !== 32) throw new EncryptionKeyError(`Encryption key "${k.id}" must be 32 bytes`);
      if (this.#keys.has(k.id)) throw new EncryptionKeyError(`Encryption key id "${k.id}" appears twice`);
      this.#keys.set(k.id, { id: k.id, key: Buffer.from(k.key) });
    }
    if (!this.#keys.has(currentId)) throw new EncryptionKeyError(`The current key "${currentId}" is not in the key ring`);
    this.#currentId = currentId;
  }

  get current(): EncryptionKey {
    return this.#keys.get(this.#currentId)!;
  }

  byId(id: string): EncryptionKey | undefined {
    return this.#keys.get(id);
  }

  ids(): string[] {
    return [...this.#keys.keys()];
  }
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32) {
    throw new EncryptionKeyError(`${where} must be a 32-byte key as base64 (44 characters) or hex (64 characters)`);
  }
  return key;
}

/** The id of a key given without one: derived from the key, so the same key always has the same id. */
export function derivedKeyId(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * `REPOLINK_ENCRYPTION_KEY`: one key (base64 or hex), or `id:key,id2:key2` where the first is
 * current and the others are older keys kept to decrypt during a rotation.
 */
export function parseEncryptionKeyEnv(value: string): KeyRing {
  if (value.trim() === '') throw new EncryptionKeyError('REPOLINK_ENCRYPTION_KEY is empty');
  const entries = value.split(',').map((s) => s.trim());
  if (entries.length === 1 && !entries[0].includes(':')) {
    const key = decodeKey(entries[0], 'REPOLINK_ENCRYPTION_KEY');
    const id = derivedKeyId(key);
    return new KeyRing([{ id, key }], id);
  }
  const seen = new Set<string>();
  const keys = entries.map((entry, i) => {
    const where = `REPOLINK_ENCRYPTION_KEY entry ${i + 1}`;
    if (entry === '') throw new EncryptionKeyError(`${where} is empty (expected id:key,id2:key2,…)`);
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    // The id is echoed in later messages; capped at 32 characters it can never be a pasted key (44 or 64).
    if (!KEY_ID.test(id)) {
      throw new EncryptionKeyError(`${where} must be id:key, the id (at most 32 characters) made of letters, digits, "_", "-" or "."`);
    }
    if (seen.has(id)) throw new EncryptionKeyError(`REPOLINK_ENCRYPTION_KEY names the key id "${id}" more than once`);
    seen.add(id);
    return { id, key: decodeKey(entry.slice(colon + 1), `${where} ("${id}")`) };
  });
  return new KeyRing(keys, keys[0].id);
}

interface KeyFile {
  version: 1;
  current: string;
  keys: { id: string; key: string; createdAt: string }[];
}

function readKeyFile(file: string): KeyFile {
  let parsed: KeyFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  } catch (error) {
    throw new EncryptionKeyError(`The key file ${file} cannot be read as JSON (${(error as NodeJS.ErrnoException).code ?? 'malformed'})`);
  }
  if (parsed?.version !== 1 || typeof parsed.current !== 'string' || !Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new EncryptionKeyError(`The key file ${file} is malformed: expected {"version":1,"current":…,"keys":[…]}`);
  }
  return parsed;
}

function ringFromFile(file: string, data: KeyFile): KeyRing {
  const keys = data.keys.map((k, i) => {
    if (typeof k?.id !== 'string' || !KEY_ID.test(k.id) || typeof k.key !== 'string') throw new EncryptionKeyError(`The key file ${file} has a malformed key (entry ${i + 1})`);
    return { id: k.id, key: decodeKey(k.key, `The key "${k.id}" in ${file}`) };
  });
  try {
    return new KeyRing(keys, data.current);
  } catch (error) {
    throw new EncryptionKeyError(`The key file ${file} is malformed: ${(error as Error).message}`);
  }
}

function tempPath(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function writeTemp(file: string, data: KeyFile): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPath(file);
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    fs.chmodSync(tmp, 0o600); // the mode given to writeFileSync is subject to the umask
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw new EncryptionKeyError(`The key file ${file} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return tmp;
}

/** Atomic replace: readers see the old file or the new one, never a partial one. */
function writeKeyFile(file: string, data: KeyFile): void {
  const tmp = writeTemp(file, data);
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw new EncryptionKeyError(`The key file ${file} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Atomic create that never replaces an existing file, so two processes starting at once agree
 * on one key. Returns false when the file already existed.
 */
function createKeyFile(file: string, data: KeyFile): boolean {
  const tmp = writeTemp(file, data);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
      // No hard links on this file system: rename, unless the file appeared meanwhile.
      if (fs.existsSync(file)) return false;
      fs.renameSync(tmp, file);
      return true;
    }
    throw new EncryptionKeyError(`The key file ${file} cannot be created (${code ?? 'error'})`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function newKeyEntry(): { id: string; key: string; createdAt: string } {
  const key = randomBytes(32);
  return { id: `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`, key: key.toString('base64'), createdAt: new Date().toISOString() };
}

/** Keys from the environment when set, else from the key file (created on first start when allowed). */
export function loadKeyRing(opts: { envValue?: string; keyFile: string; createIfMissing: boolean }): { ring: KeyRing; source: 'env' | 'file'; created: boolean } {
  if (opts.envValue !== undefined && opts.envValue.trim() !== '') {
    return { ring: parseEncryptionKeyEnv(opts.envValue), source: 'env', created: false };
  }
  if (!fs.existsSync(opts.keyFile)) {
    if (!opts.createIfMissing) throw new EncryptionKeyError(`No encryption key: set REPOLINK_ENCRYPTION_KEY or create the key file ${opts.keyFile} (npm start creates it)`);
    const entry = newKeyEntry();
    const created = createKeyFile(opts.keyFile, { version: 1, current: entry.id, keys: [entry] });
    return { ring: ringFromFile(opts.keyFile, readKeyFile(opts.keyFile)), source: 'file', created };
  }
  return { ring: ringFromFile(opts.keyFile, readKeyFile(opts.keyFile)), source: 'file', created: false };
}

/** Adds a fresh key to the key file and makes it current; the older keys stay to decrypt. */
export function addKeyToFile(keyFile: string): EncryptionKey {
  const data = readKeyFile(keyFile);
  ringFromFile(keyFile, data);
  const entry = newKeyEntry();
  writeKeyFile(keyFile, { version: 1, current: entry.id, keys: [...data.keys, entry] });
  return { id: entry.id, key: Buffer.from(entry.key, 'base64') };
}
