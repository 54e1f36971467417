import type { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { StackRootValue } from '../../db/entities/service-mapping.entity';
import { AppError, ErrorCode } from '../../errors';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import { parseRemote } from '../../lib/remote-url';
import { isValidBranchName } from '../../lib/validation';
import { fileWebUrl, webBaseUrlFor } from '../platforms/platform-facts';
import { resolveFramePath } from './stack-roots';

export interface CodeLocationResult {
  matched: boolean;
  reason: string;
  serviceMapping: ServiceMappingEntity | null;
  stackRoot: StackRootValue | null;
  repository: RepositoryEntity | null;
  path: string | null;
  branch: string | null;
  /** The commit or tag the URL points at, when one was asked for. */
  commit: string | null;
  line: number | null;
  webUrl: string | null;
}

const nothing = { stackRoot: null, repository: null, path: null, branch: null, commit: null, webUrl: null };

/** What `commit` names: a commit by its SHA, or a release by its tag. */
export type PinnedRef = { kind: 'commit'; ref: string } | { kind: 'tag'; ref: string };

export const COMMIT_MESSAGE = 'commit must be a commit SHA (7 to 64 hexadecimal characters) or a tag name (v1.4.2, or refs/tags/v1.4.2)';

/**
 * `resolveCodeLocation`'s `commit`, by its shape: 7 to 64 hexadecimal characters are a commit (a
 * short or full SHA-1, or SHA-256; lower-cased, as the hosts' URLs want), anything else a tag by
 * git's ref-name rules (`refs/tags/` dropped: the hosts' file URLs take the bare name). Null for a
 * value that is neither.
 */
export function readPinnedRef(value: string): PinnedRef | null {
  if (/^[0-9a-f]{7,64}$/i.test(value)) return { kind: 'commit', ref: value.toLowerCase() };
  const tag = value.startsWith('refs/tags/') ? value.slice('refs/tags/'.length) : value;
  if (tag.startsWith('refs/') || !isValidBranchName(tag)) return null;
  return { kind: 'tag', ref: tag };
}

export class CodeLocationService {
  constructor(private readonly stores: Pick<Stores, 'serviceMappings'>) {}

  /** A stack frame of a service → the file in its repository, the branch and the web URL. */
  async resolve(ctx: RequestScope, serviceName: string, framePath: string, line: number | null | undefined, commit?: string | null): Promise<CodeLocationResult> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    if (framePath.length === 0 || framePath.length > 4096) throw new AppError(ErrorCode.BAD_USER_INPUT, 'path must be 1 to 4096 characters', { field: ['path'] });
    if (line !== null && line !== undefined && line < 1) throw new AppError(ErrorCode.BAD_USER_INPUT, 'line must be 1 or more', { field: ['line'] });
    const pinned = commit === null || commit === undefined ? null : readPinnedRef(commit);
    if (commit !== null && commit !== undefined && pinned === null) throw new AppError(ErrorCode.BAD_USER_INPUT, COMMIT_MESSAGE, { field: ['commit'] });
    const at = line ?? null;
    // The unique index on (project_id, live_service_name) finds the one live mapping of the name.
    const mapping = await this.stores.serviceMappings.liveByName(ctx.db, project.id, serviceName);
    if (!mapping) return { matched: false, reason: `No live service mapping is named ${JSON.stringify(serviceName)} in this project`, serviceMapping: null, line: at, ...nothing };
    ctx.loaders.prime([mapping]);
    const found = resolveFramePath(framePath, mapping.stackRoots ?? [], mapping.pathPrefix);
    if (found.path === null) return { matched: false, reason: found.reason, serviceMapping: mapping, line: at, ...nothing };
    const repository = await ctx.loaders.repositoryById.load(mapping.repositoryId);
    if (!repository) return { matched: false, reason: 'The mapping points at a repository that is gone', serviceMapping: mapping, line: at, ...nothing };
    const connection = repository.repoConnectionId ? await ctx.loaders.repoConnectionById.load(repository.repoConnectionId) : null;
    const web = webBase(repository, connection);
    // Frames of an older release point at lines that may have moved on the branch: pinned, the link shows the file as it ran.
    const pinnedWords = pinned === null ? '' : `${found.reason.endsWith('.') ? '' : '.'} Linked at ${pinned.kind} ${pinned.ref} instead of the mapping's branch ${mapping.defaultBranch}.`;
    return {
      matched: true,
      reason: `Service ${JSON.stringify(mapping.serviceName)} is mapped to ${repository.path}. ${found.reason}${pinnedWords}`,
      serviceMapping: mapping,
      stackRoot: found.root,
      repository,
      path: found.path,
      branch: mapping.defaultBranch,
      commit: pinned?.ref ?? null,
      line: at,
      webUrl: web ? fileWebUrl(repository.sourceType as Platform, web, repository.path, pinned?.ref ?? mapping.defaultBranch, found.path, at) : null,
    };
  }
}

/** The platform's web root: from the connection (GHES/self-managed baseUrl), else the remote's host. */
function webBase(repository: RepositoryEntity, connection: RepoConnectionEntity | null): string | null {
  if (repository.sourceType === 'git_url') return null;
  if (connection) return webBaseUrlFor(connection.platform, connection.baseUrl);
  if (!repository.remoteUrl) return webBaseUrlFor(repository.sourceType, null);
  const remote = parseRemote(repository.remoteUrl);
  if (!remote) return null;
  const port = remote.kind === 'url' && (remote.scheme === 'https' || remote.scheme === 'http') && remote.url.port ? `:${remote.url.port}` : '';
  return `https://${remote.host}${port}`;
}
