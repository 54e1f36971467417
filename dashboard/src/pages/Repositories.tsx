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
import { DateTime, Empty, ErrorBox, FormErrors, Loading, PageHeader, Pager, PlatformName, Sha, SyncState, usePager } from '../ui';

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
      {query.error && !page ? <ErrorBox error={query.error} retry={() => void query.refetch()} /> : null}
      {!page && query.loading ? <Loading what="connections" /> : null}
      {page && page.edges.length === 0 ? <Empty>No connections yet. Connect a code host with the API (connectRepos) or the REST shim, then sync it here.</Empty> : null}
      {page && page.edges.length > 0 ? (
        <>
          <table className="table" aria-label="Connections">
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">Repositories</th>
                <th scope="col">Credential</th>
                <th scope="col">Sync</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.edges.map(({ node: c }) => (
                <tr key={c.id} data-connection-id={c.id}>
                  <td>
                    <PlatformName platform={c.platform} />
                    <div className="muted small">{hostOf(c)}</div>
                  </td>
                  <td>
                    <ul className="plain">
                      {c.repositories.map((r) => (
                        <li key={r.id}>
                          <span className="path">{r.path}</span> <span className="muted small">{r.defaultBranch}</span> <Sha sha={r.lastCommitSha} />
                          {r.syncStatus === 'ERROR' && r.syncError ? <div className="sync-error small">{r.syncError}</div> : null}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <code>{c.credentialsHint || '—'}</code>
                  </td>
                  <td>
                    <SyncState status={c.syncStatus} syncedAt={c.syncedAt} error={c.syncError} />
                  </td>
                  <td>
                    <DateTime iso={c.createdAt} />
                  </td>
                  <td className="actions">
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
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} hasNextPage={page.pageInfo.hasNextPage} endCursor={page.pageInfo.endCursor} total={page.totalCount} label="connections" />
        </>
      ) : null}
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
      {query.error && !page ? <ErrorBox error={query.error} retry={() => void query.refetch()} /> : null}
      {!page && query.loading ? <Loading what="repositories" /> : null}
      {page && page.edges.length === 0 ? <Empty>{filter.nameContains ? `No repository name contains “${filter.nameContains}”.` : 'No repositories yet.'}</Empty> : null}
      {page && page.edges.length > 0 ? (
        <>
          <table className="table" aria-label="Repositories">
            <thead>
              <tr>
                <th scope="col">Repository</th>
                <th scope="col">Platform</th>
                <th scope="col">Default branch</th>
                <th scope="col">Head commit</th>
                <th scope="col">Sync</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.edges.map(({ node: r }) => (
                <tr key={r.id} className={r.deletedAt ? 'deleted' : undefined} data-repository-id={r.id}>
                  <td>
                    <div className="path">{r.path}</div>
                    <div className="muted small">{r.name}</div>
                  </td>
                  <td>
                    <PlatformName platform={r.repoConnection?.platform ?? r.sourceType} />
                  </td>
                  <td>{r.defaultBranch}</td>
                  <td>
                    <Sha sha={r.lastCommitSha} />
                  </td>
                  <td>{r.deletedAt ? <span className="muted">Deleted <DateTime iso={r.deletedAt} /></span> : <SyncState status={r.syncStatus} syncedAt={r.syncedAt} error={r.syncError} />}</td>
                  <td className="actions">
                    {r.deletedAt ? (
                      <button type="button" disabled={busy === r.id} onClick={() => void act(r, true)}>
                        Restore
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="danger"
                        disabled={busy === r.id}
                        onClick={() => window.confirm(`Delete ${r.path}? Its service mappings go with it.`) && void act(r, false)}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} hasNextPage={page.pageInfo.hasNextPage} endCursor={page.pageInfo.endCursor} total={page.totalCount} label="repositories" />
        </>
      ) : null}
    </section>
  );
}
