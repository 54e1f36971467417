import type { ServiceMappingResolvers } from '../../../generated/graphql';
import { NotFoundError } from '../../../errors';

export const ServiceMapping: ServiceMappingResolvers = {
  repository: async (mapping, _args, ctx) => {
    const repository = await ctx.loaders.repositoryById.load(mapping.repositoryId);
    if (repository === null) throw new NotFoundError('Repository');
    return repository;
  },
  // Rows written by connectRepos carry none (the column is NULL). Reads only `stackRoots` (CUSTOM_READS in src/loaders.ts).
  stackRoots: (mapping) => mapping.stackRoots ?? [],
  repoConnection: (mapping, _args, ctx) =>
    mapping.repoConnectionId === null ? null : ctx.loaders.repoConnectionById.load(mapping.repoConnectionId),
};
