import { RepositoryEntity, type CodeHostAccountEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { CreateRepositoryInput, QueryRepositoriesArgs, UpdateRepositoryInput } from '../../generated/schema-types';
import { uuidv7 } from '../../lib/ids';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import type { PlatformService } from '../platforms/platform.service';
import type { Quota } from '../tenancy/quota';
import type { ListOptions, Page } from '../../db/pagination';
import { inTransaction, isDuplicateKey } from '../../db/transaction';
import type { DefaultBranchResolver } from './default-branch';
import { isLinkedSource, type RepositoryAccounts } from './repository-accounts';
import { isValidBranchName } from '../../lib/validation';
import { checkCreateRepository, checkUpdateRepository } from './repository.inputs';

export interface CreateRepositoryResult {
  repository: RepositoryEntity | null;
  userErrors: UserError[];
}

export const DEFAULT_BRANCH_FALLBACK = 'main';

export class RepositoryService {
  constructor(
    private readonly stores: Pick<Stores, 'repositories' | 'repoConnections' | 'serviceMappings' | 'projectCounters'>,
    private readonly quota: Quota,
    private readonly platforms: PlatformService,
    private readonly accounts: RepositoryAccounts,
    private readonly resolveDefaultBranch: DefaultBranchResolver = async () => null,
  ) {}

  async createRepository(ctx: RequestScope, input: CreateRepositoryInput): Promise<CreateRepositoryResult> {
    const { tenant, project, viewer } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkCreateRepository(input);
    if (!checked.ok) return { repository: null, userErrors: checked.userErrors };
    const data = checked.value;
    // A GitHub or GitLab source reads its host through the caller's (else the tenant's) ACTIVE account
    // on the remote's server that can read it, asked once; none: created unlinked, as before, and
    // linked when such an account is connected (the link job).
    const covering =
      isLinkedSource(data.sourceType) && data.remoteUrl ? await this.accounts.covering(ctx.db, tenant.id, viewer.userId, data.sourceType, data.remoteUrl, data.path) : null;
    const reported = covering?.report;
    const defaultBranch =
      data.defaultBranch ??
      (reported?.defaultBranch && isValidBranchName(reported.defaultBranch) ? reported.defaultBranch : null) ??
      (await this.platforms.defaultBranchFor(ctx, project.id, data.sourceType, data.remoteUrl, data.path)) ??
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
      lastCommitSha: reported?.headCommit && /^[0-9a-f]{7,64}$/i.test(reported.headCommit) ? reported.headCommit : null,
      oauthConnectionId: covering?.account.id ?? null,
      ...(reported && {
        archived: reported.archived ?? false,
        platformHost: reported.hostRepositoryId ? covering!.platformHost : null,
        hostRepositoryId: reported.hostRepositoryId,
      }),
      issueAutoCreateEnabled: data.issueAutoCreateEnabled,
      issueAutoCreateMinSeverity: data.issueAutoCreateMinSeverity,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    try {
      return await inTransaction(ctx, async (em) => {
        const quotaError = await this.quota.reserveRepositorySlots(em, tenant, project.id, 1, null);
        if (quotaError) return { repository: null, userErrors: [quotaError] };
        await this.stores.repositories.insert(em, [repository]);
        return { repository, userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_repositories_live_path')) return conflict();
      throw error;
    }
  }

  /** The account the repository reads its host through: the one it is linked to, else its connection's (through the request's loaders). */
  async codeHostAccount(ctx: RequestScope, repository: RepositoryEntity): Promise<CodeHostAccountEntity | null> {
    const connection = repository.oauthConnectionId === null && repository.repoConnectionId !== null ? await ctx.loaders.repoConnectionById.load(repository.repoConnectionId) : null;
    const id = repository.oauthConnectionId ?? connection?.codeHostAccountId ?? null;
    return id === null ? null : ctx.loaders.codeHostAccountById.load(id);
  }

  async getById(ctx: RequestScope, id: string): Promise<RepositoryEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.repositoryById.load(id);
  }

  async list(ctx: RequestScope, args: QueryRepositoriesArgs, options: ListOptions = {}): Promise<Page<RepositoryEntity>> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    const page = await this.stores.repositories.page(ctx.db, project.id, args, () => this.stores.projectCounters.countLive(ctx.db, project.id, 'repositories'), options);
    ctx.loaders.prime(page.edges.map((e) => e.node));
    return page;
  }

  async updateRepository(ctx: RequestScope, input: UpdateRepositoryInput): Promise<CreateRepositoryResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    try {
      return await inTransaction(ctx, async (em) => {
        const repository = await this.stores.repositories.lockOwn(em, project.id, input.id);
        const { id: _id, ...fields } = input;
        const checked = await checkUpdateRepository(fields, repository);
        if (!checked.ok) return { repository: null, userErrors: checked.userErrors };
        Object.assign(repository, checked.value, { updatedAt: new Date() });
        await this.stores.repositories.update(em, repository.id, { ...checked.value, updatedAt: repository.updatedAt });
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
  async deleteRepository(ctx: RequestScope, id: string): Promise<CreateRepositoryResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const repository = await this.stores.repositories.lockOwn(em, project.id, id);
      if (repository.deletedAt !== null) return { repository, userErrors: [] };
      const now = new Date();
      await this.stores.repositories.update(em, id, { deletedAt: now, updatedAt: now });
      const mappings = await this.stores.serviceMappings.softDeleteOfRepository(em, project.id, id, now);
      await this.quota.releaseRepositorySlots(em, project.id, 1, { mappings: -mappings });
      return { repository: Object.assign(repository, { deletedAt: now, updatedAt: now }), userErrors: [] };
    });
  }

  async restoreRepository(ctx: RequestScope, id: string): Promise<CreateRepositoryResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    try {
      return await inTransaction(ctx, async (em) => {
        const repository = await this.stores.repositories.lockOwn(em, project.id, id);
        if (repository.deletedAt === null) return { repository, userErrors: [] };
        if (repository.repoConnectionId !== null) {
          const connection = await this.stores.repoConnections.byId(em, repository.repoConnectionId);
          if (connection.deletedAt !== null) {
            return { repository: null, userErrors: [userError(UserErrorCode.CONFLICT, ['id'], 'The repo connection of this repository is deleted')] };
          }
        }
        const quotaError = await this.quota.reserveRepositorySlots(em, tenant, project.id, 1, ['id']);
        if (quotaError) return { repository: null, userErrors: [quotaError] };
        const now = new Date();
        await this.stores.repositories.update(em, id, { deletedAt: null, updatedAt: now });
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
