import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';

export interface StackRootValue {
  stackRoot: string;
  sourceRoot: string;
}

const json: ValueTransformer = {
  to: (value: StackRootValue[] | null | undefined) => (value && value.length > 0 ? JSON.stringify(value) : null),
  from: (value: string | null) => (value ? (JSON.parse(value) as StackRootValue[]) : []),
};

@Entity('service_mappings')
export class ServiceMappingEntity {
  /** `sm_` + a UUIDv7 in hex. */
  @PrimaryColumn({ type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin' })
  id: string;

  @Column({ name: 'tenant_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  tenantId: string;

  @Column({ name: 'project_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  projectId: string;

  @Column({ name: 'repository_id', type: 'char', length: 36, charset: 'ascii', collation: 'ascii_bin' })
  repositoryId: string;

  @Column({ name: 'repo_connection_id', type: 'varchar', length: 40, charset: 'ascii', collation: 'ascii_bin', nullable: true })
  repoConnectionId: string | null;

  @Column({ name: 'service_name', type: 'varchar', length: 255 })
  serviceName: string;

  /** Subdirectory inside the repository; "" is the root. */
  @Column({ name: 'path_prefix', type: 'varchar', length: 1024 })
  pathPrefix: string;

  @Column({ name: 'default_branch', type: 'varchar', length: 255 })
  defaultBranch: string;

  /** Code mappings (stack root → source root); empty: frame paths are relative to `pathPrefix`. */
  @Column({ name: 'stack_roots', type: 'text', nullable: true, transformer: json })
  stackRoots: StackRootValue[];

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt: Date | null;
}
