import type { QueryResolvers } from '../../../../generated/graphql';

export const viewer: NonNullable<QueryResolvers['viewer']> = (_parent, _args, ctx) => ctx.viewer;
