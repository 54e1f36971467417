import type { EntityManager } from 'typeorm';
import type { GraphQLContext } from '../../context';
import { RepositoryEntity, ServiceMappingEntity } from '../../db/entities';
import { NotFoundError, UserErrorCode, userError, type UserError } from '../../errors';
import type { CreateServiceMappingInput, QueryServiceMappingsArgs, UpdateServiceMappingInput } from '../../generated/graphql';
import { prefixedId } from '../../lib/ids';
import { requireScope } from '../auth/auth.service';
import { changeLiveRowCounters, countLiveRows } from '../projects/project-quota';
import { paginate, type ListOptions, type Page } from '../../db/pagination';
import { lockOwnRow } from '../../db/locks';
import { inTransaction, isDuplicateKey } from '../../db/transaction';
import { checkServiceMappingFields } from './service-mapping.inputs';

export interface ServiceMappingResult {
  serviceMapping: ServiceMappingEntity | null;
  userErrors: UserError[];
}

const nameTaken = (name: string): ServiceMappingResult => ({
  serviceMapping: null,
  userErrors: [userError(UserErrorCode.CONFLICT, ['serviceName'], `Service "${name}" is already mapped in this project`)],
});

export class ServiceMappingService {
  async getById(ctx: GraphQLContext, id: string): Promise<ServiceMappingEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.serviceMappingById.load(id);
  }

  async list(ctx: GraphQLContext, args: QueryServiceMappingsArgs, options: ListOptions = {}): Promise<Page<ServiceMappingEntity>> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    const filter = args.filter ?? {};
    const query = ctx.db.getRepository(ServiceMappingEntity).createQueryBuilder('m').where('m.projectId = :projectId', { projectId: project.id });
    if (!filter.includeDeleted) query.andWhere('m.deletedAt IS NULL');
    if (filter.serviceName) query.andWhere('m.serviceName = :serviceName', { serviceName: filter.serviceName });
    if (filter.repositoryId) query.andWhere('m.repositoryId = :repositoryId', { repositoryId: filter.repositoryId });
    if (filter.repoConnectionId) query.andWhere('m.repoConnectionId = :connectionId', { connectionId: filter.repoConnectionId });
    const counter = !filter.includeDeleted && !filter.serviceName && !filter.repositoryId && !filter.repoConnectionId;
    const page = await paginate(
      query,
      'm',
      args,
      counter ? () => countLiveRows(ctx.db, project.id, 'mappings') : filter.includeDeleted || filter.repositoryId || filter.repoConnectionId ? undefined : { db: ctx.db, index: 'ix_service_mappings_live' },
      options,
    );
    ctx.loaders.prime(page.edges.map((e) => e.node));
    return page;
  }

  async create(ctx: GraphQLContext, input: CreateServiceMappingInput): Promise<ServiceMappingResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkServiceMappingFields(input);
    if (!checked.ok) return { serviceMapping: null, userErrors: checked.userErrors };
    try {
      return await inTransaction(ctx, async (em) => {
        const repository = await this.liveRepository(em, project.id, input.repositoryId);
        if (!repository) return this.unknownRepository();
        const now = new Date();
        const mapping = Object.assign(new ServiceMappingEntity(), {
          id: prefixedId('sm'),
          tenantId: tenant.id,
          projectId: project.id,
          repositoryId: repository.id,
          repoConnectionId: repository.repoConnectionId,
          serviceName: input.serviceName,
          pathPrefix: input.pathPrefix,
          defaultBranch: input.defaultBranch,
          stackRoots: checked.value.stackRoots ?? [],
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        });
        await em.createQueryBuilder().insert().into(ServiceMappingEntity).values(mapping).updateEntity(false).execute();
        // Last, so the project row is held only until COMMIT (the order of deleteRepository: repository, mappings, project).
        await changeLiveRowCounters(em, project.id, { mappings: 1 });
        return { serviceMapping: mapping, userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_service_mappings_live_name')) return nameTaken(input.serviceName);
      throw error;
    }
  }

  async update(ctx: GraphQLContext, input: UpdateServiceMappingInput): Promise<ServiceMappingResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    const { id, ...fields } = input;
    const checked = await checkServiceMappingFields(fields);
    if (!checked.ok) return { serviceMapping: null, userErrors: checked.userErrors };
    try {
      return await inTransaction(ctx, async (em) => {
        const mapping = await this.lockLive(em, project.id, id);
        const set: Partial<ServiceMappingEntity> = { ...checked.value, updatedAt: new Date() };
        if (checked.value.repositoryId !== undefined) {
          const repository = await this.liveRepository(em, project.id, checked.value.repositoryId);
          if (!repository) return this.unknownRepository();
          set.repoConnectionId = repository.repoConnectionId;
        }
        await em.getRepository(ServiceMappingEntity).update({ id }, set);
        return { serviceMapping: Object.assign(mapping, set), userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_service_mappings_live_name')) return nameTaken(input.serviceName ?? '');
      throw error;
    }
  }

  async delete(ctx: GraphQLContext, id: string): Promise<ServiceMappingResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const mapping = await this.lockLive(em, project.id, id);
      const now = new Date();
      await em.getRepository(ServiceMappingEntity).update({ id }, { deletedAt: now, updatedAt: now });
      await changeLiveRowCounters(em, project.id, { mappings: -1 });
      return { serviceMapping: Object.assign(mapping, { deletedAt: now, updatedAt: now }), userErrors: [] };
    });
  }

  private async lockLive(em: EntityManager, projectId: string, id: string): Promise<ServiceMappingEntity> {
    const mapping = await lockOwnRow(em, ServiceMappingEntity, 'Service mapping', projectId, id);
    if (mapping.deletedAt !== null) throw new NotFoundError('Service mapping');
    return mapping;
  }

  /** A live repository of the project, locked so it cannot be deleted under the new mapping (FOR UPDATE: MariaDB has no FOR SHARE). */
  private async liveRepository(em: EntityManager, projectId: string, id: string): Promise<RepositoryEntity | null> {
    return em
      .getRepository(RepositoryEntity)
      .createQueryBuilder('r')
      .where('r.id = :id AND r.projectId = :projectId AND r.deletedAt IS NULL', { id, projectId })
      .setLock('pessimistic_write')
      .getOne();
  }

  private unknownRepository(): ServiceMappingResult {
    return { serviceMapping: null, userErrors: [userError(UserErrorCode.BAD_USER_INPUT, ['repositoryId'], 'repositoryId does not name a live repository of this project')] };
  }
}
