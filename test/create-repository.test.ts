import { RepositoryEntity } from '../src/db/entities';
import { CREATE_REPOSITORY } from './support/operations';
import { heimdallExamples } from './support/seeds';
import { createAccount } from './support/factories';
import { useTestServer } from './support/test-server';

const seeds = heimdallExamples();
const t = useTestServer();

/** The Heimdall request body as GraphQL input. */
function input(body: Record<string, any>) {
  return {
    name: body.name,
    ...(body.source_type !== undefined && { sourceType: String(body.source_type).toUpperCase() }),
    ...(body.remote_url !== undefined && { remoteUrl: body.remote_url }),
    ...(body.default_branch !== undefined && { defaultBranch: body.default_branch }),
  };
}

async function create(vars: Record<string, any>, apiKey: string) {
  const res = await t.gql(CREATE_REPOSITORY, { input: vars }, { authorization: `Bearer ${apiKey}` });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createRepository;
}

test('the three Heimdall examples create repositories with the documented defaults', async () => {
  const account = await createAccount(t.dataSource);
  const gitUrl = await create(input(seeds.gitUrl), account.apiKey);
  expect(gitUrl.userErrors).toEqual([]);
  expect(gitUrl.repository).toMatchObject({
    name: 'my-web-app',
    sourceType: 'GIT_URL',
    remoteUrl: 'https://github.com/example/my-web-app.git',
    defaultBranch: 'main',
    path: 'github.com/example/my-web-app',
    lastCommitSha: null,
    oauthConnectionId: null,
    issueAutoCreateEnabled: false,
    issueAutoCreateMinSeverity: 'HIGH',
    userId: null,
    orgId: account.tenant.id,
    deletedAt: null,
    repoConnection: null,
    serviceMappings: [],
  });
  expect(gitUrl.repository.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(gitUrl.repository.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  expect(gitUrl.repository.updatedAt).toBe(gitUrl.repository.createdAt);

  const github = await create(input(seeds.github), account.apiKey);
  expect(github.repository).toMatchObject({ sourceType: 'GITHUB', path: 'example/my-github-repo', defaultBranch: 'main' });
  const gitlab = await create(input(seeds.gitlab), account.apiKey);
  expect(gitlab.repository).toMatchObject({ sourceType: 'GITLAB', path: 'example/my-gitlab-project', defaultBranch: 'develop' });

  const read = await t.gql('query($id: ID!) { repository(id: $id) { id name } }', { id: gitUrl.repository.id }, { authorization: `Bearer ${account.apiKey}` });
  expect(read.body.data.repository).toEqual({ id: gitUrl.repository.id, name: 'my-web-app' });
});

test('issue auto-create settings are taken from the input', async () => {
  const account = await createAccount(t.dataSource);
  const result = await create({ ...input(seeds.gitUrl), issueAutoCreateEnabled: true, issueAutoCreateMinSeverity: 'CRITICAL' }, account.apiKey);
  expect(result.repository).toMatchObject({ issueAutoCreateEnabled: true, issueAutoCreateMinSeverity: 'CRITICAL' });
});

test('orgId is null for a personal account', async () => {
  const account = await createAccount(t.dataSource, { kind: 'personal' });
  const result = await create(input(seeds.gitUrl), account.apiKey);
  expect(result.repository.orgId).toBeNull();
});

test.each([
  ['a missing remote_url for git_url', { name: 'x' }, ['remoteUrl'], /required/],
  ['an empty name', { name: '   ', remoteUrl: 'https://example.com/a.git' }, ['name'], /1 to 255/],
  ['a remote that is not a git URL', { name: 'x', remoteUrl: 'not a url' }, ['remoteUrl'], /git remote/],
  ['a remote with a password in it', { name: 'x', remoteUrl: 'https://user:secret@example.com/a.git' }, ['remoteUrl'], /without credentials/],
  ['a remote with a token as its user name', { name: 'x', remoteUrl: 'https://ghp_abcdefghijklmnop@github.com/a/b.git' }, ['remoteUrl'], /without credentials/],
  ['a file:// remote', { name: 'x', remoteUrl: 'file:///etc/passwd' }, ['remoteUrl'], /git remote/],
  ['a bad default branch', { name: 'x', remoteUrl: 'https://example.com/a.git', defaultBranch: 'a..b' }, ['defaultBranch'], /branch/],
])('%s is a BAD_USER_INPUT on its field, and nothing is written', async (_name, vars, field, message) => {
  const account = await createAccount(t.dataSource);
  const result = await create(vars, account.apiKey);
  expect(result.repository).toBeNull();
  expect(result.userErrors).toContainEqual({ code: 'BAD_USER_INPUT', field, message: expect.stringMatching(message) });
  expect(await t.dataSource.getRepository(RepositoryEntity).countBy({ projectId: account.project.id })).toBe(0);
});

test('scp-style and ssh remotes are accepted; the same remote twice in a project is a CONFLICT', async () => {
  const account = await createAccount(t.dataSource);
  const scp = await create({ name: 'a', remoteUrl: 'git@github.com:example/my-web-app.git' }, account.apiKey);
  expect(scp.userErrors).toEqual([]);
  expect(scp.repository.path).toBe('github.com/example/my-web-app');
  const same = await create({ name: 'b', remoteUrl: 'https://GitHub.com/example/my-web-app' }, account.apiKey);
  expect(same.userErrors).toEqual([{ code: 'CONFLICT', field: ['remoteUrl'], message: expect.stringContaining('already in the project') }]);
  const ssh = await create({ name: 'c', remoteUrl: 'ssh://git@example.com:2222/team/app.git' }, account.apiKey);
  expect(ssh.repository.path).toBe('example.com:2222/team/app');
});
