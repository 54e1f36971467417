import type { EntityManager } from 'typeorm';
import { ServiceMappingEntity } from '../../db/entities';
import { NotFoundError, UserErrorCode, userError, type UserError } from '../../errors';
import type { CreateServiceMappingInput, QueryServiceMappingsArgs, UpdateServiceMappingInput } from '../../generated/schema-types';
import { prefixedId } from '../../lib/ids';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import type { ListOptions, Page } from '../../db/pagination';
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
  constructor(private readonly stores: Pick<Stores, 'serviceMappings' | 'repositories' | 'projectCounters'>) {}

  async getById(ctx: RequestScope, id: string): Promise<ServiceMappingEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.serviceMappingById.load(id);
  }

  async list(ctx: RequestScope, args: QueryServiceMappingsArgs, options: ListOptions = {}): Promise<Page<ServiceMappingEntity>> {
    const { project } = requireScope(ctx.viewer, 'config:read');
    const page = await this.stores.serviceMappings.page(ctx.db, project.id, args, () => this.stores.projectCounters.countLive(ctx.db, project.id, 'mappings'), options);
    ctx.loaders.prime(page.edges.map((e) => e.node));
    return page;
  }

  async create(ctx: RequestScope, input: CreateServiceMappingInput): Promise<ServiceMappingResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkServiceMappingFields(input);
    if (!checked.ok) return { serviceMapping: null, userErrors: checked.userErrors };
    try {
      return await inTransaction(ctx, async (em) => {
        const repository = await this.stores.repositories.lockLive(em, project.id, input.repositoryId);
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
        await this.stores.serviceMappings.insertOne(em, mapping);
        // Last, so the project row is held only until COMMIT (the order of deleteRepository: repository, mappings, project).
        await this.stores.projectCounters.change(em, project.id, { mappings: 1 });
        return { serviceMapping: mapping, userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_service_mappings_live_name')) return nameTaken(input.serviceName);
      throw error;
    }
  }

  async update(ctx: RequestScope, input: UpdateServiceMappingInput): Promise<ServiceMappingResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    const { id, ...fields } = input;
    const checked = await checkServiceMappingFields(fields);
    if (!checked.ok) return { serviceMapping: null, userErrors: checked.userErrors };
    try {
      return await inTransaction(ctx, async (em) => {
        const mapping = await this.lockLive(em, project.id, id);
        const set: Partial<ServiceMappingEntity> = { ...checked.value, updatedAt: new Date() };
        if (checked.value.repositoryId !== undefined) {
          const repository = await this.stores.repositories.lockLive(em, project.id, checked.value.repositoryId);
          if (!repository) return this.unknownRepository();
          set.repoConnectionId = repository.repoConnectionId;
        }
        await this.stores.serviceMappings.update(em, id, set);
        return { serviceMapping: Object.assign(mapping, set), userErrors: [] };
      });
    } catch (error) {
      if (isDuplicateKey(error, 'uq_service_mappings_live_name')) return nameTaken(input.serviceName ?? '');
      throw error;
    }
  }

  async delete(ctx: RequestScope, id: string): Promise<ServiceMappingResult> {
    const { project } = requireScope(ctx.viewer, 'config:write');
    return inTransaction(ctx, async (em) => {
      const mapping = await this.lockLive(em, project.id, id);
      const now = new Date();
      await this.stores.serviceMappings.update(em, id, { deletedAt: now, updatedAt: now });
      await this.stores.projectCounters.change(em, project.id, { mappings: -1 });
      return { serviceMapping: Object.assign(mapping, { deletedAt: now, updatedAt: now }), userErrors: [] };
    });
  }

  private async lockLive(em: EntityManager, projectId: string, id: string): Promise<ServiceMappingEntity> {
    const mapping = await this.stores.serviceMappings.lockOwn(em, projectId, id);
    if (mapping.deletedAt !== null) throw new NotFoundError('Service mapping');
    return mapping;
  }

  private unknownRepository(): ServiceMappingResult {
    return { serviceMapping: null, userErrors: [userError(UserErrorCode.BAD_USER_INPUT, ['repositoryId'], 'repositoryId does not name a live repository of this project')] };
  }
}
