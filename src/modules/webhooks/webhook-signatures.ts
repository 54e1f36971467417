import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../crypto';

/** Why a delivery was refused, for the log and the metrics only: the answer never says. */
export type RefusalReason = 'unknown_endpoint' | 'missing_signature' | 'malformed_signature' | 'bad_signature';

export type Verification = { ok: true; secretIndex: number } | { ok: false; reason: RefusalReason };

const SHA256_HEADER = /^sha256=([0-9a-f]{64})$/i;

/**
 * GitHub's `X-Hub-Signature-256` and Bitbucket Cloud's `X-Hub-Signature`: `sha256=` and the hex
 * HMAC-SHA256 of the raw body under the hook's secret. Each accepted secret (the current one, and
 * the previous one during a rotation) is tried; the comparison is constant-time on the 32 bytes.
 * An unsigned delivery is refused: a hook without a secret proves nothing.
 */
export function verifyHmacSha256(secrets: readonly Secret<string>[], header: string | undefined, body: Buffer): Verification {
  if (header === undefined || header === '') return { ok: false, reason: 'missing_signature' };
  const match = SHA256_HEADER.exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed_signature' };
  const given = Buffer.from(match[1], 'hex');
  for (let i = 0; i < secrets.length; i++) {
    const expected = createHmac('sha256', secrets[i].reveal()).update(body).digest();
    if (timingSafeEqual(expected, given)) return { ok: true, secretIndex: i };
  }
  return { ok: false, reason: 'bad_signature' };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * GitLab's `X-Gitlab-Token`: the shared secret itself. Both sides are hashed first, so the
 * constant-time comparison runs on equal lengths and says nothing about the secret's length.
 */
export function verifySharedToken(secrets: readonly Secret<string>[], header: string | undefined): Verification {
  if (header === undefined || header === '') return { ok: false, reason: 'missing_signature' };
  const given = digest(header);
  for (let i = 0; i < secrets.length; i++) {
    if (timingSafeEqual(digest(secrets[i].reveal()), given)) return { ok: true, secretIndex: i };
  }
  return { ok: false, reason: 'bad_signature' };
}

/** `sha256=<hex>` of a body under a secret, as GitHub and Bitbucket sign (the benchmark's sender and tests sign with it too). */
export function signSha256(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
