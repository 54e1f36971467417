/**
 * The bench's scenarios: for each, the request both servers get (the same bytes; the baseline,
 * bench/baseline-server.ts, recognises the document by its text), how a correct answer is
 * recognised, the statements both send (for the report), the comparisons drawn and their targets.
 * Small documents (issue 20) first, then the big answers and the writes of issue 9, then webhook
 * ingestion (issue 19).
 */
import type autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import {
  CONNECT_REPOS,
  CREATE_REPOSITORY,
  CREATE_REPOSITORY_ID,
  DASHBOARD_QUERY,
  LIST_QUERY,
  MAPPINGS_PER_CONNECT,
  NODE_QUERY,
  REPOSITORIES_PER_CONNECT,
  VIEWER_QUERY,
  connectReposInput,
  createRepositoryInput,
  graphqlBody,
} from './operations';
import { WEBHOOK_BENCH, ingestRequest, verifyIngestAnswer, type PushDelivery } from './webhook-ingest';

export type ServerName = 'repolink' | 'baseline' | 'shim';
export type ProjectName = 'fresh' | 'big';

export interface Arm {
  /** `repolink/fresh`: server and project. */
  id: string;
  server: ServerName;
  project: ProjectName;
  request(tag: () => string): autocannon.Request;
  verify(status: number, body: string): boolean;
  /** Answered writes, counted per project to check the rows after the runs. */
  writes?: 'connect' | 'create' | 'delivery';
  /** What the arm runs against, for the report (default: its project, `fresh project` or `200k project`). */
  label?: string;
}

export interface Comparison {
  label: string;
  numerator: string;
  denominator: string;
  kind: 'vs baseline' | 'shim ÷ GraphQL' | 'big ÷ fresh';
  /** Throughput target per concurrency (ratio at least this); undefined: reported only. */
  throughputTarget?: (concurrency: number) => number | undefined;
  /** Latency targets: p50 ratio at most (scale), p99 ratio at most (vs baseline). */
  p50Max?: number;
  p99Max?: number;
  /** The issue that set the targets. */
  issue?: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** One line for the report's list of scenarios. */
  what: string;
  /** What both servers send to the database, for the report (Markdown, one item). */
  statements: string;
  /** A small document of issue 20: the summary table lists it, with CPU per request beside the ratio. */
  small: boolean;
  /** Report repolink's CPU per request minus the baseline's (the fixed cost of a request), with this target in ms. */
  fixedCostTargetMs?: number;
  arms: Arm[];
  comparisons: Comparison[];
  /** A read: for each project of its arms, both servers must answer this request body with the same bytes before anything is measured. */
  sameBody?: string;
  /**
   * Measured in stages, in this order, each over every concurrency: the arms of the stage's project,
   * after its `prepare` (which changes the database, e.g. fills a table, and answers a line for the
   * log). Without stages, every arm runs in every round.
   */
  stages?: { project: ProjectName; prepare?: () => Promise<string> }[];
}

export interface ScenarioContext {
  /** A project-scoped API key (config:read, config:write) per project. */
  keys: Record<ProjectName, string>;
  /** A repository of the fresh project, for node(id:). */
  repositoryId: string;
  /** The signed push delivery of the webhook scenario, and how to fill the deliveries table before its "big" stage. */
  webhook: { delivery: PushDelivery; fillTable: () => Promise<string> };
}

/** Every scenario, in the order they run: reads first, so they see exactly the seeded rows. */
export function scenarios({ keys, repositoryId, webhook }: ScenarioContext): Scenario[] {
  const headers = (project: ProjectName) => ({ 'content-type': 'application/json', authorization: `Bearer ${keys[project]}` });
  const clean = (body: string) => !body.includes('"errors"');
  const read = (server: ServerName, project: ProjectName, body: string, starts: string): Arm => ({
    id: `${server}/${project}`,
    server,
    project,
    request: () => ({ method: 'POST', path: '/graphql', headers: headers(project), body }),
    verify: (_s, text) => text.startsWith(starts) && clean(text),
  });
  const create = (server: ServerName, project: ProjectName, document: string): Arm => ({
    id: `${server}/${project}`,
    server,
    project,
    writes: 'create',
    request: (tag) => ({
      method: 'POST',
      path: '/graphql',
      headers: headers(project),
      setupRequest: (request) => ({ ...request, body: graphqlBody(document, { input: createRepositoryInput(tag()) }) }),
    }),
    verify: (_s, body) => body.includes('"userErrors":[]') && body.includes('"repository":{"id":"') && clean(body),
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
        : body.includes('"userErrors":[]') && body.includes('"repoConnection":{"id":"rc_') && clean(body),
  });
  const vsBaseline = (label: string, project: ProjectName, target?: (c: number) => number | undefined, issue?: number): Comparison => ({
    label,
    numerator: `repolink/${project}`,
    denominator: `baseline/${project}`,
    kind: 'vs baseline',
    throughputTarget: target,
    p99Max: 2,
    issue,
  });
  const scale = (server: 'repolink' | 'baseline'): Comparison => ({
    label: `${server}: 200k project ÷ fresh project`,
    numerator: `${server}/big`,
    denominator: `${server}/fresh`,
    kind: 'big ÷ fresh',
    throughputTarget: server === 'repolink' ? () => 0.83 : undefined,
    p50Max: server === 'repolink' ? 1.2 : undefined,
    issue: 9,
  });
  /** A read of the fresh project, repolink against the baseline. */
  const smallRead = (id: string, title: string, what: string, statements: string, body: string, starts: string, target: (c: number) => number, extra: Partial<Scenario> = {}): Scenario => ({
    id,
    title,
    what,
    statements,
    small: true,
    arms: [read('repolink', 'fresh', body, starts), read('baseline', 'fresh', body, starts)],
    comparisons: [vsBaseline('repolink ÷ baseline', 'fresh', target, 20)],
    sameBody: body,
    ...extra,
  });
  const dashboard = (first: number) =>
    smallRead(
      `dashboard${first}`,
      `dashboard list of ${first}`,
      `a dashboard table's page of ${first} connections: \`id platform repositories { id path } serviceMappings { serviceName }\`, with \`pageInfo { hasNextPage endCursor }\` (${first * 3} repositories, ${first * 2} mappings)`,
      `the keyset page of connections (\`… FROM repo_connections WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ${first + 1}\`); ` +
        'their repositories (`… FROM repositories FORCE INDEX (ix_repositories_connection_list) WHERE project_id = ? AND repo_connection_id IN (<page>) AND deleted_at IS NULL`) and, ' +
        'at the same time, their connections\' mappings (`… FROM service_mappings FORCE INDEX (ix_service_mappings_connection_list) WHERE project_id = ? AND repo_connection_id IN (<page>) AND deleted_at IS NULL`), ' +
        'each group sorted by creation in the process. No count (`totalCount` is not asked). repolink selects every column of the connections (the page does not look at the fields asked) and, for the repositories and mappings, the columns the selection reads plus the parent key, `id` and `created_at` (its by-parent loaders do); the baseline only the ones the answer needs',
      graphqlBody(DASHBOARD_QUERY, { first }),
      '{"data":{"repoConnections":{"pageInfo":',
      (c) => (first === 100 && c >= 16 ? 0.6 : 0.7),
    );
  return [
    smallRead(
      'viewer',
      'viewer',
      '`viewer { kind permissions tenant { id name kind plan } project { id name repositoryCount repositoryQuota } }`: authentication only',
      'the authentication lookup alone',
      graphqlBody(VIEWER_QUERY, {}),
      '{"data":{"viewer":{"kind":"API_KEY"',
      () => 0.7,
      { fixedCostTargetMs: 0.5 },
    ),
    smallRead(
      'node',
      'node(id:)',
      '`node(id:)` of one repository with three fields (`id`, and `name path` on `Repository`)',
      '`SELECT … FROM repositories WHERE project_id = ? AND id IN (?)` (repolink: every column, as its by-id loader reads a row; the baseline: `id, name, path`)',
      graphqlBody(NODE_QUERY, { id: repositoryId }),
      '{"data":{"node":{"id":',
      () => 0.7,
    ),
    dashboard(10),
    dashboard(100),
    {
      id: 'list10',
      title: 'repoConnections(first: 10)',
      what: 'the list query with every nested field (below), a page of 10 connections of 3 repositories with 2 mappings each',
      statements:
        '`SELECT connection_count FROM projects WHERE id = ?` (the live-row counter that every write keeps exact, for `totalCount`); ' +
        '`SELECT <the connection columns the answer needs, not the ciphertext> FROM repo_connections WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT N+1` (keyset order); ' +
        '`SELECT <repository columns> FROM repositories WHERE project_id = ? AND repo_connection_id IN (<page>) AND deleted_at IS NULL ORDER BY created_at, id`; ' +
        '`SELECT <mapping columns> FROM service_mappings WHERE project_id = ? AND repository_id IN (<those repositories>) AND deleted_at IS NULL ORDER BY created_at, id`; ' +
        'nested JSON built by hand (the count runs beside the other three, as GraphQL resolves `totalCount` beside `edges`)',
      small: false,
      arms: [read('repolink', 'fresh', graphqlBody(LIST_QUERY, { first: 10 }), LIST_PREFIX), read('baseline', 'fresh', graphqlBody(LIST_QUERY, { first: 10 }), LIST_PREFIX), read('repolink', 'big', graphqlBody(LIST_QUERY, { first: 10 }), LIST_PREFIX), read('baseline', 'big', graphqlBody(LIST_QUERY, { first: 10 }), LIST_PREFIX)],
      comparisons: [vsBaseline('repolink ÷ baseline (fresh project)', 'fresh', () => 0.5, 9), vsBaseline('repolink ÷ baseline (200k project)', 'big'), scale('repolink'), scale('baseline')],
      sameBody: graphqlBody(LIST_QUERY, { first: 10 }),
    },
    {
      id: 'list100',
      title: 'repoConnections(first: 100)',
      what: 'the same query, a page of 100 connections (300 repositories, 200 mappings)',
      statements: 'as repoConnections(first: 10), with a page of 100',
      small: false,
      arms: [read('repolink', 'fresh', graphqlBody(LIST_QUERY, { first: 100 }), LIST_PREFIX), read('baseline', 'fresh', graphqlBody(LIST_QUERY, { first: 100 }), LIST_PREFIX)],
      comparisons: [vsBaseline('repolink ÷ baseline', 'fresh', (c) => (c >= 16 ? 0.4 : 0.5), 9)],
      sameBody: graphqlBody(LIST_QUERY, { first: 100 }),
    },
    {
      id: 'createRepositoryId',
      title: 'createRepository answering id',
      what: 'a git_url repository as Heimdall creates one (name, remoteUrl, defaultBranch), unique per request, answering `repository { id } userErrors { code field message }`',
      statements:
        '`START TRANSACTION`; `UPDATE projects SET repository_count = repository_count + 1 WHERE id = ? AND repository_count + ? <= ?` ' +
        '(the quota guard of `src/modules/tenancy/project-counters.store.ts`, which also keeps the live-row counters); `INSERT INTO repositories …`; `COMMIT`; the answer from memory (nothing read back)',
      small: true,
      arms: [create('repolink', 'fresh', CREATE_REPOSITORY_ID), create('baseline', 'fresh', CREATE_REPOSITORY_ID)],
      comparisons: [vsBaseline('repolink ÷ baseline', 'fresh', () => 0.7, 20)],
    },
    {
      id: 'createRepository',
      title: 'createRepository',
      what: 'the same, answering every scalar of the new repository',
      statements: 'as createRepository answering id',
      small: false,
      arms: [create('repolink', 'fresh', CREATE_REPOSITORY), create('baseline', 'fresh', CREATE_REPOSITORY), create('repolink', 'big', CREATE_REPOSITORY), create('baseline', 'big', CREATE_REPOSITORY)],
      comparisons: [vsBaseline('repolink ÷ baseline (fresh project)', 'fresh', () => 0.6, 9), vsBaseline('repolink ÷ baseline (200k project)', 'big'), scale('repolink'), scale('baseline')],
    },
    {
      id: 'connectRepos',
      title: `connectRepos (${REPOSITORIES_PER_CONNECT} repositories, ${MAPPINGS_PER_CONNECT} mappings)`,
      what: `connectRepos with ${REPOSITORIES_PER_CONNECT} GitHub repositories and ${MAPPINGS_PER_CONNECT} service mappings, paths and service names unique per request, answering \`repoConnection { id platform } userErrors { … }\` (what the shim's POST answers)`,
      statements:
        `\`START TRANSACTION\`; the quota UPDATE for ${REPOSITORIES_PER_CONNECT}, which also adds 1 to \`connection_count\` and ${MAPPINGS_PER_CONNECT} to \`mapping_count\`; ` +
        '`SELECT live_path FROM repositories WHERE project_id = ? AND source_type = ? AND live_path IN (…)` and `SELECT live_service_name FROM service_mappings WHERE project_id = ? AND live_service_name IN (…)` ' +
        '(the conflict checks, on the unique indexes of the generated `live_*` columns); `INSERT INTO repo_connections …` (credentials sealed with AES-256-GCM, `node:crypto`); ' +
        'one multi-row `INSERT INTO repositories`; one multi-row `INSERT INTO service_mappings`; `COMMIT`. The shim (repolink only): the same connectRepos through the REST compatibility layer',
      small: true,
      arms: [connect('repolink', 'fresh'), connect('baseline', 'fresh'), connect('shim', 'fresh'), connect('repolink', 'big'), connect('baseline', 'big')],
      comparisons: [
        vsBaseline('repolink ÷ baseline (fresh project)', 'fresh', () => 0.8, 20),
        vsBaseline('repolink ÷ baseline (200k project)', 'big'),
        { label: 'shim POST /v1/config/repos ÷ GraphQL connectRepos (both repolink)', numerator: 'shim/fresh', denominator: 'repolink/fresh', kind: 'shim ÷ GraphQL', throughputTarget: () => 0.95, issue: 9 },
        scale('repolink'),
        scale('baseline'),
      ],
    },
    webhookIngest(webhook),
  ];
}

/**
 * Issue 19: signed GitHub App push deliveries to `POST /webhooks/github`, first on an empty
 * deliveries table ("fresh"), then, after `fillTable` wrote a million processed deliveries
 * ("big"), the same again. Both servers record every delivery under the same app row.
 */
function webhookIngest(webhook: ScenarioContext['webhook']): Scenario {
  const million = WEBHOOK_BENCH.processedRows.toLocaleString('en');
  const arm = (server: 'repolink' | 'baseline', project: ProjectName): Arm => ({
    id: `${server}/${project}`,
    server,
    project,
    writes: 'delivery',
    label: project === 'fresh' ? 'empty deliveries table' : `${million} processed deliveries`,
    request: () => ({ ...ingestRequest(webhook.delivery), setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-github-delivery': randomUUID() } }) }),
    verify: verifyIngestAnswer,
  });
  const { throughputVsBaseline, p99VsBaseline, bigVsFresh } = WEBHOOK_BENCH.targets;
  const vs = (project: ProjectName, target: boolean): Comparison => ({
    label: `repolink ÷ baseline (${project === 'fresh' ? 'empty table' : `${million} deliveries`})`,
    numerator: `repolink/${project}`,
    denominator: `baseline/${project}`,
    kind: 'vs baseline',
    throughputTarget: target ? () => throughputVsBaseline : undefined,
    p99Max: target ? p99VsBaseline : undefined,
    issue: 19,
  });
  const flat = (server: 'repolink' | 'baseline'): Comparison => ({
    label: `${server}: ${million} deliveries ÷ empty table`,
    numerator: `${server}/big`,
    denominator: `${server}/fresh`,
    kind: 'big ÷ fresh',
    throughputTarget: server === 'repolink' ? () => bigVsFresh : undefined,
    issue: 19,
  });
  return {
    id: 'webhookIngest',
    title: 'webhook ingestion (GitHub push)',
    what:
      `signed GitHub App \`push\` deliveries (GitHub's documented example body, ${Buffer.byteLength(webhook.delivery.body)} bytes, \`X-Hub-Signature-256\`), each with a new \`X-GitHub-Delivery\`, ` +
      `POSTed to \`/webhooks/github\` and answered \`202 {"status":"queued"}\`: first on an empty deliveries table, then with ${million} processed deliveries of the last six days already in it ` +
      '(written between the two stages in multi-row INSERTs of 5,000, then `ANALYZE TABLE`; old deliveries are purged on a schedule, on `ix_webhook_deliveries_status`)',
    statements:
      'no API key (the signature is the authentication): no authentication lookup and no rate-limit count. ' +
      "repolink: the app's webhook secrets from memory (opened rows are kept 5 s: one read of `code_host_apps` per 5 s), the HMAC-SHA256 of the raw body compared in constant time, " +
      'the installation and repository read from the JSON, the body gzipped (level 1), then one autocommitted `INSERT INTO webhook_deliveries (source_id, installation_key, id, delivery_key, …) VALUES (…)` ' +
      '(primary key `(source_id, installation_key, id)`, a UUIDv7 id; `uq_webhook_deliveries_delivery (source_id, delivery_key)` makes a redelivery a duplicate, answered 200). ' +
      'The baseline (`bench/webhook-ingest.ts`, served by the baseline process on its pool): the same checks and the very same INSERT with the same row (`test/webhooks-bench.test.ts` compares them). ' +
      'repolink runs without its queue worker (`REPOLINK_SYNC_WORKER=false`), so deliveries stay queued and are not processed during the runs: processing is not part of what the baseline does',
    small: false,
    arms: [arm('repolink', 'fresh'), arm('baseline', 'fresh'), arm('repolink', 'big'), arm('baseline', 'big')],
    comparisons: [vs('fresh', true), vs('big', false), flat('repolink'), flat('baseline')],
    stages: [{ project: 'fresh' }, { project: 'big', prepare: webhook.fillTable }],
  };
}

const LIST_PREFIX = '{"data":{"repoConnections":{"totalCount":';
