import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook deliveries as the hosts send them, for tests of a receiver. Build an event, wrap it in a
 * delivery for a URL (headers and signature as the host makes them), send it; `redeliver` gives
 * the same delivery again as the host's redelivery/retry would.
 *
 *   const d = githubDelivery(url, githubEvents.push({ repo, after: sha }), { secret: app.webhookSecret, target: { type: 'integration', id: app.appId } });
 *   const answer = await send(d);            // { status, headers, body }
 *   await send(redeliver(d));                // same X-GitHub-Delivery, same signed body
 *   githubDelivery(url, event, { secret: 'old-secret' })   a signature the receiver must refuse (or accept while rotating)
 *   githubDelivery(url, event, { secret: null })           unsigned, as a hook without a secret sends
 *
 * Headers, from the hosts' documentation:
 *   GitHub    ("Webhook events and payloads", delivery headers): X-GitHub-Event, X-GitHub-Delivery (a
 *             GUID, the same when redelivered), X-GitHub-Hook-ID, X-GitHub-Hook-Installation-Target-Type
 *             and -ID, X-Hub-Signature (sha1) and X-Hub-Signature-256 (`sha256=` HMAC hex of the raw
 *             body) when the hook has a secret, User-Agent `GitHub-Hookshot/…`, JSON body.
 *   GitLab    ("Webhooks", delivery headers): X-Gitlab-Event (`Push Hook`, `Project Hook`, `System Hook`),
 *             X-Gitlab-Token (the secret token, sent as is), X-Gitlab-Instance, X-Gitlab-Webhook-UUID
 *             (new for every request), X-Gitlab-Event-UUID (per event), Idempotency-Key (per event and
 *             hook, the same on retries), User-Agent `GitLab/…`.
 *   Bitbucket ("Event payloads", HTTP headers; "Enhanced webhook security"): X-Event-Key (`repo:push`,
 *             `repo:updated`), X-Hook-UUID, X-Request-UUID (the same on retries), X-Attempt-Number,
 *             X-Hub-Signature (`sha256=` HMAC hex of the raw body) when the hook has a secret,
 *             User-Agent `Bitbucket-Webhooks/2.0`.
 *
 * Bodies are the hosts' documented examples, trimmed to the fields a receiver reads, with the
 * documented names and nesting (GitHub: octokit/webhooks payload-examples, which are GitHub's docs'
 * examples; GitLab: "Webhook events" push and project events, "System hooks" project_rename and
 * project_transfer; Bitbucket: "Event payloads" repo:push and repo:updated).
 */

export type Host = 'github' | 'gitlab' | 'bitbucket';

export interface Delivery {
  host: Host;
  url: string;
  headers: Record<string, string>;
  /** The raw body, exactly as signed. */
  body: string;
}

export interface DeliveryAnswer {
  status: number;
  headers: Headers;
  body: string;
}

export const hmacHex = (algorithm: 'sha1' | 'sha256', secret: string, body: string) => createHmac(algorithm, secret).update(body, 'utf8').digest('hex');

export async function send(delivery: Delivery): Promise<DeliveryAnswer> {
  const res = await fetch(delivery.url, { method: 'POST', headers: delivery.headers, body: delivery.body, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The same delivery again, as the host redelivers or retries it. */
export function redeliver(delivery: Delivery): Delivery {
  const headers = { ...delivery.headers };
  if (delivery.host === 'gitlab') headers['X-Gitlab-Webhook-UUID'] = globalThis.crypto.randomUUID();
  if (delivery.host === 'bitbucket') headers['X-Attempt-Number'] = String(Number(headers['X-Attempt-Number'] ?? '1') + 1);
  return { ...delivery, headers };
}

// ---- GitHub -------------------------------------------------------------------------------------

export interface GithubEvent {
  event: string;
  payload: Record<string, unknown>;
}

/** What the builders need of a repository (a GithubRepo of the fake fits). */
export interface HookRepo {
  id: number;
  owner: string;
  name: string;
  private?: boolean;
  defaultBranch?: string;
  archived?: boolean;
  ownerType?: 'User' | 'Organization';
  ownerId?: number;
}

/** What the builders need of an installation (a GithubInstallation of the fake fits). */
export interface HookInstallation {
  id: number;
  appId: number;
  account: string;
  repositorySelection?: 'all' | 'selected';
  permissions?: Record<string, string>;
  events?: string[];
  suspendedAt?: number | null;
  suspendedBy?: string | null;
  accountType?: 'User' | 'Organization';
  accountId?: number;
}

const ghUser = (login: string, id = 0, type: 'User' | 'Organization' = 'User', web = 'https://github.com', api = 'https://api.github.com') => ({
  login,
  id,
  node_id: Buffer.from(`04:${type}${id}`).toString('base64'),
  url: `${api}/users/${login}`,
  html_url: `${web}/${login}`,
  type,
  site_admin: false,
});

export interface GithubUrls {
  /** Web root (github.com or the GHES host). */
  web?: string;
  /** API root (api.github.com or `https://HOST/api/v3`). */
  api?: string;
}

function ghRepo(repo: HookRepo, urls: GithubUrls, push = false) {
  const web = urls.web ?? 'https://github.com';
  const api = urls.api ?? 'https://api.github.com';
  const full = `${repo.owner}/${repo.name}`;
  const created = '2019-05-15T15:19:25Z';
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: full,
    private: repo.private ?? true,
    owner: ghUser(repo.owner, repo.ownerId ?? 0, repo.ownerType ?? 'Organization', web, api),
    html_url: `${web}/${full}`,
    description: null,
    fork: false,
    url: push ? `${web}/${full}` : `${api}/repos/${full}`,
    // The push event's repository carries created_at and pushed_at as Unix seconds (as in GitHub's example).
    created_at: push ? Math.floor(Date.parse(created) / 1000) : created,
    updated_at: '2019-05-15T15:20:41Z',
    pushed_at: push ? Math.floor(Date.now() / 1000) : new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    clone_url: `${web}/${full}.git`,
    archived: repo.archived ?? false,
    disabled: false,
    default_branch: repo.defaultBranch ?? 'main',
    visibility: (repo.private ?? true) ? 'private' : 'public',
    ...(push && { master_branch: repo.defaultBranch ?? 'main' }),
  };
}

function ghInstallation(inst: HookInstallation, urls: GithubUrls) {
  const web = urls.web ?? 'https://github.com';
  const api = urls.api ?? 'https://api.github.com';
  const type = inst.accountType ?? 'Organization';
  return {
    id: inst.id,
    account: ghUser(inst.account, inst.accountId ?? 0, type, web, api),
    repository_selection: inst.repositorySelection ?? 'all',
    access_tokens_url: `${api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${web}/settings/installations/${inst.id}`,
    app_id: inst.appId,
    target_id: inst.accountId ?? 0,
    target_type: type,
    permissions: inst.permissions ?? { metadata: 'read', contents: 'read' },
    events: inst.events ?? ['push', 'repository'],
    created_at: '2019-05-15T15:19:25Z',
    updated_at: '2019-05-15T15:19:25Z',
    single_file_name: null,
    suspended_by: inst.suspendedAt ? ghUser(inst.suspendedBy ?? 'octocat', 0, 'User', web, api) : null,
    suspended_at: inst.suspendedAt ? new Date(inst.suspendedAt).toISOString().replace(/\.\d+Z$/, 'Z') : null,
  };
}

const shortRepo = (r: HookRepo) => ({ id: r.id, node_id: Buffer.from(`010:Repository${r.id}`).toString('base64'), name: r.name, full_name: `${r.owner}/${r.name}`, private: r.private ?? true });

const withInstallation = (installationId: number | undefined) => (installationId === undefined ? {} : { installation: { id: installationId, node_id: Buffer.from(`023:Installation${installationId}`).toString('base64') } });

export const githubEvents = {
  /** `push` to `ref` (default: the default branch) moving it from `before` to `after`. */
  push(input: { repo: HookRepo; after: string; before?: string; ref?: string; pusher?: string; installationId?: number; message?: string; urls?: GithubUrls }): GithubEvent {
    const urls = input.urls ?? {};
    const web = urls.web ?? 'https://github.com';
    const full = `${input.repo.owner}/${input.repo.name}`;
    const before = input.before ?? '0'.repeat(40);
    const commit = {
      id: input.after,
      tree_id: randomBytes(20).toString('hex'),
      distinct: true,
      message: input.message ?? 'Update README.md',
      timestamp: new Date().toISOString(),
      url: `${web}/${full}/commit/${input.after}`,
      author: { name: input.pusher ?? 'Codertocat', email: `${input.pusher ?? 'codertocat'}@users.noreply.github.com`, username: input.pusher ?? 'Codertocat' },
      committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
      added: [],
      removed: [],
      modified: ['README.md'],
    };
    return {
      event: 'push',
      payload: {
        ref: input.ref ?? `refs/heads/${input.repo.defaultBranch ?? 'main'}`,
        before,
        after: input.after,
        created: /^0+$/.test(before),
        deleted: /^0+$/.test(input.after),
        forced: false,
        base_ref: null,
        compare: `${web}/${full}/compare/${before.slice(0, 12)}...${input.after.slice(0, 12)}`,
        commits: [commit],
        head_commit: commit,
        repository: ghRepo(input.repo, urls, true),
        pusher: { name: input.pusher ?? 'Codertocat', email: `${input.pusher ?? 'codertocat'}@users.noreply.github.com` },
        sender: ghUser(input.pusher ?? 'Codertocat', 21031067, 'User', web, urls.api),
        ...withInstallation(input.installationId),
      },
    };
  },

  /**
   * `repository` with an action. `repo` is the repository as it is after the change; `from` is
   * what changed: the old default branch (edited), the old name (renamed), the old owner
   * (transferred).
   */
  repository(
    action: 'edited' | 'renamed' | 'transferred' | 'archived' | 'unarchived' | 'deleted',
    input: { repo: HookRepo; from?: { defaultBranch?: string; name?: string; owner?: string; ownerType?: 'User' | 'Organization' }; installationId?: number; urls?: GithubUrls },
  ): GithubEvent {
    const urls = input.urls ?? {};
    let changes: Record<string, unknown> | undefined;
    if (action === 'edited' && input.from?.defaultBranch) changes = { default_branch: { from: input.from.defaultBranch } };
    if (action === 'renamed') changes = { repository: { name: { from: input.from?.name ?? input.repo.name } } };
    if (action === 'transferred') {
      const type = input.from?.ownerType ?? 'User';
      changes = { owner: { from: { [type === 'User' ? 'user' : 'organization']: ghUser(input.from?.owner ?? input.repo.owner, 0, type, urls.web, urls.api) } } };
    }
    const repo = { ...input.repo, archived: action === 'archived' ? true : action === 'unarchived' ? false : input.repo.archived };
    return {
      event: 'repository',
      payload: { action, ...(changes && { changes }), repository: ghRepo(repo, urls), sender: ghUser('Codertocat', 21031067, 'User', urls.web, urls.api), ...withInstallation(input.installationId) },
    };
  },

  /** `installation`: created (with its repositories), deleted, suspend, unsuspend. */
  installation(action: 'created' | 'deleted' | 'suspend' | 'unsuspend', input: { installation: HookInstallation; repositories?: HookRepo[]; urls?: GithubUrls }): GithubEvent {
    const urls = input.urls ?? {};
    const inst = {
      ...input.installation,
      suspendedAt: action === 'suspend' ? (input.installation.suspendedAt ?? Date.now()) : action === 'unsuspend' ? null : input.installation.suspendedAt,
    };
    return {
      event: 'installation',
      payload: {
        action,
        installation: ghInstallation(inst, urls),
        ...((action === 'created' || action === 'deleted') && { repositories: (input.repositories ?? []).map(shortRepo) }),
        ...(action === 'created' && { requester: null }),
        sender: ghUser('Codertocat', 21031067, 'User', urls.web, urls.api),
      },
    };
  },

  /** `installation_repositories`: repositories added to or removed from a selected installation. */
  installationRepositories(action: 'added' | 'removed', input: { installation: HookInstallation; added?: HookRepo[]; removed?: HookRepo[]; urls?: GithubUrls }): GithubEvent {
    const urls = input.urls ?? {};
    return {
      event: 'installation_repositories',
      payload: {
        action,
        installation: ghInstallation(input.installation, urls),
        repository_selection: input.installation.repositorySelection ?? 'selected',
        repositories_added: (input.added ?? []).map(shortRepo),
        repositories_removed: (input.removed ?? []).map(shortRepo),
        requester: null,
        sender: ghUser('Codertocat', 21031067, 'User', urls.web, urls.api),
      },
    };
  },
};

export function githubDelivery(
  url: string,
  event: GithubEvent,
  options: {
    /** The hook's secret; null: a hook without one (no signature headers). */
    secret: string | null;
    deliveryId?: string;
    hookId?: number;
    /** App webhooks: `integration` and the app id; repository hooks: `repository` and the repository id. */
    target?: { type: 'integration' | 'repository' | 'organization'; id: number };
  },
): Delivery {
  const body = JSON.stringify(event.payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': `GitHub-Hookshot/${randomBytes(4).toString('hex').slice(0, 7)}`,
    'X-GitHub-Event': event.event,
    'X-GitHub-Delivery': options.deliveryId ?? globalThis.crypto.randomUUID(),
    'X-GitHub-Hook-ID': String(options.hookId ?? 292430182),
    'X-GitHub-Hook-Installation-Target-Type': options.target?.type ?? 'repository',
    'X-GitHub-Hook-Installation-Target-ID': String(options.target?.id ?? (event.payload.repository as { id?: number } | undefined)?.id ?? 0),
  };
  if (options.secret !== null) {
    headers['X-Hub-Signature'] = `sha1=${hmacHex('sha1', options.secret, body)}`;
    headers['X-Hub-Signature-256'] = `sha256=${hmacHex('sha256', options.secret, body)}`;
  }
  return { host: 'github', url, headers, body };
}

// ---- GitLab -------------------------------------------------------------------------------------

export interface GitlabEvent {
  /** The X-Gitlab-Event header. */
  event: 'Push Hook' | 'Project Hook' | 'System Hook';
  payload: Record<string, unknown>;
}

export interface HookProject {
  id: number;
  /** `group/sub/name` */
  path: string;
  defaultBranch?: string;
  visibility?: 'private' | 'internal' | 'public';
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

function glProject(project: HookProject, web: string) {
  const parts = project.path.split('/');
  return {
    id: project.id,
    name: parts[parts.length - 1],
    description: '',
    web_url: `${web}/${project.path}`,
    avatar_url: null,
    git_ssh_url: `git@${new URL(web).host}:${project.path}.git`,
    git_http_url: `${web}/${project.path}.git`,
    namespace: parts.slice(0, -1).join('/'),
    visibility_level: VISIBILITY_LEVEL[project.visibility ?? 'private'],
    path_with_namespace: project.path,
    default_branch: project.defaultBranch ?? 'main',
    ci_config_path: null,
    homepage: `${web}/${project.path}`,
    url: `git@${new URL(web).host}:${project.path}.git`,
    ssh_url: `git@${new URL(web).host}:${project.path}.git`,
    http_url: `${web}/${project.path}.git`,
  };
}

export const gitlabEvents = {
  /** A push event (project and group hooks). */
  push(input: { project: HookProject; after: string; before?: string; ref?: string; user?: { id: number; username: string; name?: string }; web?: string }): GitlabEvent {
    const web = input.web ?? 'https://gitlab.example.com';
    const user = input.user ?? { id: 4, username: 'jsmith', name: 'John Smith' };
    const commit = {
      id: input.after,
      message: 'Update Catalan translation to e38cb41.\n',
      title: 'Update Catalan translation to e38cb41.',
      timestamp: new Date().toISOString(),
      url: `${web}/${input.project.path}/-/commit/${input.after}`,
      author: { name: user.name ?? user.username, email: `${user.username}@example.com` },
      added: ['CHANGELOG'],
      modified: ['app/controller/application.rb'],
      removed: [],
    };
    const project = glProject(input.project, web);
    return {
      event: 'Push Hook',
      payload: {
        object_kind: 'push',
        event_name: 'push',
        before: input.before ?? '0'.repeat(40),
        after: input.after,
        ref: input.ref ?? `refs/heads/${input.project.defaultBranch ?? 'main'}`,
        ref_protected: true,
        checkout_sha: input.after,
        message: null,
        user_id: user.id,
        user_name: user.name ?? user.username,
        user_username: user.username,
        user_email: '',
        user_avatar: null,
        project_id: input.project.id,
        project,
        commits: [commit],
        total_commits_count: 1,
        push_options: {},
        repository: { name: project.name, url: project.url, description: '', homepage: project.homepage, git_http_url: project.git_http_url, git_ssh_url: project.git_ssh_url, visibility_level: project.visibility_level },
      },
    };
  },

  /**
   * Project events. `project_create` and `project_destroy` come to group hooks ("Project Hook");
   * `project_rename`, `project_transfer` and `project_update` only to system hooks ("System Hook"),
   * with `old_path_with_namespace` for the first two: project hooks carry no rename.
   */
  project(eventName: 'project_create' | 'project_destroy' | 'project_rename' | 'project_transfer' | 'project_update', input: { project: HookProject; oldPath?: string; owner?: { name: string; email: string } }): GitlabEvent {
    const parts = input.project.path.split('/');
    const owner = input.owner ?? { name: 'John Smith', email: 'jsmith@example.com' };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const system = eventName !== 'project_create' && eventName !== 'project_destroy';
    return {
      event: system ? 'System Hook' : 'Project Hook',
      payload: {
        event_name: eventName,
        created_at: now,
        updated_at: now,
        name: parts[parts.length - 1],
        path: parts[parts.length - 1],
        path_with_namespace: input.project.path,
        project_id: input.project.id,
        project_namespace_id: 1,
        owners: [owner],
        ...(system && { owner_name: owner.name, owner_email: owner.email }),
        project_visibility: input.project.visibility ?? 'private',
        ...((eventName === 'project_rename' || eventName === 'project_transfer') && { old_path_with_namespace: input.oldPath ?? input.project.path }),
      },
    };
  },
};

export function gitlabDelivery(
  url: string,
  event: GitlabEvent,
  options: {
    /** The hook's secret token (X-Gitlab-Token, sent as is); null: a hook without one. */
    token: string | null;
    idempotencyKey?: string;
    eventUuid?: string;
    instance?: string;
  },
): Delivery {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitLab/17.6.0-ee',
    'X-Gitlab-Event': event.event,
    'X-Gitlab-Instance': options.instance ?? 'https://gitlab.example.com',
    'X-Gitlab-Webhook-UUID': globalThis.crypto.randomUUID(),
    'X-Gitlab-Event-UUID': options.eventUuid ?? globalThis.crypto.randomUUID(),
    'Idempotency-Key': options.idempotencyKey ?? globalThis.crypto.randomUUID(),
  };
  if (options.token !== null) headers['X-Gitlab-Token'] = options.token;
  return { host: 'gitlab', url, headers, body: JSON.stringify(event.payload) };
}

// ---- Bitbucket ----------------------------------------------------------------------------------

export interface BitbucketEvent {
  /** The X-Event-Key header. */
  eventKey: 'repo:push' | 'repo:updated';
  payload: Record<string, unknown>;
}

export interface HookBitbucketRepo {
  workspace: string;
  slug: string;
  uuid?: string;
  private?: boolean;
  project?: string;
  mainbranch?: string;
}

function bbRepo(repo: HookBitbucketRepo) {
  const full = `${repo.workspace}/${repo.slug}`;
  return {
    type: 'repository',
    full_name: full,
    name: repo.slug,
    uuid: repo.uuid ?? '{b6e3c8a1-5f2d-4e7a-9c3b-1a2b3c4d5e6f}',
    is_private: repo.private ?? true,
    scm: 'git',
    website: null,
    project: { type: 'project', key: repo.project ?? 'PROJ', name: repo.project ?? 'PROJ', uuid: '{1d3c2b4a-0000-4000-8000-000000000001}' },
    workspace: { type: 'workspace', slug: repo.workspace, name: repo.workspace, uuid: '{0a1b2c3d-0000-4000-8000-000000000002}' },
    links: { self: { href: `https://api.bitbucket.org/2.0/repositories/${full}` }, html: { href: `https://bitbucket.org/${full}` } },
    ...(repo.mainbranch && { mainbranch: { type: 'branch', name: repo.mainbranch } }),
  };
}

const bbActor = { type: 'user', display_name: 'Emma', uuid: '{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}', account_id: '557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443', nickname: 'emma' };

export const bitbucketEvents = {
  /** `repo:push`: `branch` moved from `oldHash` (null: created) to `hash`. */
  push(input: { repo: HookBitbucketRepo; branch: string; hash: string; oldHash?: string | null }): BitbucketEvent {
    const full = `${input.repo.workspace}/${input.repo.slug}`;
    const ref = (hash: string) => ({
      type: 'branch',
      name: input.branch,
      target: { type: 'commit', hash, message: 'new commit message\n', date: new Date().toISOString(), author: { type: 'author', raw: 'Emma <emma@example.com>' }, parents: [], links: { html: { href: `https://bitbucket.org/${full}/commits/${hash}` } } },
      links: { html: { href: `https://bitbucket.org/${full}/branch/${input.branch}` } },
    });
    return {
      eventKey: 'repo:push',
      payload: {
        actor: bbActor,
        repository: bbRepo(input.repo),
        push: {
          changes: [
            {
              new: ref(input.hash),
              old: input.oldHash ? ref(input.oldHash) : null,
              created: !input.oldHash,
              forced: false,
              closed: false,
              truncated: false,
              commits: [{ type: 'commit', hash: input.hash, message: 'new commit message\n' }],
              links: { html: { href: `https://bitbucket.org/${full}/branches/compare/${input.hash}..${input.oldHash ?? ''}` } },
            },
          ],
        },
      },
    };
  },

  /** `repo:updated`: the repository as it is now, and `changes` with each field's `new` and `old` (no main branch: re-read it). */
  updated(input: { repo: HookBitbucketRepo; old: { slug?: string; workspace?: string; name?: string } }): BitbucketEvent {
    const changes: Record<string, { new: string; old: string }> = {};
    const oldSlug = input.old.slug ?? input.repo.slug;
    const oldWorkspace = input.old.workspace ?? input.repo.workspace;
    if (input.old.name !== undefined || oldSlug !== input.repo.slug) changes.name = { new: input.repo.slug, old: input.old.name ?? oldSlug };
    if (oldSlug !== input.repo.slug || oldWorkspace !== input.repo.workspace) {
      changes.full_name = { new: `${input.repo.workspace}/${input.repo.slug}`, old: `${oldWorkspace}/${oldSlug}` };
      changes.slug = { new: input.repo.slug, old: oldSlug };
    }
    return { eventKey: 'repo:updated', payload: { actor: bbActor, repository: bbRepo({ ...input.repo, mainbranch: undefined }), changes } };
  },
};

export function bitbucketDelivery(
  url: string,
  event: BitbucketEvent,
  options: {
    /** The hook's secret; null: a hook without one (no X-Hub-Signature). */
    secret: string | null;
    hookUuid?: string;
    requestUuid?: string;
  },
): Delivery {
  const body = JSON.stringify(event.payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Bitbucket-Webhooks/2.0',
    'X-Event-Key': event.eventKey,
    'X-Hook-UUID': options.hookUuid ?? globalThis.crypto.randomUUID(),
    'X-Request-UUID': options.requestUuid ?? globalThis.crypto.randomUUID(),
    'X-Attempt-Number': '1',
  };
  if (options.secret !== null) headers['X-Hub-Signature'] = `sha256=${hmacHex('sha256', options.secret, body)}`;
  return { host: 'bitbucket', url, headers, body };
}
