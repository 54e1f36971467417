import type { DataSource, EntityManager } from 'typeorm';
import { retryTransaction } from '../../db/transaction';

const NOW = 'UTC_TIMESTAMP(3)';

/** Why a link did not sign anyone in. */
export type LinkRefusal = 'unknown' | 'expired' | 'used';

export interface LinkUser {
  id: string;
  tenantId: string;
  email: string;
}

/**
 * The SQL of sign-in links (`sign_in_links`) and of the sessions they open and close. Times are the
 * database's, so the CLI that makes a link and any server process that consumes it agree on its
 * expiry. Every statement runs on an index: the primary keys, `uq_sign_in_links_hash`,
 * `uq_sessions_hash`, `uq_users_email`, `ix_sign_in_links_expires`.
 */
export class SignInLinkStore {
  constructor(private readonly dataSource: DataSource) {}

  async userById(id: string): Promise<LinkUser | null> {
    const [row] = await this.dataSource.query('SELECT id, tenant_id AS tenantId, email FROM users WHERE id = ?', [id]);
    return row ?? null;
  }

  async userByEmail(email: string): Promise<LinkUser | null> {
    const [row] = await this.dataSource.query('SELECT id, tenant_id AS tenantId, email FROM users WHERE email = ?', [email]);
    return row ?? null;
  }

  /** Stores a new link; returns when it expires (database time). */
  async insert(row: { id: string; userId: string; tenantId: string; tokenHash: Buffer; ttlMinutes: number; sessionTtlHours: number }): Promise<Date> {
    await this.dataSource.query(
      `INSERT INTO sign_in_links (id, user_id, tenant_id, token_hash, session_ttl_hours, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ${NOW}, DATE_ADD(${NOW}, INTERVAL ? SECOND))`,
      [row.id, row.userId, row.tenantId, row.tokenHash, row.sessionTtlHours, Math.round(row.ttlMinutes * 60)],
    );
    const [stored] = await this.dataSource.query('SELECT expires_at AS expiresAt FROM sign_in_links WHERE id = ?', [row.id]);
    return stored.expiresAt as Date;
  }

  /**
   * Consumes a link and opens its session, in one transaction. The guarded UPDATE is the only
   * judge: of two requests with one link, exactly one changes the row (InnoDB locks it), the other
   * changes nothing and gets no session. Returns null when nothing was consumed.
   */
  async consume(tokenHash: Buffer, session: { id: string; tokenHash: Buffer }): Promise<{ userId: string; tenantId: string; expiresAt: Date } | null> {
    return retryTransaction(() => this.dataSource.transaction(async (em: EntityManager) => {
      const result = await em.query(
        `UPDATE sign_in_links SET used_at = ${NOW}, session_id = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ${NOW}`,
        [session.id, tokenHash],
      );
      if (affectedRows(result) !== 1) return null;
      const [link] = await em.query('SELECT user_id AS userId, tenant_id AS tenantId, session_ttl_hours AS hours FROM sign_in_links WHERE token_hash = ?', [tokenHash]);
      await em.query(
        `INSERT INTO sessions (id, user_id, tenant_id, token_hash, created_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ${NOW}, DATE_ADD(${NOW}, INTERVAL ? HOUR), NULL)`,
        [session.id, link.userId, link.tenantId, session.tokenHash, link.hours],
      );
      const [opened] = await em.query('SELECT expires_at AS expiresAt FROM sessions WHERE id = ?', [session.id]);
      return { userId: link.userId as string, tenantId: link.tenantId as string, expiresAt: opened.expiresAt as Date };
    }));
  }

  /** Why a link was not consumed (read after the guarded UPDATE refused it). */
  async refusal(tokenHash: Buffer): Promise<LinkRefusal> {
    const [row] = await this.dataSource.query(`SELECT used_at IS NOT NULL AS used FROM sign_in_links WHERE token_hash = ?`, [tokenHash]);
    if (!row) return 'unknown';
    return Number(row.used) === 1 ? 'used' : 'expired';
  }

  /** Ends a session server-side; true when a live session was ended. */
  async revokeSession(tokenHash: Buffer): Promise<boolean> {
    const result = await this.dataSource.query(`UPDATE sessions SET revoked_at = ${NOW} WHERE token_hash = ? AND revoked_at IS NULL`, [tokenHash]);
    return affectedRows(result) === 1;
  }

  /** Links that expired a day ago or more (a used link is kept as long, to tell "already used" from "unknown"). */
  async purgeExpired(): Promise<void> {
    await this.dataSource.query(`DELETE FROM sign_in_links WHERE expires_at < DATE_SUB(${NOW}, INTERVAL 1 DAY) ORDER BY expires_at LIMIT 10000`);
  }
}

function affectedRows(result: unknown): number {
  // TypeORM's mysql driver answers a raw UPDATE with mysql2's ResultSetHeader.
  return Number((result as { affectedRows?: number }).affectedRows ?? 0);
}
