import type { QueryResolvers } from '../../../../generated/graphql';

export const resolveCodeLocation: NonNullable<QueryResolvers['resolveCodeLocation']> = (_parent, { serviceName, path, line, commit }, ctx) =>
  ctx.services.codeLocations.resolve(ctx, serviceName, path, line, commit);
