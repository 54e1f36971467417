import { assetUrl } from './playground-assets';

/**
 * The playground page: HTML that links only files of this server (scripts included, so its CSP is
 * `script-src 'self'`), with its settings as data attributes for the page's script.
 */

export interface PlaygroundOptions {
  /** The GraphQL endpoint the page sends operations to, e.g. `/graphql`. */
  endpoint: string;
  /** Where the page's static files are served, e.g. `/playground-assets`. */
  assetsPrefix: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The playground page. Every URL in it is on this server; its settings travel as data attributes. */
export function playgroundHtml(opts: PlaygroundOptions): string {
  const url = (name: string) => escapeHtml(assetUrl(opts.assetsPrefix, name));
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
