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
    const projectId =
      existing.defaultProjectId ?? (await dataSource.getRepository(ProjectEntity).findOneOrFail({ where: { tenantId: existing.id }, order: { createdAt: 'ASC' } })).id;
    return { created: false, tenantId: existing.id, projectId };
  }
  const tenancy = new TenancyService(dataSource);
  const tenant = await tenancy.createTenant({ name: DEMO_TENANT_NAME, kind: 'organization', plan: 'team', defaultProjectName: 'demo' });
  const projectId = tenant.defaultProjectId!;
  const { secret } = await tenancy.createApiKey({ projectId, permissions: ['config:read', 'config:write'] });
  return { created: true, tenantId: tenant.id, projectId, apiKey: secret };
}
