import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('idempotency_records')
export class IdempotencyRecordEntity {
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  /** Who may replay it: `apikey:<id>` or `user:<id>`; another caller's identical key never matches. */
  @Column({ type: 'varchar', length: 80, charset: 'ascii', collation: 'ascii_bin' })
  scope: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  idempotencyKey: string;

  /** SHA-256 of the operation and its arguments: the same key with another body is refused. */
  @Column({ name: 'request_hash', type: 'binary', length: 32 })
  requestHash: Buffer;

  /** The claim token of the request that runs it; only that request stores the response. */
  @Column({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  owner: string | null;

  /** Until when an in-flight claim holds; a request that died mid-way loses its claim after it. */
  @Column({ name: 'locked_until', type: 'datetime', precision: 3, nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'response_status', type: 'smallint', unsigned: true, nullable: true })
  responseStatus: number | null;

  @Column({ name: 'response_body', type: 'mediumtext', nullable: true })
  responseBody: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;
}
