import type { DataSource } from 'typeorm';
import { ProjectEntity, TenantEntity } from '../db/entities';
import { TenancyService } from '../modules/tenancy/tenancy.service';

export const DEMO_TENANT_NAME = 'repolink demo';

export type DemoAccount =
  | { created: true; tenantId: string; projectId: string; apiKey: string }
  | { created: false; tenantId: string; projectId: string };

/** Makes sure a fresh install has something to use at once: a demo tenant, project and key. */
export async function ensureDemoAccount(dataSource: DataSource): Promise<DemoAccount> {
  const existing = await dataSource.getRepository(TenantEntity).findOneBy({ name: DEMO_TENANT_NAME });
  if (existing) {
    const project = await dataSource.getRepository(ProjectEntity).findOneOrFail({ where: { tenantId: existing.id }, order: { createdAt: 'ASC' } });
    return { created: false, tenantId: existing.id, projectId: project.id };
  }
  const tenancy = new TenancyService(dataSource);
  const tenant = await tenancy.createTenant({ name: DEMO_TENANT_NAME, kind: 'organization', plan: 'team' });
  const project = await tenancy.createProject({ tenantId: tenant.id, name: 'demo' });
  const { secret } = await tenancy.createApiKey({ projectId: project.id, permissions: ['config:read', 'config:write'] });
  return { created: true, tenantId: tenant.id, projectId: project.id, apiKey: secret };
}
