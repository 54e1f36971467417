import { isIP } from 'node:net';

/** Mirrors what createRepository accepts as scp-like (`user@host:path`); git would take more, we take no more. */
const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export type Remote =
  | { kind: 'url'; url: URL; host: string; scheme: 'https' | 'http' | 'git' | 'ssh' }
  | { kind: 'scp'; user: string; host: string; path: string };

/** Only network remotes: never file://, a local path, ext:: or anything git would run locally. */
export function parseRemote(remote: string): Remote | null {
  if (remote.length > 2048 || /[\s\x00-\x1f\x7f]/.test(remote)) return null;
  const scp = SCP_LIKE.exec(remote);
  if (scp) {
    const [, user, host, path] = scp;
    if (user.startsWith('-') || !HOST_NAME.test(host)) return null;
    return { kind: 'scp', user, host, path };
  }
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return null;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'git' && scheme !== 'ssh') return null;
  if (url.password !== '' || url.username.startsWith('-')) return null;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || (isIP(host) === 0 && !HOST_NAME.test(host))) return null;
  return { kind: 'url', url, host, scheme };
}
