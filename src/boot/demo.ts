import type { DataSource } from 'typeorm';
import { TenancyService } from '../modules/tenancy/tenancy.service';

export const DEMO_TENANT_NAME = 'repolink demo';

export type DemoAccount =
  | { created: true; tenantId: string; projectId: string; apiKey: string }
  | { created: false; tenantId: string; projectId: string };

/** Makes sure a fresh install has something to use at once: a demo tenant, project and key. */
export async function ensureDemoAccount(dataSource: DataSource): Promise<DemoAccount> {
  const tenancy = new TenancyService(dataSource);
  const existing = await tenancy.tenantByName(DEMO_TENANT_NAME);
  if (existing) return { created: false, tenantId: existing.id, projectId: await tenancy.defaultProjectId(existing) };
  const tenant = await tenancy.createTenant({ name: DEMO_TENANT_NAME, kind: 'organization', plan: 'team', defaultProjectName: 'demo' });
  const projectId = tenant.defaultProjectId!;
  const { secret } = await tenancy.createApiKey({ projectId, permissions: ['config:read', 'config:write'] });
  return { created: true, tenantId: tenant.id, projectId, apiKey: secret };
}

/**
 * What `npm start` and `npm run cluster` print once they listen: the endpoints, and the demo key on
 * first start (a way to make a new one after). `adminPrefix` is put before `npm run admin` when the
 * admin command needs a DATABASE_URL to find the database.
 */
export function welcomeLines(url: string, demo: DemoAccount | null, adminPrefix = ''): string[] {
  const endpoint = `${url}/graphql`;
  const lines = [
    `  GraphQL + playground: ${endpoint}  (open it in a browser and paste the API key)`,
    `  REST shim: ${url}/v1/config/repos  ${url}/api/repos`,
    `  health: ${url}/healthz   readiness: ${url}/readyz`,
  ];
  if (demo?.created) {
    lines.push(
      '',
      'Demo account created (this key is shown only now; keep it):',
      `  tenant  ${demo.tenantId}`,
      `  project ${demo.projectId}`,
      `  API key ${demo.apiKey}`,
      '',
      'Try it:',
      `  curl -s ${endpoint} -H 'Content-Type: application/json' -H 'Authorization: Bearer ${demo.apiKey}' \\`,
      `    -d '{"query":"{ viewer { tenant { name plan } project { id name } permissions } }"}'`,
    );
  } else if (demo) {
    lines.push(
      '',
      `Demo project ${demo.projectId}; its key was printed on first start. A new one:`,
      `  ${adminPrefix}npm run admin -- apikey:create --project ${demo.projectId} --permissions config:read,config:write`,
    );
  }
  return lines;
}
