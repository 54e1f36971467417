import type { EntityManager } from 'typeorm';
import { ServiceMappingEntity } from '../../db/entities';
import type { QueryServiceMappingsArgs } from '../../generated/schema-types';
import { lockOwnRow } from '../../db/locks';
import { paginate, type ListOptions, type Page } from '../../db/pagination';
import { insertRows } from '../../db/rows';
import { runStatement } from '../../db/driver';

/**
 * The SQL of `service_mappings`. Lists and counts run on the (project_id, …, created_at, id)
 * indexes, names on the unique (project_id, live_service_name) index, children on the
 * repository and connection list indexes.
 */
export class ServiceMappingStore {
  /** One multi-row INSERT (none for no rows). */
  async insert(em: EntityManager, rows: readonly ServiceMappingEntity[]): Promise<void> {
    await insertRows(em, ServiceMappingEntity, rows);
  }

  /** One row, through the insert builder (a single mapping: no statement text to save). */
  async insertOne(em: EntityManager, mapping: ServiceMappingEntity): Promise<void> {
    await em.createQueryBuilder().insert().into(ServiceMappingEntity).values(mapping).updateEntity(false).execute();
  }

  /** A page of the project's mappings; `liveCount` counts an unfiltered list of live ones (the project's counter). */
  async page(db: EntityManager, projectId: string, args: QueryServiceMappingsArgs, liveCount: () => Promise<number>, options: ListOptions): Promise<Page<ServiceMappingEntity>> {
    const filter = args.filter ?? {};
    const query = db.getRepository(ServiceMappingEntity).createQueryBuilder('m').where('m.projectId = :projectId', { projectId });
    if (!filter.includeDeleted) query.andWhere('m.deletedAt IS NULL');
    if (filter.serviceName) query.andWhere('m.serviceName = :serviceName', { serviceName: filter.serviceName });
    if (filter.repositoryId) query.andWhere('m.repositoryId = :repositoryId', { repositoryId: filter.repositoryId });
    if (filter.repoConnectionId) query.andWhere('m.repoConnectionId = :connectionId', { connectionId: filter.repoConnectionId });
    const counter = !filter.includeDeleted && !filter.serviceName && !filter.repositoryId && !filter.repoConnectionId;
    return paginate(
      query,
      'm',
      args,
      counter ? liveCount : filter.includeDeleted || filter.repositoryId || filter.repoConnectionId ? undefined : { db, index: 'ix_service_mappings_live' },
      options,
    );
  }

  /** A mapping of the project (live or deleted), locked for the rest of the transaction; NOT_FOUND otherwise. */
  async lockOwn(em: EntityManager, projectId: string, id: string): Promise<ServiceMappingEntity> {
    return lockOwnRow(em, ServiceMappingEntity, 'Service mapping', projectId, id);
  }

  /** The one live mapping of a service name in the project (the unique index on (project_id, live_service_name)). */
  async liveByName(db: EntityManager, projectId: string, serviceName: string): Promise<ServiceMappingEntity | null> {
    return db
      .getRepository(ServiceMappingEntity)
      .createQueryBuilder('m')
      .where('m.project_id = :projectId AND m.live_service_name = :serviceName', { projectId, serviceName })
      .getOne();
  }

  /**
   * The given service names already live in the project, lower-cased: the unique index on the
   * generated live_service_name column, one lookup per name, case-insensitive like the rule.
   */
  async liveNamesTaken(em: EntityManager, projectId: string, names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await runStatement<{ serviceName: string }[]>(
      em,
      `SELECT live_service_name AS serviceName FROM service_mappings WHERE project_id = ? AND live_service_name IN (${names.map(() => '?').join(', ')})`,
      [projectId, ...names],
    );
    return new Set(rows.map((n) => n.serviceName.toLowerCase()));
  }

  async update(em: EntityManager, id: string, set: Partial<ServiceMappingEntity>): Promise<void> {
    await em.getRepository(ServiceMappingEntity).update({ id }, set);
  }

  /** Soft-deletes a connection's live mappings; answers how many, for the project's counter. */
  async softDeleteOfConnection(em: EntityManager, connectionId: string, now: Date): Promise<number> {
    const result = await em
      .createQueryBuilder()
      .update(ServiceMappingEntity)
      .set({ deletedAt: now, updatedAt: now })
      .where('repoConnectionId = :id AND deletedAt IS NULL', { id: connectionId })
      .execute();
    return result.affected ?? 0;
  }

  /** Soft-deletes the live mappings into the given repositories; answers how many. */
  async softDeleteOfRepositories(em: EntityManager, repositoryIds: readonly string[], now: Date): Promise<number> {
    const gone = await em
      .createQueryBuilder()
      .update(ServiceMappingEntity)
      .set({ deletedAt: now, updatedAt: now })
      .where('repositoryId IN (:...ids) AND deletedAt IS NULL', { ids: repositoryIds })
      .execute();
    return gone.affected ?? 0;
  }

  /** Soft-deletes the live mappings into one repository of the project; answers how many. */
  async softDeleteOfRepository(em: EntityManager, projectId: string, repositoryId: string, now: Date): Promise<number> {
    const mappings = await em
      .createQueryBuilder()
      .update(ServiceMappingEntity)
      .set({ deletedAt: now, updatedAt: now })
      .where('repositoryId = :id AND projectId = :projectId AND deletedAt IS NULL', { id: repositoryId, projectId })
      .execute();
    return mappings.affected ?? 0;
  }
}
