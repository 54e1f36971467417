import type { RepoConnectionEntity } from '../../db/entities';
import { Secret, type CredentialCipher, type SealedValue } from '../crypto';
import type { PlatformCredentials } from '../platforms/platform-client';

/** A connection's credentials as sealed: every shape the platforms take (PlatformCredentials). */
export type StoredCredentials = PlatformCredentials;

/** The row fields that seal or open a connection's credentials. */
type Identity = Pick<RepoConnectionEntity, 'tenantId' | 'projectId' | 'id'>;
type Sealed = Identity & Pick<RepoConnectionEntity, 'credentialsKeyId' | 'credentialsCiphertext'>;

/** The additional authenticated data that binds a ciphertext to its row: moved elsewhere, it no longer opens. */
export function credentialsAad(row: Identity): string {
  return `repo_connection:${row.tenantId}:${row.projectId}:${row.id}`;
}

export function credentialHint(credentials: StoredCredentials): string {
  const secret = 'token' in credentials ? credentials.token : 'appPassword' in credentials ? credentials.appPassword : 'apiToken' in credentials ? credentials.apiToken : credentials.accessToken;
  return new Secret(secret).hint() || '…';
}

/**
 * The one owner of a connection's stored credentials: it seals them for their row, and it is the
 * only code that opens them (the platform checks of a sync or a new repository's default branch,
 * key rotation). Everyone else asks it.
 */
export class ConnectionCredentials {
  constructor(private readonly cipher: CredentialCipher) {}

  /** The credential columns of a row: sealed under the current key, bound to the row, with the hint shown. */
  seal(credentials: StoredCredentials, row: Identity): Pick<RepoConnectionEntity, 'credentialsKeyId' | 'credentialsCiphertext' | 'credentialsHint'> {
    const sealed = this.cipher.seal(JSON.stringify(credentials), credentialsAad(row));
    return { credentialsKeyId: sealed.keyId, credentialsCiphertext: sealed.blob, credentialsHint: credentialHint(credentials) };
  }

  /** Decrypts a connection's credentials for the code that uses them; fails closed. */
  open(row: Sealed): Secret<string> {
    // Lists and loaders read connections without their credentials; a connection through a code-host account has none.
    if (!row.credentialsCiphertext || !row.credentialsKeyId) throw new Error('This connection was read without its credentials (or has none: it reads its host through a code-host account)');
    return this.cipher.open({ keyId: row.credentialsKeyId, blob: row.credentialsCiphertext }, credentialsAad(row));
  }

  /** The credentials themselves (a token; for Bitbucket username and app password, email and API token, or an access token); throws when they cannot be opened. */
  read(row: Sealed): StoredCredentials {
    return JSON.parse(this.open(row).reveal()) as StoredCredentials;
  }

  /**
   * The credentials sealed again under the current key, or null when they already are (or there are none). A value that
   * fails to decrypt throws: nothing is ever re-sealed from a value we could not authenticate.
   */
  resealIfStale(row: Sealed): SealedValue | null {
    // A connection through a code-host account holds no credentials (the account's are re-sealed with the accounts).
    if (row.credentialsCiphertext === null || row.credentialsKeyId === null) return null;
    const sealed = { keyId: row.credentialsKeyId, blob: row.credentialsCiphertext };
    if (!this.cipher.needsRotation(sealed)) return null;
    const plaintext = this.cipher.open(sealed, credentialsAad(row));
    return this.cipher.seal(plaintext.reveal(), credentialsAad(row));
  }
}
