import { useState } from 'react';
import { DashboardAccountRepositoriesDocument, DashboardCodeHostAccountsDocument } from '../gql/graphql';
import { useQuery } from '../api';
import { Link, navigate, useRoute } from '../router';
import { Empty, ErrorBox, Field, Loading, PageHeader, Pager, PlatformName, usePager } from '../ui';
import { CheckAndConnect } from './CheckAndConnect';

/**
 * Pick repositories from what an account can see on its host (searchable, paginated), then check
 * and connect them. The connection is made with a token pasted below: `connectRepos` does not take
 * an account yet (issue 18, phase 2).
 */
export function ConnectPage() {
  const { params } = useRoute();
  const accountId = params.get('account') ?? '';
  const accounts = useQuery(DashboardCodeHostAccountsDocument, { first: 100, filter: { status: 'ACTIVE' } });
  const [chosen, setChosen] = useState<string[]>([]);
  const [reviewing, setReviewing] = useState(false);
  const list = accounts.data?.codeHostAccounts.edges.map((e) => e.node) ?? [];
  const account = list.find((a) => a.id === accountId) ?? null;

  return (
    <>
      <PageHeader title="Connect repositories" />
      {accounts.error ? <ErrorBox error={accounts.error} retry={() => void accounts.refetch()} /> : null}
      {!accounts.data && accounts.loading ? <Loading what="accounts" /> : null}
      {accounts.data && list.length === 0 ? (
        <Empty>
          No active code-host account. <Link to="/code-hosts">Connect one on Code hosts</Link>, or paste a token there.
        </Empty>
      ) : null}
      {list.length > 0 ? (
        <div className="toolbar">
          <Field label="Account">
            {(p) => (
              <select
                {...p}
                value={accountId}
                onChange={(e) => {
                  setChosen([]);
                  setReviewing(false);
                  navigate(e.target.value ? `/connect?account=${encodeURIComponent(e.target.value)}` : '/connect');
                }}
              >
                <option value="">Choose an account</option>
                {list.map((a) => (
                  <option key={a.id} value={a.id}>
                    {({ GITHUB: 'GitHub', GITLAB: 'GitLab', BITBUCKET: 'Bitbucket' } as Record<string, string>)[a.host]} · {a.identity ?? a.id}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      ) : null}
      {account && !reviewing ? <Picker key={account.id} accountId={account.id} chosen={chosen} setChosen={setChosen} onNext={() => setReviewing(true)} /> : null}
      {account && reviewing ? (
        <>
          <p>
            <button type="button" className="link" onClick={() => setReviewing(false)}>
              ← Back to the list
            </button>
          </p>
          <p className="muted">
            Connecting through the <PlatformName platform={account.host} /> account itself is not possible yet: paste a token that can read these repositories. The check asks the host
            first and saves nothing.
          </p>
          <CheckAndConnect initialPlatform={account.host} initialRepositories={chosen} initialBaseUrl={account.host === 'BITBUCKET' || /\/\/(api\.)?github\.com|\/\/gitlab\.com/.test(account.baseUrl) ? '' : account.baseUrl} />
        </>
      ) : null}
    </>
  );
}

function Picker({ accountId, chosen, setChosen, onNext }: { accountId: string; chosen: string[]; setChosen: (f: (c: string[]) => string[]) => void; onNext: () => void }) {
  const pager = usePager();
  const [search, setSearch] = useState('');
  const [sent, setSent] = useState('');
  const repos = useQuery(DashboardAccountRepositoriesDocument, { id: accountId, first: 20, after: pager.after, search: sent || undefined });
  const page = repos.data?.codeHostAccount?.repositories;

  return (
    <section className="panel" aria-labelledby="picker-title">
      <h2 id="picker-title">What this account can see</h2>
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSent(search.trim());
          pager.reset();
        }}
      >
        <label htmlFor="repo-search">Search</label>
        <input id="repo-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name or path" />
        <button type="submit">Search</button>
      </form>
      {repos.error ? <ErrorBox error={repos.error} retry={() => void repos.refetch()} /> : null}
      {!page && repos.loading ? <Loading what="repositories from the host" /> : null}
      {page && page.edges.length === 0 ? <Empty>{sent ? `No repository matches “${sent}”.` : 'This account sees no repositories.'}</Empty> : null}
      {page && page.edges.length > 0 ? (
        <>
          <table className="table" aria-label="Repositories the account can see">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Choose</span>
                </th>
                <th scope="col">Repository</th>
                <th scope="col">Visibility</th>
                <th scope="col">Default branch</th>
              </tr>
            </thead>
            <tbody>
              {page.edges.map(({ node: r }) => {
                const id = `pick-${r.path}`;
                return (
                  <tr key={r.path}>
                    <td>
                      <input
                        id={id}
                        type="checkbox"
                        checked={chosen.includes(r.path)}
                        onChange={(e) => setChosen((c) => (e.target.checked ? [...c, r.path] : c.filter((p) => p !== r.path)))}
                      />
                    </td>
                    <td>
                      <label htmlFor={id} className="path">
                        {r.path}
                      </label>
                      {r.archived ? <span className="muted small"> (archived)</span> : null}
                    </td>
                    <td>{r.private === null ? '—' : r.private ? 'private' : 'public'}</td>
                    <td>{r.defaultBranch ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Pager pager={pager} hasNextPage={page.pageInfo.hasNextPage} endCursor={page.pageInfo.endCursor} label="repositories" />
        </>
      ) : null}
      <div className="form-actions">
        <span className="muted">{chosen.length} chosen</span>
        <button type="button" className="primary" disabled={chosen.length === 0} onClick={onNext}>
          Next: check and connect
        </button>
      </div>
    </section>
  );
}
