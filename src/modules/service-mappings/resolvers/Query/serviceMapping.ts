import type { QueryResolvers } from '../../../../generated/graphql';

export const serviceMapping: NonNullable<QueryResolvers['serviceMapping']> = (_parent, { id }, ctx) =>
  ctx.services.serviceMappings.getById(ctx, id);
