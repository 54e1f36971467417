import type { Platform } from '../../db/entities/repo-connection.entity';

/**
 * What a delivery asks of repolink, read from the host's documented body (GitHub "Webhook events
 * and payloads", GitLab "Webhook events" and "System hooks", Bitbucket "Event payloads"). Pure:
 * processing decides which stored rows it concerns.
 */
export type WebhookIntent =
  /** A push moved `branch` to `head`; it changes the stored head when `branch` is the default branch (`defaultBranch` the host's, when the body says it). */
  | { kind: 'push'; hostRepositoryId: string; branch: string; head: string; defaultBranch: string | null }
  | { kind: 'default_branch'; hostRepositoryId: string; defaultBranch: string }
  /** Renamed or transferred: the repository lives at `path` now. `resync`: the body lacks other facts (Bitbucket's main branch). */
  | { kind: 'moved'; hostRepositoryId: string; path: string; resync: boolean }
  | { kind: 'archived'; hostRepositoryId: string; archived: boolean }
  | { kind: 'deleted'; hostRepositoryId: string }
  /** The body does not say what changed: read the repository again (GitLab's project_update, Bitbucket's repo:updated without a move). */
  | { kind: 'resync'; hostRepositoryId: string; reason: string }
  | { kind: 'installation'; installationId: string; change: 'created' | 'suspended' | 'unsuspended' | 'deleted' }
  | { kind: 'installation_repositories'; installationId: string; added: string[]; removed: string[] }
  | { kind: 'none'; reason: string };

const record = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** An id as text: a non-negative integer, or a short printable token (Bitbucket's `{uuid}`). */
function id(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^[\x21-\x7e]{1,64}$/.test(value)) return value;
  return null;
}

function str(value: unknown, max = 512): string | null {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max ? value : null;
}

/** A commit id: 7 to 64 hexadecimal characters, lower-cased; all zeros (a deleted ref) is none. */
function commit(value: unknown): string | null {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{7,64}$/.test(value) || /^0+$/.test(value)) return null;
  return value.toLowerCase();
}

const branchOf = (ref: unknown): string | null => {
  const r = str(ref, 300);
  return r !== null && r.startsWith('refs/heads/') ? r.slice('refs/heads/'.length) : null;
};

const none = (reason: string): WebhookIntent => ({ kind: 'none', reason });

function github(event: string, doc: Record<string, unknown>): WebhookIntent {
  const action = str(doc.action, 64);
  const repository = record(doc.repository);
  const repoId = id(repository?.id);
  if (event === 'push') {
    if (!repoId) return none('a push without a repository id');
    const branch = branchOf(doc.ref);
    if (branch === null) return none(`a push to ${str(doc.ref, 300) ?? 'an unnamed ref'}, not a branch`);
    const head = commit(doc.after);
    if (head === null) return none(`the branch ${branch} was deleted`);
    return { kind: 'push', hostRepositoryId: repoId, branch, head, defaultBranch: str(repository?.default_branch, 255) ?? str(repository?.master_branch, 255) };
  }
  if (event === 'repository') {
    if (!repoId) return none('a repository event without a repository id');
    switch (action) {
      case 'edited': {
        const changed = record(record(doc.changes)?.default_branch);
        const branch = str(repository?.default_branch, 255);
        return changed && branch ? { kind: 'default_branch', hostRepositoryId: repoId, defaultBranch: branch } : none('edited without a change of the default branch');
      }
      case 'renamed':
      case 'transferred': {
        const path = str(repository?.full_name);
        return path ? { kind: 'moved', hostRepositoryId: repoId, path, resync: false } : none(`${action} without the repository's full name`);
      }
      case 'archived':
      case 'unarchived':
        return { kind: 'archived', hostRepositoryId: repoId, archived: action === 'archived' };
      case 'deleted':
        return { kind: 'deleted', hostRepositoryId: repoId };
      default:
        return none(`repository ${action ?? 'without an action'} changes nothing repolink keeps`);
    }
  }
  const installationId = id(record(doc.installation)?.id);
  if (event === 'installation') {
    if (!installationId) return none('an installation event without an installation id');
    const change = ({ created: 'created', suspend: 'suspended', unsuspend: 'unsuspended', deleted: 'deleted' } as const)[action as 'created'];
    return change ? { kind: 'installation', installationId, change } : none(`installation ${action ?? 'without an action'} changes nothing repolink keeps`);
  }
  if (event === 'installation_repositories') {
    if (!installationId) return none('an installation_repositories event without an installation id');
    const ids = (list: unknown) => (Array.isArray(list) ? list.map((r) => id(record(r)?.id)).filter((x): x is string => x !== null) : []);
    return { kind: 'installation_repositories', installationId, added: ids(doc.repositories_added), removed: ids(doc.repositories_removed) };
  }
  return none(`GitHub's ${event} event is not one repolink handles`);
}

function gitlab(event: string, doc: Record<string, unknown>): WebhookIntent {
  const project = record(doc.project);
  const projectId = id(project?.id ?? doc.project_id);
  const name = str(doc.event_name, 64) ?? str(doc.object_kind, 64);
  if (name === 'push') {
    if (!projectId) return none('a push without a project id');
    const branch = branchOf(doc.ref);
    if (branch === null) return none(`a push to ${str(doc.ref, 300) ?? 'an unnamed ref'}, not a branch`);
    const head = commit(doc.checkout_sha) ?? commit(doc.after);
    if (head === null) return none(`the branch ${branch} was deleted`);
    return { kind: 'push', hostRepositoryId: projectId, branch, head, defaultBranch: str(project?.default_branch, 255) };
  }
  if (!projectId) return none(`GitLab's ${name ?? event} event is not one repolink handles`);
  switch (name) {
    case 'project_rename':
    case 'project_transfer': {
      const path = str(doc.path_with_namespace);
      return path ? { kind: 'moved', hostRepositoryId: projectId, path, resync: false } : none(`${name} without the new path`);
    }
    case 'project_destroy':
      return { kind: 'deleted', hostRepositoryId: projectId };
    case 'project_update':
      return { kind: 'resync', hostRepositoryId: projectId, reason: 'project_update does not say what changed' };
    default:
      return none(`GitLab's ${name ?? event} event is not one repolink handles`);
  }
}

function bitbucket(event: string, doc: Record<string, unknown>): WebhookIntent {
  const repository = record(doc.repository);
  const uuid = id(repository?.uuid);
  if (!uuid) return none(`a ${event} event without a repository uuid`);
  if (event === 'repo:push') {
    const changes = Array.isArray(record(doc.push)?.changes) ? (record(doc.push)!.changes as unknown[]) : [];
    const mainbranch = str(record(repository?.mainbranch)?.name, 255);
    // The change of the default branch, when the push moved it (else the first branch's, which processing compares).
    const branches = changes
      .map((c) => record(record(c)?.new))
      .filter((n): n is Record<string, unknown> => n !== null && n.type === 'branch')
      .map((n) => ({ branch: str(n.name, 255), head: commit(record(n.target)?.hash) }))
      .filter((b): b is { branch: string; head: string } => b.branch !== null && b.head !== null);
    if (branches.length === 0) return none('a push that moved no branch');
    const chosen = branches.find((b) => b.branch === mainbranch) ?? branches[0];
    return { kind: 'push', hostRepositoryId: uuid, branch: chosen.branch, head: chosen.head, defaultBranch: mainbranch };
  }
  if (event === 'repo:updated') {
    const moved = record(record(doc.changes)?.full_name);
    const path = str(repository?.full_name);
    if (moved && path) return { kind: 'moved', hostRepositoryId: uuid, path, resync: true };
    return { kind: 'resync', hostRepositoryId: uuid, reason: 'repo:updated does not carry the main branch' };
  }
  return none(`Bitbucket's ${event} event is not one repolink handles`);
}

/** What the delivery asks; `none` with the reason when nothing. */
export function readIntent(host: Platform, event: string, doc: Record<string, unknown>): WebhookIntent {
  if (host === 'github') return github(event, doc);
  if (host === 'gitlab') return gitlab(event, doc);
  return bitbucket(event, doc);
}

/** The JSON document of a stored body (GitHub's form encoding keeps it in `payload`); null when it is not one. */
export function parseBody(text: string): Record<string, unknown> | null {
  const attempt = (s: string): Record<string, unknown> | null => {
    try {
      return record(JSON.parse(s));
    } catch {
      return null;
    }
  };
  const direct = attempt(text);
  if (direct) return direct;
  const payload = new URLSearchParams(text).get('payload');
  return payload === null ? null : attempt(payload);
}
