import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PlanName } from '../../src/config';
import { ProjectEntity, type TenantEntity } from '../../src/db/entities';
import type { Permission } from '../../src/db/entities/api-key.entity';
import { TenancyService } from '../../src/modules/tenancy/tenancy.service';

let counter = 0;
const unique = (label: string) => `${label} ${process.pid}-${Date.now()}-${++counter}-${randomBytes(3).toString('hex')}`;

export interface TestAccount {
  tenant: TenantEntity;
  project: ProjectEntity;
  /** A project-scoped key with the given permissions (both by default). */
  apiKey: string;
  apiKeyId: string;
}

/** A fresh tenant of its own for each test, so no test needs to clean up after another. */
export async function createAccount(
  dataSource: DataSource,
  options: { plan?: PlanName; kind?: 'organization' | 'personal'; permissions?: Permission[] } = {},
): Promise<TestAccount> {
  const tenancy = new TenancyService(dataSource);
  const tenant = await tenancy.createTenant({ name: unique('tenant'), plan: options.plan ?? 'team', kind: options.kind ?? 'organization', defaultProjectName: unique('project') });
  const project = (await dataSource.getRepository(ProjectEntity).findOneByOrFail({ id: tenant.defaultProjectId! }));
  const { apiKey, secret } = await tenancy.createApiKey({ projectId: project.id, permissions: options.permissions ?? ['config:read', 'config:write'] });
  return { tenant, project, apiKey: secret, apiKeyId: apiKey.id };
}

export async function createApiKey(dataSource: DataSource, scope: { projectId?: string; tenantId?: string }, permissions: Permission[]): Promise<string> {
  return (await new TenancyService(dataSource).createApiKey({ ...scope, permissions })).secret;
}

export async function createSessionFor(dataSource: DataSource, account: TestAccount, ttlHours?: number): Promise<{ token: string; userId: string }> {
  const tenancy = new TenancyService(dataSource);
  const user = await tenancy.createUser({ tenantId: account.tenant.id, email: `${unique('user').replace(/\W+/g, '.')}@example.com`, projectId: account.project.id });
  const { token } = await tenancy.createSession({ userId: user.id, ttlHours });
  return { token, userId: user.id };
}

export { unique };
