import type { ProjectResolvers } from '../../../generated/graphql';
import { repositoryQuota } from '../quota';

export const Project: ProjectResolvers = {
  repositoryQuota: (_project, _args, ctx) => (ctx.viewer ? repositoryQuota(ctx.config, ctx.viewer.tenant) : null),
};
