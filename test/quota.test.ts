import { RepositoryEntity } from '../src/db/entities';
import { CONNECT_REPOS, CREATE_REPOSITORY } from './support/operations';
import { createAccount, type TestAccount } from './support/factories';
import { useTestServer } from './support/test-server';

const t = useTestServer();

const as = (a: TestAccount) => ({ authorization: `Bearer ${a.apiKey}` });
const live = (a: TestAccount) => t.dataSource.getRepository(RepositoryEntity).createQueryBuilder('r').where('r.projectId = :p AND r.deletedAt IS NULL', { p: a.project.id }).getCount();

test('concurrent writers at an almost-full project never pass the plan quota', async () => {
  for (let round = 0; round < 3; round++) {
    const a = await createAccount(t.dataSource, { plan: 'free' });
    const seed = await t.gql(CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: ['acme/s1', 'acme/s2', 'acme/s3'] } }, as(a));
    expect(seed.body.data.connectRepos.userErrors).toEqual([]);
    const requests = Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0
        ? t.gql(CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: [`acme/c${i}`] } }, as(a)).then((r) => r.body.data.connectRepos)
        : t.gql(CREATE_REPOSITORY, { input: { name: `r${i}`, remoteUrl: `https://example.com/r${i}.git` } }, as(a)).then((r) => r.body.data.createRepository),
    );
    const results = await Promise.all(requests);
    const ok = results.filter((r) => r.userErrors.length === 0);
    const refused = results.filter((r) => r.userErrors[0]?.code === 'QUOTA_EXCEEDED');
    expect(ok).toHaveLength(2);
    expect(refused).toHaveLength(14);
    expect(await live(a)).toBe(5);
    const viewer = await t.gql('{ viewer { project { repositoryCount repositoryQuota } } }', {}, as(a));
    expect(viewer.body.data.viewer.project).toEqual({ repositoryCount: 5, repositoryQuota: 5 });
  }
});

test('soft-deleted repositories do not count', async () => {
  const a = await createAccount(t.dataSource, { plan: 'free' });
  const made = await t.gql(CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: ['acme/q1', 'acme/q2', 'acme/q3', 'acme/q4', 'acme/q5'] } }, as(a));
  const full = await t.gql(CREATE_REPOSITORY, { input: { name: 'x', remoteUrl: 'https://example.com/x.git' } }, as(a));
  expect(full.body.data.createRepository.userErrors[0].code).toBe('QUOTA_EXCEEDED');
  const id = made.body.data.connectRepos.repoConnection.repositories[0].id;
  await t.gql('mutation($id: ID!) { deleteRepository(input: { id: $id }) { userErrors { code } } }', { id }, as(a));
  const now = await t.gql(CREATE_REPOSITORY, { input: { name: 'x', remoteUrl: 'https://example.com/x.git' } }, as(a));
  expect(now.body.data.createRepository.userErrors).toEqual([]);
});

test('an enterprise project has no limit, a team project 100', async () => {
  const e = await createAccount(t.dataSource, { plan: 'enterprise' });
  const many = Array.from({ length: 120 }, (_, i) => `acme/e${i}`);
  const res = await t.gql(CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: many } }, as(e));
  expect(res.body.data.connectRepos.userErrors).toEqual([]);
  const team = await createAccount(t.dataSource, { plan: 'team' });
  const over = await t.gql(CONNECT_REPOS, { input: { platform: 'GITHUB', credentials: { token: 't' }, repositories: many.slice(0, 101) } }, as(team));
  expect(over.body.data.connectRepos.userErrors[0].code).toBe('QUOTA_EXCEEDED');
  expect(await live(team)).toBe(0);
});
