import { Column, Entity, PrimaryColumn } from 'typeorm';

export type Platform = 'github' | 'gitlab' | 'bitbucket';
export type SyncStatus = 'never' | 'pending' | 'ok' | 'error';

@Entity('repo_connections')
export class RepoConnectionEntity {
  /** `rc_` + a UUIDv7 in hex. */
  @PrimaryColumn({ type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  @Column({ name: 'project_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  projectId: string;

  @Column({ type: 'enum', enum: ['github', 'gitlab', 'bitbucket'] })
  platform: Platform;

  /** Id of the encryption key that sealed `credentialsCiphertext`, so keys can rotate; null for a connection through an account. */
  @Column({ name: 'credentials_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  credentialsKeyId: string | null;

  /** AES-256-GCM: version | IV | tag | ciphertext, bound to this row's identity as AAD; null for a connection through an account. */
  @Column({ name: 'credentials_ciphertext', type: 'varbinary', length: 8192, nullable: true })
  credentialsCiphertext: Buffer | null;

  /** A masked hint (last 4 characters of the token) a person can recognise; never the secret. Null for a connection through an account. */
  @Column({ name: 'credentials_hint', type: 'varchar', length: 16, nullable: true })
  credentialsHint: string | null;

  /**
   * The tenant's code-host account the connection reads its host through (its current token, fetched
   * at each use); null when it has credentials of its own. Exactly one of the two (a CHECK says so).
   */
  @Column({ name: 'code_host_account_id', type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  codeHostAccountId: string | null = null;

  @Column({ name: 'base_url', type: 'varchar', length: 2048, nullable: true })
  baseUrl: string | null;

  @Column({ name: 'lookback_days', type: 'smallint', unsigned: true })
  lookbackDays: number;

  @Column({ name: 'cache_invalidated_at', type: 'datetime', precision: 3, nullable: true })
  cacheInvalidatedAt: Date | null;

  /** NEVER until a sync ran; PENDING while one is queued or running; then OK or ERROR. */
  @Column({ name: 'sync_status', type: 'enum', enum: ['never', 'pending', 'ok', 'error'] })
  syncStatus: SyncStatus = 'never';

  @Column({ name: 'synced_at', type: 'datetime', precision: 3, nullable: true })
  syncedAt: Date | null = null;

  /** Safe words only (a host, a status); never a credential or a response body. */
  @Column({ name: 'sync_error', type: 'varchar', length: 1024, nullable: true })
  syncError: string | null = null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt: Date | null;
}
