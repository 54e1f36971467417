import type { QueryResolvers } from '../../../../generated/graphql';

export const repoConnections: NonNullable<QueryResolvers['repoConnections']> = (_parent, args, ctx) => ctx.services.repoConnections.list(ctx, args);
