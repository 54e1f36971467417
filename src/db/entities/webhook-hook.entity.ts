import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Platform } from './repo-connection.entity';

/**
 * A webhook endpoint of a tenant: one GitHub repository or organization hook, GitLab project or
 * group hook, or Bitbucket repository or workspace hook, posting to `/webhooks/<host>/…/<id>`. Its
 * secret is sealed under additional authenticated data naming the row (`webhookHookAad`); during a
 * rotation the previous secret is accepted until `previousSecretValidUntil`.
 */
@Entity('webhook_hooks')
export class WebhookHookEntity {
  /** `wh_` + a UUIDv7 in hex. */
  @PrimaryColumn({ type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  @Column({ type: 'enum', enum: ['github', 'gitlab', 'bitbucket'] })
  host: Platform;

  /** The host's web root (`https://github.com`, a GHES or self-managed GitLab origin, `https://bitbucket.org`). */
  @Column({ name: 'base_url', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  baseUrl: string;

  /** What the operator says the hook is for (`acme/api project hook`); never a secret. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  description: string | null;

  @Column({ name: 'secret_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  secretKeyId: string;

  @Column({ name: 'secret_ciphertext', type: 'varbinary', length: 1024 })
  secretCiphertext: Buffer;

  @Column({ name: 'previous_secret_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  previousSecretKeyId: string | null;

  @Column({ name: 'previous_secret_ciphertext', type: 'varbinary', length: 1024, nullable: true })
  previousSecretCiphertext: Buffer | null;

  /** Until when the secret replaced by the last rotation is still accepted; null when none is. */
  @Column({ name: 'previous_secret_valid_until', type: 'datetime', precision: 3, nullable: true })
  previousSecretValidUntil: Date | null;

  @Column({ name: 'secret_rotated_at', type: 'datetime', precision: 3 })
  secretRotatedAt: Date;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt: Date | null;
}
