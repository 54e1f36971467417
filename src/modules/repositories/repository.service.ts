import type { Config } from '../../config';
import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { CreateRepositoryInput, QueryRepositoriesArgs, UpdateRepositoryInput } from '../../generated/graphql';
import { uuidv7 } from '../../lib/ids';
import type { GraphQLContext } from '../../context';
import { requireScope } from '../auth/auth.service';
import { countLiveRows, releaseRepositorySlots, reserveRepositorySlots } from '../projects/project-quota';
import { containsPattern, paginate, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';
import { lockOwnRow } from '../../db/locks';
import { inTransaction, isDuplicateKey } from '../../db/transaction';
import type { DefaultBranchResolver } from './default-branch';
import { checkCreateRepository, checkUpdateRepository } from './repository.inputs';

export interface CreateRepositoryResult {
  repository: RepositoryEntity | null;
  userErrors: UserError[];
}

export const DEFAULT_BRANCH_FALLBACK = 'main';

export class RepositoryService {
  constructor(
    private readonly config: Config,
    private readonly resolveDefaultBranch: DefaultBranchResolver = async () => null,
  ) {}

  async createRepository(ctx: GraphQLContext, input: CreateRepositoryInput): Promise<CreateRepositoryResult> {
    const { tenant, project, viewer } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkCreateRepository(input);
    if (!checked.ok) return { repository: null, userErrors: checked.userErrors };
    const data = checked.value;
    const defaultBranch =
      data.defaultBranch ??
      (await ctx.services.platforms.defaultBranchFor(ctx, project.id, data.sourceType, data.remoteUrl, data.path)) ??
      (data.remoteUrl ? await this.resolveDefaultBranch(data.remoteUrl) : null) ??
      DEFAULT_BRANCH_FALLBACK;
    const conflict = (): CreateRepositoryResult => ({
      repository: null,
      userErrors: [userError(UserErrorCode.CONFLICT, [data.remoteUrl ? 'remoteUrl' : 'name'], `This repository (${data.path}) is already in the project`)],
    });
    // The row is made before the transaction opens, so nothing but SQL runs while the project row is locked.
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
    try {
      return await inTransaction(ctx, async (em) => {
        const quotaError = await reserveRepositorySlots(em, this.config, tenant, project.id, 1, null);
        if (quotaError) return { repository: null, userErrors: [quotaError] };
        await insertRows(em, RepositoryEntity, [repository]);
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

  async list(ctx: GraphQLContext, args: QueryRepositoriesArgs, options: ListOptions = {}): Promise<Page<RepositoryEntity>> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    const filter = args.filter ?? {};
    const query = ctx.db.getRepository(RepositoryEntity).createQueryBuilder('r').where('r.projectId = :projectId', { projectId: project.id });
    if (!filter.includeDeleted) query.andWhere('r.deletedAt IS NULL');
    if (filter.sourceType) query.andWhere('r.sourceType = :sourceType', { sourceType: filter.sourceType });
    if (filter.platform) query.andWhere('r.sourceType = :platform', { platform: filter.platform });
    if (filter.repoConnectionId) query.andWhere('r.repoConnectionId = :connectionId', { connectionId: filter.repoConnectionId });
    if (filter.nameContains) query.andWhere('r.name LIKE :name', { name: containsPattern(filter.nameContains) });
    const counter = !filter.includeDeleted && !filter.sourceType && !filter.platform && !filter.repoConnectionId && !filter.nameContains;
    const page = await paginate(query, 'r', args, counter ? () => countLiveRows(ctx.db, project.id, 'repositories') : filter.includeDeleted || filter.repoConnectionId ? undefined : { db: ctx.db, index: 'ix_repositories_live' }, options);
    ctx.loaders.prime(page.edges.map((e) => e.node));
    return page;
  }

  async updateRepository(ctx: GraphQLContext, input: UpdateRepositoryInput): Promise<CreateRepositoryResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    try {
      return await inTransaction(ctx, async (em) => {
        const repository = await lockOwnRow(em, RepositoryEntity, 'Repository', project.id, input.id);
        const { id: _id, ...fields } = input;
        const checked = await checkUpdateRepository(fields, repository);
        if (!checked.ok) return { repository: null, userErrors: checked.userErrors };
        Object.assign(repository, checked.value, { updatedAt: new Date() });
        await em.getRepository(RepositoryEntity).update({ id: repository.id }, { ...checked.value, updatedAt: repository.updatedAt });
        return { repository, userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_repositories_live_path')) {
        return { repository: null, userErrors: [userError(UserErrorCode.CONFLICT, ['remoteUrl'], 'Another repository of the project has this remote')] };
      }
      throw error;
    }
  }

  /** Soft-deletes the repository and its live mappings, and frees its quota slot, in one transaction. */
  async deleteRepository(ctx: GraphQLContext, id: string): Promise<CreateRepositoryResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const repository = await lockOwnRow(em, RepositoryEntity, 'Repository', project.id, id);
      if (repository.deletedAt !== null) return { repository, userErrors: [] };
      const now = new Date();
      await em.getRepository(RepositoryEntity).update({ id }, { deletedAt: now, updatedAt: now });
      const mappings = await em
        .createQueryBuilder()
        .update(ServiceMappingEntity)
        .set({ deletedAt: now, updatedAt: now })
        .where('repositoryId = :id AND projectId = :projectId AND deletedAt IS NULL', { id, projectId: project.id })
        .execute();
      await releaseRepositorySlots(em, project.id, 1, { mappings: -(mappings.affected ?? 0) });
      return { repository: Object.assign(repository, { deletedAt: now, updatedAt: now }), userErrors: [] };
    });
  }

  async restoreRepository(ctx: GraphQLContext, id: string): Promise<CreateRepositoryResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    try {
      return await inTransaction(ctx, async (em) => {
        const repository = await lockOwnRow(em, RepositoryEntity, 'Repository', project.id, id);
        if (repository.deletedAt === null) return { repository, userErrors: [] };
        if (repository.repoConnectionId !== null) {
          const connection = await em.getRepository(RepoConnectionEntity).findOneByOrFail({ id: repository.repoConnectionId });
          if (connection.deletedAt !== null) {
            return { repository: null, userErrors: [userError(UserErrorCode.CONFLICT, ['id'], 'The repo connection of this repository is deleted')] };
          }
        }
        const quotaError = await reserveRepositorySlots(em, this.config, tenant, project.id, 1, ['id']);
        if (quotaError) return { repository: null, userErrors: [quotaError] };
        const now = new Date();
        await em.getRepository(RepositoryEntity).update({ id }, { deletedAt: null, updatedAt: now });
        return { repository: Object.assign(repository, { deletedAt: null, updatedAt: now }), userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_repositories_live_path')) {
        return { repository: null, userErrors: [userError(UserErrorCode.CONFLICT, ['id'], 'A live repository of the project has the same path')] };
      }
      throw error;
    }
  }
}
