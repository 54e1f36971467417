import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('projects')
export class ProjectEntity {
  @PrimaryColumn({ type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Live repositories in the project: the guarded counter that enforces the plan quota. */
  @Column({ name: 'repository_count', type: 'int', unsigned: true, default: 0 })
  repositoryCount: number;

  /** Live repo connections in the project (src/modules/tenancy/project-counters.store.ts keeps it exact). */
  @Column({ name: 'connection_count', type: 'int', unsigned: true, default: 0 })
  connectionCount: number;

  /** Live service mappings in the project. */
  @Column({ name: 'mapping_count', type: 'int', unsigned: true, default: 0 })
  mappingCount: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
