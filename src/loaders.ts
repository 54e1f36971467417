import type { EntityManager } from 'typeorm';
import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from './db/entities';
import type { Viewer } from './modules/auth/viewer';
import { byIdLoader, byParentLoader, type LoaderScope } from './modules/shared/scoped-loader';

/** One set per request, scoped to the caller's project, so nothing is cached across requests or tenants. */
export function createLoaders(db: EntityManager, viewer: Viewer | null) {
  const scope: LoaderScope = { db, projectId: viewer?.project?.id ?? null };
  return {
    repositoryById: byIdLoader(scope, RepositoryEntity),
    repoConnectionById: byIdLoader(scope, RepoConnectionEntity),
    serviceMappingById: byIdLoader(scope, ServiceMappingEntity),
    repositoriesByConnectionId: byParentLoader(scope, RepositoryEntity, 'repoConnectionId'),
    serviceMappingsByConnectionId: byParentLoader(scope, ServiceMappingEntity, 'repoConnectionId'),
    serviceMappingsByRepositoryId: byParentLoader(scope, ServiceMappingEntity, 'repositoryId'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
