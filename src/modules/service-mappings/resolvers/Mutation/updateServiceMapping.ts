import type { MutationResolvers } from '../../../../generated/graphql';

export const updateServiceMapping: NonNullable<MutationResolvers['updateServiceMapping']> = (_parent, { input }, ctx) =>
  ctx.services.serviceMappings.update(ctx, input);
