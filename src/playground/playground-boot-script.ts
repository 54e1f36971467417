import { PLAYGROUND_EXAMPLES } from './playground-examples';

/** Where the API key typed in the page is kept (the browser's localStorage). */
export const PLAYGROUND_API_KEY_STORAGE_KEY = 'repolink.playground.apiKey';

/** The page's script: reads its settings from the page, wires the API-key field and mounts GraphiQL. */
export function playgroundBootScript(): string {
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
