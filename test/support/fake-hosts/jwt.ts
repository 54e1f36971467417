import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * RS256 JSON Web Tokens (RFC 7519, RFC 7515) with node:crypto only: the fake verifies what the code
 * under test signs, so it uses none of the libraries that code may use (a shared library bug would
 * pass both sides).
 *
 * `signJwt` is for tests that need a JWT of their own (a wrong key, an expired `exp`…).
 */
export interface JwtClaims {
  iss?: string | number;
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

export function generateRsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    // GitHub hands out PKCS#1 PEMs ("BEGIN RSA PRIVATE KEY"): the code under test must read that form.
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function signJwt(claims: JwtClaims, privateKeyPem: string, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKeyPem).toString('base64url')}`;
}

/** The claims of a JWT without checking anything, or null when it is not one. */
export function peekJwt(token: string): { header: Record<string, unknown>; claims: JwtClaims } | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as JwtClaims;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object') return null;
    return { header, claims };
  } catch {
    return null;
  }
}

/** True when `token` is RS256 and its signature verifies with `publicKey`. */
export function verifyRs256(token: string, publicKey: KeyObject | string): boolean {
  const peeked = peekJwt(token);
  if (!peeked || peeked.header.alg !== 'RS256') return false;
  const [h, c, s] = token.split('.');
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'));
  } catch {
    return false;
  }
}
