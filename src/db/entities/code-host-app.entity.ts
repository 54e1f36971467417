import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Platform } from './repo-connection.entity';

/** A GitHub App, or an OAuth application of GitHub, GitLab (per host) or Bitbucket (a consumer). */
export type CodeHostAppKind = 'github_app' | 'oauth_app';

/** An app the operator registered (configuration or `npm run admin -- app:register`); its secrets are sealed. */
@Entity('code_host_apps')
export class CodeHostAppEntity {
  /** `app_` + a UUIDv7 in hex. */
  @PrimaryColumn({ type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ type: 'enum', enum: ['github_app', 'oauth_app'] })
  kind: CodeHostAppKind;

  @Column({ type: 'enum', enum: ['github', 'gitlab', 'bitbucket'] })
  host: Platform;

  /** The host's web root (`https://github.com`, a GHES or self-managed GitLab origin, `https://bitbucket.org`). */
  @Column({ name: 'base_url', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  baseUrl: string;

  /** A GitHub App's numeric id (the JWT's `iss`); null for OAuth applications. */
  @Column({ name: 'github_app_id', type: 'varchar', length: 32, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  githubAppId: string | null;

  /** A GitHub App's slug (its installation page is `/apps/<slug>/installations/new`). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  slug: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  clientId: string;

  @Column({ name: 'client_secret_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  clientSecretKeyId: string;

  @Column({ name: 'client_secret_ciphertext', type: 'varbinary', length: 8192 })
  clientSecretCiphertext: Buffer;

  @Column({ name: 'private_key_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  privateKeyKeyId: string | null;

  /** A GitHub App's private key (PEM), sealed. */
  @Column({ name: 'private_key_ciphertext', type: 'blob', nullable: true })
  privateKeyCiphertext: Buffer | null;

  @Column({ name: 'webhook_secret_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  webhookSecretKeyId: string | null;

  @Column({ name: 'webhook_secret_ciphertext', type: 'varbinary', length: 8192, nullable: true })
  webhookSecretCiphertext: Buffer | null;

  /** The webhook secret a rotation replaced, sealed under its own AAD; accepted until `previousWebhookSecretValidUntil`. */
  @Column({ name: 'previous_webhook_secret_key_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  previousWebhookSecretKeyId: string | null = null;

  @Column({ name: 'previous_webhook_secret_ciphertext', type: 'varbinary', length: 8192, nullable: true })
  previousWebhookSecretCiphertext: Buffer | null = null;

  @Column({ name: 'previous_webhook_secret_valid_until', type: 'datetime', precision: 3, nullable: true })
  previousWebhookSecretValidUntil: Date | null = null;

  /** When the current webhook secret was set (null: never, or before rotations were recorded). */
  @Column({ name: 'webhook_secret_rotated_at', type: 'datetime', precision: 3, nullable: true })
  webhookSecretRotatedAt: Date | null = null;

  /** `config`: written from the environment at every start; `admin`: registered with the admin command line. */
  @Column({ type: 'enum', enum: ['config', 'admin'] })
  source: 'config' | 'admin';

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
