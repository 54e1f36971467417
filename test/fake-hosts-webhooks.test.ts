import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bitbucketDelivery,
  bitbucketEvents,
  githubDelivery,
  githubEvents,
  gitlabDelivery,
  gitlabEvents,
  hmacHex,
  redeliver,
  send,
  startFakeHosts,
  type FakeHosts,
} from './support/fake-hosts';

/**
 * The webhook senders deliver what the hosts deliver: the documented headers, an HMAC over the
 * exact raw body, the same id on redelivery, and bodies with the documented field names.
 */
let fake: FakeHosts;
let receiver: http.Server;
let url = '';
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  fake = await startFakeHosts();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(202).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await fake.close();
});

const last = () => received[received.length - 1];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('GitHub deliveries', () => {
  it('a push is signed over the raw body (X-Hub-Signature-256 and the sha1 X-Hub-Signature) with the documented headers', async () => {
    const app = fake.githubHost.registerApp();
    const repo = fake.githubHost.repo('acme/api');
    const inst = fake.githubHost.createInstallation({ app, account: 'acme' });
    const sha = 'b'.repeat(40);
    const answer = await send(githubDelivery(url, githubEvents.push({ repo, after: sha, before: 'a'.repeat(40), installationId: inst.id }), { secret: app.webhookSecret, target: { type: 'integration', id: app.appId } }));
    expect(answer.status).toBe(202);
    const { headers, body } = last();
    expect(headers['x-hub-signature-256']).toBe(`sha256=${hmacHex('sha256', app.webhookSecret, body)}`);
    expect(headers['x-hub-signature']).toBe(`sha1=${hmacHex('sha1', app.webhookSecret, body)}`);
    expect(headers['x-hub-signature-256']).not.toBe(`sha256=${hmacHex('sha256', 'another secret', body)}`);
    expect(headers['x-github-event']).toBe('push');
    expect(headers['x-github-delivery']).toMatch(UUID);
    expect(headers['x-github-hook-id']).toMatch(/^\d+$/);
    expect(headers['x-github-hook-installation-target-type']).toBe('integration');
    expect(headers['x-github-hook-installation-target-id']).toBe(String(app.appId));
    expect(headers['user-agent']).toMatch(/^GitHub-Hookshot\/[0-9a-f]+$/);
    expect(headers['content-type']).toBe('application/json');
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ ref: 'refs/heads/main', before: 'a'.repeat(40), after: sha, head_commit: { id: sha }, repository: { id: repo.id, full_name: 'acme/api', default_branch: 'main' }, installation: { id: inst.id } });
    expect(typeof payload.repository.pushed_at).toBe('number');
  });

  it('a hook without a secret sends no signature; a redelivery keeps the delivery id, body and signature', async () => {
    const repo = fake.githubHost.repo('acme/web');
    await send(githubDelivery(url, githubEvents.push({ repo, after: 'c'.repeat(40) }), { secret: null }));
    expect(last().headers['x-hub-signature-256']).toBeUndefined();
    expect(last().headers['x-github-hook-installation-target-type']).toBe('repository');
    expect(last().headers['x-github-hook-installation-target-id']).toBe(String(repo.id));
    const first = githubDelivery(url, githubEvents.push({ repo, after: 'd'.repeat(40) }), { secret: 's3cret' });
    await send(first);
    const a = last();
    await send(redeliver(first));
    const b = last();
    expect(b.headers['x-github-delivery']).toBe(a.headers['x-github-delivery']);
    expect(b.body).toBe(a.body);
    expect(b.headers['x-hub-signature-256']).toBe(a.headers['x-hub-signature-256']);
  });

  it('repository events carry what changed, in the documented places', () => {
    const repo = { id: 7, owner: 'acme', name: 'new-name', defaultBranch: 'trunk' };
    expect(githubEvents.repository('renamed', { repo, from: { name: 'old-name' } }).payload).toMatchObject({ action: 'renamed', changes: { repository: { name: { from: 'old-name' } } }, repository: { id: 7, full_name: 'acme/new-name' } });
    expect(githubEvents.repository('transferred', { repo, from: { owner: 'octocat' } }).payload).toMatchObject({ changes: { owner: { from: { user: { login: 'octocat' } } } } });
    expect(githubEvents.repository('transferred', { repo, from: { owner: 'old-org', ownerType: 'Organization' } }).payload).toMatchObject({ changes: { owner: { from: { organization: { login: 'old-org' } } } } });
    expect(githubEvents.repository('edited', { repo, from: { defaultBranch: 'master' } }).payload).toMatchObject({ changes: { default_branch: { from: 'master' } }, repository: { default_branch: 'trunk' } });
    expect(githubEvents.repository('archived', { repo }).payload).toMatchObject({ action: 'archived', repository: { archived: true } });
    expect(githubEvents.repository('unarchived', { repo }).payload).toMatchObject({ action: 'unarchived', repository: { archived: false } });
    expect(githubEvents.repository('deleted', { repo, installationId: 3 }).payload).toMatchObject({ action: 'deleted', repository: { id: 7 }, installation: { id: 3 } });
  });

  it('installation events: created with repositories, suspend/unsuspend, deleted; installation_repositories added/removed', () => {
    const app = fake.githubHost.registerApp();
    const inst = fake.githubHost.createInstallation({ app, account: 'acme', repositories: ['acme/api'] });
    const repo = fake.githubHost.repo('acme/api');
    expect(githubEvents.installation('created', { installation: inst, repositories: [repo] }).payload).toMatchObject({
      action: 'created',
      installation: { id: inst.id, app_id: app.appId, account: { login: 'acme' }, repository_selection: 'selected', suspended_at: null },
      repositories: [{ id: repo.id, full_name: 'acme/api', private: true }],
    });
    const suspended = githubEvents.installation('suspend', { installation: inst }).payload as { installation: { suspended_at: string | null; suspended_by: unknown } };
    expect(suspended.installation.suspended_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(suspended.installation.suspended_by).not.toBeNull();
    expect(githubEvents.installation('unsuspend', { installation: inst }).payload).toMatchObject({ action: 'unsuspend', installation: { suspended_at: null } });
    expect(githubEvents.installation('deleted', { installation: inst }).payload).toMatchObject({ action: 'deleted', repositories: [] });
    const web = fake.githubHost.repo('acme/web');
    expect(githubEvents.installationRepositories('added', { installation: inst, added: [web] }).payload).toMatchObject({ action: 'added', repository_selection: 'selected', repositories_added: [{ full_name: 'acme/web' }], repositories_removed: [] });
    expect(githubEvents.installationRepositories('removed', { installation: inst, removed: [repo] }).payload).toMatchObject({ repositories_removed: [{ id: repo.id }] });
  });
});

describe('GitLab deliveries', () => {
  it('a push carries X-Gitlab-Token as is, the event name, and ids; a retry keeps Idempotency-Key and gets a new X-Gitlab-Webhook-UUID', async () => {
    const project = fake.gitlabHost.project('group/sub/project');
    const d = gitlabDelivery(url, gitlabEvents.push({ project, after: 'e'.repeat(40) }), { token: 'hook-token' });
    await send(d);
    const a = last();
    expect(a.headers).toMatchObject({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'hook-token', 'content-type': 'application/json' });
    expect(a.headers['idempotency-key']).toMatch(UUID);
    expect(a.headers['x-gitlab-webhook-uuid']).toMatch(UUID);
    expect(a.headers['x-gitlab-event-uuid']).toMatch(UUID);
    expect(a.headers['user-agent']).toMatch(/^GitLab\//);
    expect(JSON.parse(a.body)).toMatchObject({ object_kind: 'push', after: 'e'.repeat(40), ref: 'refs/heads/develop', project_id: project.id, project: { path_with_namespace: 'group/sub/project', default_branch: 'develop' } });
    await send(redeliver(d));
    const b = last();
    expect(b.headers['idempotency-key']).toBe(a.headers['idempotency-key']);
    expect(b.headers['x-gitlab-webhook-uuid']).not.toBe(a.headers['x-gitlab-webhook-uuid']);
    expect(b.body).toBe(a.body);
    await send(gitlabDelivery(url, gitlabEvents.push({ project, after: 'f'.repeat(40) }), { token: null }));
    expect(last().headers['x-gitlab-token']).toBeUndefined();
  });

  it('project events: create/destroy to group hooks, rename/transfer (with the old path) to system hooks', () => {
    const project = { id: 22, path: 'group1/project1' };
    expect(gitlabEvents.project('project_create', { project })).toMatchObject({ event: 'Project Hook', payload: { event_name: 'project_create', project_id: 22, path_with_namespace: 'group1/project1' } });
    expect(gitlabEvents.project('project_destroy', { project }).event).toBe('Project Hook');
    expect(gitlabEvents.project('project_rename', { project, oldPath: 'group1/old' })).toMatchObject({ event: 'System Hook', payload: { event_name: 'project_rename', old_path_with_namespace: 'group1/old' } });
    expect(gitlabEvents.project('project_transfer', { project, oldPath: 'group0/project1' }).payload.old_path_with_namespace).toBe('group0/project1');
  });
});

describe('Bitbucket deliveries', () => {
  it('repo:push is signed with X-Hub-Signature sha256 over the raw body; a retry keeps X-Request-UUID and counts the attempt', async () => {
    const repo = fake.bitbucketHost.repo('ws/app');
    const d = bitbucketDelivery(url, bitbucketEvents.push({ repo, branch: 'master', hash: '1'.repeat(40), oldHash: '2'.repeat(40) }), { secret: 'bb-secret' });
    await send(d);
    const a = last();
    expect(a.headers['x-hub-signature']).toBe(`sha256=${hmacHex('sha256', 'bb-secret', a.body)}`);
    expect(a.headers).toMatchObject({ 'x-event-key': 'repo:push', 'x-attempt-number': '1', 'user-agent': 'Bitbucket-Webhooks/2.0' });
    expect(a.headers['x-request-uuid']).toMatch(UUID);
    expect(a.headers['x-hook-uuid']).toMatch(UUID);
    expect(JSON.parse(a.body)).toMatchObject({ repository: { full_name: 'ws/app', uuid: repo.uuid }, push: { changes: [{ new: { type: 'branch', name: 'master', target: { hash: '1'.repeat(40) } }, old: { target: { hash: '2'.repeat(40) } } }] } });
    await send(redeliver(d));
    const b = last();
    expect(b.headers['x-request-uuid']).toBe(a.headers['x-request-uuid']);
    expect(b.headers['x-attempt-number']).toBe('2');
    expect(b.headers['x-hub-signature']).toBe(a.headers['x-hub-signature']);
    await send(bitbucketDelivery(url, bitbucketEvents.push({ repo, branch: 'master', hash: '3'.repeat(40) }), { secret: null }));
    expect(last().headers['x-hub-signature']).toBeUndefined();
  });

  it('repo:updated names old and new full names, and no main branch', () => {
    const event = bitbucketEvents.updated({ repo: { workspace: 'ws', slug: 'renamed', mainbranch: 'main' }, old: { slug: 'app' } });
    expect(event).toMatchObject({ eventKey: 'repo:updated', payload: { changes: { full_name: { new: 'ws/renamed', old: 'ws/app' }, name: { new: 'renamed', old: 'app' } }, repository: { full_name: 'ws/renamed' } } });
    expect((event.payload.repository as Record<string, unknown>).mainbranch).toBeUndefined();
  });
});
