/** The playground page's own styles (served as `playground.css`): the API-key bar above GraphiQL, light and dark. */
export const PLAYGROUND_CSS = `html, body { height: 100%; margin: 0; }
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
