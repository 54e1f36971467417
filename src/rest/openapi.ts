import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { IDEMPOTENCY_KEY_PATTERN } from '../modules/idempotency/idempotency.service';
import { HEIMDALL_SEED_EXAMPLES, HEIMDALL_TAG, heimdallPaths, heimdallSchemas } from './heimdall.openapi';
import { STRING, responseHeaders } from './openapi-parts';
import { SIGSENTRY_SEED_EXAMPLES, SIGSENTRY_TAG, sigsentryPaths, sigsentrySchemas } from './sigsentry.openapi';

/**
 * The OpenAPI 3.1 description of the two legacy APIs the shim serves, assembled from one builder
 * beside each API's routes (sigsentry.openapi.ts, heimdall.openapi.ts), whose error codes and
 * statuses come from the shim's own table (FAILURES). `npm run openapi` writes it to
 * docs/openapi.json; the server serves that file at GET /openapi.json; test/openapi.test.ts fails when
 * the file is stale, and test/support/rest.ts validates every shim response of the suite against it.
 */

/** Both APIs' examples, word for word from the seed documents. */
export const SEED_EXAMPLES = { ...SIGSENTRY_SEED_EXAMPLES, ...HEIMDALL_SEED_EXAMPLES };

const GET_THIS_DOCUMENT = {
  get: {
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['Meta'],
    security: [],
    responses: { '200': { description: 'The OpenAPI 3.1 document', headers: responseHeaders(200, false), content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } } } },
  },
};

function paths(): Record<string, Record<string, unknown>> {
  const { '/api/repos': heimdallRepos, ...heimdallRest } = heimdallPaths();
  // /openapi.json sits between Heimdall's two paths, where docs/openapi.json has always had it.
  return { ...sigsentryPaths(), '/api/repos': heimdallRepos, '/openapi.json': GET_THIS_DOCUMENT, ...heimdallRest };
}

/** What every route shares: how a caller authenticates, the request headers it may send, the response headers. */
const SHARED_COMPONENTS = {
  securitySchemes: {
    apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`Authorization: Bearer <key>`); a session token works here too.' },
    session: { type: 'apiKey', in: 'cookie', name: 'session', description: 'A session token in the `session` cookie.' },
  },
  parameters: {
    'X-Project-Id': { name: 'X-Project-Id', in: 'header', required: false, description: 'The project, for a tenant-scoped API key or a session.', schema: STRING },
    'Idempotency-Key': {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Makes a POST or PUT safe to retry: 1 to 255 visible ASCII characters, one per logical request. The same key with another request is a 422; while the first is still running, a 409.',
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
    },
    'X-Request-Id': { name: 'X-Request-Id', in: 'header', required: false, description: 'Your id for the request (1 to 128 of `[A-Za-z0-9_.:-]`), echoed and logged.', schema: STRING },
  },
  headers: {
    'X-Request-Id': { description: "The request's id: yours when valid, else a new UUID.", required: true, schema: { type: 'string', minLength: 1 } },
    'Retry-After': { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
    'Idempotent-Replayed': { description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key.', required: false, schema: { const: 'true' } },
  },
};

export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'repolink legacy REST APIs (SigSentry config repos, Heimdall repos)',
      version: '1.0.0',
      description: [
        'The two legacy REST APIs repolink serves for existing scripts. Each route runs one GraphQL operation with the same rules as /graphql.',
        'Authenticate with `Authorization: Bearer <API key or session token>` or a `session` cookie; a tenant-scoped API key names its project with `X-Project-Id`.',
        'POST and PUT honour `Idempotency-Key`: a retry with the same key and body gets the stored response again with `Idempotent-Replayed: true`.',
        'Any other path under /v1/ or /api/ answers 404 in the API\'s error envelope.',
      ].join('\n\n'),
    },
    tags: [SIGSENTRY_TAG, HEIMDALL_TAG, { name: 'Meta', description: 'This description itself.' }],
    paths: paths(),
    components: { ...SHARED_COMPONENTS, schemas: { ...sigsentrySchemas(), ...heimdallSchemas() } },
  };
}

/** docs/openapi.json, from src/rest/ (ts-jest) or dist/src/rest/ (npm start) alike. */
export const OPENAPI_FILE = [path.resolve(__dirname, '..', '..', 'docs', 'openapi.json'), path.resolve(__dirname, '..', '..', '..', 'docs', 'openapi.json')].find(existsSync) ?? path.resolve(__dirname, '..', '..', 'docs', 'openapi.json');

/** The document as JSON text, exactly as docs/openapi.json holds it. */
export const openApiText = () => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

/** GET /openapi.json: the file in docs/, read once. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  const text = readFileSync(OPENAPI_FILE, 'utf8');
  app.get('/openapi.json', (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(text));
}
