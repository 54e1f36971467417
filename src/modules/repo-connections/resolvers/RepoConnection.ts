import type { RepoConnectionResolvers } from '../../../generated/graphql';

export const RepoConnection: RepoConnectionResolvers = {
  repositories: (connection, _args, ctx, info) => ctx.loaders.repositoriesOfConnection(connection.id, info),
  serviceMappings: (connection, _args, ctx, info) => ctx.loaders.mappingsOfConnection(connection.id, info),
  codeHostAccount: (connection, _args, ctx) => (connection.codeHostAccountId === null ? null : ctx.loaders.codeHostAccountById.load(connection.codeHostAccountId)),
};
