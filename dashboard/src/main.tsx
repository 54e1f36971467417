import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { DashboardViewerDocument } from './gql/graphql';
import { describeError, signOut, useQuery, whenSignedOut } from './api';
import { Link, navigate, useRoute } from './router';
import { Loading } from './ui';
import { SignInPage } from './pages/SignIn';
import { RepositoriesPage } from './pages/Repositories';
import { MappingsPage } from './pages/Mappings';
import { ApiKeysPage } from './pages/ApiKeys';
import { CodeHostsPage } from './pages/CodeHosts';
import { ConnectPage } from './pages/Connect';
import './styles.css';

const PAGES: { path: string; title: string; render: () => JSX.Element }[] = [
  { path: '/repositories', title: 'Repositories', render: () => <RepositoriesPage /> },
  { path: '/mappings', title: 'Service mappings', render: () => <MappingsPage /> },
  { path: '/code-hosts', title: 'Code hosts', render: () => <CodeHostsPage /> },
  { path: '/connect', title: 'Connect', render: () => <ConnectPage /> },
  { path: '/api-keys', title: 'API keys', render: () => <ApiKeysPage /> },
];

function App() {
  const { path, params } = useRoute();
  const viewer = useQuery(DashboardViewerDocument, {}, { skip: path === '/signed-out' });
  const [signedOut, setSignedOut] = useState(path === '/signed-out');
  useEffect(() => whenSignedOut(() => setSignedOut(true)), []);

  const page = PAGES.find((p) => p.path === path) ?? (path === '/' ? PAGES[0] : null);
  useEffect(() => {
    document.title = `${page?.title ?? 'Sign in'} · repolink`;
  }, [page]);

  if (signedOut || path === '/signed-out') return <SignInPage reason={params.get('reason') ?? (path === '/signed-out' ? 'signed-out' : 'session-ended')} />;
  if (viewer.loading && !viewer.data) return <Loading what="your account" />;
  if (viewer.error || !viewer.data?.viewer) {
    // No session (or an ended one): the sign-in screen says how to get a link.
    return <SignInPage reason={params.get('reason') ?? (viewer.error ? 'error' : 'none')} detail={viewer.error ? describeError(viewer.error) : undefined} />;
  }
  const { tenant, project } = viewer.data.viewer;

  const leave = async () => {
    await signOut().catch(() => undefined);
    navigate('/signed-out?reason=signed-out', true);
    setSignedOut(true);
  };

  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">repolink</div>
        <div className="account">
          <div className="tenant">{tenant.name}</div>
          <div className="muted">Project: {project?.name ?? 'none'}</div>
        </div>
        <nav aria-label="Dashboard">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <Link to={p.path}>{p.title}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="sign-out" onClick={() => void leave()}>
          Sign out
        </button>
      </aside>
      <main id="main" tabIndex={-1}>
        {page ? page.render() : <p role="alert">There is no page at {path}.</p>}
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
