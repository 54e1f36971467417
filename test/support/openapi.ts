import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Holds every shim response of the suite to docs/openapi.json: status, required headers and body,
 * each against the operation's response (JSON Schema 2020-12, as OpenAPI 3.1 uses). A response the
 * document does not describe fails the test that received it.
 */

export const OPENAPI_PATH = path.resolve(__dirname, '..', '..', 'docs', 'openapi.json');
const DOC_ID = 'https://repolink.invalid/openapi.json';

type Json = any;

let loaded: { doc: Json; ajv: Ajv2020; routes: { regex: RegExp; template: string }[]; compiled: Map<string, ValidateFunction> } | null = null;

function state() {
  if (loaded) return loaded;
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  // strict: false because the document's own keywords (openapi, paths, …) sit around the schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const routes = Object.keys(doc.paths)
    .map((template) => ({ template, regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
    // Literal paths before templated ones.
    .sort((a, b) => (a.template.includes('{') ? 1 : 0) - (b.template.includes('{') ? 1 : 0));
  loaded = { doc, ajv, routes, compiled: new Map() };
  return loaded;
}

const pointer = (...parts: string[]) => `#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

function validator(ref: string): ValidateFunction {
  const s = state();
  let v = s.compiled.get(ref);
  if (!v) {
    v = s.ajv.compile({ $ref: `${DOC_ID}${ref}` });
    s.compiled.set(ref, v);
  }
  return v;
}

function resolve(doc: Json, value: Json): Json {
  if (value && typeof value.$ref === 'string') {
    return value.$ref
      .slice(2)
      .split('/')
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((node: Json, key: string) => node[key], doc);
  }
  return value;
}

/** Validates a value against the schema at a JSON pointer of the document (`#/components/schemas/…`); returns the problems. */
export function schemaProblems(ref: string, value: unknown): string[] {
  const check = validator(ref);
  return check(value) ? [] : check.errors!.map((e) => `${e.instancePath || '/'} ${e.message}`);
}

export { pointer as openApiPointer };

export interface ShimExchange {
  method: string;
  /** The path as requested, query string included. */
  path: string;
  status: number;
  header(name: string): string | null;
  /** The raw response text. */
  text: string;
}

/** Whether a request goes to the REST shim (or the document itself): only those are checked. */
export function isShimPath(requestPath: string): boolean {
  const p = requestPath.split('?')[0];
  return p.startsWith('/v1/') || p.startsWith('/api/') || p === '/openapi.json';
}

/** The problems of one exchange against the document ([] when it matches). */
export function openApiProblems(exchange: ShimExchange): string[] {
  const { doc, routes } = state();
  const method = exchange.method.toLowerCase();
  if (method === 'options' || method === 'head') return [];
  const [pathname, query = ''] = exchange.path.split('?');
  const problems: string[] = [];
  let body: unknown;
  try {
    body = JSON.parse(exchange.text);
  } catch {
    return [`the body is not JSON: ${exchange.text.slice(0, 200)}`];
  }
  const route = routes.find((r) => r.regex.test(pathname));
  const operation = route ? doc.paths[route.template][method] : undefined;
  if (!route || !operation) {
    // Routes not in the document answer 404 in their API's envelope.
    const api = pathname.startsWith('/v1/') ? 'SigSentryError' : 'HeimdallError';
    if (exchange.status !== 404) problems.push(`${exchange.method} ${pathname} is not in the document, yet it answered ${exchange.status} (only a 404 is expected)`);
    const check = validator(pointer('components', 'schemas', api));
    if (!check(body)) problems.push(`404 body: ${check.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
    const code = (body as Json)?.error?.code ?? (body as Json)?.code;
    if (code !== 'NOT_FOUND' && code !== 404) problems.push(`an unknown route answered code ${JSON.stringify(code)}, not NOT_FOUND/404`);
    return problems;
  }

  const declared = new Set<string>(
    (operation.parameters ?? []).map((p: Json) => resolve(doc, p)).filter((p: Json) => p.in === 'query').map((p: Json) => p.name),
  );
  for (const name of new URLSearchParams(query).keys()) {
    if (!declared.has(name)) problems.push(`query parameter "${name}" is not in the document for ${method.toUpperCase()} ${route.template}`);
  }

  const response = operation.responses[String(exchange.status)] ?? operation.responses.default;
  if (!response) return [...problems, `status ${exchange.status} is not documented for ${method.toUpperCase()} ${route.template} (documented: ${Object.keys(operation.responses).join(', ')})`];
  const responsePointer = ['paths', route.template, method, 'responses', operation.responses[String(exchange.status)] ? String(exchange.status) : 'default'];

  for (const [name, entry] of Object.entries<Json>(response.headers ?? {})) {
    const spec = resolve(doc, entry);
    const value = exchange.header(name);
    if (value === null) {
      if (spec.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    const check = state().ajv.compile(spec.schema);
    if (!check(value)) problems.push(`header ${name}: ${JSON.stringify(value)} ${check.errors!.map((e) => e.message).join('; ')}`);
  }
  // Headers the document names only for some statuses must not appear on others.
  for (const name of ['Retry-After', 'Idempotent-Replayed']) {
    if (exchange.header(name) !== null && !Object.keys(response.headers ?? {}).includes(name)) problems.push(`header ${name} is sent but not documented on ${exchange.status}`);
  }

  const mediaTypes = Object.keys(response.content ?? {});
  const contentType = (exchange.header('content-type') ?? '').split(';')[0].trim();
  if (!mediaTypes.includes(contentType)) return [...problems, `content-type ${contentType} is not one of ${mediaTypes.join(', ')}`];
  const check = validator(pointer(...responsePointer, 'content', contentType, 'schema'));
  if (!check(body)) problems.push(`body: ${check.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${e.params ? JSON.stringify(e.params) : ''}`).join('; ')}`);
  return problems;
}

/** Throws, failing the test, when a shim response is not as docs/openapi.json describes it. */
export function assertMatchesOpenApi(exchange: ShimExchange): void {
  if (!isShimPath(exchange.path)) return;
  const problems = openApiProblems(exchange);
  if (problems.length > 0) {
    throw new Error(
      `${exchange.method} ${exchange.path} → ${exchange.status} does not match docs/openapi.json:\n- ${problems.join('\n- ')}\nbody: ${exchange.text.slice(0, 500)}`,
    );
  }
}
