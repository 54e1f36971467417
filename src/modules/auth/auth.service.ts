import type { DataSource } from 'typeorm';
import { ApiKeyEntity, ProjectEntity, SessionEntity, TenantEntity, UserEntity } from '../../db/entities';
import type { Permission } from '../../db/entities/api-key.entity';
import { ForbiddenError, UnauthenticatedError } from '../../errors';
import { UUID_PATTERN } from '../../lib/ids';
import { API_KEY_PREFIX, SESSION_TOKEN_PREFIX, hashToken, hashesEqual, looksLikeToken } from './tokens';
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
  constructor(private readonly dataSource: DataSource) {}

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

  private async viaApiKey(hash: Buffer, projectIdHeader: string | null): Promise<Viewer> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOne({ where: { keyHash: hash } });
    if (!key || key.revokedAt !== null || !hashesEqual(key.keyHash, hash)) throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.api_key);
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: key.tenantId });
    let projectId = key.projectId;
    if (projectId !== null && projectIdHeader !== null && projectIdHeader !== projectId) {
      throw new ForbiddenError('This API key is scoped to another project than the one X-Project-Id names');
    }
    projectId ??= projectIdHeader;
    return {
      kind: 'api_key',
      tenant,
      project: projectId === null ? null : await this.projectOfTenant(tenant.id, projectId, 'api_key'),
      permissions: parsePermissions(key.permissions),
      apiKeyId: key.id,
      userId: null,
      principal: `apikey:${key.id}`,
    };
  }

  private async viaSession(hash: Buffer, projectIdHeader: string | null, now: Date): Promise<Viewer> {
    const session = await this.dataSource.getRepository(SessionEntity).findOne({ where: { tokenHash: hash } });
    if (!session || session.revokedAt !== null || session.expiresAt <= now || !hashesEqual(session.tokenHash, hash)) {
      throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.session);
    }
    const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: session.userId });
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: user.tenantId });
    // X-Project-Id, else the user's own project, else the tenant's default project.
    const projectId = projectIdHeader ?? user.defaultProjectId ?? tenant.defaultProjectId;
    return {
      kind: 'session',
      tenant,
      project: projectId === null ? null : await this.projectOfTenant(tenant.id, projectId, 'session'),
      // A user acts for the whole tenant they belong to.
      permissions: PERMISSIONS,
      apiKeyId: null,
      userId: user.id,
      principal: `user:${user.id}`,
    };
  }

  /** A project id that is not the tenant's is refused alike whether or not it exists elsewhere. */
  private async projectOfTenant(tenantId: string, projectId: string, kind: Viewer['kind']): Promise<ProjectEntity> {
    const project = UUID_PATTERN.test(projectId)
      ? await this.dataSource.getRepository(ProjectEntity).findOne({ where: { id: projectId, tenantId } })
      : null;
    if (!project) throw new ForbiddenError(`X-Project-Id does not name a project of the account this ${CREDENTIAL_NAMES[kind]} belongs to`);
    return project;
  }
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
