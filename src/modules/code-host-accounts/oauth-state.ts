import { createHash, randomBytes } from 'node:crypto';
import type { CredentialCipher } from '../crypto';
import { STATE_TOKEN_AAD } from './code-host-secrets';

/** What a `state` carries: the flow's row, the tenant and caller it is bound to, its expiry, and randomness. */
export interface StatePayload {
  /** The flow state row's id. */
  id: string;
  tenantId: string;
  /** `apikey:<id>` or `user:<id>`. */
  startedBy: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

const PREFIX = 's1.';

/**
 * The `state` parameter: the payload sealed with the credential cipher (AES-256-GCM under the
 * current key, its id inside). The GCM tag is a MAC over the payload, so a state repolink did not
 * issue — forged, altered, or sealed for another purpose — fails to open before any database
 * lookup; 16 random bytes inside make each state unguessable. Only its SHA-256 is stored, and the
 * row it names is spent once.
 */
export function sealState(cipher: CredentialCipher, payload: StatePayload): string {
  const body = JSON.stringify({ i: payload.id, t: payload.tenantId, s: payload.startedBy, e: payload.expiresAt, n: randomBytes(16).toString('base64url') });
  const sealed = cipher.seal(body, STATE_TOKEN_AAD);
  return `${PREFIX}${Buffer.from(sealed.keyId, 'utf8').toString('base64url')}.${sealed.blob.toString('base64url')}`;
}

/** The payload of a state repolink issued, or null for anything else (never throws). */
export function openState(cipher: CredentialCipher, state: string): StatePayload | null {
  if (typeof state !== 'string' || state.length > 1024 || !state.startsWith(PREFIX)) return null;
  const [keyPart, blobPart, extra] = state.slice(PREFIX.length).split('.');
  if (!keyPart || !blobPart || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(keyPart + blobPart)) return null;
  try {
    const body = JSON.parse(cipher.open({ keyId: Buffer.from(keyPart, 'base64url').toString('utf8'), blob: Buffer.from(blobPart, 'base64url') }, STATE_TOKEN_AAD).reveal()) as Record<string, unknown>;
    if (typeof body.i !== 'string' || typeof body.t !== 'string' || typeof body.s !== 'string' || typeof body.e !== 'number') return null;
    return { id: body.i, tenantId: body.t, startedBy: body.s, expiresAt: body.e };
  } catch {
    return null;
  }
}

export function stateHash(state: string): Buffer {
  return createHash('sha256').update(state, 'utf8').digest();
}
