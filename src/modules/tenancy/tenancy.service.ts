import type { DataSource } from 'typeorm';
import type { PlanName } from '../../config';
import { ApiKeyEntity, ProjectEntity, SessionEntity, TenantEntity, UserEntity } from '../../db/entities';
import type { Permission } from '../../db/entities/api-key.entity';
import type { TenantKind } from '../../db/entities/tenant.entity';
import { uuidv7 } from '../../lib/ids';
import { isDuplicateKey } from '../../db/transaction';
import { PERMISSIONS } from '../auth/auth.service';
import { AuthStore } from '../auth/auth.store';
import { API_KEY_PREFIX, SESSION_TOKEN_PREFIX, displayPrefix, hashToken, newToken } from '../auth/tokens';
import { TenancyStore } from './tenancy.store';

export class TenancyInputError extends Error {}

/** The name of the project every tenant gets at its creation. */
export const DEFAULT_PROJECT_NAME = 'Default';

const PLANS: PlanName[] = ['free', 'team', 'enterprise'];
const KINDS: TenantKind[] = ['organization', 'personal'];

function requireName(name: string | undefined, what: string): string {
  const trimmed = name?.trim() ?? '';
  if (trimmed.length < 1 || trimmed.length > 200) throw new TenancyInputError(`${what} name must be 1 to 200 characters`);
  return trimmed;
}

/** Creates the accounts side of repolink: tenants, projects, API keys, users and sessions (admin CLI, demo, tests). */
export class TenancyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stores: { tenancy: TenancyStore; auth: AuthStore } = { tenancy: new TenancyStore(), auth: new AuthStore() },
  ) {}

  private get db() {
    return this.dataSource.manager;
  }

  /**
   * A tenant and its default project, in one transaction: every tenant has a project to work in
   * from its creation, so a session that names no project always has one.
   */
  async createTenant(input: { name: string; kind?: string; plan?: string; defaultProjectName?: string }): Promise<TenantEntity> {
    const kind = (input.kind ?? 'organization') as TenantKind;
    const plan = (input.plan ?? 'free') as PlanName;
    if (!KINDS.includes(kind)) throw new TenancyInputError(`--kind must be one of ${KINDS.join(', ')}`);
    if (!PLANS.includes(plan)) throw new TenancyInputError(`--plan must be one of ${PLANS.join(', ')}`);
    const name = requireName(input.name, 'Tenant');
    const projectName = requireName(input.defaultProjectName ?? DEFAULT_PROJECT_NAME, 'Project');
    const now = new Date();
    const tenant = Object.assign(new TenantEntity(), { id: uuidv7(), name, kind, plan, defaultProjectId: null as string | null, createdAt: now, updatedAt: now });
    const project = this.newProject(tenant.id, projectName, now);
    await this.dataSource.transaction(async (em) => {
      await this.stores.tenancy.insertTenant(em, tenant);
      await this.stores.tenancy.insertProject(em, project);
      await this.stores.tenancy.setDefaultProject(em, tenant.id, project.id);
    });
    tenant.defaultProjectId = project.id;
    return tenant;
  }

  async createProject(input: { tenantId: string; name: string }): Promise<ProjectEntity> {
    await this.requireTenant(input.tenantId);
    const project = this.newProject(input.tenantId, requireName(input.name, 'Project'), new Date());
    try {
      await this.stores.tenancy.insertProject(this.db, project);
    } catch (error) {
      if (isDuplicateKey(error, 'uq_projects_tenant_name')) throw new TenancyInputError(`Tenant ${input.tenantId} already has a project named ${project.name}`);
      throw error;
    }
    return project;
  }

  private newProject(tenantId: string, name: string, now: Date): ProjectEntity {
    return Object.assign(new ProjectEntity(), { id: uuidv7(), tenantId, name, repositoryCount: 0, connectionCount: 0, mappingCount: 0, createdAt: now, updatedAt: now });
  }

  /** Returns the key's secret once; only its SHA-256 is stored. */
  async createApiKey(input: { projectId?: string; tenantId?: string; permissions: string[] }): Promise<{ apiKey: ApiKeyEntity; secret: string }> {
    if (!!input.projectId === !!input.tenantId) throw new TenancyInputError('Give exactly one of --project or --tenant');
    const unknown = input.permissions.filter((p) => !(PERMISSIONS as string[]).includes(p));
    if (input.permissions.length === 0 || unknown.length > 0) {
      throw new TenancyInputError(`--permissions must list ${PERMISSIONS.join(' and/or ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
    }
    let tenantId = input.tenantId ?? null;
    if (input.projectId) {
      const project = await this.stores.tenancy.projectById(this.db, input.projectId);
      if (!project) throw new TenancyInputError(`No project ${input.projectId}`);
      tenantId = project.tenantId;
    } else {
      await this.requireTenant(tenantId!);
    }
    const secret = newToken(API_KEY_PREFIX);
    const apiKey = Object.assign(new ApiKeyEntity(), {
      id: uuidv7(),
      tenantId: tenantId!,
      projectId: input.projectId ?? null,
      prefix: displayPrefix(secret),
      keyHash: hashToken(secret),
      permissions: [...new Set(input.permissions as Permission[])].join(','),
      createdAt: new Date(),
      revokedAt: null,
    });
    await this.stores.auth.insertApiKey(this.db, apiKey);
    return { apiKey, secret };
  }

  async revokeApiKey(id: string): Promise<ApiKeyEntity> {
    const apiKey = await this.stores.auth.apiKeyById(this.db, id);
    if (!apiKey) throw new TenancyInputError(`No API key ${id}`);
    if (apiKey.revokedAt === null) {
      apiKey.revokedAt = new Date();
      await this.stores.auth.revokeApiKey(this.db, id, apiKey.revokedAt);
    }
    return apiKey;
  }

  async createUser(input: { tenantId: string; email: string; name?: string; projectId?: string }): Promise<UserEntity> {
    await this.requireTenant(input.tenantId);
    const email = input.email?.trim().toLowerCase() ?? '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 320) throw new TenancyInputError('--email must be an email address');
    // Without --project the user follows the tenant's default project (read at each request).
    if (input.projectId && !(await this.stores.tenancy.projectExistsInTenant(this.db, input.projectId, input.tenantId))) {
      throw new TenancyInputError(`No project ${input.projectId} in tenant ${input.tenantId}`);
    }
    if (await this.stores.auth.userExistsWithEmail(this.db, email)) throw new TenancyInputError(`A user with email ${email} exists`);
    const user = Object.assign(new UserEntity(), {
      id: uuidv7(),
      tenantId: input.tenantId,
      email,
      name: input.name?.trim() || null,
      defaultProjectId: input.projectId ?? null,
      createdAt: new Date(),
    });
    await this.stores.auth.insertUser(this.db, user);
    return user;
  }

  /** Returns the session token once; only its SHA-256 is stored. */
  async createSession(input: { userId: string; ttlHours?: number }): Promise<{ session: SessionEntity; token: string }> {
    const ttlHours = input.ttlHours ?? 24 * 7;
    if (!(ttlHours > 0 && ttlHours <= 24 * 365)) throw new TenancyInputError('--ttl-hours must be more than 0 and at most 8760');
    const user = await this.stores.auth.userById(this.db, input.userId);
    if (!user) throw new TenancyInputError(`No user ${input.userId}`);
    const token = newToken(SESSION_TOKEN_PREFIX);
    const now = new Date();
    const session = Object.assign(new SessionEntity(), {
      id: uuidv7(),
      userId: user.id,
      tenantId: user.tenantId,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlHours * 3600_000),
      revokedAt: null,
    });
    await this.stores.auth.insertSession(this.db, session);
    return { session, token };
  }

  /** A user of this tenant by email (emails are unique across tenants), or null. */
  async userOfTenant(tenantId: string, email: string): Promise<UserEntity | null> {
    const user = await this.stores.auth.userByEmail(this.db, email.trim().toLowerCase());
    return user?.tenantId === tenantId ? user : null;
  }

  async tenantByName(name: string): Promise<TenantEntity | null> {
    return this.stores.tenancy.tenantByName(this.db, name);
  }

  /** The project a tenant works in by default (its first one, for a tenant made before every tenant had a default). */
  async defaultProjectId(tenant: TenantEntity): Promise<string> {
    return tenant.defaultProjectId ?? (await this.stores.tenancy.firstProjectOf(this.db, tenant.id)).id;
  }

  private async requireTenant(id: string): Promise<TenantEntity> {
    const tenant = await this.stores.tenancy.tenantById(this.db, id ?? '');
    if (!tenant) throw new TenancyInputError(`No tenant ${id}`);
    return tenant;
  }
}
