/**
 * The GraphQL playground: GraphiQL served by the server itself, driven in Debian's Chromium
 * (playwright-core, no downloaded browser). The page must work with no request to any other host.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildSchema, getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { DEFAULT_PLAYGROUND_OPTIONS, registerPlaygroundAssets, wantsPlayground } from '../src/playground/playground';
import { PLAYGROUND_EXAMPLES } from '../src/playground/playground-examples';
import { playgroundHeaders, playgroundHtml } from '../src/playground/playground-page';
import { startTestServer, type TestServer } from './support/test-server';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function loadSchema(): GraphQLSchema {
  const dir = path.resolve(__dirname, '..', 'schema');
  const files = ['base.graphql', ...readdirSync(dir).filter((f) => f.endsWith('.graphql') && f !== 'base.graphql').sort()];
  return buildSchema(files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n'));
}

describe('playground module', () => {
  test('every example tab is a valid operation of the schema, with variables the schema accepts', () => {
    const schema = loadSchema();
    expect(PLAYGROUND_EXAMPLES.map((e) => getOperationAST(parse(e.query))?.name?.value)).toEqual(
      expect.arrayContaining(['ConnectRepos', 'CreateRepository', 'Repositories']),
    );
    for (const example of PLAYGROUND_EXAMPLES) {
      const document = parse(example.query);
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      const operation = getOperationAST(document)!;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], example.variables ?? {});
      expect(coerced.errors?.map((e) => e.message)).toBeUndefined();
    }
  });

  test('wantsPlayground: a browser GET without a query parameter, nothing else', () => {
    const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    expect(wantsPlayground({ method: 'GET', headers: { accept: html }, query: {} })).toBe(true);
    expect(wantsPlayground({ method: 'GET', headers: { accept: html }, query: { query: '{ __typename }' } })).toBe(false);
    expect(wantsPlayground({ method: 'GET', headers: { accept: 'application/json' }, query: {} })).toBe(false);
    expect(wantsPlayground({ method: 'GET', headers: { accept: '*/*' }, query: {} })).toBe(false);
    expect(wantsPlayground({ method: 'GET', headers: {}, query: {} })).toBe(false);
    expect(wantsPlayground({ method: 'GET', headers: { accept: 'text/html;q=0' }, query: {} })).toBe(false);
    expect(wantsPlayground({ method: 'POST', headers: { accept: html }, query: {} })).toBe(false);
  });

  test('the page links only to this server and sets a same-origin CSP', () => {
    const page = playgroundHtml(DEFAULT_PLAYGROUND_OPTIONS);
    expect(page).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(page).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(page).toContain('data-endpoint="/graphql"');
    expect(page).toMatch(/<label for="rl-api-key">API key<\/label>/);
    const csp = playgroundHeaders()['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
  });

  describe('assets', () => {
    let app: FastifyInstance;
    let base: string;
    beforeAll(async () => {
      app = Fastify();
      registerPlaygroundAssets(app, DEFAULT_PLAYGROUND_OPTIONS);
      base = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(() => app.close());

    /** A GET with the path sent as written (no URL normalisation), body not decoded. */
    function get(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
      return new Promise((resolve, reject) => {
        const req = httpRequest(`${base}${rawPath}`, { method: 'GET', headers: { 'accept-encoding': 'identity', ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    }

    test('every file the page links is served with its type, long-lived caching and an ETag', async () => {
      const links = [...playgroundHtml(DEFAULT_PLAYGROUND_OPTIONS).matchAll(/(?:src|href)="(\/playground-assets\/[^"]+)"/g)].map((m) => m[1]);
      expect(links).toHaveLength(6);
      for (const link of links) {
        const res = await get(link);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(link.includes('.css') ? /^text\/css/ : /^text\/javascript/);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(link).toContain(`?v=${String(res.headers.etag).replace(/"/g, '')}`);
        expect(res.body.toString('utf8')).not.toMatch(/sourceMappingURL/);
        const again = await get(link, { 'if-none-match': String(res.headers.etag) });
        expect(again.status).toBe(304);
        const gzipped = await get(link, { 'accept-encoding': 'gzip, deflate, br' });
        expect(gzipped.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(gzipped.body).equals(res.body)).toBe(true);
      }
    });

    test('nothing outside the allow-list is served', async () => {
      for (const rawPath of [
        '/playground-assets/',
        '/playground-assets/package.json',
        '/playground-assets/graphiql.min.js.map',
        '/playground-assets/..%2F..%2Fpackage.json',
        '/playground-assets/%2E%2E/%2E%2E/package.json',
        '/playground-assets/../../package.json',
        '/playground-assets/react.production.min.js/../../../package.json',
      ]) {
        expect({ rawPath, status: (await get(rawPath)).status }).toEqual({ rawPath, status: 404 });
      }
    });
  });
});

describe('playground in a browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Puts an operation in the active tab's editor and runs it; resolves with the result pane's text. */
  async function run(page: Page, operationName: string, query: string, expected: string[]): Promise<string> {
    await page
      .locator('.graphiql-query-editor .CodeMirror')
      .evaluate((el, text) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(text), query);
    // GraphiQL reads the operation name from the editor a moment later; run only once it has.
    await page.locator('.graphiql-tab-active', { hasText: operationName }).waitFor();
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    for (const text of expected) await response.getByText(text, { exact: false }).first().waitFor();
    return response.innerText();
  }

  test('GET /graphql serves GraphiQL that runs operations with the API key, every request staying on this server', async () => {
    const origin = new URL(server.url);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(`${server.url}/graphql`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    expect(response?.headers()['content-security-policy']).toContain("connect-src 'self'");

    // The docs explorer shows the introspected schema.
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();

    const keyField = page.getByLabel('API key');
    await expect(keyField.isVisible()).resolves.toBe(true);
    await keyField.fill(server.apiKey);

    const query = 'query PlaygroundCheck { __schema { queryType { name } } viewer { kind } }';
    const result = await run(page, 'PlaygroundCheck', query, ['"Query"', '"API_KEY"']);
    expect(result).toContain('"name": "Query"');
    expect(result).toContain('"kind": "API_KEY"');

    const sent = requests.filter((r) => r.method() === 'POST' && (r.postData() ?? '').includes('PlaygroundCheck'));
    expect(sent).toHaveLength(1);
    expect(sent[0].headers()['authorization']).toBe(`Bearer ${server.apiKey}`);
    expect(sent[0].headers()['content-type']).toBe('application/json');

    // The key is kept in the browser; an empty field sends no Authorization header.
    await page.reload();
    await page.locator('.graphiql-container').waitFor();
    expect(await page.getByLabel('API key').inputValue()).toBe(server.apiKey);
    await page.getByLabel('API key').fill('');
    await run(page, 'AnonymousCheck', 'query AnonymousCheck { viewer { kind } }', ['"viewer": null']);
    const anonymous = requests.filter((r) => r.method() === 'POST' && (r.postData() ?? '').includes('AnonymousCheck'));
    expect(anonymous).toHaveLength(1);
    expect(anonymous[0].headers()['authorization']).toBeUndefined();

    await context.close();

    const elsewhere = requests
      .map((r) => new URL(r.url()))
      .filter((u) => u.protocol !== 'data:' && u.protocol !== 'blob:' && u.host !== origin.host)
      .map((u) => u.href);
    expect(elsewhere).toEqual([]);
    expect(requests.some((r) => r.url().includes('/playground-assets/graphiql.min.js'))).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
