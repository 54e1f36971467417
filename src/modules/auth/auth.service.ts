import type { DataSource } from 'typeorm';
import { ProjectEntity, TenantEntity } from '../../db/entities';
import type { Permission } from '../../db/entities/api-key.entity';
import { ForbiddenError, UnauthenticatedError } from '../../errors';
import { UUID_PATTERN } from '../../lib/ids';
import { API_KEY_PREFIX, SESSION_TOKEN_PREFIX, hashToken, hashesEqual, looksLikeToken } from './tokens';
import type { AuthRow, AuthStore } from './auth.store';
import type { ProjectScope, Viewer } from './viewer';

export interface Credentials {
  /** The bearer token: from `Authorization: Bearer …`, or the `session` cookie. */
  token: string | null;
  /** `X-Project-Id`: selects the project for a tenant-scoped key (or a session's user). */
  projectId: string | null;
}

export const PERMISSIONS: readonly Permission[] = ['config:read', 'config:write'];

/** What a request sent to authenticate, judged by the token's form alone (no lookup). */
export type CredentialKind = 'none' | 'api_key' | 'session' | 'unknown';

export function credentialKind(token: string | null): CredentialKind {
  if (token === null) return 'none';
  if (token.startsWith(API_KEY_PREFIX)) return 'api_key';
  if (token.startsWith(SESSION_TOKEN_PREFIX)) return 'session';
  return 'unknown';
}

/**
 * The 401 message for what was sent. Unknown, revoked and expired credentials of one kind get the
 * same message, so a message tells nothing about whether a token ever existed.
 */
export const UNAUTHENTICATED_MESSAGES: Record<CredentialKind, string> = {
  none: 'Authentication required: send an API key (Authorization: Bearer ss_secret_…) or a session token (the session cookie, or Authorization: Bearer rls_…)',
  api_key: 'Authentication required: the API key sent is not valid (unknown or revoked)',
  session: 'Authentication required: the session token sent is not valid (unknown, revoked or expired)',
  unknown: 'Authentication required: the bearer token sent is neither an API key (ss_secret_…) nor a session token (rls_…)',
};

const CREDENTIAL_NAMES: Record<Viewer['kind'], string> = { api_key: 'API key', session: 'session' };

export function parsePermissions(value: string): Permission[] {
  return value.split(',').map((p) => p.trim()).filter((p): p is Permission => (PERMISSIONS as string[]).includes(p));
}

/**
 * Turns request credentials into a Viewer. Unknown, revoked, expired and malformed tokens all get
 * the same UnauthenticatedError, and the token is always hashed first so they cost the same.
 */
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: AuthStore,
  ) {}

  async authenticate(credentials: Credentials, now = new Date()): Promise<Viewer | null> {
    const { token } = credentials;
    if (token === null) return null;
    const hash = hashToken(token);
    const kind = credentialKind(token);
    // A malformed key or session token is refused like an unknown one of its kind, without a lookup.
    if (kind === 'api_key' && looksLikeToken(token, API_KEY_PREFIX)) return this.viaApiKey(hash, credentials.projectId);
    if (kind === 'session' && looksLikeToken(token, SESSION_TOKEN_PREFIX)) return this.viaSession(hash, credentials.projectId, now);
    throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES[kind]);
  }

  /**
   * One statement: the key by its hash, its tenant, and the project it works in (its own, else the
   * one X-Project-Id names) joined within the tenant, so a project of another tenant never matches.
   */
  private async viaApiKey(hash: Buffer, projectIdHeader: string | null): Promise<Viewer> {
    const row = await this.store.apiKeyWithScope(this.dataSource.manager, hash, validProjectId(projectIdHeader));
    if (!row || row.revoked_at !== null || !hashesEqual(row.key_hash as Buffer, hash)) throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.api_key);
    const keyProjectId = row.key_project_id as string | null;
    if (keyProjectId !== null && projectIdHeader !== null && projectIdHeader !== keyProjectId) {
      throw new ForbiddenError('This API key is scoped to another project than the one X-Project-Id names');
    }
    const projectId = keyProjectId ?? projectIdHeader;
    return {
      kind: 'api_key',
      tenant: tenantOf(row),
      project: projectId === null ? null : projectOf(row, projectId, 'api_key'),
      permissions: parsePermissions(row.permissions as string),
      apiKeyId: row.key_id as string,
      userId: null,
      principal: `apikey:${row.key_id as string}`,
    };
  }

  /** One statement: the session by its hash, its user, the tenant, and the project it works in. */
  private async viaSession(hash: Buffer, projectIdHeader: string | null, now: Date): Promise<Viewer> {
    const row = await this.store.sessionWithScope(this.dataSource.manager, hash, projectIdHeader === null ? null : (validProjectId(projectIdHeader) ?? NO_PROJECT));
    if (!row || row.revoked_at !== null || (row.expires_at as Date) <= now || !hashesEqual(row.token_hash as Buffer, hash)) {
      throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.session);
    }
    // X-Project-Id, else the user's own project, else the tenant's default project.
    const projectId = projectIdHeader ?? (row.user_project_id as string | null) ?? (row.t_default_project_id as string | null);
    return {
      kind: 'session',
      tenant: tenantOf(row),
      project: projectId === null ? null : projectOf(row, projectId, 'session'),
      // A user acts for the whole tenant they belong to.
      permissions: PERMISSIONS,
      apiKeyId: null,
      userId: row.user_id as string,
      principal: `user:${row.user_id as string}`,
    };
  }
}

/** A project id that matches no row: a malformed X-Project-Id must not fall back to a default project. */
const NO_PROJECT = '00000000-0000-0000-0000-000000000000';

/** Only a well-formed id is sent to the database; anything else is refused after the lookup. */
function validProjectId(projectId: string | null): string | null {
  return projectId !== null && UUID_PATTERN.test(projectId) ? projectId : null;
}

function tenantOf(row: AuthRow): TenantEntity {
  return Object.assign(new TenantEntity(), {
    id: row.t_id,
    name: row.t_name,
    kind: row.t_kind,
    plan: row.t_plan,
    defaultProjectId: row.t_default_project_id,
    createdAt: row.t_created_at,
    updatedAt: row.t_updated_at,
  });
}

/** A project id that is not the tenant's is refused alike whether or not it exists elsewhere. */
function projectOf(row: AuthRow, projectId: string, kind: Viewer['kind']): ProjectEntity {
  if (!UUID_PATTERN.test(projectId) || row.p_id === null || row.p_id !== projectId) {
    throw new ForbiddenError(`X-Project-Id does not name a project of the account this ${CREDENTIAL_NAMES[kind]} belongs to`);
  }
  return Object.assign(new ProjectEntity(), {
    id: row.p_id,
    tenantId: row.p_tenant_id,
    name: row.p_name,
    repositoryCount: Number(row.p_repository_count),
    createdAt: row.p_created_at,
    updatedAt: row.p_updated_at,
  });
}

/** The project a request works in, after checking the permission it needs. */
export function requireScope(viewer: Viewer | null, permission: Permission): ProjectScope {
  if (viewer === null) throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.none);
  if (!viewer.permissions.includes(permission)) {
    throw new ForbiddenError(`This ${CREDENTIAL_NAMES[viewer.kind]} lacks the ${permission} permission`);
  }
  if (viewer.project === null) {
    throw new ForbiddenError(
      viewer.kind === 'api_key'
        ? 'A tenant-scoped API key must name the project with the X-Project-Id header'
        : "This session's account has no default project: name one with the X-Project-Id header",
    );
  }
  return { tenant: viewer.tenant, project: viewer.project, viewer };
}
