import type { DataSource } from 'typeorm';
import { TenancyService } from '../modules/tenancy/tenancy.service';
import { SignInLinkService, signInUrl } from '../modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../modules/auth/sign-in-link.store';

export const DEMO_TENANT_NAME = 'repolink demo';
/** The demo's person, who signs in to the dashboard with the link the start prints. */
export const DEMO_USER_EMAIL = 'demo@repolink.localhost';
/** A demo link works once, for an hour after the start that printed it. */
export const DEMO_LINK_TTL_MINUTES = 60;

interface DemoBase {
  tenantId: string;
  projectId: string;
  /** The dashboard sign-in link's token, made at this start (the link works once). */
  signInToken: string;
  userEmail: string;
}

export type DemoAccount = (DemoBase & { created: true; apiKey: string }) | (DemoBase & { created: false });

/**
 * Makes sure a fresh install has something to use at once: a demo tenant, project, key and user,
 * and a new one-time dashboard sign-in link for that user at every start.
 */
export async function ensureDemoAccount(dataSource: DataSource): Promise<DemoAccount> {
  const tenancy = new TenancyService(dataSource);
  const existing = await tenancy.tenantByName(DEMO_TENANT_NAME);
  let account: { created: true; tenantId: string; projectId: string; apiKey: string } | { created: false; tenantId: string; projectId: string };
  if (existing) {
    account = { created: false, tenantId: existing.id, projectId: await tenancy.defaultProjectId(existing) };
  } else {
    const tenant = await tenancy.createTenant({ name: DEMO_TENANT_NAME, kind: 'organization', plan: 'team', defaultProjectName: 'demo' });
    const projectId = tenant.defaultProjectId!;
    const { secret } = await tenancy.createApiKey({ projectId, permissions: ['config:read', 'config:write'] });
    account = { created: true, tenantId: tenant.id, projectId, apiKey: secret };
  }
  // Installs from before the dashboard have the demo tenant but not its person.
  const user =
    (await tenancy.userOfTenant(account.tenantId, DEMO_USER_EMAIL)) ??
    (await tenancy.createUser({ tenantId: account.tenantId, email: DEMO_USER_EMAIL, name: 'Demo user', projectId: account.projectId }));
  const link = await new SignInLinkService(new SignInLinkStore(dataSource)).issue({ userId: user.id, ttlMinutes: DEMO_LINK_TTL_MINUTES });
  return { ...account, signInToken: link.token, userEmail: user.email };
}

/**
 * What `npm start` and `npm run cluster` print once they listen: the endpoints, the demo user's
 * one-time dashboard link, and the demo key on first start (a way to make a new one after).
 * `adminPrefix` is put before `npm run admin` when the admin command needs a DATABASE_URL to find
 * the database.
 */
export function welcomeLines(url: string, demo: DemoAccount | null, adminPrefix = ''): string[] {
  const endpoint = `${url}/graphql`;
  const lines = [
    `  Dashboard: ${url}/dashboard/`,
    `  GraphQL + playground: ${endpoint}  (open it in a browser and paste the API key)`,
    `  REST shim: ${url}/v1/config/repos  ${url}/api/repos`,
    `  health: ${url}/healthz   readiness: ${url}/readyz`,
  ];
  if (demo) {
    lines.push(
      '',
      `Sign in to the dashboard as ${demo.userEmail} (this link works once, for ${DEMO_LINK_TTL_MINUTES} minutes):`,
      `  ${signInUrl(url, demo.signInToken)}`,
      `  a new link: ${adminPrefix}npm run admin -- session:create --email ${demo.userEmail} --link`,
    );
  }
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
