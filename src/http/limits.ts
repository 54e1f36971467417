import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  type FieldNode,
  type GraphQLField,
  type GraphQLFormattedError,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { RequestLimits } from '../config';

/** The `extensions.code` of each refusal (documented in README and docs/decisions.md). */
export const LimitCode = {
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  BATCHING_NOT_SUPPORTED: 'BATCHING_NOT_SUPPORTED',
} as const;
export type LimitCode = (typeof LimitCode)[keyof typeof LimitCode];

/**
 * Cost model. A page field (one with a `first` argument) multiplies its list (`edges`) by the page
 * size: the literal `first`, the schema's default when absent, or the largest page the API serves
 * when `first` is a variable (validation runs once per document, before variables are known, and
 * Apollo caches the outcome). A list argument such as `nodes(ids:)` multiplies by its length. Any
 * other list of objects (a connection's repositories, a repository's mappings) has no page, so
 * its size is a guess: `UNPAGED_LIST_SIZE`.
 */
export const MAX_PAGE_SIZE = 100;
export const UNPAGED_LIST_SIZE = 5;

/** A refusal by one of our validation rules; `formatLimitError` turns it into its own code. */
export class QueryLimitError extends GraphQLError {
  constructor(
    readonly code: LimitCode,
    message: string,
    readonly limit: number,
    readonly actual: number,
    node: OperationDefinitionNode,
  ) {
    super(message, { nodes: [node], extensions: { code, limit, actual } });
  }
}

/**
 * Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED; ours keep their own code so
 * a client can tell "shrink the query" from "the query is wrong".
 */
export function formatLimitError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  const original = error instanceof QueryLimitError ? error : (error as { originalError?: unknown } | null)?.originalError;
  if (!(original instanceof QueryLimitError)) return null;
  return { message: original.message, locations: formatted.locations, extensions: { code: original.code, limit: original.limit, actual: original.actual } };
}

/** Introspection is bounded by graphql-js's own MaxIntrospectionDepthRule, and GraphiQL's introspection query nests `ofType` deeper than any data query needs. */
const isIntrospection = (field: FieldNode) => field.name.value.startsWith('__');

function fieldDefinition(parent: GraphQLNamedType | undefined, field: FieldNode): GraphQLField<unknown, unknown> | undefined {
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[field.name.value] : undefined;
}

/** Walks an operation with fragments expanded once each (memoised), so a fragment bomb costs the walk nothing. */
class OperationWalker {
  private readonly memo = new Map<string, number>();
  private readonly active = new Set<string>();

  constructor(private readonly context: ValidationContext) {}

  private viaFragment(name: string, key: string, compute: (selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined) => number): number {
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached;
    const fragment = this.context.getFragment(name);
    // Unknown fragments and cycles are reported by graphql's own rules.
    if (!fragment || this.active.has(key)) return 0;
    this.active.add(key);
    const value = compute(fragment.selectionSet, this.context.getSchema().getType(fragment.typeCondition.name.value) ?? undefined);
    this.active.delete(key);
    this.memo.set(key, value);
    return value;
  }

  depth(selectionSet: SelectionSetNode): number {
    let max = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection) && selection.name.value !== '__typename') continue;
        max = Math.max(max, 1 + (selection.selectionSet ? this.depth(selection.selectionSet) : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, this.depth(selection.selectionSet));
      } else {
        max = Math.max(max, this.viaFragment(selection.name.value, `depth:${selection.name.value}`, (s) => this.depth(s)));
      }
    }
    return max;
  }

  aliases(selectionSet: SelectionSetNode): number {
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        count += (selection.alias ? 1 : 0) + (selection.selectionSet ? this.aliases(selection.selectionSet) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += this.aliases(selection.selectionSet);
      } else {
        count += this.viaFragment(selection.name.value, `aliases:${selection.name.value}`, (s) => this.aliases(s));
      }
    }
    return count;
  }

  /** `pageSize` is set while walking the selection of a page field: its list fields hold that many items. */
  cost(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, pageSize: number | null): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection)) continue;
        const definition = fieldDefinition(parent, selection);
        if (!definition) continue; // reported by FieldsOnCorrectTypeRule
        total += 1;
        if (!selection.selectionSet) continue;
        const inner = this.cost(selection.selectionSet, getNamedType(definition.type), pageArgument(selection, definition));
        total += (isListType(getNullableType(definition.type)) ? (pageSize ?? listSize(selection)) : 1) * inner;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (this.context.getSchema().getType(selection.typeCondition.name.value) ?? undefined) : parent;
        total += this.cost(selection.selectionSet, type, pageSize);
      } else {
        total += this.viaFragment(selection.name.value, `cost:${selection.name.value}:${pageSize}`, (s, type) => this.cost(s, type, pageSize));
      }
    }
    return total;
  }
}

/** The page size a field with a `first` argument asks for; null for a field that is not a page. */
function pageArgument(field: FieldNode, definition: GraphQLField<unknown, unknown>): number | null {
  const first = definition.args.find((a) => a.name === 'first');
  if (!first) return null;
  const given = field.arguments?.find((a) => a.name.value === 'first');
  if (!given) return typeof first.defaultValue === 'number' ? first.defaultValue : MAX_PAGE_SIZE;
  if (given.value.kind === Kind.INT) return Math.max(0, Number(given.value.value));
  return MAX_PAGE_SIZE;
}

/** An unpaged list: as long as a list argument that selects it (`nodes(ids:)`), else a guess. */
function listSize(field: FieldNode): number {
  let size: number | null = null;
  for (const argument of field.arguments ?? []) {
    if (argument.value.kind === Kind.LIST) size = Math.max(size ?? 0, argument.value.values.length);
    else if (argument.value.kind === Kind.VARIABLE) size = Math.max(size ?? 0, MAX_PAGE_SIZE);
  }
  return size ?? UNPAGED_LIST_SIZE;
}

const label = (operation: OperationDefinitionNode) => (operation.name ? `Operation "${operation.name.value}"` : 'The operation');

function perOperation(check: (walker: OperationWalker, operation: OperationDefinitionNode, context: ValidationContext) => QueryLimitError | null): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const error = check(new OperationWalker(context), operation, context);
      if (error) context.reportError(error);
      return false;
    },
  });
}

export function maxDepthRule(max: number): ValidationRule {
  return perOperation((walker, operation) => {
    const depth = walker.depth(operation.selectionSet);
    return depth > max ? new QueryLimitError(LimitCode.QUERY_TOO_DEEP, `${label(operation)} is nested ${depth} fields deep; the limit is ${max}`, max, depth, operation) : null;
  });
}

export function maxAliasesRule(max: number): ValidationRule {
  return perOperation((walker, operation) => {
    const count = walker.aliases(operation.selectionSet);
    return count > max ? new QueryLimitError(LimitCode.TOO_MANY_ALIASES, `${label(operation)} uses ${count} aliases; the limit is ${max}`, max, count, operation) : null;
  });
}

export function maxCostRule(max: number): ValidationRule {
  return perOperation((walker, operation, context) => {
    const root = context.getSchema().getRootType(operation.operation) ?? undefined;
    const cost = walker.cost(operation.selectionSet, root, null);
    return cost > max
      ? new QueryLimitError(
          LimitCode.QUERY_TOO_COMPLEX,
          `${label(operation)} has an estimated cost of ${cost}; the limit is ${max}. Ask for smaller pages (\`first\`) or fewer nested lists`,
          max,
          cost,
          operation,
        )
      : null;
  });
}

/** The rules passed to Apollo's `validationRules`, after graphql's own. */
export function queryLimitRules(limits: Pick<RequestLimits, 'maxQueryDepth' | 'maxQueryCost' | 'maxAliases'>): ValidationRule[] {
  return [maxDepthRule(limits.maxQueryDepth), maxAliasesRule(limits.maxAliases), maxCostRule(limits.maxQueryCost)];
}

function refusal(code: LimitCode, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

export function payloadTooLarge(limitBytes: number) {
  return refusal(LimitCode.PAYLOAD_TOO_LARGE, `The request body is larger than the limit of ${limitBytes} bytes`);
}

/**
 * How much of an oversize body the server reads and discards before it answers 413, and for how
 * long. A client that is still sending when the server closes gets a reset instead of the answer;
 * past these bounds the server answers and closes anyway.
 */
export const OVERSIZE_DRAIN_MIN_BYTES = 64 * 1024 * 1024;
export const OVERSIZE_DRAIN_TIMEOUT_MS = 15_000;

/** Reads and discards what is left of a request body, up to a bound; resolves when it ended or the bound is reached. */
export function discardRestOfBody(raw: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, timeoutMs);
    raw.on('data', onData).once('end', done).once('close', done).once('error', done);
    raw.resume();
  });
}

/**
 * HTTP-level limits on /graphql. Batches (a JSON array of operations) are refused: each operation
 * of a batch would bypass the per-request rate limit and idempotency, and no client of ours sends them.
 * A 413 (GraphQL and the shim alike) goes out only once the client has finished sending, and closes
 * the connection.
 */
export function registerHttpLimits(app: FastifyInstance, bodyLimitBytes: number): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method === 'POST' && request.routeOptions.url === '/graphql' && Array.isArray(request.body)) {
      return reply
        .code(400)
        .send(refusal(LimitCode.BATCHING_NOT_SUPPORTED, 'Batched operations are not supported: send one operation per request (a JSON object, not an array)'));
    }
  });
  const drainBytes = Math.max(OVERSIZE_DRAIN_MIN_BYTES, 16 * bodyLimitBytes);
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 413) {
      void reply.header('connection', 'close');
      await discardRestOfBody(request.raw, drainBytes, OVERSIZE_DRAIN_TIMEOUT_MS);
    }
    return payload;
  });
}
