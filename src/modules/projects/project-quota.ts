import type { EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { ProjectEntity, type TenantEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';

export function repositoryQuota(config: Config, tenant: TenantEntity): number | null {
  return config.planQuotas[tenant.plan];
}

/**
 * Reserves `count` repository slots with one guarded UPDATE on the project row: it only matches
 * while the project stays within its plan, and its row lock serialises every writer of the
 * project until the transaction ends, so no interleaving can pass the limit (no gap locks).
 * Returns a QUOTA_EXCEEDED user error when the slots are not there.
 */
export async function reserveRepositorySlots(
  em: EntityManager,
  config: Config,
  tenant: TenantEntity,
  projectId: string,
  count: number,
  field: string[] | null,
): Promise<UserError | null> {
  if (count <= 0) return null;
  const quota = repositoryQuota(config, tenant);
  const qb = em
    .createQueryBuilder()
    .update(ProjectEntity)
    .set({ repositoryCount: () => `repository_count + ${Number(count)}` })
    .where('id = :projectId', { projectId });
  if (quota !== null) qb.andWhere('repository_count + :count <= :quota', { count, quota });
  const result = await qb.updateEntity(false).execute();
  if ((result.affected ?? 0) === 1) return null;
  const project = await em.getRepository(ProjectEntity).findOneByOrFail({ id: projectId });
  return userError(
    UserErrorCode.QUOTA_EXCEEDED,
    field,
    `The ${tenant.plan} plan allows ${quota} repositories per project; this project has ${project.repositoryCount} and the request adds ${count}`,
  );
}

export async function releaseRepositorySlots(em: EntityManager, projectId: string, count: number): Promise<void> {
  if (count <= 0) return;
  await em
    .createQueryBuilder()
    .update(ProjectEntity)
    .set({ repositoryCount: () => `GREATEST(CAST(repository_count AS SIGNED) - ${Number(count)}, 0)` })
    .where('id = :projectId', { projectId })
    .updateEntity(false)
    .execute();
}
