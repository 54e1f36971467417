import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PlanName } from '../../config';

export type TenantKind = 'organization' | 'personal';

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'enum', enum: ['organization', 'personal'] })
  kind: TenantKind;

  @Column({ type: 'enum', enum: ['free', 'team', 'enterprise'] })
  plan: PlanName;

  /** Where a caller that names no project works: a session's user without a project of its own. Set at creation. */
  @Column({ name: 'default_project_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  defaultProjectId: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
