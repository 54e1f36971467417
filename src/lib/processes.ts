import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERMs `pid` once this process's end of the pipe closes, however this process dies (even SIGKILL). */
export function watchdog(pid: number, name = 'repolink-watchdog'): ChildProcess {
  const child = spawn('/bin/sh', ['-c', 'read _; kill -TERM "$1" 2>/dev/null', name, String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  child.on('error', () => undefined); // best effort
  child.unref();
  (child.stdin as unknown as net.Socket | null)?.unref();
  return child;
}

/** Sends `signal` to a child and waits for it to exit, with SIGKILL after `timeoutMs`. */
export async function terminate(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
