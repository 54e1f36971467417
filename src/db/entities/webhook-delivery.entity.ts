import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Platform } from './repo-connection.entity';

/** What became of a delivery: `queued` until processed, then `processed`, `ignored` (nothing to do) or `failed`. */
export type WebhookDeliveryStatus = 'queued' | 'processed' | 'ignored' | 'failed';

/**
 * One verified delivery from a code host, as received. The primary key clusters an endpoint's
 * deliveries in arrival order; `(sourceId, deliveryKey)` is unique, so a redelivery is recorded once.
 * The body is kept gzipped until it is processed.
 */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  /** The endpoint that received it: a hook (`wh_…`) or a registered GitHub App (`app_…`). */
  @PrimaryColumn({ name: 'source_id', type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  sourceId: string;

  /** The GitHub App installation an app delivery is about; '' for hook deliveries and app deliveries without one. */
  @PrimaryColumn({ name: 'installation_key', type: 'varchar', length: 20, charset: 'ascii', collation: 'ascii_bin', default: '' })
  installationKey: string;

  /** A UUIDv7 made when it arrived (time-ordered). */
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  /** The host's id of the delivery (`X-GitHub-Delivery`, GitLab's `Idempotency-Key`, Bitbucket's `X-Request-UUID`), else `sha256:` of the body. */
  @Column({ name: 'delivery_key', type: 'varchar', length: 100, charset: 'ascii', collation: 'ascii_bin' })
  deliveryKey: string;

  @Column({ type: 'enum', enum: ['github', 'gitlab', 'bitbucket'] })
  host: Platform;

  /** The host's event name (`push`, `Push Hook`, `repo:push`…). */
  @Column({ type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  event: string;

  /** The body's `action` (GitHub) or `event_name` (GitLab), when it has one. */
  @Column({ type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  action: string | null;

  /** The host's id of the repository the delivery is about (GitHub and GitLab numeric ids, Bitbucket's `{uuid}`). */
  @Column({ name: 'repository_host_id', type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  repositoryHostId: string | null;

  /** The repository's path on the host when the delivery was sent (`owner/repo`, `group/sub/project`, `workspace/slug`). */
  @Column({ name: 'repository_full_name', type: 'varchar', length: 512, nullable: true })
  repositoryFullName: string | null;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt: Date;

  @Column({ type: 'enum', enum: ['queued', 'processed', 'ignored', 'failed'] })
  status: WebhookDeliveryStatus;

  /** What processing did or why it did nothing, in words safe to show. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  outcome: string | null;

  @Column({ name: 'processed_at', type: 'datetime', precision: 3, nullable: true })
  processedAt: Date | null;

  /** The size of the body as received. */
  @Column({ name: 'body_bytes', type: 'int', unsigned: true })
  bodyBytes: number;

  /** The body as received, gzipped; null once processed (or when it was too large to keep). */
  @Column({ name: 'body_gzip', type: 'mediumblob', nullable: true })
  bodyGzip: Buffer | null;
}
