import type { RepoConnectionResolvers } from '../../../generated/graphql';

export const RepoConnection: RepoConnectionResolvers = {
  repositories: (connection, _args, ctx) => ctx.loaders.repositoriesByConnectionId.load(connection.id),
  serviceMappings: (connection, _args, ctx) => ctx.loaders.serviceMappingsByConnectionId.load(connection.id),
  codeHostAccount: (connection, _args, ctx) => (connection.codeHostAccountId === null ? null : ctx.loaders.codeHostAccountById.load(connection.codeHostAccountId)),
};
