import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress } from '../../lib/address-guard';
import { parseRemote, type Remote } from '../../lib/remote-url';
import { isValidBranchName } from '../../lib/validation';

/** Finds a remote's own default branch; null when the remote cannot be reached or says nothing. */
export type DefaultBranchResolver = (remoteUrl: string) => Promise<string | null>;

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
