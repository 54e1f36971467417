import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A one-time, expiring link that signs a user in to the dashboard (made by the admin CLI or the demo start). */
@Entity('sign_in_links')
export class SignInLinkEntity {
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'user_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  userId: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  /** SHA-256 of the link's token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'binary', length: 32 })
  tokenHash: Buffer;

  /** How long the session the link opens lasts. */
  @Column({ name: 'session_ttl_hours', type: 'smallint', unsigned: true })
  sessionTtlHours: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;

  /** Set once, by the request that consumed the link; a used link never works again. */
  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt: Date | null;

  @Column({ name: 'session_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  sessionId: string | null;
}
