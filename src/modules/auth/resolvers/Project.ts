import type { ProjectResolvers } from '../../../generated/graphql';
import { repositoryQuota } from '../../projects/project-quota';

export const Project: ProjectResolvers = {
  repositoryQuota: (_project, _args, ctx) => (ctx.viewer ? repositoryQuota(ctx.config, ctx.viewer.tenant) : null),
};
