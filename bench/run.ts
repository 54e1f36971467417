/**
 * `npm run bench`: measures a real repolink server (the compiled `dist/src/main.js`, as `npm start`
 * runs it) over loopback, with its own private MariaDB in a temporary folder, and rewrites
 * docs/benchmarks.md with the figures and the machine they came from. Any transport error, timeout,
 * non-2xx answer or GraphQL error during a run fails it, and then the document is left as it was.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { startPrivateMysql, type PrivateMysql } from '../src/db/private-mysql';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';

const ROOT = path.resolve(__dirname, '..', '..');
const CONNECTIONS_SEEDED = 100;

const LIST_QUERY = `query($first: Int) { repoConnections(first: $first) { totalCount edges { cursor node { id platform lookbackDays repositories { id path serviceMappings { id serviceName } } serviceMappings { id serviceName repository { id path } } } } pageInfo { hasNextPage endCursor } } }`;
const CONNECT_REPOS = `mutation($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { code field message } } }`;

interface Options {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  out: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      out: { type: 'string', default: path.join(ROOT, 'docs', 'benchmarks.md') },
    },
  });
  const int = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  return {
    durationSeconds: int('duration', values.duration!, 1, 60),
    warmupSeconds: int('warmup', values.warmup!, 0, 30),
    connections: int('connections', values.connections!, 1, 100),
    out: path.resolve(values.out!),
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// The server under test

interface ServerProcess {
  url: string;
  /** Output after the listening line: warnings and errors the server logged while measured. */
  logSinceStart(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  let listenedAt = -1;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /repolink is listening on (http:\/\/\S+)/.exec(out);
      if (match && listenedAt < 0) {
        listenedAt = out.length;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} while starting:\n${out}`));
    });
  });
  return {
    url,
    logSinceStart: () => out.slice(listenedAt).trim(),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exit;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding and checking over HTTP, as a client would

async function graphql(url: string, apiKey: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (response.status !== 200 || body.errors) throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(body).slice(0, 1000)}`);
  return body.data;
}

/** A connection shaped like the seed documents: three repositories, two of them mapped to services. */
function connectInput(tag: string) {
  const repos = ['api', 'worker', 'web'].map((name) => `bench-${tag}/${name}`);
  return {
    platform: 'GITHUB',
    credentials: { token: `ghp_bench_${tag.replace(/[^A-Za-z0-9]/g, '')}` },
    repositories: repos,
    serviceMappings: [
      { serviceName: `${tag}-api`, repo: repos[0], pathPrefix: '', defaultBranch: 'main' },
      { serviceName: `${tag}-worker`, repo: repos[1], pathPrefix: 'cmd/worker', defaultBranch: 'main' },
    ],
    lookbackDays: 30,
  };
}

async function seed(url: string, apiKey: string): Promise<void> {
  for (let i = 0; i < CONNECTIONS_SEEDED; i += 1) {
    const data = await graphql(url, apiKey, CONNECT_REPOS, { input: connectInput(`seed${i}`) });
    if (data.connectRepos.userErrors.length > 0) throw new Error(`seeding failed: ${JSON.stringify(data.connectRepos.userErrors)}`);
  }
}

/** The measured requests answer what they should, not merely 200: checked once in full before the runs. */
async function checkShapes(url: string, apiKey: string): Promise<void> {
  for (const first of [10, 100]) {
    const page = (await graphql(url, apiKey, LIST_QUERY, { first })).repoConnections;
    const wrong: string[] = [];
    if (page.totalCount !== CONNECTIONS_SEEDED) wrong.push(`totalCount ${page.totalCount}`);
    if (page.edges.length !== first) wrong.push(`${page.edges.length} edges`);
    if (page.pageInfo.hasNextPage !== first < CONNECTIONS_SEEDED) wrong.push(`hasNextPage ${page.pageInfo.hasNextPage}`);
    for (const { node } of page.edges) {
      const mapped = node.repositories.filter((r: any) => r.serviceMappings.length === 1).length;
      if (node.repositories.length !== 3 || node.serviceMappings.length !== 2 || mapped !== 2) wrong.push(`connection ${node.id} has the wrong children`);
      if (node.serviceMappings.some((m: any) => !m.repository?.path)) wrong.push(`a mapping of ${node.id} lacks its repository`);
    }
    if (wrong.length > 0) throw new Error(`the list query at first=${first} answered wrongly: ${wrong.slice(0, 5).join('; ')}`);
  }
  const health = await fetch(`${url}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Scenario {
  name: string;
  what: string;
  request: autocannon.Request;
  /** A cheap check of every response body (a full parse of 100-connection pages would load the client, which shares the CPUs). */
  verifyBody: (body: string) => boolean;
}

/** What went wrong in a scenario's warm-up and measured run together. */
interface Failures {
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers whose body failed the scenario's check. */
  badBodies: number;
  samples: string[];
}

interface Outcome {
  scenario: Scenario;
  result: autocannon.Result;
  warmup: autocannon.Result | null;
  failures: Failures;
}

const failedCount = (f: Failures) => f.errors + f.timeouts + f.non2xx + f.badBodies;

async function measure(url: string, scenario: Scenario, seconds: number, connections: number, failures: Failures): Promise<autocannon.Result> {
  const keep = (what: string) => {
    if (failures.samples.length < 3) failures.samples.push(what.trim().slice(0, 600));
  };
  const options: autocannon.Options = {
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        ...scenario.request,
        onResponse: (status: number, body: string) => {
          if (status < 200 || status > 299) keep(`HTTP ${status}: ${body}`);
          else if (!scenario.verifyBody(body)) {
            failures.badBodies += 1;
            keep(`HTTP ${status} with an unexpected body: ${body}`);
          }
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)));
    instance.on('reqError', (error: Error) => keep(`transport error: ${error.message}`));
  });
  failures.errors += result.errors - result.timeouts;
  failures.timeouts += result.timeouts;
  failures.non2xx += result.non2xx;
  return result;
}

function scenarios(apiKey: string, runTag: string): Scenario[] {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  const list = (first: number): Scenario => ({
    name: `repoConnections, first: ${first}`,
    what: `POST /graphql, the list query with nested fields, page of ${first} of ${CONNECTIONS_SEEDED} connections`,
    request: { method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query: LIST_QUERY, variables: { first } }) },
    verifyBody: (body) => body.startsWith('{"data":{"repoConnections":{"totalCount":') && !body.includes('"errors"'),
  });
  let written = 0;
  return [
    {
      name: 'GET /healthz',
      what: 'the HTTP stack alone, no database or GraphQL (the baseline)',
      request: { method: 'GET', path: '/healthz' },
      verifyBody: (body) => body === '{"status":"ok"}',
    },
    list(10),
    list(100),
    {
      name: 'connectRepos',
      what: 'POST /graphql, connectRepos: 3 new repositories (unique names) and 2 service mappings per request, one transaction',
      request: {
        method: 'POST',
        path: '/graphql',
        headers,
        setupRequest: (request) => {
          written += 1;
          return { ...request, body: JSON.stringify({ query: CONNECT_REPOS, variables: { input: connectInput(`w${runTag}n${written}`) } }) };
        },
      },
      verifyBody: (body) => body.includes('"userErrors":[]') && body.includes('"repoConnection":{"id":"rc_') && !body.includes('"errors"'),
    },
  ];
}

/** Every answered write committed in full: read back from the database, not through the server under test. */
async function checkWrites(dataSource: DataSource, projectId: string, outcomes: Outcome[], connections: number): Promise<string[]> {
  const writes = outcomes.find((o) => o.scenario.name === 'connectRepos');
  if (!writes) return [];
  const answered = writes.result['2xx'] + (writes.warmup?.['2xx'] ?? 0);
  // One statement, so one snapshot: a write still finishing on the server cannot fall between the counts.
  const count = (table: string) => `(SELECT COUNT(*) FROM ${table} WHERE project_id = ? AND deleted_at IS NULL)`;
  const [row] = (await dataSource.query(
    `SELECT ${count('repo_connections')} AS connections, ${count('repositories')} AS repositories, ${count('service_mappings')} AS mappings`,
    [projectId, projectId, projectId],
  )) as { connections: string; repositories: string; mappings: string }[];
  const made = Number(row.connections) - CONNECTIONS_SEEDED;
  const repositories = Number(row.repositories);
  const mappings = Number(row.mappings);
  const problems: string[] = [];
  // A request in flight when a run's clock stops is done by the server but not counted by autocannon: at most one per connection and run.
  const slack = connections * (writes.warmup ? 2 : 1);
  if (made < answered || made > answered + slack) problems.push(`connectRepos: ${answered} writes answered but ${made} connections made`);
  const all = CONNECTIONS_SEEDED + made;
  if (repositories !== 3 * all || mappings !== 2 * all) {
    problems.push(`connectRepos: ${all} connections hold ${repositories} repositories and ${mappings} mappings instead of ${3 * all} and ${2 * all}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Machine {
  cpu: string;
  memory: string;
  os: string;
  node: string;
  database: string;
  autocannon: string;
  commit: string;
  load: string;
}

function describeMachine(databaseVersion: string, loadBefore: number[]): Machine {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' with uncommitted changes';
  } catch {
    // not a git checkout
  }
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    database: databaseVersion,
    autocannon: (require('autocannon/package.json') as { version: string }).version,
    commit,
    load: loadBefore.map((l) => l.toFixed(2)).join(', '),
  };
}

// Not autocannon's mean of per-second samples: when the client is saturated (/healthz) its last tick runs late and adds a sample.
const perSecond = (r: autocannon.Result) => r.requests.total / r.duration;

// autocannon's histogram keeps whole milliseconds, so 0 means under one.
const ms = (value: number) => (value === 0 ? '< 1 ms' : Number.isInteger(value) ? `${value} ms` : `${value.toFixed(1)} ms`);

function resultsTable(outcomes: Outcome[]): string {
  const rows = outcomes.map(({ scenario, result: r, failures: f }) => {
    return [
      scenario.name,
      perSecond(r).toFixed(0),
      ms(r.latency.p50),
      ms(r.latency.p90),
      ms(r.latency.p99),
      ms(r.latency.max),
      String(r.requests.total),
      String(f.errors),
      String(f.timeouts),
      String(f.non2xx),
      String(f.badBodies),
    ];
  });
  const head = ['Scenario', 'Requests/s', 'p50', 'p90', 'p99', 'max', 'Requests', 'Errors', 'Timeouts', 'Non-2xx', 'Bad bodies'];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function renderDocument(outcomes: Outcome[], machine: Machine, options: Options, date: Date, serverLog: string): string {
  const scenarioList = outcomes.map(({ scenario }) => `  - **${scenario.name}**: ${scenario.what}.`).join('\n');
  return `# Benchmarks

Throughput and latency of repolink's GraphQL API, measured by \`npm run bench\` (\`bench/run.ts\`),
which rewrites this file on every successful run. The figures compare runs on the same machine; they
are not a capacity rating, because the load generator, the server and the database share the CPUs.

## Results

${date.toISOString().slice(0, 10)}, commit ${machine.commit}: ${options.connections} concurrent connections, no pipelining,
${options.warmupSeconds} s warm-up (discarded) then ${options.durationSeconds} s measured per scenario.

${resultsTable(outcomes)}

Requests/s is the completed requests divided by the measured run's elapsed seconds; latencies come
from autocannon's histogram of every response in the measured window. Errors, Timeouts, Non-2xx and
Bad bodies count the warm-up too; a run with any of them fails and leaves this file unchanged. ${serverLog ? `The server logged at warn or above during the runs:\n\n\`\`\`\n${serverLog.slice(0, 2000)}\n\`\`\`` : 'The server logged nothing at warn or above during the runs.'}

## Machine

- CPU: ${machine.cpu}
- Memory: ${machine.memory}
- OS: ${machine.os}
- Node.js: ${machine.node}
- Database: ${machine.database} (a private instance in a temporary folder, default settings)
- Load generator: autocannon ${machine.autocannon}, in the bench process on the same machine
- Load average (1, 5, 15 min) when the bench started: ${machine.load}; other work on the machine
  skews the figures

## What runs

- One server process, \`node dist/src/main.js\` as \`npm start\` runs it, on 127.0.0.1 with
  \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, \`REPOLINK_DEMO=false\` and the default database pool (10). Rate limiting stays
  on, with a limit no run reaches, so each request still pays for its counter upsert.
- Data: one tenant (plan enterprise), one project and one API key with \`config:read\` and
  \`config:write\`; ${CONNECTIONS_SEEDED} repo connections, each with 3 repositories and 2 service mappings, created
  through \`connectRepos\` over HTTP before any run.
- Scenarios, in this order (the write runs last so that the reads see exactly ${CONNECTIONS_SEEDED} connections):

${scenarioList}

- The list query:

  \`\`\`graphql
  ${LIST_QUERY}
  \`\`\`

- Checks: before measuring, both page sizes are fetched and checked in full (total count, page
  length, \`hasNextPage\`, 3 repositories and 2 mappings on every connection). During the runs every
  body gets a cheap check: reads must start with the expected \`data\` and hold no \`errors\`;
  writes must return a new \`rc_…\` id and an empty \`userErrors\`. After the write run the
  database, read in one snapshot, must hold one new connection per write answered (give or take
  those still in flight when the clock stopped) and 3 repositories and 2 mappings per connection.

## Reproduce

\`\`\`sh
npm run bench
\`\`\`

It compiles \`src\`, \`migrations\` and \`bench\` (\`tsconfig.bench.json\`), starts MariaDB or MySQL
from the machine's binaries (as the tests do; \`apt-get install -y mariadb-server\`) in a temporary
folder, and removes that folder and stops every process it started when done, also on Ctrl-C.
It takes about a minute. Options: \`npm run bench -- --duration 10 --warmup 2 --connections 10
--out docs/benchmarks.md\`.
`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions();
  const started = Date.now();
  const loadBefore = os.loadavg();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'repolink-bench-'));
  let mysql: PrivateMysql | null = null;
  let dataSource: DataSource | null = null;
  let server: ServerProcess | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await server?.stop().catch(() => undefined);
      await dataSource?.destroy().catch(() => undefined);
      await mysql?.stop().catch(() => undefined);
      fs.rmSync(tmp, { recursive: true, force: true });
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the server and the database`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    mysql = await startPrivateMysql({ dataDir: path.join(tmp, 'mysql'), database: 'repolink_bench', log: say });
    await runMigrations(mysql.url);
    dataSource = createDataSource({ url: mysql.url, poolSize: 2 });
    await dataSource.initialize();
    const [{ version }] = (await dataSource.query('SELECT VERSION() AS version')) as { version: string }[];
    const tenancy = new TenancyService(dataSource);
    const tenant = await tenancy.createTenant({ name: 'Bench', plan: 'enterprise' });
    const project = await tenancy.createProject({ tenantId: tenant.id, name: 'Bench' });
    const { secret: apiKey } = await tenancy.createApiKey({ projectId: project.id, permissions: ['config:read', 'config:write'] });

    server = await startServer({
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: mysql.url,
      REPOLINK_DATA_DIR: path.join(tmp, 'data'),
      REPOLINK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      REPOLINK_DEMO: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      REPOLINK_RATE_LIMIT_PER_MINUTE: '1000000000',
    });
    say(`server: ${server.url}`);
    await seed(server.url, apiKey);
    await checkShapes(server.url, apiKey);
    say(`seeded ${CONNECTIONS_SEEDED} connections (${((Date.now() - started) / 1000).toFixed(1)} s since start)`);

    const outcomes: Outcome[] = [];
    for (const scenario of scenarios(apiKey, randomBytes(3).toString('hex'))) {
      const failures: Failures = { errors: 0, timeouts: 0, non2xx: 0, badBodies: 0, samples: [] };
      const warmup = options.warmupSeconds > 0 ? await measure(server.url, scenario, options.warmupSeconds, options.connections, failures) : null;
      const result = await measure(server.url, scenario, options.durationSeconds, options.connections, failures);
      outcomes.push({ scenario, result, warmup, failures });
      say(
        `${scenario.name}: ${perSecond(result).toFixed(0)} req/s, p50 ${ms(result.latency.p50)}, p99 ${ms(result.latency.p99)}, ` +
          `${failedCount(failures)} failed`,
      );
      if (server.exited()) throw new Error(`the server exited during "${scenario.name}":\n${server.logSinceStart()}`);
    }

    say('');
    say(resultsTable(outcomes));
    say('');
    const problems: string[] = [];
    for (const { scenario, failures } of outcomes) {
      const failed = failedCount(failures);
      if (failed > 0) problems.push(`${scenario.name}: ${failed} failed requests; the first:\n    ${failures.samples.join('\n    ')}`);
    }
    problems.push(...(await checkWrites(dataSource, project.id, outcomes, options.connections)));
    const serverLog = server.logSinceStart();
    if (/"level":(50|60)/.test(serverLog)) problems.push(`the server logged errors:\n${serverLog.slice(0, 4000)}`);

    const document = renderDocument(outcomes, describeMachine(version, loadBefore), options, new Date(), serverLog);
    if (problems.length > 0) {
      say(`FAILED; ${options.out} left unchanged:\n- ${problems.join('\n- ')}`);
      return 1;
    }
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, document);
    say(`wrote ${path.relative(process.cwd(), options.out) || options.out} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
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
