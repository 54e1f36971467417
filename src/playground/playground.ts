/**
 * The GraphQL playground: GraphiQL 3 served by the server itself, with no request to any other host.
 *
 * - The browser bundles come from npm packages (graphiql@3 UMD build + React 18 UMD builds), located
 *   with `require.resolve`, read on first use and kept in memory; GraphiQL's CSS inlines its fonts as
 *   `data:` URLs, so nothing is fetched from a CDN.
 * - The page's own script (`boot.js`) and styles (`playground.css`) are generated here and served as
 *   files too, so the page needs no inline script and its CSP is `script-src 'self'`.
 * - `GET /graphql` shares its route with Apollo: {@link wantsPlayground} tells a browser's page
 *   request apart from a GET operation.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface PlaygroundOptions {
  /** The GraphQL endpoint the page sends operations to, e.g. `/graphql`. */
  endpoint: string;
  /** Where the page's static files are served, e.g. `/playground-assets`. */
  assetsPrefix: string;
}

export const DEFAULT_PLAYGROUND_OPTIONS: PlaygroundOptions = { endpoint: '/graphql', assetsPrefix: '/playground-assets' };

/** One tab the playground opens with (the first visit of a browser; GraphiQL then keeps its own tabs). */
export interface PlaygroundExample {
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// EXAMPLE OPERATIONS — the playground's default tabs. Keep them valid against `schema/*.graphql`
// (test/playground.browser.test.ts validates them against the schema).
// ─────────────────────────────────────────────────────────────────────────────────────────────────
export const PLAYGROUND_EXAMPLES: readonly PlaygroundExample[] = [
  {
    // POST /v1/config/repos's "Full example body" (sigsentry-config-repos.txt) as GraphQL input.
    query: `# Connects repositories of one platform to the caller's project (needs config:write).
# The same body as POST /v1/config/repos; see the Docs pane for every field.
mutation ConnectRepos($input: ConnectReposInput!) {
  connectRepos(input: $input) {
    repoConnection {
      id
      platform
      lookbackDays
      repositories {
        id
        name
      }
    }
    userErrors {
      code
      field
      message
    }
  }
}
`,
    variables: {
      input: {
        platform: 'GITHUB',
        credentials: { token: 'ghp_...' },
        repositories: ['acme/checkout-api', 'acme/billing-worker'],
        serviceMappings: [
          { serviceName: 'checkout-api', repo: 'acme/checkout-api', pathPrefix: 'src/', defaultBranch: 'main' },
          { serviceName: 'billing-worker', repo: 'acme/billing-worker', pathPrefix: '', defaultBranch: 'main' },
        ],
        lookbackDays: 30,
      },
    },
  },
  {
    // POST /api/repos (heimdall-create-repository.txt) as GraphQL input.
    query: `# Creates one repository from a git URL (the same fields as POST /api/repos).
mutation CreateRepository($input: CreateRepositoryInput!) {
  createRepository(input: $input) {
    repository {
      id
      name
      sourceType
      remoteUrl
      defaultBranch
      createdAt
    }
    userErrors {
      code
      field
      message
    }
  }
}
`,
    variables: {
      input: { name: 'my-web-app', sourceType: 'GIT_URL', remoteUrl: 'https://github.com/example/my-web-app.git', defaultBranch: 'main' },
    },
  },
  {
    query: `# The project's repositories, newest first. Pass pageInfo.endCursor as \`after\` for the next page.
query Repositories {
  repositories(first: 10) {
    edges {
      cursor
      node {
        id
        name
        sourceType
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    totalCount
  }
}
`,
  },
  {
    query: `# Who the API key (or session token) in the field above authenticates as.
query Viewer {
  viewer {
    kind
    permissions
    tenant {
      name
      plan
    }
    project {
      id
      name
      repositoryCount
      repositoryQuota
    }
  }
}
`,
  },
  {
    query: `# A dry run of connectRepos: asks the platform about the token and each repository; writes nothing.
mutation CheckRepoConnection($input: ConnectReposInput!) {
  checkRepoConnection(input: $input) {
    check {
      ok
      credential { valid identity scopes missingScopes message }
      repositories { repository status defaultBranch headCommit message }
    }
    userErrors { code field message }
  }
}
`,
    variables: { input: { platform: 'GITHUB', credentials: { token: 'ghp_...' }, repositories: ['acme/checkout-api'] } },
  },
  {
    query: `# A stack frame of a service to its file, branch and web URL (through the mapping's stack roots).
query ResolveCodeLocation {
  resolveCodeLocation(serviceName: "checkout-api", path: "/app/src/handlers/pay.ts", line: 42) {
    matched
    reason
    path
    branch
    webUrl
  }
}
`,
  },
];

/** Where the API key typed in the page is kept (the browser's localStorage). */
export const PLAYGROUND_API_KEY_STORAGE_KEY = 'repolink.playground.apiKey';

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Static files
// ─────────────────────────────────────────────────────────────────────────────────────────────────

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

interface PlaygroundAsset {
  name: string;
  contentType: string;
  body: Buffer;
  /** Content hash: the `?v=` of the page's links and the ETag. */
  version: string;
  gzipped?: Buffer;
}

/** A file of an installed package; `package.json` is resolved because these packages' `exports` hide their UMD files. */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** Drops a trailing `sourceMappingURL` comment: the maps are not served, so a browser's devtools would only ask for a 404. */
function withoutSourceMap(text: string): string {
  return text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/\n?\/\*# sourceMappingURL=\S+ \*\/\s*$/, '\n');
}

const PLAYGROUND_CSS = `html, body { height: 100%; margin: 0; }
body { overflow: hidden; }
#playground { display: flex; flex-direction: column; height: 100vh; }
.rl-bar {
  display: flex; align-items: center; gap: 10px; flex: none; padding: 8px 16px;
  font-family: "Roboto", system-ui, sans-serif; font-size: 14px;
  background: hsl(219, 28%, 97%); color: hsl(219, 28%, 32%); border-bottom: 1px solid hsla(219, 28%, 32%, 0.15);
}
.rl-title { font-weight: 500; margin-right: 12px; }
.rl-bar label { font-weight: 500; }
.rl-bar input {
  flex: 0 1 460px; min-width: 160px; padding: 6px 8px; font: 13px "Fira Code", ui-monospace, monospace;
  color: inherit; background: #fff; border: 1px solid hsla(219, 28%, 32%, 0.3); border-radius: 4px;
}
.rl-bar input:focus { outline: 2px solid hsla(208, 100%, 46%, 0.6); outline-offset: 0; }
.rl-bar button {
  padding: 5px 10px; font: inherit; color: inherit; background: transparent; cursor: pointer;
  border: 1px solid hsla(219, 28%, 32%, 0.3); border-radius: 4px;
}
.rl-status { opacity: 0.75; font-size: 12px; }
#graphiql { flex: 1; min-height: 0; }
.rl-loading { padding: 24px; font-family: "Roboto", system-ui, sans-serif; color: hsl(219, 28%, 32%); }
body.graphiql-dark .rl-bar { background: hsl(219, 29%, 14%); color: hsl(219, 29%, 78%); border-bottom-color: hsla(219, 29%, 78%, 0.15); }
body.graphiql-dark .rl-bar input { background: hsl(219, 29%, 18%); border-color: hsla(219, 29%, 78%, 0.3); }
body.graphiql-dark .rl-bar button { border-color: hsla(219, 29%, 78%, 0.3); }
@media (prefers-color-scheme: dark) {
  body:not(.graphiql-light) .rl-bar { background: hsl(219, 29%, 14%); color: hsl(219, 29%, 78%); border-bottom-color: hsla(219, 29%, 78%, 0.15); }
  body:not(.graphiql-light) .rl-bar input { background: hsl(219, 29%, 18%); border-color: hsla(219, 29%, 78%, 0.3); }
  body:not(.graphiql-light) .rl-bar button { border-color: hsla(219, 29%, 78%, 0.3); }
}
`;

/** The page's script: reads its settings from the page, wires the API-key field and mounts GraphiQL. */
function bootScript(): string {
  const tabs = PLAYGROUND_EXAMPLES.map((e) => ({
    query: e.query,
    variables: e.variables ? JSON.stringify(e.variables, null, 2) : null,
    headers: e.headers ? JSON.stringify(e.headers, null, 2) : null,
  }));
  // Plain ES2017 for the browser; no inline script anywhere, so CSP can say script-src 'self'.
  return `(function () {
  'use strict';
  var KEY_STORAGE = ${JSON.stringify(PLAYGROUND_API_KEY_STORAGE_KEY)};
  var DEFAULT_TABS = ${JSON.stringify(tabs, null, 2).replace(/</g, '\\u003c')};
  var page = document.getElementById('playground');
  var endpoint = page.getAttribute('data-endpoint') || '/graphql';
  var keyInput = document.getElementById('rl-api-key');
  var toggle = document.getElementById('rl-api-key-toggle');
  var status = document.getElementById('rl-api-key-status');

  function storageGet(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function storageSet(key, value) {
    try { if (value) window.localStorage.setItem(key, value); else window.localStorage.removeItem(key); } catch (e) { /* storage disabled */ }
  }
  function apiKey() { return keyInput.value.trim(); }
  function showStatus() {
    status.textContent = apiKey()
      ? 'Sent as Authorization: Bearer \\u2026 (kept in this browser)'
      : 'No key: requests are sent without credentials';
  }

  keyInput.value = storageGet(KEY_STORAGE) || '';
  showStatus();
  toggle.addEventListener('click', function () {
    var hidden = keyInput.type === 'password';
    keyInput.type = hidden ? 'text' : 'password';
    toggle.textContent = hidden ? 'Hide' : 'Show';
    toggle.setAttribute('aria-pressed', String(hidden));
  });

  // Operations go as JSON POSTs (Apollo's CSRF prevention accepts them); the key field sets
  // Authorization unless the tab's Headers pane names one itself.
  function createFetcher() {
    return function fetcher(params, options) {
      var headers = {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json;q=0.9',
        'apollo-require-preflight': 'true'
      };
      var extra = (options && options.headers) || {};
      Object.keys(extra).forEach(function (name) { headers[name.toLowerCase()] = String(extra[name]); });
      var key = apiKey();
      if (key && !headers.authorization) headers.authorization = 'Bearer ' + key;
      return window.fetch(endpoint, {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(params),
        credentials: 'same-origin'
      }).then(function (response) {
        return response.text().then(function (text) {
          try {
            return JSON.parse(text);
          } catch (e) {
            return { errors: [{ message: 'HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 2000) }] };
          }
        });
      });
    };
  }

  // Open the docs explorer on a first visit; afterwards GraphiQL remembers the reader's choice.
  if (storageGet('graphiql:visiblePlugin') === null) storageSet('graphiql:visiblePlugin', 'Documentation Explorer');
  // On a first visit GraphiQL 3 fills the variables and headers panes of the first default tab from
  // storage, not from the tab: seed them so the first example shows its variables.
  if (storageGet('graphiql:tabState') === null && DEFAULT_TABS.length > 0) {
    storageSet('graphiql:variables', DEFAULT_TABS[0].variables || '');
    storageSet('graphiql:headers', DEFAULT_TABS[0].headers || '');
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function render() {
    // A new fetcher makes GraphiQL introspect again, with the current key.
    root.render(React.createElement(GraphiQL, {
      fetcher: createFetcher(),
      defaultTabs: DEFAULT_TABS,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    }));
  }
  var timer = null;
  keyInput.addEventListener('input', function () {
    storageSet(KEY_STORAGE, apiKey());
    showStatus();
    clearTimeout(timer);
    timer = setTimeout(render, 600);
  });
  render();
})();
`;
}

interface AssetSpec {
  contentType: string;
  load(): string;
}

/** The allow-list: exactly these files are served, nothing else under the prefix. */
const ASSET_SPECS: Readonly<Record<string, AssetSpec>> = {
  'react.production.min.js': { contentType: JS, load: () => readFileSync(packageFile('react', 'umd/react.production.min.js'), 'utf8') },
  'react-dom.production.min.js': {
    contentType: JS,
    load: () => readFileSync(packageFile('react-dom', 'umd/react-dom.production.min.js'), 'utf8'),
  },
  'graphiql.min.js': { contentType: JS, load: () => withoutSourceMap(readFileSync(packageFile('graphiql', 'graphiql.min.js'), 'utf8')) },
  'graphiql.min.css': { contentType: CSS, load: () => withoutSourceMap(readFileSync(packageFile('graphiql', 'graphiql.min.css'), 'utf8')) },
  'playground.css': { contentType: CSS, load: () => PLAYGROUND_CSS },
  'boot.js': { contentType: JS, load: bootScript },
};

const loaded = new Map<string, PlaygroundAsset>();

/**
 * One asset, read on its first use and then kept (all six are about 2.4 MB). Nothing is read at
 * startup: a server whose playground nobody opens (production, where introspection is off) never
 * holds the bundles.
 */
function asset(name: string): PlaygroundAsset | undefined {
  let found = loaded.get(name);
  if (!found && Object.prototype.hasOwnProperty.call(ASSET_SPECS, name)) {
    const spec = ASSET_SPECS[name];
    const body = Buffer.from(spec.load(), 'utf8');
    found = { name, contentType: spec.contentType, body, version: createHash('sha256').update(body).digest('hex').slice(0, 16) };
    loaded.set(name, found);
  }
  return found;
}

function trimSlash(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}

function assetUrl(opts: PlaygroundOptions, name: string): string {
  const found = asset(name);
  if (!found) throw new Error(`not a playground asset: ${name}`);
  return `${trimSlash(opts.assetsPrefix)}/${name}?v=${found.version}`;
}

function acceptsGzip(header: unknown): boolean {
  const value = Array.isArray(header) ? header.join(',') : typeof header === 'string' ? header : '';
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

/**
 * Serves the playground's files under `opts.assetsPrefix`: one route per allow-listed file (no
 * parameter reaches the file system), read on first use, `Cache-Control: immutable` (the page links
 * them with a content hash), gzip when the client takes it, and 304 on a matching `If-None-Match`.
 */
export function registerPlaygroundAssets(app: FastifyInstance, opts: PlaygroundOptions): void {
  const prefix = trimSlash(opts.assetsPrefix);
  for (const name of Object.keys(ASSET_SPECS)) {
    app.get(`${prefix}/${name}`, async (request, reply) => {
      const file = asset(name)!;
      const etag = `"${file.version}"`;
      void reply
        .header('content-type', file.contentType)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('etag', etag)
        .header('vary', 'accept-encoding')
        .header('x-content-type-options', 'nosniff');
      const ifNoneMatch = headerValue(request.headers['if-none-match']);
      if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return reply.code(304).send();
      if (acceptsGzip(request.headers['accept-encoding'])) {
        file.gzipped ??= gzipSync(file.body);
        return reply.header('content-encoding', 'gzip').send(file.gzipped);
      }
      return reply.send(file.body);
    });
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The playground page. Every URL in it is on this server; its settings travel as data attributes. */
export function playgroundHtml(opts: PlaygroundOptions): string {
  const url = (name: string) => escapeHtml(assetUrl(opts, name));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>repolink · GraphQL playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${url('graphiql.min.css')}">
<link rel="stylesheet" href="${url('playground.css')}">
<script defer src="${url('react.production.min.js')}"></script>
<script defer src="${url('react-dom.production.min.js')}"></script>
<script defer src="${url('graphiql.min.js')}"></script>
<script defer src="${url('boot.js')}"></script>
</head>
<body>
<div id="playground" data-endpoint="${escapeHtml(opts.endpoint)}">
  <header class="rl-bar">
    <span class="rl-title">repolink GraphQL</span>
    <label for="rl-api-key">API key</label>
    <input id="rl-api-key" name="api-key" type="password" autocomplete="off" autocapitalize="off" spellcheck="false"
      placeholder="ss_secret_… or a session token" title="Kept in this browser's localStorage and sent as Authorization: Bearer &lt;key&gt;">
    <button type="button" id="rl-api-key-toggle" aria-controls="rl-api-key" aria-pressed="false">Show</button>
    <span id="rl-api-key-status" class="rl-status" aria-live="polite"></span>
  </header>
  <main id="graphiql"><div class="rl-loading">Loading the playground…<noscript> It needs JavaScript.</noscript></div></main>
</div>
</body>
</html>
`;
}

/**
 * Headers of the playground page. The CSP allows only this origin (fonts and the favicon are
 * `data:` URLs); scripts are files, so no inline script runs. Styles keep 'unsafe-inline' because
 * GraphiQL's components set inline styles.
 */
export function playgroundHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}

function headerValue(value: unknown): string {
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(',');
  return typeof value === 'string' ? value : '';
}

/** Whether an Accept header takes text/html (a media range `text/html` with q > 0). */
function acceptsHtml(accept: string): boolean {
  return accept.split(',').some((range) => {
    const [type, ...params] = range.trim().toLowerCase().split(';');
    if (type.trim() !== 'text/html') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

/**
 * Whether a request on the GraphQL endpoint is a browser asking for the page: GET (or HEAD),
 * `Accept` takes `text/html`, and no `query` parameter (a GET operation goes to Apollo).
 */
export function wantsPlayground(request: { method: string; headers: Record<string, unknown>; query: unknown }): boolean {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (!acceptsHtml(headerValue(request.headers.accept))) return false;
  const query = request.query;
  if (typeof query === 'string') return !new URLSearchParams(query).has('query');
  return !(query !== null && typeof query === 'object' && Object.prototype.hasOwnProperty.call(query, 'query'));
}

/** Sends the page (with {@link playgroundHeaders}). */
export function sendPlayground(reply: FastifyReply, opts: PlaygroundOptions): FastifyReply {
  return reply.code(200).headers(playgroundHeaders()).send(playgroundHtml(opts));
}

/**
 * A `preHandle` for `registerGraphQLRoute`: answers a browser's page request with the playground
 * and returns true; returns false for everything else, which Apollo then handles.
 */
export function playgroundPreHandler(opts: PlaygroundOptions): (request: FastifyRequest, reply: FastifyReply) => boolean {
  return (request, reply) => {
    if (!wantsPlayground(request)) return false;
    void sendPlayground(reply, opts);
    return true;
  };
}
