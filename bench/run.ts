/**
 * `npm run bench`: repolink against a bare node:http + mysql2 baseline (bench/baseline-server.ts)
 * doing the same database work, each in its own process, on one private MariaDB that the bench
 * starts in a temporary folder, on one or more Node.js runtimes. Rounds alternate between the
 * servers; every figure is a median of rounds and every ratio the median of per-round ratios. Also
 * the peak RSS of the repolink process and `npm start` to /readyz on a warm data folder, per
 * runtime. Writes docs/benchmarks.md (bench/report.ts); any failed request, wrong body or
 * inconsistent row fails the run and leaves the file as it was.
 *
 * The parts: bench/scenarios.ts (what is asked, of whom, and the targets), bench/runner.ts
 * (processes, autocannon, alternated rounds), bench/report.ts (the document), bench/seed.ts (data).
 *
 * Options: `--quick` (a few minutes: 1 s runs, 2 rounds, no warm-up, the bench's own Node only unless
 * BENCH_NODE says otherwise; a run shorter than one request is reported as not measured),
 * `--out <file>`; environment: BENCH_NODE (node binaries, comma-separated; default: this Node and,
 * for a full run, Node 24 from `.ci/node24`), BENCH_SECONDS (4), BENCH_WARMUP_SECONDS (1),
 * BENCH_ROUNDS (3; 2 with --quick), BENCH_BIG_REPOSITORIES (200000), BENCH_BIG_MAPPINGS (20000), BENCH_NOTE (a
 * paragraph for the document), BENCH_SCENARIOS (scenario ids, comma-separated; all by default),
 * BENCH_PROFILE (a folder: the servers run with `node --cpu-prof` and write their profiles there
 * when they stop).
 */
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { startPrivateMysql, type PrivateMysql } from '../src/db/private-mysql';
import { CredentialCipher, KeyRing, derivedKeyId } from '../src/modules/crypto';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { PURGE_DELIVERIES_SQL } from '../src/modules/webhooks/webhook.store';
import { MAPPINGS_PER_CONNECT, REPOSITORIES_PER_CONNECT } from './operations';
import { BIG_REPOS_PER_CONNECTION, TEAM_QUOTA, VISIBLE, consoleSummary, describeMachine, mb, renderDocument, verdicts, type Options, type Report } from './report';
import {
  ROOT,
  chooseRuntimes,
  measureScenario,
  memoryWatch,
  notes,
  say,
  startNode,
  warmStart,
  type Child,
  type Failures,
  type Measured,
  type MemoryFigures,
  type ServerSet,
  type WriteCounts,
} from './runner';
import { scenarios, type ProjectName } from './scenarios';
import { Clock, projectCounts, seedProject, type Scope } from './seed';
import { WEBHOOK_BENCH, benchApp, pushDelivery, seedProcessedDeliveries } from './webhook-ingest';

/** Where a failed run's report goes; fixed before TMPDIR points into the bench's folder. */
const FAILED_REPORT = path.join(os.tmpdir(), 'repolink-bench-failed.md');

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
    rounds: Math.round(num('BENCH_ROUNDS', quick ? 2 : 3, 1, 50)),
    bigRepositories: Math.round(num('BENCH_BIG_REPOSITORIES', 200_000, 10_000, 5_000_000)),
    bigMappings: Math.round(num('BENCH_BIG_MAPPINGS', 20_000, 1_000, 1_000_000)),
    concurrencies: [1, 16],
    quick,
    // A quick run is a smoke test: it does not replace the document unless asked to.
    out: path.resolve(values.out ?? (quick ? path.join(os.tmpdir(), 'repolink-bench-quick.md') : path.join(ROOT, 'docs', 'benchmarks.md'))),
    note: process.env.BENCH_NOTE ?? '',
  };
}

/** The row id repolink gave the bench's GitHub App when it registered it at start (from its environment). */
async function registeredAppId(db: Connection, githubAppId: number): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>("SELECT id FROM code_host_apps WHERE kind = 'github_app' AND github_app_id = ?", [String(githubAppId)]);
  if (rows.length !== 1) throw new Error(`repolink registered ${rows.length} GitHub Apps with App ID ${githubAppId} at start, not one`);
  return String(rows[0].id);
}

async function main(): Promise<number> {
  const options = parseOptions();
  const started = Date.now();
  const load = os.loadavg();
  const { runtimes, note: runtimeNote } = chooseRuntimes(options.quick);
  if (runtimeNote) say(`warning: ${runtimeNote}`);
  say(`runtimes: ${runtimes.map((r) => `${r.version} (${r.execPath})`).join(', ')}`);
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
    // node(id:) asks for the fresh project's newest repository.
    const [[{ id: repositoryId }]] = await db.query<RowDataPacket[]>('SELECT id FROM repositories WHERE project_id = ? ORDER BY created_at DESC, id DESC LIMIT 1', [projects.fresh.id]);

    // The GitHub App of the webhook scenario: both servers read it from the same environment variables.
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const app = benchApp(privateKey);
    const common = {
      ...app.env,
      DATABASE_URL: mysql.url,
      REPOLINK_ENCRYPTION_KEY: key.toString('base64'),
      REPOLINK_QUOTA_TEAM: String(TEAM_QUOTA),
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    };
    let appRowId: string | null = null;
    const sets: ServerSet[] = [];
    const watches: { runtime: string; repolink: ReturnType<typeof memoryWatch>; baseline: ReturnType<typeof memoryWatch> }[] = [];
    const pairs: { repolink: Child; baseline: Child }[] = [];
    for (const runtime of runtimes) {
      const repolink = await startNode(
        'repolink',
        runtime,
        path.join(ROOT, 'dist', 'src', 'main.js'),
        {
          ...common,
          REPOLINK_DATA_DIR: path.join(tmp, `data-${runtime.version}`),
          REPOLINK_DEMO: 'false',
          REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false',
          REPOLINK_RATE_LIMIT_PER_MINUTE: '1000000000',
          // No queue worker: webhook deliveries stay queued (their processing is not what the baseline does); no other scenario queues a job.
          REPOLINK_SYNC_WORKER: 'false',
        },
        /repolink is listening on (http:\/\/\S+)/,
      );
      servers.push(repolink);
      // repolink registered the app at start (every process does, alike): deliveries are recorded under its row.
      appRowId ??= await registeredAppId(db, app.githubAppId);
      const baseline = await startNode(
        'baseline',
        runtime,
        path.join(ROOT, 'dist', 'bench', 'baseline-server.js'),
        { ...common, BASELINE_POOL_SIZE: String(poolSize), BASELINE_WEBHOOK_SOURCE_ID: appRowId },
        /baseline is listening on (http:\/\/\S+)/,
      );
      servers.push(baseline);
      pairs.push({ repolink, baseline });
      watches.push({ runtime: runtime.id, repolink: memoryWatch(repolink.pid), baseline: memoryWatch(baseline.pid) });
      sets.push({ runtime, url: { repolink: repolink.url, shim: repolink.url, baseline: baseline.url }, pid: { repolink: repolink.pid, shim: repolink.pid, baseline: baseline.pid } });
      say(`${runtime.version}: repolink ${repolink.url} (pid ${repolink.pid}), baseline ${baseline.url} (pid ${baseline.pid}), pool ${poolSize}`);
    }

    const only = (process.env.BENCH_SCENARIOS ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    const delivery = pushDelivery(app);
    const webhookNotes: string[] = [];
    const sourceId = appRowId!;
    const fillTable = async () => {
      const began = Date.now();
      // The bench app among 50 endpoints, as a server with a few apps and hooks holds them.
      const sources = [sourceId, ...Array.from({ length: 49 }, (_, i) => `wh_${i.toString(16).padStart(32, '0')}`)];
      await seedProcessedDeliveries(db!, WEBHOOK_BENCH.processedRows, sources);
      const seconds = (Date.now() - began) / 1000;
      await db!.query('ANALYZE TABLE webhook_deliveries');
      const [[{ n }]] = await db!.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM webhook_deliveries');
      // The purge's statement on the full table: it must read its index, never the table.
      const [plan] = await db!.query<RowDataPacket[]>(`EXPLAIN ${PURGE_DELIVERIES_SQL}`, ['processed', 7, 1000]);
      const line = plan.map((r) => `type ${r.type}, key ${r.key}, rows ${r.rows}${r.Extra ? `, ${r.Extra}` : ''}`).join('; ');
      if (plan.some((r) => r.key !== 'ix_webhook_deliveries_status' || r.type === 'ALL' || /filesort/i.test(String(r.Extra ?? '')))) {
        throw new Error(`the purge of old deliveries does not run on ix_webhook_deliveries_status: ${line}`);
      }
      webhookNotes.push(
        `Before the "big" stage of webhook ingestion, ${WEBHOOK_BENCH.processedRows.toLocaleString('en')} processed deliveries were written in ${seconds.toFixed(1)} s (the table then held ${Number(n).toLocaleString('en')} rows); ` +
          `\`EXPLAIN\` of the purge's \`${PURGE_DELIVERIES_SQL}\` on it: ${line}. Each ingestion is one INSERT, whose duplicate check is the unique index \`uq_webhook_deliveries_delivery (source_id, delivery_key)\`.`,
      );
      return `deliveries table filled: ${WEBHOOK_BENCH.processedRows} processed rows in ${seconds.toFixed(1)} s, ${n} in all; purge plan: ${line}`;
    };
    const all = scenarios({ keys, repositoryId: String(repositoryId), webhook: { delivery, fillTable } });
    const unknown = only.filter((id) => !all.some((s) => s.id === id));
    if (unknown.length > 0) throw new Error(`BENCH_SCENARIOS names no scenario ${unknown.join(', ')}; there are ${all.map((s) => s.id).join(', ')}`);
    const list = all.filter((s) => only.length === 0 || only.includes(s.id));

    // Both servers answer every read with the same bytes before anything is measured (the test suite checks this in depth).
    for (const set of sets) {
      for (const scenario of list) {
        if (!scenario.sameBody) continue;
        for (const project of new Set(scenario.arms.map((a) => a.project))) {
          const ask = async (url: string) =>
            (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[project]}` }, body: scenario.sameBody })).text();
          const [mine, theirs] = [(await ask(set.url.repolink)).trim(), (await ask(set.url.baseline)).trim()];
          if (mine !== theirs || JSON.parse(mine).errors) {
            let at = 0;
            while (at < mine.length && mine[at] === theirs[at]) at += 1;
            const around = (text: string) => text.slice(Math.max(0, at - 300), at + 300);
            throw new Error(`on ${set.runtime.version}, repolink and the baseline answer ${scenario.title} differently in the ${project} project, from character ${at}:\n${around(mine)}\n${around(theirs)}`);
          }
        }
      }
    }

    const runTag = randomBytes(3).toString('hex');
    let serial = 0;
    const tag = () => `${runTag}n${(serial += 1)}`;
    const failures: Failures = { count: 0, samples: [] };
    const answered: Record<ProjectName, WriteCounts> = { fresh: { connect: 0, create: 0, delivery: 0, slack: 0 }, big: { connect: 0, create: 0, delivery: 0, slack: 0 } };
    const alive = () => {
      const gone = servers.find((s) => s.exited());
      if (gone) throw new Error(`a server exited:\n${servers.map((s) => `${s.name}: ${s.log()}`).join('\n')}`);
    };
    const measured: Measured[] = [];
    const plannedRuns = list.reduce((n, s) => n + s.arms.length, 0) * options.concurrencies.length * options.rounds * sets.length;
    say(`${plannedRuns} runs of ${options.seconds} s (+${options.warmupSeconds} s warm-up): about ${Math.ceil((plannedRuns * (options.seconds + options.warmupSeconds + 0.5)) / 60)} min`);
    for (const scenario of list) {
      // A scenario in stages (the webhook table empty, then full) runs each stage's arms over every concurrency; the rounds are put together per concurrency.
      const whole = new Map<number, Measured>();
      for (const stage of scenario.stages ?? [null]) {
        if (stage?.prepare) say(await stage.prepare());
        const arms = stage === null ? scenario.arms : scenario.arms.filter((a) => a.project === stage.project);
        const part = { ...scenario, arms, comparisons: scenario.comparisons.filter((c) => [c.numerator, c.denominator].every((id) => arms.some((a) => a.id === id))) };
        for (const concurrency of options.concurrencies) {
          const { measured: m, drainedMs } = await measureScenario(part, concurrency, sets, db, options, { failures, tag, answered, alive });
          say(`${consoleSummary(m, runtimes)}\n  (${(drainedMs / 1000).toFixed(1)} s waiting for the database to go idle between runs)`);
          const into = whole.get(concurrency);
          if (into === undefined) whole.set(concurrency, { ...m, scenario });
          else for (const [runtimeId, rounds] of m.rounds) for (const [armId, results] of rounds) into.rounds.get(runtimeId)!.set(armId, results);
        }
      }
      for (const m of whole.values()) {
        measured.push(m);
        if (scenario.stages) say(consoleSummary(m, runtimes));
      }
      // The peak resident memory of each scenario (the kernel's mark, reset after each).
      const peaks = watches.map((w, i) => `${runtimes[i].version} repolink ${mb(w.repolink.scenario(scenario.id))}, baseline ${mb(w.baseline.scenario(scenario.id))}`);
      say(`  peak RSS in ${scenario.id}: ${peaks.join('; ')}`);
    }

    const rss = new Map<string, { repolink: MemoryFigures; baseline: MemoryFigures }>(watches.map((w) => [w.runtime, { repolink: w.repolink.finish(), baseline: w.baseline.finish() }]));
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
    const deliveriesAnswered = answered.fresh.delivery + answered.big.delivery;
    if (list.some((s) => s.arms.some((a) => a.writes === 'delivery'))) {
      // Every delivery answered 202 is one row, none lost and none doubled (the seeded rows are processed; these stay queued).
      const [[{ n }]] = await db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE source_id = ? AND status = 'queued'", [sourceId]);
      const slack = answered.fresh.slack + answered.big.slack;
      if (Number(n) < deliveriesAnswered || Number(n) > deliveriesAnswered + slack) problems.push(`webhook ingestion: ${deliveriesAnswered} deliveries answered 202 but ${n} recorded`);
      else webhookNotes.push(`After the runs the table held ${Number(n).toLocaleString('en')} queued deliveries for ${deliveriesAnswered.toLocaleString('en')} answered \`202\` (requests in flight when a run's clock stopped are recorded but not counted).`);
    }
    const serverLog = pairs
      .flatMap((p, i) => [p.repolink.log() && `[${runtimes[i].version} repolink] ${p.repolink.log()}`, p.baseline.log() && `[${runtimes[i].version} baseline] ${p.baseline.log()}`])
      .filter(Boolean)
      .join('\n');
    if (pairs.some((p) => /"level":(50|60)/.test(p.repolink.log()) || /failed/.test(p.baseline.log()))) problems.push(`a server logged errors:\n${serverLog.slice(0, 3000)}`);
    if (process.env.BENCH_PROFILE) {
      pairs.forEach((p, i) =>
        say(`profile of ${runtimes[i].version}: repolink (pid ${p.repolink.pid}) served ${notes.served.get(p.repolink.pid) ?? 0} requests, baseline (pid ${p.baseline.pid}) ${notes.served.get(p.baseline.pid) ?? 0}; summarise with node dist/bench/profile-summary.js <file> --requests N`),
      );
    }
    for (const s of servers.splice(0)) await s.stop();
    await db.end();
    db = null;
    await mysql.stop();
    mysql = null;

    const warm = new Map<string, number[]>();
    for (const runtime of runtimes) {
      say(`warm start on ${runtime.version}: npm start on a data folder that exists, until /readyz answers 200`);
      const times = await warmStart(tmp, runtime, 3);
      warm.set(runtime.id, times);
      say(`warm start on ${runtime.version}: ${times.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')}`);
    }

    const report: Report = {
      options,
      machine: describeMachine(version, load),
      runtimes,
      runtimeNote,
      measured,
      rss,
      warm,
      poolSize,
      seeded,
      totalSeconds: (Date.now() - started) / 1000,
      serverLog,
      notes: webhookNotes,
    };
    const document = renderDocument(report);
    say('');
    for (const t of verdicts(report)) say(`${t.pass ? 'PASS' : 'MISS'}  ${t.figure}: ${t.value} (target ${t.target})`);
    for (const runtime of runtimes) say(`peak RSS on ${runtime.version}: repolink ${mb(rss.get(runtime.id)!.repolink.hwm)} (VmHWM), baseline ${mb(rss.get(runtime.id)!.baseline.hwm)}`);
    if (problems.length > 0) {
      fs.writeFileSync(FAILED_REPORT, document);
      say(`FAILED; ${options.out} left unchanged (the figures are in ${FAILED_REPORT}):\n- ${problems.join('\n- ')}`);
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
