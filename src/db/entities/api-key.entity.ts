import { Column, Entity, PrimaryColumn } from 'typeorm';

export type Permission = 'config:read' | 'config:write';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  /** Null for a tenant-scoped key, which names its project per request with X-Project-Id. */
  @Column({ name: 'project_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  projectId: string | null;

  /** What people call the key ("CI deploy"); null for keys made before keys had names. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  /** The first characters of the key, safe to display so a person can tell keys apart. */
  @Column({ type: 'varchar', length: 32, charset: 'ascii', collation: 'ascii_bin' })
  prefix: string;

  /** SHA-256 of the whole key; the key itself is never stored. */
  @Column({ name: 'key_hash', type: 'binary', length: 32 })
  keyHash: Buffer;

  @Column({ type: 'varchar', length: 200, charset: 'ascii', collation: 'ascii_bin' })
  permissions: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  /** When the key last authenticated a request, to the minute (written at most once a minute per process). */
  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt: Date | null;
}
