import type { ServiceMappingEntity } from '../../db/entities';
import type { GraphQLContext } from '../../context';
import { requireScope } from '../auth/auth.service';

export class ServiceMappingService {
  async getById(ctx: GraphQLContext, id: string): Promise<ServiceMappingEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.serviceMappingById.load(id);
  }
}
