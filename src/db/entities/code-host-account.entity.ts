import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { Platform } from './repo-connection.entity';

export type CodeHostAccountKind = 'github_app_installation' | 'oauth' | 'api_token' | 'access_token';
export type CodeHostAccountStatus = 'active' | 'suspended' | 'needs_reauthorization' | 'revoked';
export type ReconcileOutcome = 'complete' | 'partial_listing' | 'credential_failing' | 'stopped';

/** What GitHub says about an installation (`GET /user/installations`, the token it mints). */
export interface InstallationFacts {
  /** The user or organization the app is installed on. */
  accountLogin: string | null;
  /** `Organization` or `User`. */
  targetType: string | null;
  /** `all` or `selected` repositories. */
  repositorySelection: string | null;
  /** Permission name → `read` / `write` / `admin`. */
  permissions: Record<string, string>;
  suspendedAt: string | null;
}

const json = <T>(): ValueTransformer => ({
  to: (value: T | null | undefined) => (value === null || value === undefined ? null : JSON.stringify(value)),
  from: (value: string | null) => (value ? (JSON.parse(value) as T) : null),
});

/**
 * A tenant's account on a code host: a GitHub App installation, an OAuth authorization, or a
 * pasted Bitbucket API token / access token. Tokens are sealed with the credential cipher, each
 * under its own additional authenticated data (`codeHostAccountAad`), and never leave the
 * service that opens them. The lease columns fence the one refresh or mint that may run at a time.
 */
@Entity('code_host_accounts')
export class CodeHostAccountEntity {
  /** `cha_` + a UUIDv7 in hex. */
  @PrimaryColumn({ type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  @Column({ type: 'enum', enum: ['github_app_installation', 'oauth', 'api_token', 'access_token'] })
  kind: CodeHostAccountKind;

  @Column({ type: 'enum', enum: ['github', 'gitlab', 'bitbucket'] })
  host: Platform;

  /** The host's web root, e.g. `https://github.com` or a self-managed GitLab's origin. */
  @Column({ name: 'base_url', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  baseUrl: string;

  /** The registered app it was connected through (installations and OAuth). */
  @Column({ name: 'app_id', type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  appId: string | null;

  /** The installation id (GitHub App) or the host's id of the user who authorized (OAuth). */
  @Column({ name: 'external_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  externalId: string | null;

  /** `<app id>:<external id>`: a tenant links one installation or host user once; connecting it again renews that account. */
  @Column({ name: 'link_key', type: 'varchar', length: 160, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  linkKey: string | null;

  @Column({ type: 'enum', enum: ['active', 'suspended', 'needs_reauthorization', 'revoked'] })
  status: CodeHostAccountStatus;

  /** Why the status is not ACTIVE, in safe words (a host and a status; never a token or a body). */
  @Column({ name: 'status_reason', type: 'varchar', length: 512, nullable: true })
  statusReason: string | null;

  /** The login, username or email the host reports for the account. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  identity: string | null;

  /** The user name of HTTP Basic (a Bitbucket API token's email); not a secret. */
  @Column({ name: 'auth_username', type: 'varchar', length: 255, nullable: true })
  authUsername: string | null;

  /** Scopes as the host reports them; null when it does not say. */
  @Column({ type: 'text', nullable: true, transformer: json<string[]>() })
  scopes: string[] | null;

  @Column({ type: 'text', nullable: true, transformer: json<InstallationFacts>() })
  installation: InstallationFacts | null;

  /** `…` and the last four characters of a pasted token of 16+ characters. */
  @Column({ name: 'credential_hint', type: 'varchar', length: 16, nullable: true })
  credentialHint: string | null;

  @Column({ name: 'access_token_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  accessTokenKeyId: string | null;

  @Column({ name: 'access_token_ciphertext', type: 'varbinary', length: 8192, nullable: true })
  accessTokenCiphertext: Buffer | null;

  /** When the access token stops working; null when it does not expire. */
  @Column({ name: 'access_token_expires_at', type: 'datetime', precision: 3, nullable: true })
  accessTokenExpiresAt: Date | null;

  @Column({ name: 'refresh_token_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  refreshTokenKeyId: string | null;

  @Column({ name: 'refresh_token_ciphertext', type: 'varbinary', length: 8192, nullable: true })
  refreshTokenCiphertext: Buffer | null;

  @Column({ name: 'refresh_token_expires_at', type: 'datetime', precision: 3, nullable: true })
  refreshTokenExpiresAt: Date | null;

  /** When the access token was last minted or refreshed. */
  @Column({ name: 'refreshed_at', type: 'datetime', precision: 3, nullable: true })
  refreshedAt: Date | null;

  /** Who holds the right to refresh or mint now (one process at a time), and until when. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true })
  leaseUntil: Date | null;

  /**
   * Reconciliation (src/modules/reconciliation/): when the next run is due (null: at once; while a
   * run holds the lease, its end), the interval the schedule has reached, and how the last run
   * ended. Only ACTIVE live accounts are due (the generated `reconcile_due_at`, indexed).
   */
  @Column({ name: 'next_reconcile_at', type: 'datetime', precision: 3, nullable: true })
  nextReconcileAt: Date | null = null;

  @Column({ name: 'reconcile_interval_seconds', type: 'int', unsigned: true, nullable: true })
  reconcileIntervalSeconds: number | null = null;

  @Column({ name: 'last_reconciled_at', type: 'datetime', precision: 3, nullable: true })
  lastReconciledAt: Date | null = null;

  @Column({ name: 'last_reconcile_outcome', type: 'enum', enum: ['complete', 'partial_listing', 'credential_failing', 'stopped'], nullable: true })
  lastReconcileOutcome: ReconcileOutcome | null = null;

  /** Safe words only (counts, a host, a status); never a token or a body. */
  @Column({ name: 'last_reconcile_message', type: 'varchar', length: 512, nullable: true })
  lastReconcileMessage: string | null = null;

  /** Which process reconciles the account now, and until when (renewed while it runs). */
  @Column({ name: 'reconcile_lease_owner', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  reconcileLeaseOwner: string | null = null;

  @Column({ name: 'reconcile_lease_until', type: 'datetime', precision: 3, nullable: true })
  reconcileLeaseUntil: Date | null = null;

  @Column({ name: 'created_by_user_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  createdByUserId: string | null;

  @Column({ name: 'created_by_api_key_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  createdByApiKeyId: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt: Date | null;
}
