import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './key-ring';
import { Secret } from './secret';

export interface SealedValue {
  keyId: string;
  /** version (1) | 12-byte IV | 16-byte tag | ciphertext */
  blob: Buffer;
}

/** Says nothing of the key, the plaintext or the ciphertext. */
export class CredentialDecryptionError extends Error {
  constructor() {
    super('stored credentials could not be decrypted');
    this.name = 'CredentialDecryptionError';
  }
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM with a random IV per value and the record's identity as additional authenticated data. */
export class CredentialCipher {
  constructor(private readonly ring: KeyRing) {}

  seal(plaintext: string, aad: string): SealedValue {
    const { id, key } = this.ring.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: id, blob: Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]) };
  }

  /** Fails closed: unknown key, wrong AAD, a changed byte, another version or a short blob all throw. */
  open(sealed: SealedValue, aad: string): Secret<string> {
    const key = this.ring.byId(sealed.keyId);
    const blob = sealed.blob;
    if (!key || !Buffer.isBuffer(blob) || blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== VERSION) throw new CredentialDecryptionError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, blob.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
      return new Secret(plaintext.toString('utf8'));
    } catch {
      throw new CredentialDecryptionError();
    }
  }

  needsRotation(sealed: SealedValue): boolean {
    return sealed.keyId !== this.ring.current.id;
  }
}
