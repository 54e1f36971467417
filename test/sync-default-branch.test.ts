import { createAccount } from './support/factories';
import { TOKENS, startFakeHosts, type FakeHosts } from './support/fake-hosts';
import { rest } from './support/rest';
import { startTestServer, type TestServer } from './support/test-server';

// Heimdall's default_branch, when absent, for github/gitlab sources: from the platform when a
// connection of the project can read the repository, else from git as before (off in tests: `main`).
let fake: FakeHosts;
let server: TestServer;

beforeAll(async () => {
  fake = await startFakeHosts();
  server = await startTestServer({ env: { REPOLINK_PLATFORM_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

const CONNECT = /* GraphQL */ `
  mutation Connect($input: ConnectReposInput!) { connectRepos(input: $input) { repoConnection { id } userErrors { message } } }
`;

async function project(connection?: Record<string, unknown>): Promise<Record<string, string>> {
  const { apiKey } = await createAccount(server.dataSource);
  const headers = { authorization: `Bearer ${apiKey}` };
  if (connection) {
    const res = await server.gql(CONNECT, { input: connection }, headers);
    expect(res.body.data.connectRepos.userErrors).toEqual([]);
  }
  return headers;
}

const post = (headers: Record<string, string>, body: Record<string, unknown>) => rest(server.url, 'POST', '/api/repos', { body, headers });

it('github: the platform default branch of the repository, read with the project connection credential', async () => {
  const headers = await project({ platform: 'GITHUB', credentials: { token: TOKENS.githubClassic }, baseUrl: fake.githubApi, repositories: ['acme/api'] });
  const before = fake.requests.length;
  const res = await post(headers, { name: 'web', source_type: 'github', remote_url: `${fake.url}/acme/web.git` });
  expect(res.status).toBe(201);
  expect(res.body.data.default_branch).toBe('trunk');
  const asked = fake.requests.slice(before);
  expect(asked.map((r) => r.path)).toContain('/api/v3/repos/acme/web');
  expect(asked.every((r) => r.headers.authorization === `Bearer ${TOKENS.githubClassic}`)).toBe(true);
  expect(res.text).not.toContain(TOKENS.githubClassic);
});

it('gitlab: the same through a self-managed connection', async () => {
  const headers = await project({ platform: 'GITLAB', credentials: { token: TOKENS.gitlabGood }, baseUrl: fake.gitlab, repositories: ['group/guest'] });
  const res = await post(headers, { name: 'project', source_type: 'gitlab', remote_url: `${fake.url}/group/sub/project.git` });
  expect(res.body.data.default_branch).toBe('develop');
});

it('falls back as before when no connection can say: none of the platform, a refused credential, a given branch', async () => {
  const none = await project();
  expect((await post(none, { name: 'web', source_type: 'github', remote_url: `${fake.url}/acme/web.git` })).body.data.default_branch).toBe('main');
  const refused = await project({ platform: 'GITHUB', credentials: { token: TOKENS.githubBad }, baseUrl: fake.githubApi, repositories: ['acme/api'] });
  expect((await post(refused, { name: 'web', source_type: 'github', remote_url: `${fake.url}/acme/web.git` })).body.data.default_branch).toBe('main');
  const given = await project({ platform: 'GITHUB', credentials: { token: TOKENS.githubClassic }, baseUrl: fake.githubApi, repositories: ['acme/api'] });
  const before = fake.requests.length;
  expect((await post(given, { name: 'web', source_type: 'github', remote_url: `${fake.url}/acme/web.git`, default_branch: 'release' })).body.data.default_branch).toBe('release');
  expect(fake.requests.length).toBe(before);
});

it('a connection on another host is not used', async () => {
  const headers = await project({ platform: 'GITHUB', credentials: { token: TOKENS.githubClassic }, baseUrl: 'https://ghe.example.com/api/v3', repositories: ['acme/api'] });
  const before = fake.requests.length;
  expect((await post(headers, { name: 'web', source_type: 'github', remote_url: `${fake.url}/acme/web.git` })).body.data.default_branch).toBe('main');
  expect(fake.requests.length).toBe(before);
});
