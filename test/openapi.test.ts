import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOpenApiDocument, openApiText, SEED_EXAMPLES } from '../src/rest/openapi';
import { FAILURES } from '../src/rest/rest-errors';
import { DEFAULT_LIMITS } from '../src/config';
import { ROOT } from './support/build';
import { createAccount, createApiKey } from './support/factories';
import { OPENAPI_PATH, openApiPointer, openApiProblems, schemaProblems, type ShimExchange } from './support/openapi';
import { rest } from './support/rest';
import { heimdallExamples, sigsentryExamples } from './support/seeds';
import { useTestServer } from './support/test-server';

const t = useTestServer();
const file = () => readFileSync(OPENAPI_PATH, 'utf8');
const doc = buildOpenApiDocument() as any;

/** Runs the OpenAPI validator (an ES module) in its own node process, as `validate-api` would. */
function validateWithOpenApiValidator(documentPath: string): { valid: boolean; version: string; errors: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    const validator = new Validator();
    const result = await validator.validate(process.argv[1]);
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, documentPath], { cwd: ROOT, encoding: 'utf8' }));
}

describe('docs/openapi.json', () => {
  test('is fresh: it is what src/rest/openapi.ts builds (run `npm run openapi` after changing either API)', () => {
    expect(file()).toBe(openApiText());
  });

  test('is a valid OpenAPI 3.1 document for a real validator, and a broken one is not', () => {
    expect(validateWithOpenApiValidator(OPENAPI_PATH)).toEqual({ valid: true, version: '3.1', errors: null });
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'broken.json');
    const bad = JSON.parse(file());
    bad.paths['/v1/config/repos'].post.responses['201'].content = 'application/json';
    writeFileSync(broken, JSON.stringify(bad));
    expect(validateWithOpenApiValidator(broken).valid).toBe(false);
  });

  test('GET /openapi.json serves the same document', async () => {
    const res = await rest(t.url, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.text).toBe(file());
  });

  test('describes every route of both legacy APIs, and no other', () => {
    const registered = new Set<string>();
    for (const source of ['sigsentry.routes.ts', 'heimdall.routes.ts']) {
      const text = readFileSync(path.join(ROOT, 'src', 'rest', source), 'utf8');
      for (const [, method, url] of text.matchAll(/app\.(get|post|put|delete)(?:<[^(]*>)?\('([^']+)'/g)) registered.add(`${method} ${url.replace(/:(\w+)/g, '{$1}')}`);
    }
    const documented = new Set<string>();
    for (const [url, item] of Object.entries<any>(doc.paths)) for (const method of Object.keys(item)) if (url !== '/openapi.json') documented.add(`${method} ${url}`);
    expect(registered.size).toBe(10);
    expect([...documented].sort()).toEqual([...registered].sort());
    for (const entry of documented) {
      const [method, url] = entry.split(' ');
      expect(t.server.app.hasRoute({ method: method.toUpperCase() as 'GET', url: url.replace(/\{(\w+)\}/g, ':$1') })).toBe(true);
    }
  });

  test("names every SigSentry error.code the shim can send, and the security, project and idempotency headers", () => {
    expect(new Set(doc.components.schemas.SigSentryError.properties.error.properties.code.enum)).toEqual(new Set(Object.values(FAILURES).map((f) => f.sigsentry)));
    const post = doc.paths['/v1/config/repos'].post;
    expect(post.parameters).toEqual(expect.arrayContaining([{ $ref: '#/components/parameters/X-Project-Id' }, { $ref: '#/components/parameters/Idempotency-Key' }]));
    expect(post.responses['429'].headers['Retry-After']).toEqual({ $ref: '#/components/headers/Retry-After' });
    expect(post.responses['201'].headers['Idempotent-Replayed']).toBeDefined();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['apiKey', 'session']);
    expect(doc.components.securitySchemes.session).toEqual(expect.objectContaining({ in: 'cookie', name: 'session' }));
  });

  test('its examples are the seed documents\' own, and each validates against its schema', () => {
    const sig = sigsentryExamples();
    const hei = heimdallExamples();
    expect(SEED_EXAMPLES.sigsentryGithub).toEqual(sig.github);
    expect(SEED_EXAMPLES.sigsentryGitlab).toEqual(sig.gitlab);
    expect(SEED_EXAMPLES.sigsentryBitbucket).toEqual(sig.bitbucket);
    expect(SEED_EXAMPLES.sigsentryFull).toEqual(sig.full);
    expect(SEED_EXAMPLES.sigsentryCreated).toEqual(sig.created);
    expect(SEED_EXAMPLES.heimdallGitUrl).toEqual(hei.gitUrl);
    expect(SEED_EXAMPLES.heimdallGithub).toEqual(hei.github);
    expect(SEED_EXAMPLES.heimdallGitlab).toEqual(hei.gitlab);
    expect(SEED_EXAMPLES.heimdallCreated).toEqual(hei.response);
    expect(SEED_EXAMPLES.heimdallUnauthorized).toEqual(hei.unauthorized);

    let checked = 0;
    for (const [url, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const [name, example] of Object.entries<any>(op.requestBody?.content['application/json'].examples ?? {})) {
          expect([`${method} ${url} ${name}`, schemaProblems(openApiPointer('paths', url, method, 'requestBody', 'content', 'application/json', 'schema'), example.value)]).toEqual([`${method} ${url} ${name}`, []]);
          checked++;
        }
        for (const [status, response] of Object.entries<any>(op.responses)) {
          const example = response.content?.['application/json']?.example;
          if (example === undefined) continue;
          expect([`${method} ${url} ${status}`, schemaProblems(openApiPointer('paths', url, method, 'responses', status, 'content', 'application/json', 'schema'), example)]).toEqual([`${method} ${url} ${status}`, []]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('the response check every shim call of the suite goes through', () => {
  const exchange = (over: Partial<ShimExchange> & { body?: unknown; headers?: Record<string, string> }): ShimExchange => {
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1', ...over.headers };
    return {
      method: over.method ?? 'POST',
      path: over.path ?? '/v1/config/repos',
      status: over.status ?? 201,
      header: (name) => headers[name.toLowerCase()] ?? null,
      text: over.text ?? JSON.stringify(over.body ?? { success: true, data: { id: 'rc_1', platform: 'github' } }),
    };
  };

  test('accepts a response as documented', () => {
    expect(openApiProblems(exchange({}))).toEqual([]);
    expect(openApiProblems(exchange({ status: 429, headers: { 'retry-after': '12' }, body: { success: false, error: { code: 'RATE_LIMITED', message: 'x' } } }))).toEqual([]);
    expect(openApiProblems(exchange({ method: 'GET', path: '/api/repos/x', status: 404, body: { success: false, code: 404, message: 'Repository not found' } }))).toEqual([]);
  });

  test.each<[string, Parameters<typeof exchange>[0], RegExp]>([
    ['a field the document does not have', { body: { success: true, data: { id: 'rc_1', platform: 'github', token: 'ghp_x' } } }, /body: .*additional properties/],
    ['a wrong platform value', { body: { success: true, data: { id: 'rc_1', platform: 'GITHUB' } } }, /platform must be equal to one of the allowed values/],
    ['an undocumented status', { status: 418 }, /status 418 is not documented/],
    ['an error code at the wrong status', { status: 409, body: { success: false, error: { code: 'QUOTA_EXCEEDED', message: 'x' } } }, /error\/code must be equal to one of the allowed values/],
    ['a 429 without Retry-After', { status: 429, body: { success: false, error: { code: 'RATE_LIMITED', message: 'x' } } }, /required header Retry-After is missing/],
    ['no X-Request-Id', { headers: { 'x-request-id': undefined as unknown as string } }, /required header X-Request-Id is missing/],
    ['Idempotent-Replayed where it is not documented', { method: 'GET', path: '/v1/config/repos/rc_1', status: 404, headers: { 'idempotent-replayed': 'true' }, body: { success: false, error: { code: 'NOT_FOUND', message: 'x' } } }, /Idempotent-Replayed is sent but not documented/],
    ['Heimdall envelope on SigSentry', { status: 401, body: { success: false, code: 401, message: 'Authentication required' } }, /body: /],
    ['an undocumented query parameter', { method: 'GET', path: '/v1/config/repos?verbose=1', status: 200, body: { success: true, data: [], pagination: { total: 0, hasMore: false, nextCursor: null } } }, /query parameter "verbose" is not in the document/],
    ['a non-JSON body', { text: '<html>' }, /not JSON/],
    ['an unknown route that does not answer 404', { method: 'PATCH', path: '/v1/config/repos/rc_1', status: 200 }, /not in the document/],
  ])('refuses %s', (_name, over, message) => {
    expect(openApiProblems(exchange(over)).join('\n')).toMatch(message);
  });

  test('a real request the document does not describe fails in rest() itself', async () => {
    // An unknown route answers a documented 404 envelope: accepted.
    const unknown = await rest(t.url, 'PATCH', '/v1/config/repos/rc_1', { headers: { authorization: `Bearer ${t.apiKey}` }, body: {} });
    expect(unknown.status).toBe(404);
    // A query parameter the document does not name: the call throws.
    await expect(rest(t.url, 'GET', '/api/repos?sort=name', { headers: { authorization: `Bearer ${t.apiKey}` } })).rejects.toThrow(/query parameter "sort" is not in the document/);
  });
});

describe('requests at the edges answer as the document says', () => {
  // Each goes through rest(), so beyond the status asserted here its headers and body are checked against the document.
  test('unknown ids, bad query strings and bodies, tenant keys without or with a wrong X-Project-Id, a read-only key', async () => {
    const account = await createAccount(t.dataSource);
    const readOnly = await createApiKey(t.dataSource, { projectId: account.project.id }, ['config:read']);
    const tenantKey = await createApiKey(t.dataSource, { tenantId: account.tenant.id }, ['config:read', 'config:write']);
    const key = { authorization: `Bearer ${account.apiKey}` };
    const heimdallBody = { name: 'edge', remote_url: 'https://git.example.com/acme/edge.git' };
    const cases: [string, string, Parameters<typeof rest>[3], number][] = [
      ['GET', '/api/repos/not-an-id', { headers: key }, 404],
      ['GET', '/v1/config/repos/rc_unknown', { headers: key }, 404],
      ['DELETE', '/api/repos/not-an-id', { headers: key }, 404],
      ['DELETE', '/v1/config/repos/rc_unknown', { headers: key }, 404],
      ['POST', '/v1/config/repos/rc_unknown/invalidate-cache', { headers: key }, 404],
      ['GET', '/api/repos?limit=0', { headers: key }, 400],
      ['GET', '/v1/config/repos?platform=svn', { headers: key }, 400],
      ['GET', '/api/repos?source_type=svn', { headers: key }, 400],
      ['GET', '/v1/config/repos?cursor=zzz', { headers: key }, 400],
      ['GET', '/api/repos?cursor=zzz', { headers: key }, 400],
      ['GET', '/api/repos?include_deleted=yes', { headers: key }, 200],
      ['PUT', '/v1/config/repos/rc_unknown', { headers: { ...key, 'idempotency-key': 'cl\u00e9' }, body: { platform: 'github', credentials: { token: 'x' }, repositories: ['a/b'] } }, 400],
      ['POST', '/api/repos', { headers: key, body: [1] }, 400],
      ['POST', '/api/repos', { headers: key, raw: '{bad' }, 400],
      ['DELETE', '/api/repos/not-an-id', { headers: key, raw: '{bad' }, 400],
      ['DELETE', '/v1/config/repos/rc_unknown', { headers: key, raw: 'x'.repeat(DEFAULT_LIMITS.bodyLimitBytes + 1) }, 413],
      ['POST', '/api/repos', { headers: { authorization: `Bearer ${readOnly}` }, body: heimdallBody }, 403],
      ['DELETE', '/v1/config/repos/rc_unknown', { headers: { authorization: `Bearer ${readOnly}` } }, 403],
      ['GET', '/v1/config/repos', { headers: { authorization: `Bearer ${tenantKey}` } }, 403],
      ['POST', '/api/repos', { headers: { authorization: `Bearer ${tenantKey}`, 'x-project-id': 'not-a-project' }, body: heimdallBody }, 403],
      ['POST', '/api/repos', { headers: { authorization: `Bearer ${tenantKey}`, 'x-project-id': account.project.id }, body: heimdallBody }, 201],
      ['GET', '/api/repos', { headers: { cookie: 'session=rls_forged' } }, 401],
    ];
    const statuses = [];
    for (const [method, url, options] of cases) statuses.push((await rest(t.url, method, url, options)).status);
    expect(statuses).toEqual(cases.map((c) => c[3]));
  });
});
