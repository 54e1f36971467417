import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** How far back `iat` is set: GitHub allows for clocks that run ahead of its own by this much. */
export const JWT_BACKDATE_SECONDS = 60;
/** GitHub refuses an app JWT whose `exp` is more than 10 minutes ahead; 8 from now (9 after `iat`) keeps a margin for skew. */
export const JWT_LIFETIME_SECONDS = 8 * 60;

const encode = (part: unknown) => Buffer.from(JSON.stringify(part), 'utf8').toString('base64url');

/**
 * The JWT a GitHub App authenticates as itself with (RS256, `iss` = the app id, `iat` 60 s in the
 * past, `exp` 8 minutes ahead of now: 9 minutes after `iat`, within GitHub's 10), signed with the
 * app's private key. The key comes as GitHub hands it out (PKCS#1 PEM) or as PKCS#8.
 *
 * node:crypto does the signing (OpenSSL); only the JWS compact form (two base64url JSON parts and
 * the signature) is written here. `jose` 6 and `@octokit/auth-app` are ESM-only (and jose 6 wants
 * Node 22): neither loads in this CommonJS build and its jest runtime without a transform.
 */
export function githubAppJwt(appId: string, privateKey: KeyObject | string, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const input = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: now - JWT_BACKDATE_SECONDS, exp: now + JWT_LIFETIME_SECONDS, iss: appId })}`;
  return `${input}.${sign('sha256', Buffer.from(input, 'utf8'), key).toString('base64url')}`;
}
