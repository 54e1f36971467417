import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { isValidBranchName } from '../../lib/validation';
import type { DefaultBranchResolver } from './repository.service';

export interface DefaultBranchResolverOptions {
  /** Let the lookup reach loopback, private, link-local and unique-local addresses (off: the SSRF guard). */
  allowPrivate?: boolean;
  /** Hard limit for one lookup, DNS included; the git process group is killed when it runs out. */
  timeoutMs?: number;
  /** Lookups in flight at once; past it a lookup answers null at once instead of queueing git processes. */
  maxConcurrent?: number;
  gitBinary?: string;
}

export const DEFAULT_BRANCH_TIMEOUT_MS = 5_000;
const MAX_OUTPUT_BYTES = 64 * 1024;

/** Mirrors what createRepository accepts as scp-like (`user@host:path`); git would take more, we take no more. */
const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64 well-known prefix, 6to4), if any. */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]);
  return null;
}

function expandIpv6(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** Whether an address is one an outside caller must not make this server connect to. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const bare = address.replace(/%.*$/, '');
    const v4 = embeddedIpv4(bare);
    if (v4 !== null && BLOCKED.check(v4, 'ipv4')) return true;
    // A mapped address is the IPv4 host itself; other embeddings (NAT64, 6to4) are IPv6 hosts too.
    if (v4 !== null && /^::ffff:/i.test(bare)) return false;
    return BLOCKED.check(bare, 'ipv6');
  }
  return true; // not an address at all: refuse
}

type Remote =
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

/** Every address the host resolves to, or null when it does not resolve in time. */
async function resolveHost(host: string, deadline: number): Promise<string[] | null> {
  if (isIP(host)) return [host];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
  });
  try {
    const found = await Promise.race([lookup(host, { all: true, verbatim: true }).catch(() => null), timeout]);
    return found && found.length > 0 ? found.map((a) => a.address) : null;
  } finally {
    clearTimeout(timer);
  }
}

interface GitInvocation {
  args: string[];
  env: Record<string, string>;
}

const bracket = (address: string) => (isIP(address) === 6 ? `[${address}]` : address);

/**
 * The ls-remote command for a remote. With `pinned` (the address the guard checked) git connects
 * to that address and no other, so a DNS answer that changes between our check and git's own
 * lookup cannot steer it elsewhere.
 */
function invocation(remote: Remote, pinned: string | null, timeoutSeconds: number): GitInvocation {
  const config = [
    'credential.helper=', // no stored credentials are offered to a remote the caller chose
    'http.followRedirects=false', // a redirect could lead past the guard
    'core.askPass=',
    'protocol.version=2',
  ];
  // No agent, no keys (HOME is empty) and only host keys the system already knows: an ssh remote
  // answers only where it allows anonymous reads, which few do; the others fall back to main.
  const ssh = ['ssh', '-o BatchMode=yes', `-o ConnectTimeout=${timeoutSeconds}`, '-o StrictHostKeyChecking=yes'];
  let target: string;
  if (remote.kind === 'scp') {
    if (pinned) ssh.push(`-o HostName=${pinned}`, `-o HostKeyAlias=${remote.host}`);
    target = `${remote.user}@${remote.host}:${remote.path}`;
  } else {
    const url = new URL(remote.url.href);
    if (pinned && isIP(remote.host) === 0) {
      if (remote.scheme === 'git') url.hostname = bracket(pinned);
      else if (remote.scheme === 'ssh') ssh.push(`-o HostName=${pinned}`, `-o HostKeyAlias=${remote.host}`);
      else config.push(`http.curloptResolve=${remote.host}:${url.port || (remote.scheme === 'https' ? '443' : '80')}:${bracket(pinned)}`);
    }
    target = url.href;
  }
  return {
    args: [...config.flatMap((c) => ['-c', c]), 'ls-remote', '--symref', '--', target, 'HEAD'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      SSH_ASKPASS: '',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ALLOW_PROTOCOL: 'https:http:git:ssh',
      GIT_PROTOCOL_FROM_USER: '0',
      GIT_SSH_COMMAND: ssh.join(' '),
      GIT_HTTP_LOW_SPEED_LIMIT: '1',
      GIT_HTTP_LOW_SPEED_TIME: String(timeoutSeconds),
    },
  };
}

/** Runs git in a process group of its own and kills the whole group (ssh, remote helpers) at the deadline. */
function runGit(git: string, call: GitInvocation, deadline: number): Promise<string | null> {
  return new Promise((resolve) => {
    let output = '';
    let done = false;
    const child = spawn(git, call.args, { env: call.env, cwd: '/', stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const finish = (value: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    };
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      finish(null);
    }, Math.max(0, deadline - Date.now()));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.length > MAX_OUTPUT_BYTES) {
        kill();
        finish(null);
      }
    });
    child.on('error', () => finish(null));
    child.on('close', (code) => finish(code === 0 ? output : null));
  });
}

/** `ref: refs/heads/<branch>\tHEAD` from ls-remote's output, if HEAD is a branch with a name we would accept. */
export function parseSymref(output: string): string | null {
  const match = /^ref: refs\/heads\/([^\t\n]+)\tHEAD$/m.exec(output);
  return match && isValidBranchName(match[1]) ? match[1] : null;
}

/**
 * A resolver that asks the remote itself (`git ls-remote --symref <url> HEAD`). It never throws
 * and never prompts: any failure — refused address, DNS, timeout, authentication, odd output — is
 * null, and the caller falls back to `main`.
 */
export function createDefaultBranchResolver(options: DefaultBranchResolverOptions = {}): DefaultBranchResolver {
  const allowPrivate = options.allowPrivate ?? false;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BRANCH_TIMEOUT_MS;
  const maxConcurrent = options.maxConcurrent ?? 4;
  const git = options.gitBinary ?? 'git';
  let running = 0;
  return async (remoteUrl) => {
    const remote = parseRemote(remoteUrl);
    if (!remote || running >= maxConcurrent) return null;
    running++;
    try {
      const deadline = Date.now() + timeoutMs;
      let pinned: string | null = null;
      if (!allowPrivate) {
        const addresses = await resolveHost(remote.host, deadline);
        if (!addresses || addresses.some(isPrivateAddress)) return null;
        pinned = addresses[0];
      }
      const output = await runGit(git, invocation(remote, pinned, Math.max(1, Math.ceil(timeoutMs / 1000))), deadline);
      return output === null ? null : parseSymref(output);
    } catch {
      return null;
    } finally {
      running--;
    }
  };
}
