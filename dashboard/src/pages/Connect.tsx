import { useState } from 'react';
import { DashboardAccountRepositoriesDocument, DashboardCodeHostAccountsDocument } from '../gql/graphql';
import { useQuery } from '../api';
import { Link, navigate, useRoute } from '../router';
import { Table, usePager } from '../table';
import { Empty, ErrorBox, Field, Loading, PageHeader } from '../ui';
import { CheckAndConnect } from './CheckAndConnect';

/**
 * Pick repositories from what an account can see on its host (searchable, paginated), then check
 * and connect them through that account (`codeHostAccountId`): the connection stores no
 * credentials, and nobody pastes a token.
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
          <CheckAndConnect key={account.id} account={account} initialRepositories={chosen} />
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
      <Table
        label="Repositories the account can see"
        what="repositories from the host"
        rows={page?.edges.map((e) => e.node)}
        rowKey={(r) => r.path}
        loading={repos.loading}
        error={repos.error}
        retry={() => void repos.refetch()}
        empty={sent ? `No repository matches “${sent}”.` : 'This account sees no repositories.'}
        paging={page ? { pager, pageInfo: page.pageInfo, noun: 'repositories' } : undefined}
        columns={[
          {
            header: 'Choose',
            hideHeader: true,
            cell: (r) => (
              <input
                id={`pick-${r.path}`}
                type="checkbox"
                checked={chosen.includes(r.path)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, r.path] : c.filter((p) => p !== r.path)))}
              />
            ),
          },
          {
            header: 'Repository',
            cell: (r) => (
              <>
                <label htmlFor={`pick-${r.path}`} className="path">
                  {r.path}
                </label>
                {r.archived ? <span className="muted small"> (archived)</span> : null}
              </>
            ),
          },
          { header: 'Visibility', cell: (r) => (r.private === null ? '—' : r.private ? 'private' : 'public') },
          { header: 'Default branch', cell: (r) => r.defaultBranch ?? '—' },
        ]}
      />
      <div className="form-actions">
        <span className="muted">{chosen.length} chosen</span>
        <button type="button" className="primary" disabled={chosen.length === 0} onClick={onNext}>
          Next: check and connect
        </button>
      </div>
    </section>
  );
}
