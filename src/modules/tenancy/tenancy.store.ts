import type { EntityManager } from 'typeorm';
import { ProjectEntity, TenantEntity } from '../../db/entities';

/** The SQL of `tenants` and the creation of `projects` rows (their counters: project-counters.store.ts). */
export class TenancyStore {
  async insertTenant(em: EntityManager, tenant: TenantEntity): Promise<void> {
    await em.getRepository(TenantEntity).insert(tenant);
  }

  async setDefaultProject(em: EntityManager, tenantId: string, projectId: string): Promise<void> {
    await em.getRepository(TenantEntity).update({ id: tenantId }, { defaultProjectId: projectId });
  }

  async tenantById(db: EntityManager, id: string): Promise<TenantEntity | null> {
    return db.getRepository(TenantEntity).findOneBy({ id });
  }

  async tenantByName(db: EntityManager, name: string): Promise<TenantEntity | null> {
    return db.getRepository(TenantEntity).findOneBy({ name });
  }

  async insertProject(em: EntityManager, project: ProjectEntity): Promise<void> {
    await em.getRepository(ProjectEntity).insert(project);
  }

  async projectById(db: EntityManager, id: string): Promise<ProjectEntity | null> {
    return db.getRepository(ProjectEntity).findOneBy({ id });
  }

  async projectExistsInTenant(db: EntityManager, projectId: string, tenantId: string): Promise<boolean> {
    return db.getRepository(ProjectEntity).existsBy({ id: projectId, tenantId });
  }

  /** A tenant's first project (for a tenant made before every tenant had a default project). */
  async firstProjectOf(db: EntityManager, tenantId: string): Promise<ProjectEntity> {
    return db.getRepository(ProjectEntity).findOneOrFail({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }
}
