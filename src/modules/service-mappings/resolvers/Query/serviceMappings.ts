import type { QueryResolvers } from '../../../../generated/graphql';

export const serviceMappings: NonNullable<QueryResolvers['serviceMappings']> = (_parent, args, ctx) => ctx.services.serviceMappings.list(ctx, args);
