import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../../src/config';
import { CredentialCipher, KeyRing } from '../../src/modules/crypto';
import { createServer, type RepolinkServer, type ServerDeps } from '../../src/server';
import { createDataSource } from '../../src/db/data-source';
import { openTestDataSource, testDatabaseUrl } from './db';
import { createAccount, type TestAccount } from './factories';

// eslint-disable-next-line @typescript-eslint/no-unused-vars
export interface GraphQLResponse<_T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body: `{ data?: T, errors?: [...] }` (typed loosely: tests assert its shape). */
  body: any;
}

export interface TestServer {
  url: string;
  server: RepolinkServer;
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
  keyRing: KeyRing;
  /** A fresh tenant with a project and a config:read+config:write key. */
  account: TestAccount;
  apiKey: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** A cipher with a random key of its own; its key id is unique so rows of parallel test files never mix keys. */
export function testKeyRing(): KeyRing {
  const id = `test-${randomBytes(4).toString('hex')}`;
  return new KeyRing([{ id, key: randomBytes(32) }], id);
}

/** A real server on 127.0.0.1 with the suite's real database; requests go over HTTP. */
export async function startTestServer(
  options: { env?: Record<string, string>; deps?: Partial<ServerDeps>; databaseUrl?: string; poolSize?: number } = {},
): Promise<TestServer> {
  const dataSource = options.databaseUrl || options.poolSize
    ? createDataSource({ url: options.databaseUrl ?? testDatabaseUrl(), poolSize: options.poolSize })
    : await openTestDataSource();
  if (!dataSource.isInitialized) await dataSource.initialize();
  // No test reaches out to a real git host: default-branch lookups are off unless a test turns them on,
  // the platform APIs point at a closed loopback port (which the address guard refuses anyway) unless a
  // test points them at its fakes, and no sync worker runs unless a test starts one.
  const config = loadConfig({
    REPOLINK_DATA_DIR: '/tmp/repolink-test-unused',
    LOG_LEVEL: 'silent',
    REPOLINK_RESOLVE_DEFAULT_BRANCH: 'false',
    REPOLINK_GITHUB_API_URL: 'http://127.0.0.1:9',
    REPOLINK_GITLAB_URL: 'http://127.0.0.1:9',
    REPOLINK_BITBUCKET_API_URL: 'http://127.0.0.1:9',
    REPOLINK_SYNC_WORKER: 'false',
    ...options.env,
  });
  const keyRing = testKeyRing();
  const cipher = options.deps?.cipher ?? new CredentialCipher(keyRing);
  const server = await createServer({ dataSource, config, cipher, logger: false, ...options.deps });
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const account = await createAccount(dataSource);
  const url = address;
  return {
    url,
    server,
    dataSource,
    config,
    cipher,
    keyRing,
    account,
    apiKey: account.apiKey,
    async gql(query, variables, headers) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${account.apiKey}`, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async close() {
      await server.close();
      await dataSource.destroy();
    },
  };
}

/**
 * Starts a test server before the file's tests and closes it after them. The returned object
 * stands for the server once it has started (use it inside tests, not at module level).
 */
export function useTestServer(options: Parameters<typeof startTestServer>[0] = {}): TestServer {
  let server: TestServer | null = null;
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  return new Proxy({} as TestServer, {
    get(_target, property) {
      if (server === null) throw new Error('The test server is used before beforeAll started it');
      return server[property as keyof TestServer];
    },
  });
}
