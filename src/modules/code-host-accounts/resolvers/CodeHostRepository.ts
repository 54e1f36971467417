import type { CodeHostRepositoryResolvers } from '../../../generated/graphql';

export const CodeHostRepository: CodeHostRepositoryResolvers = {
  lastActivityAt: (repository) => repository.activityAt,
};
