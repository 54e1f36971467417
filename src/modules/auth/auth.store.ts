import type { EntityManager } from 'typeorm';
import { ApiKeyEntity, SessionEntity, UserEntity } from '../../db/entities';
import { readRows } from '../../db/rows';

/** A joined authentication row: the credential's columns, its tenant's as `t_…`, the project's as `p_…`. */
export type AuthRow = Record<string, unknown>;

/** The tenant's and the joined project's columns, as `t_…` and `p_…`. */
const TENANT_AND_PROJECT = `t.id AS t_id, t.name AS t_name, t.kind AS t_kind, t.plan AS t_plan, t.default_project_id AS t_default_project_id,
  t.created_at AS t_created_at, t.updated_at AS t_updated_at,
  p.id AS p_id, p.tenant_id AS p_tenant_id, p.name AS p_name, p.repository_count AS p_repository_count,
  p.created_at AS p_created_at, p.updated_at AS p_updated_at`;

/**
 * The SQL of the credentials and the people behind them: `api_keys`, `sessions`, `users`. A
 * request is authenticated with one statement on the unique hash index; the rest is the admin side.
 */
export class AuthStore {
  /**
   * One statement: the key by its hash, its tenant, and the project it works in (its own, else
   * `projectId`) joined within the tenant, so a project of another tenant never matches.
   */
  async apiKeyWithScope(db: EntityManager, hash: Buffer, projectId: string | null): Promise<AuthRow | undefined> {
    const [row] = (await readRows(
      db,
      `SELECT k.id AS key_id, k.key_hash, k.project_id AS key_project_id, k.permissions, k.revoked_at, ${TENANT_AND_PROJECT}
       FROM api_keys k
       JOIN tenants t ON t.id = k.tenant_id
       LEFT JOIN projects p ON p.tenant_id = k.tenant_id AND p.id = COALESCE(k.project_id, ?)
       WHERE k.key_hash = ?`,
      [projectId, hash],
    )) as AuthRow[];
    return row;
  }

  /**
   * One statement: the session by its hash, its user, the tenant, and the project it works in
   * (`projectId`, else the user's own project, else the tenant's default project).
   */
  async sessionWithScope(db: EntityManager, hash: Buffer, projectId: string | null): Promise<AuthRow | undefined> {
    const [row] = (await readRows(
      db,
      `SELECT s.token_hash, s.revoked_at, s.expires_at, u.id AS user_id, u.default_project_id AS user_project_id, ${TENANT_AND_PROJECT}
       FROM sessions s
       JOIN users u ON u.id = s.user_id
       JOIN tenants t ON t.id = u.tenant_id
       LEFT JOIN projects p ON p.tenant_id = t.id AND p.id = COALESCE(?, u.default_project_id, t.default_project_id)
       WHERE s.token_hash = ?`,
      [projectId, hash],
    )) as AuthRow[];
    return row;
  }

  async insertApiKey(db: EntityManager, apiKey: ApiKeyEntity): Promise<void> {
    await db.getRepository(ApiKeyEntity).insert(apiKey);
  }

  async apiKeyById(db: EntityManager, id: string): Promise<ApiKeyEntity | null> {
    return db.getRepository(ApiKeyEntity).findOneBy({ id });
  }

  async revokeApiKey(db: EntityManager, id: string, at: Date): Promise<void> {
    await db.getRepository(ApiKeyEntity).update({ id }, { revokedAt: at });
  }

  async userByEmail(db: EntityManager, email: string): Promise<UserEntity | null> {
    return db.getRepository(UserEntity).findOneBy({ email });
  }

  async userExistsWithEmail(db: EntityManager, email: string): Promise<boolean> {
    return db.getRepository(UserEntity).existsBy({ email });
  }

  async insertUser(db: EntityManager, user: UserEntity): Promise<void> {
    await db.getRepository(UserEntity).insert(user);
  }

  async userById(db: EntityManager, id: string): Promise<UserEntity | null> {
    return db.getRepository(UserEntity).findOneBy({ id });
  }

  async insertSession(db: EntityManager, session: SessionEntity): Promise<void> {
    await db.getRepository(SessionEntity).insert(session);
  }
}
