import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'ss_secret_';
export const SESSION_TOKEN_PREFIX = 'rls_';

/** A fresh secret token: the prefix and 32 random bytes in base64url (256 bits). */
export function newToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The part of a token that is safe to show so a person can tell keys apart. */
export function displayPrefix(token: string): string {
  return token.slice(0, 16);
}

export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Tokens we issue: prefix + 43 base64url characters. Anything else is refused without a lookup's worth of difference. */
export function looksLikeToken(token: string, prefix: string): boolean {
  return token.length === prefix.length + 43 && token.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(token.slice(prefix.length));
}
