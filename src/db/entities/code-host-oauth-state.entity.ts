import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Platform } from './repo-connection.entity';

export type CodeHostFlowPurpose = 'oauth' | 'github_app_installation';

/**
 * One browser flow in progress: found by the hash of its `state`, bound to the tenant and caller
 * that started it, consumed once (a guarded UPDATE), and useless after `expiresAt`.
 */
@Entity('code_host_oauth_states')
export class CodeHostOAuthStateEntity {
  /** UUIDv7. */
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  /** SHA-256 of the `state` sent to the host; the state itself is never stored. */
  @Column({ name: 'state_hash', type: 'binary', length: 32 })
  stateHash: Buffer;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  /** The caller that started it: `apikey:<id>` or `user:<id>`. */
  @Column({ name: 'started_by', type: 'varchar', length: 80, charset: 'ascii', collation: 'ascii_bin' })
  startedBy: string;

  @Column({ type: 'enum', enum: ['oauth', 'github_app_installation'] })
  purpose: CodeHostFlowPurpose;

  @Column({ type: 'enum', enum: ['github', 'gitlab', 'bitbucket'] })
  host: Platform;

  @Column({ name: 'base_url', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  baseUrl: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  appId: string;

  @Column({ name: 'pkce_verifier_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  pkceVerifierKeyId: string;

  @Column({ name: 'pkce_verifier_ciphertext', type: 'varbinary', length: 512 })
  pkceVerifierCiphertext: Buffer;

  /** Where the browser goes when the flow ends; null: the configured return URL, else a page of repolink's own. */
  @Column({ name: 'return_url', type: 'varchar', length: 2048, nullable: true })
  returnUrl: string | null;

  /** A GitHub App installation the setup redirect named, waiting for the user's authorization to confirm it. */
  @Column({ name: 'installation_id', type: 'varchar', length: 32, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  installationId: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'datetime', precision: 3, nullable: true })
  consumedAt: Date | null;
}
