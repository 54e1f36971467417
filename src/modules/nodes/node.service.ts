import type { GraphQLContext } from '../../context';
import { CodeHostAccountEntity, RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from '../../db/entities';
import { AppError, ErrorCode } from '../../errors';
import { UUID_PATTERN } from '../../lib/ids';
import { requireScope } from '../auth/auth.service';

export type NodeEntity = RepositoryEntity | RepoConnectionEntity | ServiceMappingEntity | CodeHostAccountEntity;

/** Global ids carry their type (`rc_…`, `sm_…`, or a bare UUID for a repository), so one lookup suffices. */
export function loadNode(ctx: GraphQLContext, id: string): Promise<NodeEntity | null> {
  if (id.startsWith('rc_')) return ctx.loaders.repoConnectionById.load(id);
  if (id.startsWith('sm_')) return ctx.loaders.serviceMappingById.load(id);
  if (id.startsWith('cha_')) return ctx.services.codeHosts.accounts.get(ctx, id);
  if (UUID_PATTERN.test(id)) return ctx.loaders.repositoryById.load(id.toLowerCase());
  return Promise.resolve(null);
}

export class NodeService {
  async node(ctx: GraphQLContext, id: string): Promise<NodeEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return loadNode(ctx, id);
  }

  async nodes(ctx: GraphQLContext, ids: readonly string[]): Promise<(NodeEntity | null)[]> {
    requireScope(ctx.viewer, 'config:read');
    if (ids.length > 100) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, '`ids` may name at most 100 objects', { field: ['ids'] });
    }
    return Promise.all(ids.map((id) => loadNode(ctx, id)));
  }
}

export function nodeTypeName(node: NodeEntity): 'Repository' | 'RepoConnection' | 'ServiceMapping' | 'CodeHostAccount' {
  if (node instanceof CodeHostAccountEntity) return 'CodeHostAccount';
  if (node instanceof RepoConnectionEntity) return 'RepoConnection';
  if (node instanceof ServiceMappingEntity) return 'ServiceMapping';
  return 'Repository';
}
