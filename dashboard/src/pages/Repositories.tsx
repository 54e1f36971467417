import { useEffect, useState } from 'react';
import {
  DashboardConnectionsDocument,
  DashboardDeleteConnectionDocument,
  DashboardDeleteRepositoryDocument,
  DashboardRepositoriesDocument,
  DashboardRestoreRepositoryDocument,
  DashboardSyncConnectionDocument,
  type DashboardConnectionFragment,
  type DashboardRepositoryFragment,
} from '../gql/graphql';
import { describeError, mutate, useQuery, type UserError } from '../api';
import { Link } from '../router';
import { Table, usePager } from '../table';
import { DateTime, FormErrors, PageHeader, PlatformName, Sha, SyncState } from '../ui';

/** While anything on screen is syncing, ask again this often. */
const POLL_MS = 1500;
const PAGE_SIZE = 20;

export function RepositoriesPage() {
  // The connections' sync states, as last read: when they change, the repositories table reads again.
  const [syncSignature, setSyncSignature] = useState('');
  return (
    <>
      <PageHeader title="Repositories" />
      <Connections onSyncChange={setSyncSignature} />
      <Repositories syncSignature={syncSignature} />
    </>
  );
}

function hostOf(connection: DashboardConnectionFragment): string {
  if (connection.baseUrl) {
    try {
      return new URL(connection.baseUrl).host;
    } catch {
      return connection.baseUrl;
    }
  }
  return { GITHUB: 'github.com', GITLAB: 'gitlab.com', BITBUCKET: 'bitbucket.org' }[connection.platform];
}

const ACCOUNT_KINDS: Record<string, string> = { GITHUB_APP_INSTALLATION: 'GitHub App', OAUTH: 'OAuth', API_TOKEN: 'API token', ACCESS_TOKEN: 'Access token' };

/** A connection's own credential (its hint), or the code-host account it reads through. */
function ConnectionCredential({ connection }: { connection: DashboardConnectionFragment }) {
  const account = connection.codeHostAccount;
  if (!account) return <code>{connection.credentialsHint || '—'}</code>;
  return (
    <div data-code-host-account-id={account.id}>
      {ACCOUNT_KINDS[account.kind] ?? account.kind} account
      <div className="muted small">
        {account.identity ?? account.id}
        {account.status !== 'ACTIVE' ? <span className="sync-error"> ({account.status.toLowerCase().replace(/_/g, ' ')})</span> : null}
      </div>
    </div>
  );
}

function Connections({ onSyncChange }: { onSyncChange: (signature: string) => void }) {
  const pager = usePager();
  const query = useQuery(
    DashboardConnectionsDocument,
    { first: PAGE_SIZE, after: pager.after },
    { pollMs: (d) => (d.repoConnections.edges.some((e) => e.node.syncStatus === 'PENDING' || e.node.repositories.some((r) => r.syncStatus === 'PENDING')) ? POLL_MS : 0) },
  );
  const [problems, setProblems] = useState<UserError[]>([]);
  const [busy, setBusy] = useState<string | null>(null);

  const act = async (id: string, run: () => Promise<{ userErrors: readonly UserError[] }>) => {
    setBusy(id);
    setProblems([]);
    try {
      const { userErrors } = await run();
      setProblems([...userErrors]);
    } catch (error) {
      setProblems([{ code: 'ERROR', message: describeError(error) }]);
    } finally {
      setBusy(null);
      await query.refetch();
    }
  };

  const page = query.data?.repoConnections;
  const signature = page?.edges.map((e) => `${e.node.id}:${e.node.syncStatus}:${e.node.syncedAt ?? ''}:${e.node.deletedAt ?? ''}`).join(',') ?? '';
  useEffect(() => onSyncChange(signature), [signature, onSyncChange]);
  return (
    <section aria-labelledby="connections-title">
      <h2 id="connections-title">Connections</h2>
      <p className="muted">Repositories connected together with one credential. A sync reads each repository's default branch and head commit from its host.</p>
      <FormErrors errors={problems} />
      <Table
        label="Connections"
        what="connections"
        rows={page?.edges.map((e) => e.node)}
        rowKey={(c) => c.id}
        rowProps={(c) => ({ 'data-connection-id': c.id })}
        loading={query.loading}
        error={query.error}
        retry={() => void query.refetch()}
        empty={
          <>
            No connections yet. <Link to="/code-hosts">Connect a code host</Link> and pick its repositories, or connect with the API (connectRepos) or the REST shim; then sync them here.
          </>
        }
        paging={page ? { pager, pageInfo: page.pageInfo, total: page.totalCount, noun: 'connections' } : undefined}
        columns={[
          {
            header: 'Platform',
            cell: (c) => (
              <>
                <PlatformName platform={c.platform} />
                <div className="muted small">{hostOf(c)}</div>
              </>
            ),
          },
          {
            header: 'Repositories',
            cell: (c) => (
              <ul className="plain">
                {c.repositories.map((r) => (
                  <li key={r.id}>
                    <span className="path">{r.path}</span> <span className="muted small">{r.defaultBranch}</span> <Sha sha={r.lastCommitSha} />
                    {r.syncStatus === 'ERROR' && r.syncError ? <div className="sync-error small">{r.syncError}</div> : null}
                  </li>
                ))}
              </ul>
            ),
          },
          { header: 'Credential', cell: (c) => <ConnectionCredential connection={c} /> },
          { header: 'Sync', cell: (c) => <SyncState status={c.syncStatus} syncedAt={c.syncedAt} error={c.syncError} /> },
          { header: 'Created', cell: (c) => <DateTime iso={c.createdAt} /> },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (c) => (
              <>
                <button type="button" disabled={busy === c.id || c.syncStatus === 'PENDING'} onClick={() => void act(c.id, () => mutate(DashboardSyncConnectionDocument, { id: c.id }))}>
                  Sync now
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={busy === c.id}
                  onClick={() => {
                    if (window.confirm(`Delete this ${c.platform.toLowerCase()} connection and its ${c.repositories.length} repositories? Their service mappings go with them.`)) {
                      void act(c.id, () => mutate(DashboardDeleteConnectionDocument, { id: c.id }));
                    }
                  }}
                >
                  Delete
                </button>
              </>
            ),
          },
        ]}
      />
    </section>
  );
}

function Repositories({ syncSignature }: { syncSignature: string }) {
  const pager = usePager();
  const [nameContains, setNameContains] = useState('');
  const [includeDeleted, setIncludeDeleted] = useState(false);
  const filter = { nameContains: nameContains.trim() || undefined, includeDeleted };
  const query = useQuery(
    DashboardRepositoriesDocument,
    { first: PAGE_SIZE, after: pager.after, filter },
    { pollMs: (d) => (d.repositories.edges.some((e) => e.node.syncStatus === 'PENDING') ? POLL_MS : 0) },
  );
  const [problems, setProblems] = useState<UserError[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const { refetch } = query;
  useEffect(() => {
    if (syncSignature) void refetch();
  }, [syncSignature, refetch]);

  const act = async (repository: DashboardRepositoryFragment, restore: boolean) => {
    setBusy(repository.id);
    setProblems([]);
    try {
      const { userErrors } = restore
        ? await mutate(DashboardRestoreRepositoryDocument, { id: repository.id })
        : await mutate(DashboardDeleteRepositoryDocument, { id: repository.id });
      setProblems(userErrors.map((e) => ({ ...e, message: `${repository.path}: ${e.message}` })));
    } catch (error) {
      setProblems([{ code: 'ERROR', message: `${repository.path}: ${describeError(error)}` }]);
    } finally {
      setBusy(null);
      await query.refetch();
    }
  };

  const page = query.data?.repositories;
  return (
    <section aria-labelledby="repositories-title">
      <h2 id="repositories-title">All repositories</h2>
      <div className="toolbar" role="search">
        <label htmlFor="repo-filter">Name contains</label>
        <input
          id="repo-filter"
          type="search"
          value={nameContains}
          onChange={(e) => {
            setNameContains(e.target.value);
            pager.reset();
          }}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={includeDeleted}
            onChange={(e) => {
              setIncludeDeleted(e.target.checked);
              pager.reset();
            }}
          />
          Show deleted
        </label>
      </div>
      <FormErrors errors={problems} />
      <Table
        label="Repositories"
        what="repositories"
        rows={page?.edges.map((e) => e.node)}
        rowKey={(r) => r.id}
        rowProps={(r) => ({ 'data-repository-id': r.id, className: r.deletedAt ? 'deleted' : undefined })}
        loading={query.loading}
        error={query.error}
        retry={() => void query.refetch()}
        empty={filter.nameContains ? `No repository name contains “${filter.nameContains}”.` : 'No repositories yet.'}
        paging={page ? { pager, pageInfo: page.pageInfo, total: page.totalCount, noun: 'repositories' } : undefined}
        columns={[
          {
            header: 'Repository',
            cell: (r) => (
              <>
                <div className="path">{r.path}</div>
                <div className="muted small">{r.name}</div>
              </>
            ),
          },
          { header: 'Platform', cell: (r) => <PlatformName platform={r.repoConnection?.platform ?? r.sourceType} /> },
          { header: 'Default branch', cell: (r) => r.defaultBranch },
          { header: 'Head commit', cell: (r) => <Sha sha={r.lastCommitSha} /> },
          {
            header: 'Sync',
            cell: (r) =>
              r.deletedAt ? (
                <span className="muted">
                  Deleted <DateTime iso={r.deletedAt} />
                </span>
              ) : (
                <SyncState status={r.syncStatus} syncedAt={r.syncedAt} error={r.syncError} />
              ),
          },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (r) =>
              r.deletedAt ? (
                <button type="button" disabled={busy === r.id} onClick={() => void act(r, true)}>
                  Restore
                </button>
              ) : (
                <button type="button" className="danger" disabled={busy === r.id} onClick={() => window.confirm(`Delete ${r.path}? Its service mappings go with it.`) && void act(r, false)}>
                  Delete
                </button>
              ),
          },
        ]}
      />
    </section>
  );
}
