import { FAILURES, type FailureCode } from './rest-errors';

/**
 * What both legacy APIs' OpenAPI descriptions are made of: JSON Schema shorthands, the failures
 * every route can answer (from the shim's own table, FAILURES), the response headers, and the
 * operation builder that gives one route its parameters and responses in its API's error envelope.
 */

export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type as string, 'null'] });
export const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
export const STRING = { type: 'string' };
export const DATE_TIME = { type: 'string', format: 'date-time' };

/** Both APIs' success envelope around one object. */
export const success = (data: Schema): Schema => object({ success: { const: true }, data });

export const queryParam = (name: string, description: string, schema: Schema): Schema => ({ name, in: 'query', required: false, description, schema });
export const LIMIT = queryParam('limit', 'Page size, 1 to 100 (default 20). Anything else is a 400 naming `limit`.', { type: 'integer', minimum: 1, maximum: 100, default: 20 });
export const CURSOR = queryParam('cursor', 'The `nextCursor`/`next_cursor` of the previous page.', STRING);

/** Failures every authenticated route can answer. */
const ALWAYS: FailureCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR'];
/** Failures of a route that reads a body (POST, PUT, DELETE): malformed JSON, a wrong Content-Type, too large. */
const BODY: FailureCode[] = ['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE'];
/** Failures of a POST or PUT sent with an Idempotency-Key. */
const IDEMPOTENCY: FailureCode[] = ['IDEMPOTENCY_KEY_IN_USE', 'IDEMPOTENCY_KEY_REUSED'];

/** When each failure is answered, in the words of both APIs' error descriptions. */
export const WHEN: Record<FailureCode, string> = {
  BAD_USER_INPUT: 'A field, the query string, the JSON body, its Content-Type or the Idempotency-Key failed validation',
  UNAUTHENTICATED: 'Missing or invalid API key or session',
  FORBIDDEN: 'The key lacks the permission, or X-Project-Id names no project of the key',
  QUOTA_EXCEEDED: "The plan's repositories-per-project quota is reached",
  NOT_FOUND: 'No such id in the project (deleted SigSentry connections included)',
  CONFLICT: 'A repository or service name is already connected in the project',
  IDEMPOTENCY_KEY_IN_USE: 'A request with this Idempotency-Key is still running; retry shortly',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was already used with a different request',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the server accepts',
  RATE_LIMITED: "The key's requests-per-minute limit is reached; Retry-After says when to retry",
  SERVICE_UNAVAILABLE: 'The database cannot be reached; retry shortly',
  INTERNAL_SERVER_ERROR: 'An unexpected failure (details are logged, never sent)',
};

/** Response headers: X-Request-Id on every response; Retry-After on 429; Idempotent-Replayed on a replay. */
export function responseHeaders(status: number, replayable: boolean): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
  if (status === 429) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  if (replayable) headers['Idempotent-Replayed'] = { $ref: '#/components/headers/Idempotent-Replayed' };
  return headers;
}

/** Outcomes stored under an Idempotency-Key and so answered again with Idempotent-Replayed: true. */
const isReplayable = (status: number, codes: FailureCode[]) => status < 400 || codes.some((c) => c === 'CONFLICT' || c === 'QUOTA_EXCEEDED');

/** How one legacy API speaks: its tag, the order of its security schemes, and its error envelope. */
export interface LegacyApi {
  tag: string;
  security: Record<string, string[]>[];
  /** The error response for `codes`, which the API all answers with `status`. */
  errorResponse(status: number, codes: FailureCode[]): { description: string; schema: Schema; example: unknown };
}

function failureResponses(api: LegacyApi, codes: FailureCode[], idempotent: boolean): Record<string, unknown> {
  const byStatus = new Map<number, FailureCode[]>();
  for (const code of [...new Set(codes)]) byStatus.set(FAILURES[code].status, [...(byStatus.get(FAILURES[code].status) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const { description, schema, example } = api.errorResponse(status, list);
    responses[String(status)] = {
      description,
      headers: responseHeaders(status, idempotent && isReplayable(status, list)),
      content: { 'application/json': { schema, example } },
    };
  }
  return responses;
}

/** One route of a legacy API, as its OpenAPI operation needs it. */
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  operationId: string;
  summary: string;
  description?: string;
  permission: 'config:read' | 'config:write';
  pathId?: string;
  query?: Schema[];
  body?: { schema: Schema; examples: Record<string, unknown> };
  success: { status: number; description: string; schema: Schema; example?: unknown };
  /** The route's own failures; those of every route, of a body and of an Idempotency-Key are added. */
  failures: FailureCode[];
}

export function operation(api: LegacyApi, spec: OperationSpec): Schema {
  const idempotent = spec.method === 'post' || spec.method === 'put';
  const parameters: unknown[] = [];
  if (spec.pathId) parameters.push({ name: 'id', in: 'path', required: true, description: spec.pathId, schema: STRING });
  parameters.push(...(spec.query ?? []));
  parameters.push({ $ref: '#/components/parameters/X-Project-Id' });
  if (idempotent) parameters.push({ $ref: '#/components/parameters/Idempotency-Key' });
  parameters.push({ $ref: '#/components/parameters/X-Request-Id' });
  const failures = [...ALWAYS, ...spec.failures, ...(spec.method === 'get' ? [] : BODY), ...(idempotent ? IDEMPOTENCY : [])];
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    tags: [api.tag],
    'x-permission': spec.permission,
    security: api.security,
    parameters,
    ...(spec.body && {
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: spec.body.schema,
            examples: Object.fromEntries(Object.entries(spec.body.examples).map(([name, value]) => [name, { value }])),
          },
        },
      },
    }),
    responses: {
      [String(spec.success.status)]: {
        description: spec.success.description,
        headers: responseHeaders(spec.success.status, idempotent),
        content: { 'application/json': { schema: spec.success.schema, ...(spec.success.example !== undefined && { example: spec.success.example }) } },
      },
      ...failureResponses(api, failures, idempotent),
    },
  };
}
