import type { MutationResolvers } from '../../../../generated/graphql';

export const createServiceMapping: NonNullable<MutationResolvers['createServiceMapping']> = (_parent, { input }, ctx) =>
  ctx.services.serviceMappings.create(ctx, input);
