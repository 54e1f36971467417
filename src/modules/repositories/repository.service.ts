import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { RepositoryEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { CreateRepositoryInput } from '../../generated/graphql';
import { uuidv7 } from '../../lib/ids';
import type { GraphQLContext } from '../../context';
import { requireScope } from '../auth/auth.service';
import { reserveRepositorySlots } from '../projects/project-quota';
import { inTransaction, isDuplicateKey } from '../shared/transaction';
import { checkCreateRepository } from './repository.inputs';

export interface CreateRepositoryResult {
  repository: RepositoryEntity | null;
  userErrors: UserError[];
}

/** Finds a remote's own default branch; null when the remote cannot be reached or says nothing. */
export type DefaultBranchResolver = (remoteUrl: string) => Promise<string | null>;

export const DEFAULT_BRANCH_FALLBACK = 'main';

export class RepositoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly resolveDefaultBranch: DefaultBranchResolver = async () => null,
  ) {}

  async createRepository(ctx: GraphQLContext, input: CreateRepositoryInput): Promise<CreateRepositoryResult> {
    const { tenant, project, viewer } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkCreateRepository(input);
    if (!checked.ok) return { repository: null, userErrors: checked.userErrors };
    const data = checked.value;
    const defaultBranch =
      data.defaultBranch ?? (data.remoteUrl ? await this.resolveDefaultBranch(data.remoteUrl) : null) ?? DEFAULT_BRANCH_FALLBACK;
    const conflict = (): CreateRepositoryResult => ({
      repository: null,
      userErrors: [userError(UserErrorCode.CONFLICT, [data.remoteUrl ? 'remoteUrl' : 'name'], `This repository (${data.path}) is already in the project`)],
    });
    try {
      return await inTransaction({ dataSource: this.dataSource, beforeCommit: ctx.beforeCommit }, async (em) => {
        const quotaError = await reserveRepositorySlots(em, this.config, tenant, project.id, 1, null);
        if (quotaError) return { repository: null, userErrors: [quotaError] };
        const now = new Date();
        const repository = Object.assign(new RepositoryEntity(), {
          id: uuidv7(),
          tenantId: tenant.id,
          projectId: project.id,
          repoConnectionId: null,
          userId: viewer.userId,
          name: data.name,
          sourceType: data.sourceType,
          path: data.path,
          remoteUrl: data.remoteUrl,
          defaultBranch,
          lastCommitSha: null,
          oauthConnectionId: null,
          issueAutoCreateEnabled: data.issueAutoCreateEnabled,
          issueAutoCreateMinSeverity: data.issueAutoCreateMinSeverity,
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        });
        await em.createQueryBuilder().insert().into(RepositoryEntity).values(repository).updateEntity(false).execute();
        return { repository, userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_repositories_live_path')) return conflict();
      throw error;
    }
  }

  async getById(ctx: GraphQLContext, id: string): Promise<RepositoryEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.repositoryById.load(id);
  }
}
