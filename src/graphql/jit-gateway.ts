import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { GraphQLError, getVariableValues, printSchema, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/** Compiled queries per parsed document (Apollo hands out the same document for the same query text). */
const MAX_OPERATIONS_PER_DOCUMENT = 8;

/**
 * graphql-jit's errors are not graphql-js GraphQLErrors: they lack `nodes` and `extensions` of
 * their own. Apollo and our error masking read both, so each is rebuilt as a GraphQLError with the
 * original error (which carries the code) and the path.
 */
interface JitError {
  message: string;
  path?: readonly (string | number)[];
  locations?: readonly { line: number; column: number }[];
  originalError?: Error | null;
}

function rewrap(error: JitError | GraphQLError): GraphQLError {
  // jit's own errors pass `instanceof GraphQLError` but have no `extensions` object, on which Apollo relies.
  if (error instanceof GraphQLError && error.extensions) return error;
  const original = error.originalError ?? undefined;
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: original,
    extensions: (original as { extensions?: Record<string, unknown> } | undefined)?.extensions,
  });
  if (error.locations) Object.defineProperty(rebuilt, 'locations', { value: error.locations, enumerable: true });
  return rebuilt;
}

/**
 * Executes operations with graphql-jit, which compiles each query document once into a function,
 * behind Apollo's gateway interface (Apollo still parses, validates, runs the plugins and formats
 * errors). Variables are coerced by graphql-js first, so a bad variable gets exactly graphql-js's
 * error, with its `nodes`, which Apollo turns into BAD_USER_INPUT with status 400.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();
  const sdl = printSchema(schema);

  const executor: GatewayExecutor = async (requestContext) => {
    const { document, operationName, request, context } = requestContext;
    const operation: OperationDefinitionNode = requestContext.operation;
    // graphql-jit coerces the variables again; graphql-js's pass is kept for its error messages. An
    // operation without variable definitions has nothing to coerce (what else a client sends is ignored).
    if (operation.variableDefinitions?.length) {
      const coerced = getVariableValues(schema, operation.variableDefinitions, request.variables ?? {});
      if (coerced.errors) return { errors: coerced.errors };
    }

    let byName = compiled.get(document);
    if (!byName) {
      byName = new Map();
      compiled.set(document, byName);
    }
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) {
      const result = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(result)) return { errors: (result.errors ?? []).map((e) => rewrap(e as JitError)) };
      query = result;
      if (byName.size < MAX_OPERATIONS_PER_DOCUMENT) byName.set(key, query);
    }
    const result = await query.query(undefined, context, request.variables ?? {});
    return result.errors ? { data: result.data, errors: result.errors.map((e) => rewrap(e as JitError)) } : { data: result.data };
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: sdl });
      return () => undefined;
    },
    async stop() {},
  };
}
