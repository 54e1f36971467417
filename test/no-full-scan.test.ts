/**
 * Every statement the server sends for its main operations runs on an index. The test drives the
 * operations through the real HTTP server (GraphQL and both REST shims, by API key and by session,
 * with idempotency keys and the rate limit on), captures every distinct statement with its real
 * parameters, and asks the database to EXPLAIN each SELECT, UPDATE and DELETE over tables that hold
 * a few thousand rows in the caller's project and in another tenant's, after ANALYZE TABLE. A full
 * table scan (type ALL), a full index scan (type index) or a filesort over a table that grows with
 * use fails it, with the statement and its plan.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { onStatement } from '../src/db/data-source';
import { RECOUNT_PROJECT_SQL } from '../src/modules/tenancy/project-counters.store';
import { RateLimitService } from '../src/modules/rate-limit/rate-limit.service';
import { RepositoryStore } from '../src/modules/repositories/repository.store';
import { RepoConnectionStore } from '../src/modules/repo-connections/repo-connection.store';
import { TenancyService } from '../src/modules/tenancy/tenancy.service';
import { Secret } from '../src/modules/crypto';
import { SignInLinkService } from '../src/modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../src/modules/auth/sign-in-link.store';
import { ApiKeyStore } from '../src/modules/api-keys/api-key.store';
import { createAccount, createApiKey, createSessionFor, type TestAccount } from './support/factories';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { purgeOldDeliveries } from '../src/modules/webhooks/webhook-purge';
import { webhookHookAad } from '../src/modules/webhooks/webhook-secrets';
import { CodeHostAccountEntity, RepoConnectionEntity, RepositoryEntity } from '../src/db/entities';
import { platformHost } from '../src/modules/platforms/platform-facts';
import { githubDelivery, githubEvents, gitlabDelivery, gitlabEvents, redeliver, send } from './support/fake-hosts/webhooks';

/**
 * Every table grows with use except `typeorm_migrations` (one row per migration, read at start-up
 * and by /readyz). Tenants, projects, users, keys and sessions grow with sign-ups, the rest with
 * every request or write.
 */
const GROWING = new Set([
  'tenants',
  'projects',
  'users',
  'api_keys',
  'sessions',
  'sign_in_links',
  'repo_connections',
  'repositories',
  'service_mappings',
  'idempotency_records',
  'rate_limit_windows',
  'sync_jobs',
  'code_host_accounts',
  'code_host_oauth_states',
  'code_host_rate_budgets',
  'webhook_hooks',
  'webhook_deliveries',
]);
// (code_host_apps holds the operator's registered apps, a handful: it does not grow with use.)

let server: TestServer;
let account: TestAccount;
const captured = new Map<string, { query: string; parameters: readonly unknown[]; operation: string }>();
let operation = 'setup';
let stopCapture: () => void = () => undefined;

/** The same statement with another number of values in an IN list is the same statement. */
function shape(query: string): string {
  return query.replace(/\s+/g, ' ').replace(/\((\s*\?\s*,)+\s*\?\s*\)/g, '(?…)').trim();
}

let hostIds = 1_000_000;
const ts = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');

/** Rows like the server's own, written directly: `connections` with 10 repositories each, half of them mapped, plus loose repositories. */
async function fill(tenantId: string, projectId: string, connections: number, looseRepositories: number): Promise<void> {
  const ds = server.dataSource;
  const t0 = Date.now() - 86_400_000;
  const conns: unknown[][] = [];
  const repos: unknown[][] = [];
  const maps: unknown[][] = [];
  let n = 0;
  for (let c = 0; c < connections; c++) {
    const id = `rc_${randomBytes(16).toString('hex')}`;
    const at = ts(t0 + (n += 1) * 10);
    conns.push([id, tenantId, projectId, 'github', 'seed-key', Buffer.alloc(40), '…1234', 30, at, at, c % 10 === 9 ? at : null]);
    for (let r = 0; r < 10; r++) {
      const repoId = randomUUID();
      const rat = ts(t0 + (n += 1) * 10);
      const deleted = r === 9 ? rat : null;
      // As syncs leave them: each with the host's id, unique on its host.
      repos.push([repoId, tenantId, projectId, id, `repo${r}`, 'github', `org${c}-${randomBytes(3).toString('hex')}/repo${r}`, null, 'main', rat, rat, deleted, 'github.com', String(++hostIds), null]);
      if (r < 5) maps.push([`sm_${randomBytes(16).toString('hex')}`, tenantId, projectId, repoId, id, `svc-${c}-${r}-${randomBytes(3).toString('hex')}`, '', 'main', rat, rat, deleted]);
    }
  }
  for (let r = 0; r < looseRepositories; r++) {
    const at = ts(t0 + (n += 1) * 10);
    const path = `git.example.com/loose-${randomBytes(4).toString('hex')}/r${r}`;
    repos.push([randomUUID(), tenantId, projectId, null, `loose${r}`, 'git_url', path, `https://${path}.git`, 'main', at, at, r % 7 === 0 ? at : null, null, null, null]);
  }
  // Heimdall's GitHub and GitLab sources: most linked to an account, some waiting for one.
  for (let r = 0; r < looseRepositories / 5; r++) {
    const at = ts(t0 + (n += 1) * 10);
    const sourceType = r % 2 ? 'gitlab' : 'github';
    const path = `heim-${randomBytes(4).toString('hex')}/r${r}`;
    const linked = r % 4 !== 0 ? `cha_${randomBytes(16).toString('hex')}` : null;
    repos.push([randomUUID(), tenantId, projectId, null, `heim${r}`, sourceType, path, `https://${sourceType}.com/${path}.git`, 'main', at, at, r % 11 === 0 ? at : null, null, null, linked]);
  }
  const insert = async (sql: string, rows: unknown[][], width: number) => {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await ds.query(`${sql} VALUES ${chunk.map(() => `(${Array(width).fill('?').join(', ')})`).join(', ')}`, chunk.flat());
    }
  };
  await insert(
    'INSERT INTO repo_connections (id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, lookback_days, created_at, updated_at, deleted_at)',
    conns,
    11,
  );
  await insert(
    `INSERT INTO repositories (id, tenant_id, project_id, repo_connection_id, name, source_type, path, remote_url, default_branch,
       issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at, deleted_at, platform_host, host_repository_id, oauth_connection_id)`,
    repos.map((r) => [...r.slice(0, 9), false, 'high', ...r.slice(9)]),
    17,
  );
  await insert(
    'INSERT INTO service_mappings (id, tenant_id, project_id, repository_id, repo_connection_id, service_name, path_prefix, default_branch, created_at, updated_at, deleted_at)',
    maps,
    11,
  );
  // As the server would have left them: the project's live-row counters equal its rows.
  await ds.query(RECOUNT_PROJECT_SQL, [projectId]);
}

/** Code-host accounts of a tenant (pasted access tokens, some revoked or deleted) and old flow states, written directly. */
async function fillCodeHostAccounts(tenantId: string, count: number): Promise<void> {
  const rows: unknown[][] = [];
  const t0 = Date.now() - 86_400_000;
  for (let i = 0; i < count; i++) {
    const at = ts(t0 + i * 10);
    rows.push([`cha_${randomBytes(16).toString('hex')}`, tenantId, 'access_token', i % 2 ? 'gitlab' : 'bitbucket', 'https://gitlab.example.com', i % 9 === 0 ? 'revoked' : 'active', 'seed-key', randomBytes(40), at, at, i % 13 === 0 ? at : null]);
  }
  const states: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    // As the clean-up leaves them (every 10 minutes): flows of the last day, a few just past their day.
    const at = Date.now() - (i % 146) * 600_000 - 600_000;
    states.push([randomUUID(), randomBytes(32), tenantId, 'apikey:seed', 'oauth', 'gitlab', 'https://gitlab.example.com', scanAppId, 'seed-key', randomBytes(40), ts(at), ts(at + 600_000), i % 3 === 0 ? ts(at) : null]);
  }
  // Most accounts have a rate budget (what their hosts' headers said last).
  const budgets = rows.filter((_, i) => i % 4 !== 3).map((r, i) => [r[0], tenantId, 5000, 4000 - i, ts(Date.now() + 3_600_000), 'core', null, null, r[8]]);
  if (filledAccountIds.length === 0) filledAccountIds.push(...rows.filter((r) => r[5] === 'active' && r[10] === null).slice(0, 5).map((r) => r[0] as string));
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const budgetChunk = budgets.slice(i, i + 500);
    await server.dataSource.query(
      `INSERT INTO code_host_accounts (id, tenant_id, kind, host, base_url, status, access_token_key_id, access_token_ciphertext, created_at, updated_at, deleted_at) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flat(),
    );
    const stateChunk = states.slice(i, i + 500);
    await server.dataSource.query(
      `INSERT INTO code_host_oauth_states (id, state_hash, tenant_id, started_by, purpose, host, base_url, app_id, pkce_verifier_key_id, pkce_verifier_ciphertext, created_at, expires_at, consumed_at)
       VALUES ${stateChunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      stateChunk.flat(),
    );
    if (budgetChunk.length > 0) {
      await server.dataSource.query(
        `INSERT INTO code_host_rate_budgets (account_id, tenant_id, host_limit, remaining, resets_at, resource, near_limit, retry_at, observed_at)
         VALUES ${budgetChunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        budgetChunk.flat(),
      );
    }
  }
}

/** Live accounts of the caller's tenant written by fillCodeHostAccounts (the first call). */
const filledAccountIds: string[] = [];

let scanAppId = '';

/** Other tenants with their keys, users and sessions, and old idempotency and rate-limit rows. */
async function fillAccounts(count: number): Promise<void> {
  const tenancy = new TenancyService(server.dataSource);
  for (let i = 0; i < count; i++) {
    const tenant = await tenancy.createTenant({ name: `scan-other-${randomBytes(6).toString('hex')}`, plan: 'team' });
    const project = await tenancy.createProject({ tenantId: tenant.id, name: 'p' });
    await tenancy.createApiKey({ projectId: project.id, permissions: ['config:read'] });
    const user = await tenancy.createUser({ tenantId: tenant.id, email: `scan-${randomBytes(6).toString('hex')}@example.com`, projectId: project.id });
    await tenancy.createSession({ userId: user.id });
    await new SignInLinkService(new SignInLinkStore(server.dataSource)).issue({ userId: user.id });
  }
  const idem: unknown[][] = [];
  const windows: unknown[][] = [];
  // As the clean-ups leave them (they run every 10 minutes): records expiring over the next day,
  // a few just expired; rate-limit windows of the last hour and ten minutes.
  for (let i = 0; i < 2000; i++) {
    const expires = Date.now() + 86_400_000 - (i % 145) * 600_000;
    idem.push([randomUUID(), `apikey:${randomUUID()}`, `k${i}`, randomBytes(32), 200, '{}', ts(expires - 86_400_000), ts(expires)]);
    windows.push([`apikey:${randomUUID()}`, ts(Math.floor((Date.now() - (i % 70) * 60_000) / 60_000) * 60_000), 1 + (i % 30)]);
  }
  await server.dataSource.query(
    `INSERT INTO idempotency_records (id, scope, idempotency_key, request_hash, response_status, response_body, created_at, expires_at) VALUES ${idem.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    idem.flat(),
  );
  await server.dataSource.query(
    `INSERT IGNORE INTO rate_limit_windows (principal, window_start, request_count) VALUES ${windows.map(() => '(?, ?, ?)').join(', ')}`,
    windows.flat(),
  );
}

/**
 * Hooks of both tenants and many of other tenants, and deliveries as ingestion leaves them: most of
 * the table other endpoints' (processed, some past the retention), a few thousand of the caller's
 * hooks, some of them older than the day a person sees.
 */
let busyHookId = '';
async function fillWebhooks(tenantId: string, otherTenantId: string): Promise<void> {
  const ds = server.dataSource;
  const hooks: unknown[][] = [];
  const sources: string[] = [];
  for (let i = 0; i < 400; i++) {
    const id = `wh_${randomBytes(16).toString('hex')}`;
    const at = ts(Date.now() - 86_400_000 + i * 1000);
    const owner = i < 20 ? tenantId : otherTenantId;
    const sealed = server.cipher.seal(randomBytes(20).toString('hex'), webhookHookAad({ tenantId: owner, id }));
    hooks.push([id, owner, 'gitlab', 'https://gitlab.com', sealed.keyId, sealed.blob, at, at, at, i % 9 === 5 ? at : null]);
    sources.push(id);
  }
  await ds.query(
    `INSERT INTO webhook_hooks (id, tenant_id, host, base_url, secret_key_id, secret_ciphertext, secret_rotated_at, created_at, updated_at, deleted_at) VALUES ${hooks.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    hooks.flat(),
  );
  // The caller's busiest hook: a tenth of the deliveries.
  busyHookId = sources[0];
  const statuses = ['processed', 'processed', 'processed', 'ignored', 'failed', 'queued'];
  for (let batch = 0; batch < 12; batch++) {
    const rows: unknown[][] = [];
    for (let i = 0; i < 500; i++) {
      const ageMs = randomInt(0, 10 * 86_400_000);
      const ms = Date.now() - ageMs;
      const hex = `${ms.toString(16).padStart(12, '0')}7${randomBytes(10).toString('hex').slice(0, 19)}`;
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
      rows.push([i % 10 === 0 ? busyHookId : sources[randomInt(0, sources.length)], '', id, randomUUID(), 'gitlab', 'Push Hook', 'push', '42', 'acme/seed', ts(ms), statuses[i % statuses.length], 120]);
    }
    await ds.query(
      `INSERT INTO webhook_deliveries (source_id, installation_key, id, delivery_key, host, event, action, repository_host_id, repository_full_name, received_at, status, body_bytes)
       VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flat(),
    );
  }
}

beforeAll(async () => {
  server = await startTestServer({ env: { REPOLINK_RATE_LIMIT_PER_MINUTE: '100000', REPOLINK_QUOTA_TEAM: 'unlimited' } });
  account = await createAccount(server.dataSource, { plan: 'team' });
  const other = await createAccount(server.dataSource, { plan: 'team' });
  await fill(account.tenant.id, account.project.id, 300, 1500);
  // Another tenant holds most of the table, as in any shared database: a page is a small part of it.
  await fill(other.tenant.id, other.project.id, 1200, 3000);
  await fillAccounts(150);
  // An operator's GitLab application (registered as the admin command does: no host is called).
  const codeHosts = server.server.services.codeHosts;
  const scanApp = await codeHosts.apps.register({ kind: 'oauth_app', host: 'gitlab', baseUrl: 'https://gitlab.scan.example.com', githubAppId: null, slug: null, clientId: 'scan-client', clientSecret: new Secret('scan-client-secret-0000'), privateKey: null, webhookSecret: null, source: 'admin' });
  scanAppId = scanApp.id;
  await fillCodeHostAccounts(account.tenant.id, 300);
  await fillCodeHostAccounts(other.tenant.id, 1500);
  await fillWebhooks(account.tenant.id, other.tenant.id);
  await server.dataSource.query(`ANALYZE TABLE ${[...GROWING].join(', ')}`);
  stopCapture = onStatement((query, parameters) => {
    const key = shape(query);
    if (!captured.has(key)) captured.set(key, { query, parameters: [...parameters], operation });
  });
}, 180_000);

afterAll(async () => {
  stopCapture();
  await server?.close();
});

async function gql(what: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  operation = what;
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${account.apiKey}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as any;
  if (body.errors) throw new Error(`${what}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function shim(what: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  operation = what;
  const res = await rest(server.url, method, path, { body, headers: { authorization: `Bearer ${account.apiKey}`, ...headers } });
  if (res.status >= 400) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const CONNECT = `mutation($input: ConnectReposInput!) { connectRepos(input: $input) {
  repoConnection { id repositories { id path serviceMappings { id } } serviceMappings { id repository { id } } } userErrors { code field message } } }`;
const PAGE = `pageInfo { hasNextPage endCursor } totalCount`;

async function driveEverything(): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const repos = [0, 1, 2].map((i) => `scan-${tag}/r${i}`);
  const connected = await gql('connectRepos', CONNECT, {
    input: {
      platform: 'GITHUB',
      credentials: { token: 'ghp_scanscanscanscan' },
      repositories: repos,
      serviceMappings: [{ serviceName: `scan-${tag}-a`, repo: repos[0], pathPrefix: '', defaultBranch: 'main' }],
      lookbackDays: 30,
    },
  });
  const connection = connected.connectRepos.repoConnection;
  expect(connected.connectRepos.userErrors).toEqual([]);
  const conflict = await gql('connectRepos (conflict)', CONNECT, {
    input: { platform: 'GITHUB', credentials: { token: 'ghp_scanscanscanscan' }, repositories: [repos[0]], serviceMappings: [{ serviceName: `scan-${tag}-a`, repo: repos[0], pathPrefix: '', defaultBranch: 'main' }] },
  });
  expect(conflict.connectRepos.userErrors.map((e: any) => e.code)).toEqual(['CONFLICT', 'CONFLICT']);

  const created = await gql(
    'createRepository',
    'mutation($input: CreateRepositoryInput!) { createRepository(input: $input) { repository { id } userErrors { code } } }',
    { input: { name: 'scan', remoteUrl: `https://example.com/scan-${tag}.git`, defaultBranch: 'main' } },
  );
  const repositoryId = created.createRepository.repository.id;
  await gql('updateRepository', 'mutation($input: UpdateRepositoryInput!) { updateRepository(input: $input) { repository { id } userErrors { code } } }', {
    input: { id: repositoryId, name: 'scan2', defaultBranch: 'dev' },
  });
  const mapping = await gql(
    'createServiceMapping',
    'mutation($input: CreateServiceMappingInput!) { createServiceMapping(input: $input) { serviceMapping { id } userErrors { code } } }',
    { input: { serviceName: `scan-${tag}-b`, repositoryId, pathPrefix: 'src', defaultBranch: 'main' } },
  );
  const mappingId = mapping.createServiceMapping.serviceMapping.id;
  await gql('updateServiceMapping', 'mutation($input: UpdateServiceMappingInput!) { updateServiceMapping(input: $input) { serviceMapping { id } userErrors { code } } }', {
    input: { id: mappingId, serviceName: `scan-${tag}-c`, pathPrefix: 'lib' },
  });
  await gql('deleteServiceMapping', 'mutation($input: ServiceMappingIdInput!) { deleteServiceMapping(input: $input) { serviceMapping { id } userErrors { code } } }', { input: { id: mappingId } });
  const lifecycle = 'repository { id deletedAt } userErrors { code }';
  await gql('deleteRepository', `mutation($input: RepositoryIdInput!) { deleteRepository(input: $input) { ${lifecycle} } }`, { input: { id: repositoryId } });
  await gql('restoreRepository', `mutation($input: RepositoryIdInput!) { restoreRepository(input: $input) { ${lifecycle} } }`, { input: { id: repositoryId } });
  const connectionRepoId = connection.repositories[1].id;
  await gql('deleteRepository (of a connection)', `mutation($input: RepositoryIdInput!) { deleteRepository(input: $input) { ${lifecycle} } }`, { input: { id: connectionRepoId } });
  await gql('restoreRepository (of a connection)', `mutation($input: RepositoryIdInput!) { restoreRepository(input: $input) { ${lifecycle} } }`, { input: { id: connectionRepoId } });

  const update = 'repoConnection { id repositories { id } serviceMappings { id } } userErrors { code field message }';
  await gql('updateRepoConnection', `mutation($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) { ${update} } }`, {
    input: { id: connection.id, lookbackDays: 60, credentials: { token: 'ghp_scanscanscan2222' }, repositories: [...repos.slice(0, 2), `scan-${tag}/r9`] },
  });
  await gql('replaceRepoConnection', `mutation($input: ReplaceRepoConnectionInput!) { replaceRepoConnection(input: $input) { ${update} } }`, {
    input: {
      id: connection.id,
      platform: 'GITHUB',
      credentials: { token: 'ghp_scanscanscan3333' },
      repositories: [repos[0], `scan-${tag}/r8`],
      serviceMappings: [{ serviceName: `scan-${tag}-d`, repo: `scan-${tag}/r8`, pathPrefix: '', defaultBranch: 'main' }],
    },
  });
  const cl = 'repoConnection { id cacheInvalidatedAt deletedAt } userErrors { code }';
  await gql('invalidateRepoConnectionCache', `mutation($input: RepoConnectionIdInput!) { invalidateRepoConnectionCache(input: $input) { ${cl} } }`, { input: { id: connection.id } });

  // Lists, each filter, and a second page.
  const connectionNode = 'id platform repositories { id path repoConnection { id } serviceMappings { id repository { id } } } serviceMappings { id repository { id path } repoConnection { id } }';
  const lists: [string, string][] = [
    ['repoConnections', `{ repoConnections(first: 100) { edges { node { ${connectionNode} } } ${PAGE} } }`],
    ['repoConnections (platform)', `{ repoConnections(first: 10, filter: { platform: GITHUB }) { edges { node { id } } ${PAGE} } }`],
    ['repoConnections (includeDeleted)', `{ repoConnections(first: 10, filter: { includeDeleted: true }) { edges { node { id } } ${PAGE} } }`],
    ['repositories', `{ repositories(first: 100) { edges { node { id name repoConnection { id } serviceMappings { id } } } ${PAGE} } }`],
    ['repositories (sourceType)', `{ repositories(first: 20, filter: { sourceType: GIT_URL }) { edges { node { id } } ${PAGE} } }`],
    ['repositories (platform)', `{ repositories(first: 20, filter: { platform: GITHUB }) { edges { node { id } } ${PAGE} } }`],
    ['repositories (repoConnectionId)', `{ repositories(first: 20, filter: { repoConnectionId: "${connection.id}" }) { edges { node { id } } ${PAGE} } }`],
    ['repositories (nameContains)', `{ repositories(first: 20, filter: { nameContains: "loose1" }) { edges { node { id } } ${PAGE} } }`],
    ['repositories (includeDeleted)', `{ repositories(first: 20, filter: { includeDeleted: true }) { edges { node { id } } ${PAGE} } }`],
    ['serviceMappings', `{ serviceMappings(first: 100) { edges { node { id repository { id } repoConnection { id } } } ${PAGE} } }`],
    ['serviceMappings (serviceName)', `{ serviceMappings(first: 20, filter: { serviceName: "scan-${tag}-d" }) { edges { node { id } } ${PAGE} } }`],
    ['serviceMappings (repositoryId)', `{ serviceMappings(first: 20, filter: { repositoryId: "${connection.repositories[0].id}" }) { edges { node { id } } ${PAGE} } }`],
    ['serviceMappings (repoConnectionId)', `{ serviceMappings(first: 20, filter: { repoConnectionId: "${connection.id}" }) { edges { node { id } } ${PAGE} } }`],
    ['serviceMappings (includeDeleted)', `{ serviceMappings(first: 20, filter: { includeDeleted: true }) { edges { node { id } } ${PAGE} } }`],
  ];
  for (const [what, query] of lists) {
    const data = await gql(what, query);
    const page = Object.values(data)[0] as any;
    if (page.edges.length === 0 && !what.includes("(")) throw new Error(`${what} answered an empty page`);
    if (page.pageInfo.hasNextPage) {
      const field = what.split(' ')[0];
      await gql(`${what} (next page)`, query.replace(`${field}(first: `, `${field}(after: "${page.pageInfo.endCursor}", first: `));
    }
  }
  await gql('node, nodes and by-id queries', `query($c: ID!, $r: ID!, $m: ID!) {
    a: node(id: $c) { id } b: node(id: $r) { id } c: node(id: $m) { id } nodes(ids: [$c, $r, $m]) { id }
    repoConnection(id: $c) { id } repository(id: $r) { id } serviceMapping(id: $m) { id } }`, {
    c: connection.id,
    r: repositoryId,
    m: connection.serviceMappings[0].id,
  });
  await gql('viewer', '{ viewer { kind tenant { id } project { id repositoryCount repositoryQuota } permissions } }');
  await gql('resolveCodeLocation', `{ resolveCodeLocation(serviceName: "scan-${tag}-d", path: "src/main.go", line: 3) { matched reason repository { id } path } }`);
  await gql('resolveCodeLocation (commit)', `{ resolveCodeLocation(serviceName: "scan-${tag}-d", path: "src/main.go", line: 3, commit: "v1.2.3") { matched webUrl commit } }`);

  // Idempotency: a first run, a replay, and the same key with another body.
  const idem = { 'idempotency-key': `scan-${tag}` };
  const createQuery = 'mutation($input: CreateRepositoryInput!) { createRepository(input: $input) { repository { id } userErrors { code } } }';
  await gql('idempotent createRepository', createQuery, { input: { name: 'i', remoteUrl: `https://example.com/idem-${tag}.git` } }, idem);
  await gql('idempotent replay', createQuery, { input: { name: 'i', remoteUrl: `https://example.com/idem-${tag}.git` } }, idem);
  await gql('idempotency key reused', createQuery, { input: { name: 'j', remoteUrl: `https://example.com/idem2-${tag}.git` } }, idem);

  // Authentication: a session (cookie), a tenant-scoped key naming its project, a wrong key.
  const session = await createSessionFor(server.dataSource, account);
  await gql('auth by session', '{ viewer { kind } }', {}, { authorization: '', cookie: `session=${session.token}` });
  const tenantKey = await createApiKey(server.dataSource, { tenantId: account.tenant.id }, ['config:read']);
  await gql('auth by tenant key', '{ viewer { kind } }', {}, { authorization: `Bearer ${tenantKey}`, 'x-project-id': account.project.id });
  operation = 'auth refused';
  await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer rl_live_nosuchkeynosuchkeynosuchkey00' }, body: '{"query":"{ viewer { kind } }"}' });

  // The shims' reads and writes.
  const body = { platform: 'github', credentials: { token: 'ghp_scanscanscanscan' }, repositories: [`shim-${tag}/a`], serviceMappings: [], lookbackDays: 7 };
  const posted = await shim('POST /v1/config/repos', 'POST', '/v1/config/repos', body, { 'idempotency-key': `shim-${tag}` });
  const shimId = posted.data?.id ?? posted.id;
  await shim('GET /v1/config/repos', 'GET', '/v1/config/repos?limit=50&platform=github');
  await shim('GET /v1/config/repos/:id', 'GET', `/v1/config/repos/${shimId}`);
  await shim('PUT /v1/config/repos/:id', 'PUT', `/v1/config/repos/${shimId}`, { ...body, repositories: [`shim-${tag}/b`] });
  await shim('POST /v1/config/repos/:id/invalidate-cache', 'POST', `/v1/config/repos/${shimId}/invalidate-cache`);
  await shim('DELETE /v1/config/repos/:id', 'DELETE', `/v1/config/repos/${shimId}`);
  const heimdall = await shim('POST /api/repos', 'POST', '/api/repos', { name: 'h', source_type: 'git_url', remote_url: `https://example.com/h-${tag}.git` });
  const heimdallId = heimdall.data.id;
  const listed = await shim('GET /api/repos', 'GET', '/api/repos?limit=20&source_type=git_url&include_deleted=true');
  if (listed.data?.next_cursor ?? listed.next_cursor) await shim('GET /api/repos (next page)', 'GET', `/api/repos?limit=20&cursor=${encodeURIComponent(listed.data?.next_cursor ?? listed.next_cursor)}`);
  await shim('GET /api/repos/:id', 'GET', `/api/repos/${heimdallId}`);
  await shim('DELETE /api/repos/:id', 'DELETE', `/api/repos/${heimdallId}`);

  // A sync's write of what the host said (worker code, no request drives it here), and the lookup of
  // a host's repository by its id that webhooks and reconciliation use (issue 19).
  operation = 'sync writes and the host-id lookup';
  const repositoriesStore = new RepositoryStore();
  const facts = { defaultBranch: 'main', headCommit: 'a'.repeat(40), archived: true, platformHost: 'github.com', hostRepositoryId: '999999999' };
  await repositoriesStore.recordSyncFound(server.dataSource.manager, connection.repositories[0].id, facts, null);
  expect(await repositoriesStore.liveByHostRepositoryId(server.dataSource.manager, 'github.com', '999999999')).toEqual([expect.objectContaining({ id: connection.repositories[0].id })]);

  await gql('deleteRepoConnection', `mutation($input: RepoConnectionIdInput!) { deleteRepoConnection(input: $input) { ${cl} } }`, { input: { id: connection.id } });

  // Code-host accounts: lists, reads, a flow started and ended at the callbacks, revoke and delete.
  const codeHosts = server.server.services.codeHosts;
  const accountFields = 'id host status identity installation { installationId } credentialExpiresAt rateBudget { remaining floor backgroundPaused backgroundResumesAt }';
  const accounts = await gql('codeHostAccounts', `{ codeHostAccounts(first: 50) { edges { node { ${accountFields} } } ${PAGE} } }`);
  const accountId = accounts.codeHostAccounts.edges[0].node.id as string;
  await gql('codeHostAccounts (next page)', `{ codeHostAccounts(first: 50, after: "${accounts.codeHostAccounts.pageInfo.endCursor}") { edges { node { id } } ${PAGE} } }`);
  await gql('codeHostAccounts (host, status)', `{ codeHostAccounts(first: 10, filter: { host: GITLAB, status: ACTIVE }) { edges { node { id } } ${PAGE} } }`);
  await gql('codeHostAccount and node', `query($id: ID!) { codeHostAccount(id: $id) { id } node(id: $id) { id } }`, { id: accountId });

  // Connections and repositories through an account (no verify: no host is called here): connect,
  // read the account of the connection and of its repositories (the per-request loader), switch to
  // credentials and back; a Heimdall GitHub source (the tenant's accounts on the host are read, none
  // is on the remote's server); the link job's reads and writes, and its enqueueing.
  const through = accounts.codeHostAccounts.edges.find((e: any) => e.node.id !== accountId && e.node.host === 'GITLAB' && e.node.status === 'ACTIVE').node.id as string;
  const viaAccount = await gql('connectRepos (codeHostAccountId)', CONNECT, { input: { platform: 'GITLAB', codeHostAccountId: through, repositories: [`scan-${tag}/acct/r0`] } });
  expect(viaAccount.connectRepos.userErrors).toEqual([]);
  const viaId = viaAccount.connectRepos.repoConnection.id as string;
  await gql('codeHostAccount of connections and repositories', `query($id: ID!) { repoConnection(id: $id) { codeHostAccount { id status } repositories { codeHostAccount { id } } }
    repositories(first: 100) { edges { node { id oauthConnectionId codeHostAccount { id } } } } repoConnections(first: 20) { edges { node { codeHostAccount { id } } } } }`, { id: viaId });
  const switchTo = 'repoConnection { id credentialsHint codeHostAccount { id } } userErrors { code field message }';
  const toCredentials = await gql('updateRepoConnection (to credentials)', `mutation($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) { ${switchTo} } }`, { input: { id: viaId, credentials: { token: 'glpat-scanscanscan0000' } } });
  expect(toCredentials.updateRepoConnection.userErrors).toEqual([]);
  const toAccount = await gql('updateRepoConnection (codeHostAccountId)', `mutation($input: UpdateRepoConnectionInput!) { updateRepoConnection(input: $input) { ${switchTo} } }`, { input: { id: viaId, codeHostAccountId: through } });
  expect(toAccount.updateRepoConnection.userErrors).toEqual([]);
  const heimdallSource = await shim('POST /api/repos (github source)', 'POST', '/api/repos', { name: 'gh', source_type: 'github', remote_url: `https://github.com/scan-${tag}/gh.git` });
  expect(heimdallSource.data.oauth_connection_id).toBeNull();
  operation = 'link job';
  const linkStore = new RepositoryStore();
  const waiting = await linkStore.waitingForAccount(server.dataSource.manager, account.tenant.id, 'github', '', 100);
  expect(waiting.length).toBeGreaterThan(10);
  await linkStore.waitingForAccount(server.dataSource.manager, account.tenant.id, 'gitlab', waiting[5].id, 100);
  await server.dataSource.transaction((em) => linkStore.linkToAccount(em, waiting.slice(0, 3).map((r) => r.id), through, new Date()));
  await server.dataSource.transaction((em) => server.server.services.sync.enqueueLink(em, { id: through, tenantId: account.tenant.id, host: 'gitlab', status: 'active' }));
  // Reconciliation (issue 19 §3; worker code, no request drives it): the worker's claim of any due
  // account and a claim among given accounts, the lease's renewal, what is stored through an
  // account, the fenced write of a run's results, and `reconcile:run`'s "due now".
  operation = 'reconciliation';
  const accountsStore = codeHosts.store;
  const reconciledRepositories = new RepositoryStore();
  const claimed = await accountsStore.claimReconcile('scan-owner', 60_000, [through]);
  expect(claimed?.id).toBe(through);
  await accountsStore.claimReconcile('scan-worker', 60_000, null);
  expect(await accountsStore.renewReconcile(through, 'scan-owner', 60_000)).toBe(true);
  const throughConnections = await new RepoConnectionStore().liveIdsThroughAccount(server.dataSource.manager, account.tenant.id, through, 100);
  expect(throughConnections).toContain(viaId);
  const storedThrough = await reconciledRepositories.liveOfConnectionsForReconcile(server.dataSource.manager, throughConnections);
  expect(storedThrough.length).toBeGreaterThan(0);
  await reconciledRepositories.liveLinkedToAccountForReconcile(server.dataSource.manager, account.tenant.id, 'gitlab', through, 1000);
  await server.dataSource.transaction(async (em) => {
    expect(await accountsStore.lockReconcileLease(em, through, 'scan-owner')).toBe(true);
    const locked = await reconciledRepositories.lockLiveForReconcile(em, storedThrough.map((r) => r.id));
    await reconciledRepositories.applyReconciledChange(em, locked[0].id, { archived: locked[0].archived, hostUnavailable: false });
    expect(await accountsStore.finishReconcile(em, through, 'scan-owner', { outcome: 'complete', message: 'scan', intervalSeconds: 1800, next: { inSeconds: 1800 } })).toBe(true);
  });
  expect(await accountsStore.makeReconcileDue(through)).toBe(true);
  const started = await gql('startCodeHostAuthorization', 'mutation($input: StartCodeHostAuthorizationInput!) { startCodeHostAuthorization(input: $input) { authorizationUrl userErrors { code } } }', {
    input: { host: 'GITLAB', baseUrl: 'https://gitlab.scan.example.com' },
  });
  const state = new URL(started.startCodeHostAuthorization.authorizationUrl).searchParams.get('state')!;
  operation = 'GitHub App setup (state noted)';
  const ghApp = await codeHosts.apps.register({ kind: 'github_app', host: 'github', baseUrl: 'https://ghe.scan.example.com', githubAppId: '1', slug: 'scan', clientId: 'scan-gh', clientSecret: new Secret('scan-gh-secret-000000'), privateKey: new Secret((await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), webhookSecret: new Secret('scan-webhook-secret'), source: 'admin' });
  const install = await gql('startCodeHostAuthorization (app)', 'mutation($input: StartCodeHostAuthorizationInput!) { startCodeHostAuthorization(input: $input) { authorizationUrl userErrors { code } } }', {
    input: { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', baseUrl: 'https://ghe.scan.example.com' },
  });
  const installState = new URL(install.startCodeHostAuthorization.authorizationUrl).searchParams.get('state')!;
  expect((await fetch(`${server.url}/github-app/setup?installation_id=42&setup_action=install&state=${encodeURIComponent(installState)}`, { redirect: 'manual' })).status).toBe(303);
  operation = 'OAuth callback (consent denied)';
  expect((await fetch(`${server.url}/oauth/callback/gitlab?error=access_denied&state=${encodeURIComponent(state)}`, { redirect: 'manual' })).status).toBe(400);
  await gql('revokeCodeHostAccount', 'mutation($id: ID!) { revokeCodeHostAccount(input: { id: $id }) { codeHostAccount { id status } userErrors { code } } }', { id: accountId });
  await gql('deleteCodeHostAccount', 'mutation($id: ID!) { deleteCodeHostAccount(input: { id: $id }) { codeHostAccount { id } userErrors { code } } }', { id: accountId });
  // The token broker's statements on a live account, with real parameters (the hosts are not called here).
  operation = 'code-host token leases';
  const live = accounts.codeHostAccounts.edges.find((e: any) => e.node.id !== accountId && e.node.status === 'ACTIVE').node.id as string;
  const store = codeHosts.store;
  await store.readSecrets(live);
  await store.takeLease(live, 'scan-owner', 30_000, 300_000, null);
  await store.takeLease(live, 'scan-owner-2', 30_000, 300_000, Buffer.alloc(40));
  const sealed = server.cipher.seal('scan-token', 'scan');
  await store.storeTokens(live, 'scan-owner', { access: sealed, accessExpires: { inSeconds: 3600 }, refresh: sealed, refreshExpiresInSeconds: 86_400, scopes: ['read_api'], installation: null }, Buffer.alloc(40));
  await store.releaseLease(live, 'scan-owner');
  await store.markUnavailable(live, 'scan-owner', 'needs_reauthorization', 'scan', Buffer.alloc(40));
  await codeHosts.apps.find('github_app', 'github', ghApp.baseUrl);
  await server.dataSource.transaction((em) => store.lockLinkedAccount(em, account.tenant.id, `${scanAppId}:scan-user`));
  await store.purgeStates();
  // The rate budget: an observation written (the upsert), read back by background work, and a job
  // deferred for it (the job row written as a worker holds it: a link job of a filled account).
  operation = 'rate budget';
  const rateBudget = codeHosts.rateBudget;
  rateBudget.record(account.tenant.id, live, { status: 200, limit: 5000, remaining: 42, resetsAt: new Date(Date.now() + 3_600_000), resource: 'core', nearLimit: null, retryAt: null });
  await rateBudget.settled();
  expect(await rateBudget.backgroundAllowed(live)).toEqual({ allowed: false, resumeAt: expect.any(Date) });
  const deferredJob = randomUUID();
  await server.dataSource.query(
    `INSERT INTO sync_jobs (id, kind, tenant_id, project_id, repo_connection_id, code_host_account_id, status, attempts, max_attempts, run_after, rerun, lease_owner, lease_expires_at, created_at, updated_at)
     VALUES (?, 'link_account', ?, NULL, NULL, ?, 'running', 1, 5, UTC_TIMESTAMP(3), FALSE, 'scan-defer', DATE_ADD(UTC_TIMESTAMP(3), INTERVAL 1 HOUR), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    [deferredJob, account.tenant.id, filledAccountIds[0]],
  );
  expect(await server.dataSource.transaction((em) => server.server.services.sync.store.finish(em, deferredJob, 'scan-defer', { kind: 'defer', runAt: new Date(Date.now() + 86_400_000), error: 'scan' }))).toBe('requeued');
  operation = 'credentials:rotate-key (code hosts)';
  // The rotation's statements (the run itself needs every row's key: other test files share this database).
  await server.dataSource.transaction(async (em) => {
    const sealedColumn = { code_host_apps: 'client_secret_key_id', code_host_accounts: 'access_token_key_id', code_host_oauth_states: 'pkce_verifier_key_id' } as const;
    for (const [table, column] of Object.entries(sealedColumn) as [keyof typeof sealedColumn, string][]) {
      const [first] = await store.lockBatch(em, table, [column], '', 200);
      if (first) await store.updateSealed(em, table, first.id as string, { [column]: first[column] });
    }
  });
  // The dashboard: a sign-in link made, consumed (and refused when reused), API keys listed, made,
  // used and revoked by the session it opened, and sign-out.
  operation = 'sign-in link';
  const links = new SignInLinkService(new SignInLinkStore(server.dataSource));
  const link = await links.issue({ userId: session.userId });
  const signedIn = await fetch(`${server.url}/dashboard/sign-in?token=${link.token}`, { redirect: 'manual' });
  const dashboardSession = /^session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1];
  operation = 'sign-in link reused';
  await fetch(`${server.url}/dashboard/sign-in?token=${link.token}`, { redirect: 'manual' });
  const asPerson = { authorization: '', cookie: `session=${dashboardSession}` };
  await gql('apiKeys', '{ apiKeys(first: 10) { edges { node { id lastUsedAt } } pageInfo { hasNextPage } totalCount } }', {}, asPerson);
  const madeKey = await gql('createApiKey', 'mutation { createApiKey(input: { name: "scan", permissions: [CONFIG_READ] }) { apiKey { id } userErrors { code } } }', {}, asPerson);
  const madeKeyId = madeKey.createApiKey.apiKey.id;
  operation = 'API key last use';
  await new ApiKeyStore(server.dataSource).touch([madeKeyId]);
  await gql('revokeApiKey', `mutation { revokeApiKey(input: { id: "${madeKeyId}" }) { apiKey { revokedAt } userErrors { code } } }`, {}, asPerson);
  operation = 'sign-out';
  await fetch(`${server.url}/dashboard/sign-out`, { method: 'POST', headers: { cookie: `session=${dashboardSession}`, 'content-type': 'application/json' }, body: '{}' });

  await driveWebhooks(tag);

  // The periodic clean-ups, and the rate limit's writes (a batch of 1: every hit writes).
  operation = 'purges';
  await server.server.idempotency.purgeExpired();
  const limiter = new RateLimitService(server.dataSource, 1000, { batch: 1 });
  await limiter.hit(`scan:${tag}`);
  await limiter.hit(`scan:${tag}`);
  await limiter.purgeOld();
  await limiter.close();
  await links.purgeExpired();
}

/** Deliveries to each kind of endpoint, a redelivery, the GraphQL views, the operator's commands and the purge. */
async function driveWebhooks(tag: string): Promise<void> {
  const services = server.server.services;
  operation = 'webhook:create';
  const { hook, generatedSecret } = await services.webhooks.hooks.create({ tenantId: account.tenant.id, host: 'gitlab', baseUrl: null, description: `scan ${tag}`, secret: null });
  const url = `${server.url}/webhooks/gitlab/${hook.id}`;
  operation = 'webhook delivery (GitLab hook)';
  const delivery = gitlabDelivery(url, gitlabEvents.push({ project: { id: 7, path: `scan-${tag}/api` }, after: randomBytes(20).toString('hex') }), { token: generatedSecret!.reveal() });
  expect((await send(delivery)).status).toBe(202);
  operation = 'webhook redelivery';
  expect((await send(redeliver(delivery))).status).toBe(200);
  operation = 'webhook refused';
  expect((await send(gitlabDelivery(url, gitlabEvents.push({ project: { id: 7, path: 'x/y' }, after: 'a'.repeat(40) }), { token: 'wrong-token-wrong-token' }))).status).toBe(401);
  expect((await send(gitlabDelivery(`${server.url}/webhooks/gitlab/wh_${randomBytes(16).toString('hex')}`, gitlabEvents.push({ project: { id: 7, path: 'x/y' }, after: 'a'.repeat(40) }), { token: 'x'.repeat(20) }))).status).toBe(401);

  operation = 'webhook delivery (GitHub App)';
  const githubAppId = randomInt(1_000_000, 2_000_000_000);
  const webhookSecret = randomBytes(20).toString('hex');
  const app = await services.codeHosts.apps.register({
    kind: 'github_app', host: 'github', baseUrl: `https://ghe-scan-${tag}.example.com`, githubAppId: String(githubAppId), slug: `scan-${tag}`, clientId: `Iv1.${tag}`,
    clientSecret: new Secret(randomBytes(20).toString('hex')), webhookSecret: new Secret(webhookSecret), source: 'admin',
    privateKey: new Secret(generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey),
  });
  const installationId = randomInt(1_000_000, 2_000_000_000);
  const push = githubEvents.push({ repo: { id: 5, owner: `scan-${tag}`, name: 'api' }, after: randomBytes(20).toString('hex'), installationId });
  expect((await send(githubDelivery(`${server.url}/webhooks/github`, push, { secret: webhookSecret, target: { type: 'integration', id: githubAppId } }))).status).toBe(202);
  const now = new Date();
  const installation = Object.assign(new CodeHostAccountEntity(), {
    id: `cha_${randomBytes(16).toString('hex')}`, tenantId: account.tenant.id, kind: 'github_app_installation', host: 'github', baseUrl: `https://ghe-scan-${tag}.example.com`,
    appId: app.id, externalId: String(installationId), linkKey: `${app.id}:${installationId}`, status: 'active', statusReason: null, identity: 'scan', authUsername: null,
    scopes: null, installation: null, credentialHint: null, accessTokenKeyId: null, accessTokenCiphertext: null, accessTokenExpiresAt: null, refreshTokenKeyId: null,
    refreshTokenCiphertext: null, refreshTokenExpiresAt: null, refreshedAt: null, leaseOwner: null, leaseUntil: null, createdByUserId: null, createdByApiKeyId: null,
    createdAt: now, updatedAt: now, deletedAt: null,
  });
  await services.codeHosts.store.insertAccount(server.dataSource.manager, installation);

  const deliveries = 'deliveries(first: 2) { edges { node { id event outcome } } pageInfo { hasNextPage endCursor } }';
  await gql('webhookHooks', `{ webhookHooks(first: 10) { edges { node { id path } } ${PAGE} } }`);
  // The busy hook first: each distinct statement is explained with the parameters it was first seen with.
  const busy = busyHookId;
  const page = await gql('webhookHook deliveries (a busy hook)', `query($id: ID!) { webhookHook(id: $id) { id ${deliveries} } }`, { id: busy });
  expect(page.webhookHook.deliveries.pageInfo.hasNextPage).toBe(true);
  await gql('webhookHook deliveries (next page)', `query($id: ID!, $after: String) { webhookHook(id: $id) { id deliveries(first: 2, after: $after) { edges { node { id } } } } }`, { id: busy, after: page.webhookHook.deliveries.pageInfo.endCursor });
  const first = await gql('webhookHook deliveries', `query($id: ID!) { webhookHook(id: $id) { id ${deliveries} } }`, { id: hook.id });
  expect(first.webhookHook.deliveries.edges).toHaveLength(1);
  await gql('codeHostAccount webhookDeliveries', `query($id: ID!) { codeHostAccount(id: $id) { id webhookDeliveries(first: 5) { edges { node { id } } } } }`, { id: installation.id });

  // Processing (issue 19 §2): a GitLab hook's push and rename applied to a stored project, the app's
  // push to a repository of the linked installation, and the installation suspended.
  operation = 'webhook processing';
  const processed = (path: string, host: string, hostId: string, sourceType: 'github' | 'gitlab') =>
    Object.assign(new RepositoryEntity(), {
      id: randomUUID(), tenantId: account.tenant.id, projectId: account.project.id, repoConnectionId: null, userId: null, name: 'api', sourceType, path,
      remoteUrl: `https://${host}/${path}.git`, defaultBranch: 'main', lastCommitSha: null, oauthConnectionId: null, issueAutoCreateEnabled: false,
      issueAutoCreateMinSeverity: 'high', archived: false, platformHost: host, hostRepositoryId: hostId, createdAt: now, updatedAt: now, deletedAt: null,
    });
  await new RepositoryStore().insert(server.dataSource.manager, [
    processed(`scan-${tag}/api`, platformHost(hook.baseUrl), '7', 'gitlab'),
    processed(`scan-${tag}/api`, platformHost(app.baseUrl), '5', 'github'),
  ]);
  expect((await send(gitlabDelivery(url, gitlabEvents.project('project_rename', { project: { id: 7, path: `scan-${tag}/api-renamed` }, oldPath: `scan-${tag}/api` }), { token: generatedSecret!.reveal() }))).status).toBe(202);
  const suspend = githubEvents.installation('suspend', { installation: { id: installationId, appId: githubAppId, account: `scan-${tag}` } });
  expect((await send(githubDelivery(`${server.url}/webhooks/github`, suspend, { secret: webhookSecret, target: { type: 'integration', id: githubAppId } }))).status).toBe(202);
  expect(await services.webhooks.processor.drain({ sources: [hook.id, app.id] })).toBe(4);
  // The installation deleted: the repositories its account reads (a connection through it, one linked to it) are marked unavailable.
  operation = 'webhook processing (installation deleted)';
  const through = `rc_${randomUUID().replace(/-/g, '')}`;
  await new RepoConnectionStore().insert(
    server.dataSource.manager,
    Object.assign(new RepoConnectionEntity(), {
      id: through, tenantId: account.tenant.id, projectId: account.project.id, platform: 'github', credentialsKeyId: null, credentialsCiphertext: null, credentialsHint: null,
      codeHostAccountId: installation.id, baseUrl: app.baseUrl, lookbackDays: 30, cacheInvalidatedAt: null, createdAt: now, updatedAt: now, deletedAt: null,
    }),
  );
  await new RepositoryStore().insert(server.dataSource.manager, [
    Object.assign(processed(`scan-${tag}/through`, platformHost(app.baseUrl), '6', 'github'), { repoConnectionId: through }),
    Object.assign(processed(`scan-${tag}/linked`, platformHost(app.baseUrl), '8', 'github'), { oauthConnectionId: installation.id }),
  ]);
  const deleted = githubEvents.installation('deleted', { installation: { id: installationId, appId: githubAppId, account: `scan-${tag}` } });
  expect((await send(githubDelivery(`${server.url}/webhooks/github`, deleted, { secret: webhookSecret, target: { type: 'integration', id: githubAppId } }))).status).toBe(202);
  expect(await services.webhooks.processor.drain({ sources: [app.id] })).toBe(1);
  operation = 'app:rotate-webhook-secret';
  await services.codeHosts.apps.rotateWebhookSecret({ id: app.id, secret: null, keepPreviousHours: 24 });
  operation = 'webhook processing (every endpoint: the worker claims)';
  await server.dataSource.transaction((em) => services.webhooks.store.claimQueued(em, 25));

  operation = 'webhook:rotate-secret';
  await services.webhooks.hooks.rotateSecret({ id: hook.id, secret: null, keepPreviousHours: 24 });
  operation = 'credentials:rotate-key (webhook hooks)';
  // The rotation's statements (the run itself needs every row's key: other test files share this database).
  await server.dataSource.transaction(async (em) => {
    const [first] = await services.webhooks.store.lockSealedBatch(em, '', 50);
    // Written back as it was (the row may be another test file's).
    const previous = first.previous_secret_key_id === null ? null : { keyId: first.previous_secret_key_id as string, blob: first.previous_secret_ciphertext as Buffer };
    await services.webhooks.store.updateSealed(em, first.id as string, { keyId: first.secret_key_id as string, blob: first.secret_ciphertext as Buffer }, previous);
  });
  operation = 'webhook:list';
  await services.webhooks.hooks.listForTenant(account.tenant.id);
  operation = 'webhook:delete';
  await services.webhooks.hooks.delete(hook.id);
  operation = 'webhook purge';
  await purgeOldDeliveries(services.webhooks.store, 7, 200);
}

/** EXPLAIN names a table by its alias in the statement: map each alias back to its table. */
function tablesByAlias(query: string): Map<string, string> {
  const map = new Map<string, string>();
  const re = /\b(?:FROM|JOIN|UPDATE)\s+`?(\w+)`?(?:\s+(?:AS\s+)?`?(\w+)`?)?/gi;
  for (const [, table, alias] of query.matchAll(re)) {
    map.set(table, table);
    if (alias && !/^(WHERE|SET|ON|LIMIT|ORDER|GROUP|INNER|LEFT|JOIN|FOR)$/i.test(alias)) map.set(alias, table);
  }
  return map;
}

interface PlanRow {
  table: string | null;
  type: string | null;
  key: string | null;
  rows: number | string | null;
  Extra: string | null;
}

test('every statement of the main operations runs on an index: no full scan and no filesort over a table that grows', async () => {
  await driveEverything();
  stopCapture();

  const explained: string[] = [];
  const problems: string[] = [];
  for (const { query, parameters, operation: op } of captured.values()) {
    if (!/^\s*(SELECT|UPDATE|DELETE)\b/i.test(query)) continue;
    const plan = (await server.dataSource.query(`EXPLAIN ${query}`, [...parameters])) as PlanRow[];
    explained.push(op);
    if (process.env.SHOW_PLANS) process.stdout.write(`${op}\n  ${shape(query)}\n${plan.map((r) => `    ${r.table} ${r.type} key=${r.key} rows=${r.rows} ${r.Extra ?? ''}`).join('\n')}\n`);
    const aliases = tablesByAlias(query);
    for (const row of plan) {
      const table = row.table === null ? undefined : aliases.get(row.table);
      if (row.table && !row.table.startsWith('<') && table === undefined) problems.push(`${op}: EXPLAIN names ${row.table}, not found in the statement`);
      if (table === undefined || !GROWING.has(table)) continue;
      const extra = row.Extra ?? '';
      if (row.type === 'ALL' || row.type === 'index' || /filesort/i.test(extra)) {
        problems.push(`${op}: ${table} type=${row.type} key=${row.key} rows=${row.rows} extra="${extra}"\n    ${shape(query)}`);
      }
    }
  }
  // The capture saw the operations it should have: a broken hook would pass vacuously.
  expect(explained.length).toBeGreaterThan(30);
  for (const op of ['connectRepos', 'repoConnections', 'repositories (repoConnectionId)', 'auth by session', 'idempotent createRepository', 'GET /api/repos', 'resolveCodeLocation', 'purges', 'sync writes and the host-id lookup', 'codeHostAccounts', 'codeHostAccount of connections and repositories', 'POST /api/repos (github source)', 'link job', 'code-host token leases', 'rate budget', 'OAuth callback (consent denied)', 'credentials:rotate-key (code hosts)', 'reconciliation', 'sign-in link', 'sign-in link reused', 'apiKeys', 'revokeApiKey', 'sign-out',
    'webhook delivery (GitLab hook)', 'webhookHooks', 'webhookHook deliveries (a busy hook)', 'webhookHook deliveries (next page)',
    'webhook:rotate-secret', 'credentials:rotate-key (webhook hooks)', 'webhook:delete', 'webhook purge', 'webhook processing (installation deleted)']) {
    expect(explained).toContain(op);
  }
  // An API key's last use is noted by the request that used it (whichever operation came first).
  expect([...captured.keys()]).toContainEqual(expect.stringMatching(/^UPDATE api_keys SET last_used_at = UTC_TIMESTAMP\(3\) WHERE id IN/));
  // The live-row counters: read by the unfiltered lists, changed by every write that adds or removes rows.
  const statements = [...captured.keys()];
  for (const [table, counter] of [['repo_connections', 'connection_count'], ['repositories', 'repository_count'], ['service_mappings', 'mapping_count']]) {
    expect(statements).toContainEqual(expect.stringMatching(new RegExp(`^SELECT ${counter} AS n FROM projects WHERE id = \\?$`)));
    expect(statements).toContainEqual(expect.stringMatching(new RegExp(`^UPDATE projects SET .*\\b${counter} = `)));
    // No unfiltered live list counts its rows any more (the filtered ones still do, on an index).
    expect(statements.filter((q) => q.startsWith('SELECT COUNT(') && q.includes(`FROM \`${table}\``) && q.endsWith('`deleted_at` IS NULL'))).toEqual([]);
  }
  expect(problems).toEqual([]);
}, 120_000);
