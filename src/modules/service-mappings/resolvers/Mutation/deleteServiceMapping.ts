import type { MutationResolvers } from '../../../../generated/graphql';

export const deleteServiceMapping: NonNullable<MutationResolvers['deleteServiceMapping']> = (_parent, { input }, ctx) =>
  ctx.services.serviceMappings.delete(ctx, input.id);
