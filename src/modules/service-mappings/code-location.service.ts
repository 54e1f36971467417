import type { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { StackRootValue } from '../../db/entities/service-mapping.entity';
import { AppError, ErrorCode } from '../../errors';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import { parseRemote } from '../../lib/remote-url';
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
  line: number | null;
  webUrl: string | null;
}

const nothing = { stackRoot: null, repository: null, path: null, branch: null, webUrl: null };

export class CodeLocationService {
  constructor(private readonly stores: Pick<Stores, 'serviceMappings'>) {}

  /** A stack frame of a service → the file in its repository, the branch and the web URL. */
  async resolve(ctx: RequestScope, serviceName: string, framePath: string, line: number | null | undefined): Promise<CodeLocationResult> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    if (framePath.length === 0 || framePath.length > 4096) throw new AppError(ErrorCode.BAD_USER_INPUT, 'path must be 1 to 4096 characters', { field: ['path'] });
    if (line !== null && line !== undefined && line < 1) throw new AppError(ErrorCode.BAD_USER_INPUT, 'line must be 1 or more', { field: ['line'] });
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
    return {
      matched: true,
      reason: `Service ${JSON.stringify(mapping.serviceName)} is mapped to ${repository.path}. ${found.reason}`,
      serviceMapping: mapping,
      stackRoot: found.root,
      repository,
      path: found.path,
      branch: mapping.defaultBranch,
      line: at,
      webUrl: web ? fileWebUrl(repository.sourceType as Platform, web, repository.path, mapping.defaultBranch, found.path, at) : null,
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
