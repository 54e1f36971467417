import type { EntityManager } from 'typeorm';
import type { Config } from '../../config';
import type { TenantEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { ProjectCountersStore } from './project-counters.store';

/** How many repositories the tenant's plan allows in one project; null is unlimited. */
export function repositoryQuota(config: Config, tenant: TenantEntity): number | null {
  return config.planQuotas[tenant.plan];
}

/** The plan's repository quota, enforced on the project's counters (project-counters.store.ts). */
export class Quota {
  constructor(
    private readonly config: Config,
    private readonly counters: ProjectCountersStore,
  ) {}

  /**
   * Reserves `count` repository slots with one guarded UPDATE on the project row (see
   * ProjectCountersStore.apply). The same statement applies `also` to the other counters (a
   * connectRepos adds its connection and its mappings), and `also.releasing` repository slots freed
   * earlier in the same transaction (an update that removes some repositories and adds others): the
   * guard then counts the project as it is after the removal, exactly as a release followed by a
   * reservation would. Returns a QUOTA_EXCEEDED user error when the slots are not there.
   */
  async reserveRepositorySlots(
    em: EntityManager,
    tenant: TenantEntity,
    projectId: string,
    count: number,
    field: string[] | null,
    also: { connections?: number; mappings?: number; releasing?: number } = {},
  ): Promise<UserError | null> {
    const releasing = Math.max(0, also.releasing ?? 0);
    const reserving = Math.max(0, count);
    const quota = reserving > 0 ? repositoryQuota(this.config, tenant) : null;
    const changes = { repositories: reserving - releasing, connections: also.connections, mappings: also.mappings };
    if (await this.counters.apply(em, projectId, changes, quota === null ? null : { adding: reserving - releasing, quota })) return null;
    const repositoryCount = await this.counters.repositoryCount(em, projectId);
    return userError(
      UserErrorCode.QUOTA_EXCEEDED,
      field,
      `The ${tenant.plan} plan allows ${quota} repositories per project; this project has ${Math.max(repositoryCount - releasing, 0)} and the request adds ${count}`,
    );
  }

  /**
   * Frees `count` repository slots and applies `also` (negative: connections and mappings
   * soft-deleted with them) in one UPDATE of the project row; no statement when nothing changes.
   */
  async releaseRepositorySlots(em: EntityManager, projectId: string, count: number, also: { connections?: number; mappings?: number } = {}): Promise<void> {
    await this.counters.change(em, projectId, { repositories: -Math.max(0, count), ...also });
  }
}
