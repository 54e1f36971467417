import { DateTimeResolver, PositiveIntResolver, URLResolver, UUIDResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context';
import { enumValues } from './enums';
import type { Resolvers } from './generated/graphql';
import { resolverFiles } from './generated/resolvers';

type MutationMap = NonNullable<Resolvers['Mutation']>;

/** An idempotency refusal answers every mutation as a user error, before any work. */
function guardMutations(mutations: MutationMap): MutationMap {
  return Object.fromEntries(
    Object.entries(mutations).map(([name, resolve]) => [
      name,
      (parent: unknown, args: unknown, ctx: GraphQLContext, info: unknown) =>
        ctx.idempotencyRefusal ? { userErrors: [ctx.idempotencyRefusal] } : (resolve as (...a: unknown[]) => unknown)(parent, args, ctx, info),
    ]),
  ) as MutationMap;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  UUID: UUIDResolver,
  URL: URLResolver,
  PositiveInt: PositiveIntResolver,
  // GraphQL's enum names map to the values stored in the database and used by the REST contracts.
  ...enumValues,
  // graphql-jit reads a field without a resolver as a plain property: the lazy count is a function.
  RepoConnectionPage: { totalCount: (page) => page.totalCount() },
  RepositoryPage: { totalCount: (page) => page.totalCount() },
  ServiceMappingPage: { totalCount: (page) => page.totalCount() },
  CodeHostAccountPage: { totalCount: (page) => page.totalCount() },
  WebhookHookPage: { totalCount: (page) => page.totalCount() },
  // Every resolver file of src/modules/*/resolvers/ (generated; a type written above and in a file fails typecheck).
  ...resolverFiles,
  Mutation: guardMutations(resolverFiles.Mutation),
};
