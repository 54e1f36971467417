import type { ApiKeyPageResolvers } from '../../../generated/graphql';

export const ApiKeyPage: ApiKeyPageResolvers = { totalCount: (page) => page.totalCount() };
