import type { QueryResolvers } from '../../../../generated/graphql';

export const repositories: NonNullable<QueryResolvers['repositories']> = (_parent, args, ctx) => ctx.services.repositories.list(ctx, args);
