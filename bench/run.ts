/**
 * `npm run bench`: repolink against a bare node:http + mysql2 baseline (bench/baseline-server.ts)
 * doing the same database work, each in its own process, on one private MariaDB that the bench
 * starts in a temporary folder. Rounds alternate between the servers; every figure is a median of
 * rounds and every ratio the median of per-round ratios. Also the peak RSS of the repolink process
 * and `npm start` to /readyz on a warm data folder. Writes docs/benchmarks.md (see renderDocument);
 * any failed request, wrong body or inconsistent row fails the run and leaves the file as it was.
 *
 * Options: `--quick` (about 2 to 3 minutes: 1 s runs, no warm-up; a run shorter than one request is
 * reported as not measured), `--out <file>`; environment: BENCH_SECONDS (4),
 * BENCH_WARMUP_SECONDS (1), BENCH_ROUNDS (3), BENCH_BIG_REPOSITORIES (200000), BENCH_BIG_MAPPINGS
 * (20000), BENCH_NOTE (a paragraph for the document), BENCH_SCENARIOS (some of list10, list100,
 * createRepository, connectRepos; all by default), BENCH_PROFILE (a folder: both servers run with
 * `node --cpu-prof` and write their profiles there when they stop).
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { startPrivateMysql, type PrivateMysql } from '../src/db/private-mysql';
import { CredentialCipher, KeyRing, derivedKeyId } from '../src/modules/crypto';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { CONNECT_REPOS, CREATE_REPOSITORY, LIST_QUERY, MAPPINGS_PER_CONNECT, REPOSITORIES_PER_CONNECT, connectReposInput, createRepositoryInput, graphqlBody } from './operations';
import { Clock, projectCounts, seedProject, type Scope } from './seed';

const ROOT = path.resolve(__dirname, '..', '..');
/** The connections every project shows first in its lists: enough for a full page of 100. */
const VISIBLE = { connections: 120, reposPer: 3, mappingsPer: 2 };
const BIG_REPOS_PER_CONNECTION = 5;
/** A limit that no run reaches: each request still goes through the plan's guarded quota UPDATE. */
const TEAM_QUOTA = 1_000_000_000;

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Options {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  bigRepositories: number;
  bigMappings: number;
  concurrencies: number[];
  quick: boolean;
  out: string;
  note: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
  const quick = values.quick!;
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}`);
    return value;
  };
  return {
    seconds: num('BENCH_SECONDS', quick ? 1 : 4, 0.5, 120),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', quick ? 0 : 1, 0, 30),
    rounds: Math.round(num('BENCH_ROUNDS', 3, 1, 50)),
    bigRepositories: Math.round(num('BENCH_BIG_REPOSITORIES', 200_000, 10_000, 5_000_000)),
    bigMappings: Math.round(num('BENCH_BIG_MAPPINGS', 20_000, 1_000, 1_000_000)),
    concurrencies: [1, 16],
    quick,
    // A quick run is a smoke test: it does not replace the document unless asked to.
    out: path.resolve(values.out ?? (quick ? path.join(os.tmpdir(), 'repolink-bench-quick.md') : path.join(ROOT, 'docs', 'benchmarks.md'))),
    note: process.env.BENCH_NOTE ?? '',
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Child {
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

/** Starts a node script and waits for the line that carries its URL. */
async function startNode(name: string, script: string, env: Record<string, string>, listening: RegExp): Promise<Child> {
  // BENCH_PROFILE=<folder>: each server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profile, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
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

/** Samples a process's resident memory; its kernel high-water mark is read at the end. */
function memoryWatch(pid: number) {
  let peakSample = 0;
  const timer = setInterval(() => (peakSample = Math.max(peakSample, procStatus(pid, 'VmRSS') ?? 0)), 250);
  timer.unref();
  return {
    finish() {
      clearInterval(timer);
      return { hwm: procStatus(pid, 'VmHWM'), peakSample, last: procStatus(pid, 'VmRSS') };
    },
  };
}

const busyNotes: string[] = [];
/** Runs in which no request completed (slower than the run is long). */
const emptyRuns: string[] = [];
/** Where a failed run's report goes; fixed before TMPDIR points into the bench's folder. */
const FAILED_REPORT = path.join(os.tmpdir(), 'repolink-bench-failed.md');

/**
 * Waits until the database is idle: no statement running for any other connection and no open
 * transaction, twice in a row 150 ms apart. A server keeps working on the requests that were
 * in flight when autocannon stopped; their locks would otherwise stall the next run.
 */
async function quiesce(db: Connection): Promise<number> {
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
      busyNotes.push(note.slice(0, 2000));
      say(`warning: ${note.slice(0, 2000)}`);
      return Date.now() - began;
    }
    // InnoDB refreshes what INNODB_TRX shows only when it was not read for 100 ms: polling faster sees a frozen picture.
    await sleep(150);
  }
  return Date.now() - began;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring

type ServerName = 'repolink' | 'baseline' | 'shim';
type ProjectName = 'fresh' | 'big';

interface Arm {
  id: string;
  server: ServerName;
  project: ProjectName;
  request(tag: () => string): autocannon.Request;
  verify(status: number, body: string): boolean;
  /** Answered writes, counted per project to check the rows after the runs. */
  writes?: 'connect' | 'create';
}

interface Comparison {
  label: string;
  numerator: string;
  denominator: string;
  kind: 'vs baseline' | 'shim ÷ GraphQL' | 'big ÷ fresh';
  /** Throughput target per concurrency (ratio at least this); undefined: reported only. */
  throughputTarget?: (concurrency: number) => number | undefined;
  /** Latency targets: p50 ratio at most (scale), p99 ratio at most (vs baseline). */
  p50Max?: number;
  p99Max?: number;
}

interface Scenario {
  id: string;
  title: string;
  what: string;
  arms: Arm[];
  comparisons: Comparison[];
}

interface RunResult {
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

interface Failures {
  count: number;
  samples: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const median = (values: number[]): number => {
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

function scenarios(keys: Record<ProjectName, string>): Scenario[] {
  const headers = (project: ProjectName) => ({ 'content-type': 'application/json', authorization: `Bearer ${keys[project]}` });
  const isList = (_s: number, body: string) => body.startsWith('{"data":{"repoConnections":{"totalCount":') && !body.includes('"errors"');
  const list = (first: number, server: ServerName, project: ProjectName): Arm => ({
    id: `${server}/${project}`,
    server,
    project,
    request: () => ({ method: 'POST', path: '/graphql', headers: headers(project), body: graphqlBody(LIST_QUERY, { first }) }),
    verify: isList,
  });
  const create = (server: ServerName, project: ProjectName): Arm => ({
    id: `${server}/${project}`,
    server,
    project,
    writes: 'create',
    request: (tag) => ({
      method: 'POST',
      path: '/graphql',
      headers: headers(project),
      setupRequest: (request) => ({ ...request, body: graphqlBody(CREATE_REPOSITORY, { input: createRepositoryInput(tag()) }) }),
    }),
    verify: (_s, body) => body.includes('"userErrors":[]') && body.includes('"repository":{"id":"') && !body.includes('"errors"'),
  });
  const connect = (server: ServerName, project: ProjectName): Arm => ({
    id: `${server}/${project}`,
    server,
    project,
    writes: 'connect',
    request: (tag) =>
      server === 'shim'
        ? {
            method: 'POST',
            path: '/v1/config/repos',
            headers: headers(project),
            setupRequest: (request) => ({ ...request, body: JSON.stringify(connectReposInput(tag(), 'github')) }),
          }
        : {
            method: 'POST',
            path: '/graphql',
            headers: headers(project),
            setupRequest: (request) => ({ ...request, body: graphqlBody(CONNECT_REPOS, { input: connectReposInput(tag()) }) }),
          },
    verify: (status, body) =>
      server === 'shim'
        ? status === 201 && body.startsWith('{"success":true,"data":{"id":"rc_')
        : body.includes('"userErrors":[]') && body.includes('"repoConnection":{"id":"rc_') && !body.includes('"errors"'),
  });
  const vsBaseline = (label: string, project: ProjectName, target?: (c: number) => number | undefined): Comparison => ({
    label,
    numerator: `repolink/${project}`,
    denominator: `baseline/${project}`,
    kind: 'vs baseline',
    throughputTarget: target,
    p99Max: 2,
  });
  const scale = (server: 'repolink' | 'baseline'): Comparison => ({
    label: `${server}: 200k project ÷ fresh project`,
    numerator: `${server}/big`,
    denominator: `${server}/fresh`,
    kind: 'big ÷ fresh',
    throughputTarget: server === 'repolink' ? () => 0.83 : undefined,
    p50Max: server === 'repolink' ? 1.2 : undefined,
  });
  return [
    {
      id: 'list10',
      title: 'repoConnections(first: 10)',
      what: 'the list query with every nested field (below), a page of 10 connections of 3 repositories with 2 mappings each',
      arms: [list(10, 'repolink', 'fresh'), list(10, 'baseline', 'fresh'), list(10, 'repolink', 'big'), list(10, 'baseline', 'big')],
      comparisons: [vsBaseline('repolink ÷ baseline (fresh project)', 'fresh', () => 0.5), vsBaseline('repolink ÷ baseline (200k project)', 'big'), scale('repolink'), scale('baseline')],
    },
    {
      id: 'list100',
      title: 'repoConnections(first: 100)',
      what: 'the same query, a page of 100 connections (300 repositories, 200 mappings)',
      arms: [list(100, 'repolink', 'fresh'), list(100, 'baseline', 'fresh')],
      comparisons: [vsBaseline('repolink ÷ baseline', 'fresh', (c) => (c >= 16 ? 0.4 : 0.5))],
    },
    {
      id: 'createRepository',
      title: 'createRepository',
      what: 'a git_url repository as Heimdall creates one (name, remoteUrl, defaultBranch), unique per request',
      arms: [create('repolink', 'fresh'), create('baseline', 'fresh'), create('repolink', 'big'), create('baseline', 'big')],
      comparisons: [vsBaseline('repolink ÷ baseline (fresh project)', 'fresh', () => 0.6), vsBaseline('repolink ÷ baseline (200k project)', 'big'), scale('repolink'), scale('baseline')],
    },
    {
      id: 'connectRepos',
      title: 'connectRepos (10 repositories, 5 mappings)',
      what: `connectRepos with ${REPOSITORIES_PER_CONNECT} GitHub repositories and ${MAPPINGS_PER_CONNECT} service mappings, paths and service names unique per request`,
      arms: [connect('repolink', 'fresh'), connect('baseline', 'fresh'), connect('shim', 'fresh'), connect('repolink', 'big'), connect('baseline', 'big')],
      comparisons: [
        vsBaseline('repolink ÷ baseline (fresh project)', 'fresh', () => 0.8),
        vsBaseline('repolink ÷ baseline (200k project)', 'big'),
        { label: 'shim POST /v1/config/repos ÷ GraphQL connectRepos (both repolink)', numerator: 'shim/fresh', denominator: 'repolink/fresh', kind: 'shim ÷ GraphQL', throughputTarget: () => 0.95 },
        scale('repolink'),
        scale('baseline'),
      ],
    },
  ];
}

interface Measured {
  scenario: Scenario;
  concurrency: number;
  /** Per arm, per round. */
  rounds: Map<string, RunResult[]>;
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface RatioFigure {
  throughput: number;
  p50: number;
  p99: number;
}

function ratios(m: Measured, c: Comparison): RatioFigure {
  const num = m.rounds.get(c.numerator)!;
  const den = m.rounds.get(c.denominator)!;
  const per = (f: (a: RunResult, b: RunResult) => number) => median(num.map((a, i) => f(a, den[i])));
  return { throughput: per((a, b) => a.rps / b.rps), p50: per((a, b) => a.p50 / b.p50), p99: per((a, b) => a.p99 / b.p99) };
}

interface Verdict {
  figure: string;
  value: string;
  target: string;
  pass: boolean;
}

const fmtMs = (v: number) => (v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${v.toFixed(0)} ms`);
const fmtX = (v: number) => `${v.toFixed(2)}×`;
const mb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`);

function verdicts(measured: Measured[], rss: { hwm: number | null }, warm: number[]): Verdict[] {
  const out: Verdict[] = [];
  for (const m of measured) {
    for (const c of m.scenario.comparisons) {
      const r = ratios(m, c);
      const where = `${m.scenario.title}, c=${m.concurrency}: ${c.label}`;
      const t = c.throughputTarget?.(m.concurrency);
      if (t !== undefined) out.push({ figure: `${where}, throughput`, value: fmtX(r.throughput), target: `≥ ${t}`, pass: r.throughput >= t });
      if (c.p50Max !== undefined) out.push({ figure: `${where}, p50`, value: fmtX(r.p50), target: `≤ ${c.p50Max}`, pass: r.p50 <= c.p50Max });
      if (c.p99Max !== undefined) out.push({ figure: `${where}, p99`, value: fmtX(r.p99), target: `≤ ${c.p99Max}`, pass: r.p99 <= c.p99Max });
    }
  }
  if (rss.hwm !== null) out.push({ figure: 'peak RSS of the repolink process (VmHWM)', value: mb(rss.hwm), target: '≤ 250 MB', pass: rss.hwm <= 250 * 2 ** 20 });
  const warmMedian = median(warm);
  out.push({ figure: '`npm start` to /readyz 200 on a warm data folder (median of 3)', value: `${(warmMedian / 1000).toFixed(2)} s`, target: '≤ 3 s', pass: warmMedian <= 3000 });
  return out;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function armTable(m: Measured): string {
  const rows = m.scenario.arms.map((arm) => {
    const rs = m.rounds.get(arm.id)!;
    return [
      `${arm.server === 'shim' ? 'repolink shim' : arm.server} (${arm.project === 'big' ? '200k project' : 'fresh project'})`,
      median(rs.map((r) => r.rps)).toFixed(0),
      fmtMs(median(rs.map((r) => r.p50))),
      fmtMs(median(rs.map((r) => r.p99))),
      rs.map((r) => r.rps.toFixed(0)).join(' / '),
      fmtMs(median(rs.map((r) => r.cpuMsPerRequest))),
    ];
  });
  return table(['server', 'requests/s', 'p50', 'p99', 'requests/s per round', 'server CPU per request'], rows);
}

function ratioTable(m: Measured): string {
  const rows = m.scenario.comparisons.map((c) => {
    const r = ratios(m, c);
    const t = c.throughputTarget?.(m.concurrency);
    const mark = (value: number, ok: boolean | undefined) => (ok === undefined ? fmtX(value) : `${fmtX(value)} ${ok ? 'PASS' : 'MISS'}`);
    return [
      c.label,
      `${mark(r.throughput, t === undefined ? undefined : r.throughput >= t)}${t === undefined ? '' : ` (≥ ${t})`}`,
      `${mark(r.p50, c.p50Max === undefined ? undefined : r.p50 <= c.p50Max)}${c.p50Max === undefined ? '' : ` (≤ ${c.p50Max})`}`,
      `${mark(r.p99, c.p99Max === undefined ? undefined : r.p99 <= c.p99Max)}${c.p99Max === undefined ? '' : ` (≤ ${c.p99Max})`}`,
    ];
  });
  return table(['ratio (median of per-round ratios)', 'throughput', 'p50 latency', 'p99 latency'], rows);
}

interface Machine {
  date: string;
  commit: string;
  branch: string;
  cpu: string;
  nproc: number;
  memory: string;
  os: string;
  node: string;
  database: string;
  autocannon: string;
  load: string;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function describeMachine(database: string, load: number[]): Machine {
  const cpus = os.cpus();
  let commit = git(['rev-parse', '--short', 'HEAD']);
  // The document this run rewrites does not count: it holds the previous run's figures.
  const changed = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)docs/benchmarks.md']);
  if (changed !== '') commit += ' (with uncommitted changes)';
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    commit,
    branch: git(['rev-parse', '--abbrev-ref', 'HEAD']),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    nproc: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    database,
    autocannon: (require('autocannon/package.json') as { version: string }).version,
    load: load.map((l) => l.toFixed(2)).join(', '),
  };
}

interface Report {
  options: Options;
  machine: Machine;
  measured: Measured[];
  rss: { repolink: ReturnType<ReturnType<typeof memoryWatch>['finish']>; baseline: ReturnType<ReturnType<typeof memoryWatch>['finish']> };
  warm: number[];
  poolSize: number;
  seeded: { fresh: Awaited<ReturnType<typeof projectCounts>>; big: Awaited<ReturnType<typeof projectCounts>>; seconds: number };
  totalSeconds: number;
  serverLog: string;
}

function renderDocument(r: Report): string {
  const { options: o, machine: mc } = r;
  const v = verdicts(r.measured, r.rss.repolink, r.warm);
  const sections = r.measured.map((m) => `### ${m.scenario.title}, concurrency ${m.concurrency}\n\n${armTable(m)}\n\n${ratioTable(m)}`).join('\n\n');
  const misses = v.filter((x) => !x.pass);
  return `# Benchmarks

repolink against a bare \`node:http\` + \`mysql2\` server doing the same database work
(\`bench/baseline-server.ts\`), measured by \`npm run bench\` (\`bench/run.ts\`), which rewrites this
file on every successful run. Both servers run in their own process on one machine, against one
private MariaDB, with autocannon in the bench process: the figures compare the two servers on the
same machine; they are not a capacity rating.

${o.note ? `> ${o.note.replace(/\n/g, '\n> ')}\n\n` : ''}- Date: ${mc.date}; commit ${mc.commit} on branch \`${mc.branch}\`.
- Machine: ${mc.nproc} × ${mc.cpu} (\`nproc\` ${mc.nproc}), ${mc.memory} memory, ${mc.os}; load average (1, 5, 15 min) at the start: ${mc.load}.
- Node.js ${mc.node}; database ${mc.database} (private instance, default settings); autocannon ${mc.autocannon}.
- ${o.rounds} rounds per scenario and concurrency, servers alternating inside each round (the order turning by one each round); each run ${o.seconds} s after a ${o.warmupSeconds} s warm-up
  (discarded). Figures per server are the median over rounds; **ratios are the median of per-round ratios**.
  Latencies are measured per response by the bench (full precision), p50 and p99 of the measured run.
  *Server CPU per request* is the server process's CPU time (user + system, all its threads) during the
  measured run divided by the requests answered in it (median over rounds): where a server's time goes
  when the machine, not the server, sets the pace.
- Whole run: ${(r.totalSeconds / 60).toFixed(1)} min, of which ${r.seeded.seconds.toFixed(0)} s seeding.

## Targets (issue 9)

${table(['figure', 'measured', 'target', ''], v.map((x) => [x.figure, x.value, x.target, x.pass ? 'PASS' : '**MISS**']))}

${misses.length === 0 ? 'Every target holds.' : `${misses.length} of ${v.length} targets missed on this run.`}${emptyRuns.length ? ` In ${emptyRuns.length} run(s) no request completed within the run (counted as 0 requests/s, no latency): ${emptyRuns.join('; ')}.` : ''}

## Results

${sections}

### Memory

| process | peak RSS (VmHWM, kernel) | largest VmRSS sample (every 250 ms) | RSS at the end |
| --- | ---: | ---: | ---: |
| repolink | ${mb(r.rss.repolink.hwm)} | ${mb(r.rss.repolink.peakSample)} | ${mb(r.rss.repolink.last)} |
| baseline | ${mb(r.rss.baseline.hwm)} | ${mb(r.rss.baseline.peakSample)} | ${mb(r.rss.baseline.last)} |

Over the whole run (every scenario, both concurrencies), read from \`/proc/<pid>/status\`.

### Warm start

\`npm start\` (which builds incrementally, then starts its private MariaDB in the data folder, runs
migrations and listens) on a data folder that a first start already made, timed from the spawn to
the first \`200\` of \`/readyz\`, then stopped with SIGINT (Ctrl-C) and waited for: ${r.warm.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')};
median **${(median(r.warm) / 1000).toFixed(2)} s**.

## What runs

- **repolink**: \`node dist/src/main.js\` as \`npm start\` runs it, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`,
  \`REPOLINK_DEMO=false\`, \`REPOLINK_RESOLVE_DEFAULT_BRANCH=false\`, its default pool of **${r.poolSize}**
  connections, rate limiting on with a limit no run reaches (\`REPOLINK_RATE_LIMIT_PER_MINUTE=1000000000\`), and
  \`REPOLINK_QUOTA_TEAM=${TEAM_QUOTA}\`.
- **baseline**: \`node dist/bench/baseline-server.js\`, a \`mysql2\` promise pool of the same **${r.poolSize}**
  connections, the same quotas and encryption key.
- **Data**: one tenant on the **team** plan with its quota raised to ${TEAM_QUOTA.toLocaleString('en')} repositories per
  project, so every request goes through the guarded quota UPDATE and none is refused (the bench fails on any user error).
  Two projects with a project-scoped API key (\`config:read\`, \`config:write\`) each:
  - *fresh*: ${VISIBLE.connections} connections of ${VISIBLE.reposPer} repositories, ${VISIBLE.mappingsPer} of them mapped (before the runs: ${r.seeded.fresh.repositories.toLocaleString('en')} repositories, ${r.seeded.fresh.mappings.toLocaleString('en')} mappings);
  - *200k project*: the same ${VISIBLE.connections} connections as the newest rows, over older data:
    connections of ${BIG_REPOS_PER_CONNECTION} repositories with 1 mapping each, and repositories created alone (git_url) — before the runs
    ${r.seeded.big.repositories.toLocaleString('en')} repositories, ${r.seeded.big.mappings.toLocaleString('en')} mappings, ${r.seeded.big.connections.toLocaleString('en')} connections.
  Rows are written by multi-row INSERTs in \`bench/seed.ts\` as repolink writes them (UUIDv7 and \`rc_\`/\`sm_\` ids
  carrying their creation time, credentials sealed by repolink's cipher, generated \`live_*\` columns,
  \`projects.repository_count\` equal to the live repositories).
- Scenarios, in this order (lists first, so they see exactly the seeded rows):
${r.measured
  .filter((m) => m.concurrency === o.concurrencies[0])
  .map((m) => `  - **${m.scenario.title}**: ${m.scenario.what}.`)
  .join('\n')}
- The list query (both servers get the same bytes; the baseline answers the same JSON, which
  \`test/bench-baseline.test.ts\` checks deep-equal against repolink's \`data\`):

  \`\`\`graphql
  ${LIST_QUERY}
  \`\`\`
- createRepository selects every scalar of the new repository and \`userErrors\`; connectRepos on
  /graphql selects \`repoConnection { id platform } userErrors { … }\`, what the shim's POST answers.
- Checks: every response is checked (status, and the body starts as a correct answer does; writes
  need an empty \`userErrors\`); after the runs the database must hold one connection with
  ${REPOSITORIES_PER_CONNECT} repositories and ${MAPPINGS_PER_CONNECT} mappings per connectRepos answered, one repository per createRepository
  answered (give or take requests in flight when a run's clock stopped), and each project's
  \`repository_count\` must equal its live repositories. Between runs the bench waits (up to 30 s) until the
  database runs no statement and holds no locking transaction.${busyNotes.length ? ` It stopped waiting ${busyNotes.length} time(s):\n\n\`\`\`\n${busyNotes.slice(0, 3).join('\n')}\n\`\`\`\n` : ''} ${r.serverLog ? `The servers logged at warn or above:\n\n\`\`\`\n${r.serverLog.slice(0, 2000)}\n\`\`\`` : 'Neither server logged anything at warn or above.'}

## What both servers do (statements per request)

Every request: one authentication lookup, one SELECT of the key by its SHA-256 hash joined with its
tenant and project, in both servers. repolink also counts the request for its rate limit in memory
and adds the counts to \`rate_limit_windows\` with one upsert per half batch of 20 requests, in the
background (\`src/modules/rate-limit/rate-limit.service.ts\`); the baseline has no rate limit.

- **repoConnections(first: N)**: \`SELECT connection_count FROM projects WHERE id = ?\` (the live-row counter that every write keeps exact, for \`totalCount\`);
  \`SELECT <the connection columns the answer needs, not the ciphertext> FROM repo_connections WHERE project_id = ? AND deleted_at IS NULL
  ORDER BY created_at DESC, id DESC LIMIT N+1\` (keyset order); \`SELECT <repository columns> FROM repositories WHERE project_id = ?
  AND repo_connection_id IN (<page>) AND deleted_at IS NULL ORDER BY created_at, id\`; \`SELECT <mapping columns> FROM service_mappings
  WHERE project_id = ? AND repository_id IN (<those repositories>) AND deleted_at IS NULL ORDER BY created_at, id\`; nested JSON
  built by hand (the count runs beside the other three, as GraphQL resolves \`totalCount\` beside \`edges\`).
- **createRepository**: \`START TRANSACTION\`; \`UPDATE projects SET repository_count = repository_count + 1 WHERE id = ?
  AND repository_count + ? <= ?\` (the quota guard of \`src/modules/projects/project-quota.ts\`, which also keeps the live-row counters); \`INSERT INTO repositories …\`;
  \`COMMIT\`; the answer carries the fields the GraphQL query asks, from memory (nothing read back).
- **connectRepos**: \`START TRANSACTION\`; the quota UPDATE for ${REPOSITORIES_PER_CONNECT}, which also adds 1 to \`connection_count\` and ${MAPPINGS_PER_CONNECT} to \`mapping_count\`; \`SELECT live_path FROM repositories WHERE project_id = ?
  AND source_type = ? AND live_path IN (…)\` and \`SELECT live_service_name FROM service_mappings WHERE project_id = ? AND
  live_service_name IN (…)\` (the conflict checks, on the unique indexes of the generated \`live_*\` columns); \`INSERT INTO
  repo_connections …\` (credentials sealed with AES-256-GCM, \`node:crypto\`); one multi-row \`INSERT INTO repositories\`; one
  multi-row \`INSERT INTO service_mappings\`; \`COMMIT\`.
- **shim POST /v1/config/repos**: repolink only, the same connectRepos through the REST compatibility layer.

## Reproduce

\`\`\`sh
npm run bench              # about ${o.quick ? 10 : Math.max(1, Math.round(r.totalSeconds / 60))} minutes on this machine; rewrites docs/benchmarks.md
npm run bench -- --quick   # about 3 minutes, 1 s runs, no warm-up; writes ${path.join(os.tmpdir(), 'repolink-bench-quick.md')} unless --out is given
\`\`\`

It compiles \`src\`, \`migrations\` and \`bench\` (\`tsconfig.bench.json\`), starts MariaDB or MySQL from the
machine's binaries (as the tests do; \`apt-get install -y mariadb-server\`) in a temporary folder,
and removes that folder and stops every process it started when done, also on Ctrl-C. Environment:
\`BENCH_SECONDS\`, \`BENCH_WARMUP_SECONDS\`, \`BENCH_ROUNDS\`, \`BENCH_BIG_REPOSITORIES\`, \`BENCH_BIG_MAPPINGS\`,
\`BENCH_NOTE\`; \`--out <file>\`.
`;
}

// ---------------------------------------------------------------------------------------------
// Warm start

async function warmStart(tmp: string, times: number): Promise<number[]> {
  const dataDir = path.join(tmp, 'warm-start');
  const startOnce = async (): Promise<number> => {
    const port = await freePort();
    const began = Date.now();
    // Its own process group, so SIGINT reaches npm and what it runs, as Ctrl-C in a terminal does.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), REPOLINK_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
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
    if (elapsed < 0) throw new Error(`npm start did not answer /readyz with 200:\n${out.slice(-3000)}`);
    return elapsed;
  };
  const first = await startOnce(); // makes the data folder: not a warm start
  say(`warm start: first (cold) start ${(first / 1000).toFixed(2)} s`);
  const result: number[] = [];
  for (let i = 0; i < times; i += 1) result.push(await startOnce());
  return result;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions();
  const started = Date.now();
  const load = os.loadavg();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'repolink-bench-'));
  let mysql: PrivateMysql | null = null;
  let db: Connection | null = null;
  const servers: Child[] = [];
  let cleaning: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const s of servers) await s.stop().catch(() => undefined);
      await db?.end().catch(() => undefined);
      await mysql?.stop().catch(() => undefined);
      fs.rmSync(tmp, { recursive: true, force: true });
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the servers and the database`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    // MariaDB's temporary tables go under the bench's own folder (it reads TMPDIR), not the machine's shared /tmp.
    fs.mkdirSync(path.join(tmp, 'tmp'));
    process.env.TMPDIR = path.join(tmp, 'tmp');
    mysql = await startPrivateMysql({ dataDir: path.join(tmp, 'mysql'), database: 'repolink_bench', log: say });
    await runMigrations(mysql.url);
    // The pool repolink opens (src/db/data-source.ts): the baseline gets the same size.
    const poolSize = createDataSource({ url: mysql.url }).options.poolSize as number;
    const key = randomBytes(32);
    const cipher = new CredentialCipher(new KeyRing([{ id: derivedKeyId(key), key }], derivedKeyId(key)));

    const dataSource = createDataSource({ url: mysql.url, poolSize: 2 });
    await dataSource.initialize();
    const tenancy = new TenancyService(dataSource);
    const tenant = await tenancy.createTenant({ name: 'Bench', plan: 'team' });
    const projects = { fresh: await tenancy.createProject({ tenantId: tenant.id, name: 'Fresh' }), big: await tenancy.createProject({ tenantId: tenant.id, name: 'Big' }) };
    const keys = {
      fresh: (await tenancy.createApiKey({ projectId: projects.fresh.id, permissions: ['config:read', 'config:write'] })).secret,
      big: (await tenancy.createApiKey({ projectId: projects.big.id, permissions: ['config:read', 'config:write'] })).secret,
    };
    await dataSource.destroy();

    db = await createConnection({ uri: mysql.url, timezone: 'Z', charset: 'utf8mb4_unicode_ci' });
    const [[{ version }]] = await db.query<RowDataPacket[]>('SELECT VERSION() AS version');
    const seedStarted = Date.now();
    const scope = (project: ProjectName): Scope => ({ tenantId: tenant.id, projectId: projects[project].id });
    const visible = { ...VISIBLE, standalone: 0 };
    const bigConnections = Math.max(0, options.bigMappings - VISIBLE.connections * VISIBLE.mappingsPer);
    const bigStandalone = options.bigRepositories - VISIBLE.connections * VISIBLE.reposPer - bigConnections * BIG_REPOS_PER_CONNECTION;
    if (bigStandalone < 0) throw new Error('BENCH_BIG_REPOSITORIES is too small for BENCH_BIG_MAPPINGS');
    const day = 86_400_000;
    const now = Date.now();
    await seedProject(db, scope('big'), cipher, new Clock(now - 60 * day, 10), {
      connections: bigConnections,
      reposPer: BIG_REPOS_PER_CONNECTION,
      mappingsPer: 1,
      standalone: bigStandalone,
      label: 'old',
    });
    // The newest rows of both projects are alike, so their lists show the same shapes.
    for (const project of ['fresh', 'big'] as const) await seedProject(db, scope(project), cipher, new Clock(now - 3_600_000, 1), { ...visible, label: `top-${project}` });
    const seeded = { fresh: await projectCounts(db, projects.fresh.id), big: await projectCounts(db, projects.big.id), seconds: (Date.now() - seedStarted) / 1000 };
    await db.query('ANALYZE TABLE repo_connections, repositories, service_mappings, projects, api_keys');
    say(`seeded in ${seeded.seconds.toFixed(1)} s: fresh ${JSON.stringify(seeded.fresh)}, big ${JSON.stringify(seeded.big)}`);

    const common = {
      DATABASE_URL: mysql.url,
      REPOLINK_ENCRYPTION_KEY: key.toString('base64'),
      REPOLINK_QUOTA_TEAM: String(TEAM_QUOTA),
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    };
    const repolink = await startNode(
      'repolink',
      path.join(ROOT, 'dist', 'src', 'main.js'),
      { ...common, REPOLINK_DATA_DIR: path.join(tmp, 'data'), REPOLINK_DEMO: 'false', REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false', REPOLINK_RATE_LIMIT_PER_MINUTE: '1000000000' },
      /repolink is listening on (http:\/\/\S+)/,
    );
    servers.push(repolink);
    const baseline = await startNode('baseline', path.join(ROOT, 'dist', 'bench', 'baseline-server.js'), { ...common, BASELINE_POOL_SIZE: String(poolSize) }, /baseline is listening on (http:\/\/\S+)/);
    servers.push(baseline);
    const memory = { repolink: memoryWatch(repolink.pid), baseline: memoryWatch(baseline.pid) };
    const urls: Record<ServerName, string> = { repolink: repolink.url, shim: repolink.url, baseline: baseline.url };
    const pids: Record<ServerName, number> = { repolink: repolink.pid, shim: repolink.pid, baseline: baseline.pid };
    say(`repolink ${repolink.url} (pid ${repolink.pid}), baseline ${baseline.url} (pid ${baseline.pid}), pool ${poolSize}`);

    // Both answer the same list before anything is measured (the test suite checks this in depth).
    for (const project of ['fresh', 'big'] as const) {
      const ask = async (url: string) =>
        (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[project]}` }, body: graphqlBody(LIST_QUERY, { first: 100 }) })).text();
      const [mine, theirs] = [(await ask(repolink.url)).trim(), (await ask(baseline.url)).trim()];
      const parsed = JSON.parse(mine);
      if (mine !== theirs || parsed.errors || parsed.data.repoConnections.edges.length !== 100) {
        let at = 0;
        while (at < mine.length && mine[at] === theirs[at]) at += 1;
        const around = (text: string) => text.slice(Math.max(0, at - 300), at + 300);
        throw new Error(`repolink and the baseline answer the list differently in the ${project} project, from character ${at}:\n${around(mine)}\n${around(theirs)}`);
      }
    }

    const runTag = randomBytes(3).toString('hex');
    let serial = 0;
    const tag = () => `${runTag}n${(serial += 1)}`;
    const failures: Failures = { count: 0, samples: [] };
    const answered: Record<ProjectName, { connect: number; create: number; slack: number }> = { fresh: { connect: 0, create: 0, slack: 0 }, big: { connect: 0, create: 0, slack: 0 } };
    const measured: Measured[] = [];
    const only = (process.env.BENCH_SCENARIOS ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    const list = scenarios(keys).filter((s) => only.length === 0 || only.includes(s.id));
    const plannedRuns = list.reduce((n, s) => n + s.arms.length, 0) * options.concurrencies.length * options.rounds;
    say(`${plannedRuns} runs of ${options.seconds} s (+${options.warmupSeconds} s warm-up): about ${Math.ceil((plannedRuns * (options.seconds + options.warmupSeconds + 0.3)) / 60)} min`);
    for (const scenario of list) {
      for (const concurrency of options.concurrencies) {
        const m: Measured = { scenario, concurrency, rounds: new Map(scenario.arms.map((a) => [a.id, []])) };
        let drained = 0;
        for (let round = 0; round < options.rounds; round += 1) {
          // The order turns by one each round, so no arm always follows the same one (a write burst leaves the database
          // flushing pages for a while after it goes idle, which would always tax the same successor).
          const order = scenario.arms.map((_, i) => scenario.arms[(i + round) % scenario.arms.length]);
          for (const arm of order) {
            const url = urls[arm.server];
            if (options.warmupSeconds > 0) {
              const w = await run(url, pids[arm.server], arm, options.warmupSeconds, concurrency, failures, tag);
              if (arm.writes) answered[arm.project][arm.writes] += w.answered2xx;
              if (arm.writes) answered[arm.project].slack += concurrency;
              drained += await quiesce(db);
            }
            const result = await run(url, pids[arm.server], arm, options.seconds, concurrency, failures, tag);
            if (arm.writes) {
              answered[arm.project][arm.writes] += result.answered2xx;
              answered[arm.project].slack += concurrency;
            }
            // A run can be shorter than one slow request: 0 requests/s and no latency, said in the report, not a failure.
            if (result.requests === 0) emptyRuns.push(`${scenario.title}, concurrency ${concurrency}, ${arm.id}, round ${round + 1}`);
            m.rounds.get(arm.id)!.push(result);
            // Requests still running when the clock stopped finish before the next run starts, so one server's backlog never lands in another's figures.
            drained += await quiesce(db);
            if (repolink.exited() || baseline.exited()) throw new Error(`a server exited:\n${repolink.log()}\n${baseline.log()}`);
          }
        }
        measured.push(m);
        const summary = scenario.comparisons
          .map((c) => {
            const r = ratios(m, c);
            return `${c.label}: ${fmtX(r.throughput)}`;
          })
          .join('; ');
        const rates = scenario.arms
          .map((a) => `${a.id} ${median(m.rounds.get(a.id)!.map((r) => r.rps)).toFixed(0)}/s p50 ${fmtMs(median(m.rounds.get(a.id)!.map((r) => r.p50)))} cpu ${fmtMs(median(m.rounds.get(a.id)!.map((r) => r.cpuMsPerRequest)))}/req`)
          .join(', ');
        say(`${scenario.title} c=${concurrency}: ${rates}\n  ${summary}\n  (${(drained / 1000).toFixed(1)} s waiting for the database to go idle between runs)`);
      }
    }

    const rss = { repolink: memory.repolink.finish(), baseline: memory.baseline.finish() };
    const problems: string[] = [];
    if (failures.count > 0) problems.push(`${failures.count} failed requests; the first:\n    ${failures.samples.join('\n    ')}`);
    await sleep(500); // let requests still in flight when the last clock stopped finish
    for (const project of ['fresh', 'big'] as const) {
      const before = seeded[project];
      const after = await projectCounts(db, projects[project].id);
      const a = answered[project];
      const madeConnections = after.connections - before.connections;
      const madeAlone = after.repositories - before.repositories - madeConnections * REPOSITORIES_PER_CONNECT;
      if (madeConnections < a.connect || madeConnections > a.connect + a.slack) problems.push(`${project}: ${a.connect} connectRepos answered but ${madeConnections} connections made`);
      if (madeAlone < a.create || madeAlone > a.create + a.slack) problems.push(`${project}: ${a.create} createRepository answered but ${madeAlone} repositories made alone`);
      if (after.mappings - before.mappings !== madeConnections * MAPPINGS_PER_CONNECT) problems.push(`${project}: ${after.mappings - before.mappings} mappings for ${madeConnections} connections`);
      if (after.counter !== after.repositories) problems.push(`${project}: repository_count ${after.counter} but ${after.repositories} live repositories`);
    }
    const serverLog = [repolink.log(), baseline.log()].filter(Boolean).join('\n');
    if (/"level":(50|60)/.test(repolink.log()) || /failed/.test(baseline.log())) problems.push(`a server logged errors:\n${serverLog.slice(0, 3000)}`);
    for (const s of servers.splice(0)) await s.stop();
    await db.end();
    db = null;
    await mysql.stop();
    mysql = null;

    say('warm start: npm start on a data folder that exists, until /readyz answers 200');
    const warm = await warmStart(tmp, 3);
    say(`warm start: ${warm.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')}`);

    const report: Report = {
      options,
      machine: describeMachine(version, load),
      measured,
      rss,
      warm,
      poolSize,
      seeded,
      totalSeconds: (Date.now() - started) / 1000,
      serverLog,
    };
    const document = renderDocument(report);
    const targets = verdicts(measured, rss.repolink, warm);
    say('');
    for (const t of targets) say(`${t.pass ? 'PASS' : 'MISS'}  ${t.figure}: ${t.value} (target ${t.target})`);
    say(`peak RSS: repolink ${mb(rss.repolink.hwm)} (VmHWM), baseline ${mb(rss.baseline.hwm)}`);
    if (problems.length > 0) {
      const failed = FAILED_REPORT;
      fs.writeFileSync(failed, document);
      say(`FAILED; ${options.out} left unchanged (the figures are in ${failed}):\n- ${problems.join('\n- ')}`);
      return 1;
    }
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, document);
    say(`wrote ${options.out} (${((Date.now() - started) / 60000).toFixed(1)} min in all)`);
    return 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
