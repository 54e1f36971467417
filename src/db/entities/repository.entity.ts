import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SourceType = 'git_url' | 'github' | 'gitlab' | 'bitbucket';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type SyncStatus = 'never' | 'pending' | 'ok' | 'error';

@Entity('repositories')
export class RepositoryEntity {
  /** UUIDv7. */
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  @Column({ name: 'project_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  projectId: string;

  @Column({ name: 'repo_connection_id', type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  repoConnectionId: string | null;

  /** The user who created it (Heimdall `user_id`); null when created with an API key. */
  @Column({ name: 'user_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ name: 'source_type', type: 'enum', enum: ['git_url', 'github', 'gitlab', 'bitbucket'] })
  sourceType: SourceType;

  /**
   * The repository's identity on its platform, used for the once-per-project rule: `owner/repo`
   * (GitHub), `group/sub/project` (GitLab), `workspace/slug` (Bitbucket), `host/path` for a git URL.
   */
  @Column({ type: 'varchar', length: 512 })
  path: string;

  @Column({ name: 'remote_url', type: 'varchar', length: 2048, nullable: true })
  remoteUrl: string | null;

  @Column({ name: 'default_branch', type: 'varchar', length: 255 })
  defaultBranch: string;

  @Column({ name: 'last_commit_sha', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  lastCommitSha: string | null;

  /**
   * Heimdall's `oauth_connection_id`: the tenant's code-host account (`cha_…`) a GitHub or GitLab
   * source reads its host through, linked when it was created or when a covering account was
   * connected later; null until then (and for repositories of connections, which name theirs).
   */
  @Column({ name: 'oauth_connection_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  oauthConnectionId: string | null;

  @Column({ name: 'issue_auto_create_enabled', type: 'boolean' })
  issueAutoCreateEnabled: boolean;

  @Column({ name: 'issue_auto_create_min_severity', type: 'enum', enum: ['low', 'medium', 'high', 'critical'] })
  issueAutoCreateMinSeverity: Severity;

  /** True once its platform reported it archived (a sync, a verified connect, later its webhooks). */
  @Column({ type: 'boolean' })
  archived: boolean = false;

  /**
   * The host that `hostRepositoryId` belongs to, as `platformHost()` names it (`github.com`,
   * `ghe.example.com`, `gitlab.com`, `bitbucket.org`); set together with it.
   */
  @Column({ name: 'platform_host', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  platformHost: string | null = null;

  /** The host's own id of the repository (GitHub/GitLab number as text, Bitbucket `{uuid}`): it survives renames and transfers. */
  @Column({ name: 'host_repository_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  hostRepositoryId: string | null = null;

  /** When its host reported it deleted (a webhook): marked, never dropped. */
  @Column({ name: 'host_deleted_at', type: 'datetime', precision: 3, nullable: true })
  hostDeletedAt: Date | null = null;

  /** Since when it is out of the app installation's selection (a webhook); null while reachable. */
  @Column({ name: 'host_unavailable_at', type: 'datetime', precision: 3, nullable: true })
  hostUnavailableAt: Date | null = null;

  /** The last webhook event processing applied to it: event, action, when received, the delivery's id. */
  @Column({ name: 'last_webhook_event', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  lastWebhookEvent: string | null = null;

  @Column({ name: 'last_webhook_action', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  lastWebhookAction: string | null = null;

  @Column({ name: 'last_webhook_received_at', type: 'datetime', precision: 3, nullable: true })
  lastWebhookReceivedAt: Date | null = null;

  @Column({ name: 'last_webhook_delivery_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  lastWebhookDeliveryId: string | null = null;

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
