import { useState, type FormEvent } from 'react';
import {
  DashboardCreateMappingDocument,
  DashboardDeleteMappingDocument,
  DashboardMappingsDocument,
  DashboardRepositoryChoicesDocument,
  DashboardResolveFrameDocument,
  DashboardUpdateMappingDocument,
  type DashboardMappingFragment,
  type DashboardResolveFrameQuery,
} from '../gql/graphql';
import { client, describeError, mutate, useQuery, type UserError } from '../api';
import { Table, usePager } from '../table';
import { ErrorBox, Field, FormErrors, PageHeader, errorsAt, errorsElsewhere } from '../ui';

export function MappingsPage() {
  const pager = usePager();
  const mappings = useQuery(DashboardMappingsDocument, { first: 20, after: pager.after });
  const [editing, setEditing] = useState<DashboardMappingFragment | 'new' | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const page = mappings.data?.serviceMappings;

  const remove = async (m: DashboardMappingFragment) => {
    if (!window.confirm(`Delete the mapping of ${m.serviceName}?`)) return;
    try {
      const { userErrors } = await mutate(DashboardDeleteMappingDocument, { id: m.id });
      setProblems([...userErrors]);
    } catch (error) {
      setProblems([{ code: 'ERROR', message: describeError(error) }]);
    }
    await mappings.refetch();
  };

  return (
    <>
      <PageHeader title="Service mappings">
        <button type="button" className="primary" onClick={() => setEditing('new')} disabled={editing === 'new'}>
          New mapping
        </button>
      </PageHeader>
      <p className="muted">A service mapping says where a running service's code is: a repository, a path in it, a branch, and stack roots that turn the paths in its stack frames into files.</p>
      {editing ? (
        <MappingForm
          key={editing === 'new' ? 'new' : editing.id}
          mapping={editing === 'new' ? null : editing}
          onDone={async () => {
            setEditing(null);
            await mappings.refetch();
          }}
        />
      ) : null}
      <section aria-labelledby="mappings-title">
        <h2 id="mappings-title">Mappings</h2>
        <FormErrors errors={problems} />
        <Table
          label="Service mappings"
          what="service mappings"
          rows={page?.edges.map((e) => e.node)}
          rowKey={(m) => m.id}
          rowProps={(m) => ({ 'data-mapping-id': m.id })}
          loading={mappings.loading}
          error={mappings.error}
          retry={() => void mappings.refetch()}
          empty="No service mappings yet. Create one with “New mapping”."
          paging={page ? { pager, pageInfo: page.pageInfo, total: page.totalCount, noun: 'mappings' } : undefined}
          columns={[
            { header: 'Service', className: 'strong', cell: (m) => m.serviceName },
            { header: 'Repository', className: 'path', cell: (m) => m.repository.path },
            { header: 'Path prefix', cell: (m) => <code>{m.pathPrefix || '(root)'}</code> },
            { header: 'Branch', cell: (m) => m.defaultBranch },
            {
              header: 'Stack roots',
              cell: (m) =>
                m.stackRoots.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <ul className="plain">
                    {m.stackRoots.map((r, i) => (
                      <li key={i}>
                        <code>{r.stackRoot}</code> → <code>{r.sourceRoot}</code>
                      </li>
                    ))}
                  </ul>
                ),
            },
            {
              header: 'Actions',
              hideHeader: true,
              className: 'actions',
              cell: (m) => (
                <>
                  <button type="button" onClick={() => setEditing(m)} aria-label={`Edit ${m.serviceName}`}>
                    Edit
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(m)} aria-label={`Delete ${m.serviceName}`}>
                    Delete
                  </button>
                </>
              ),
            },
          ]}
        />
      </section>
      <ResolveFrame />
    </>
  );
}

interface RootRow {
  stackRoot: string;
  sourceRoot: string;
}

function MappingForm({ mapping, onDone }: { mapping: DashboardMappingFragment | null; onDone: () => Promise<void> }) {
  const choices = useQuery(DashboardRepositoryChoicesDocument, { after: null });
  const [serviceName, setServiceName] = useState(mapping?.serviceName ?? '');
  const [repositoryId, setRepositoryId] = useState(mapping?.repository.id ?? '');
  const [pathPrefix, setPathPrefix] = useState(mapping?.pathPrefix ?? '');
  const [defaultBranch, setDefaultBranch] = useState(mapping?.defaultBranch ?? 'main');
  const [roots, setRoots] = useState<RootRow[]>(mapping?.stackRoots.map((r) => ({ stackRoot: r.stackRoot, sourceRoot: r.sourceRoot })) ?? []);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors([]);
    try {
      const stackRoots = roots.map((r) => ({ stackRoot: r.stackRoot, sourceRoot: r.sourceRoot }));
      const payload = mapping
        ? await mutate(DashboardUpdateMappingDocument, { input: { id: mapping.id, serviceName, repositoryId, pathPrefix, defaultBranch, stackRoots } })
        : await mutate(DashboardCreateMappingDocument, { input: { serviceName, repositoryId, pathPrefix, defaultBranch, stackRoots } });
      if (payload.userErrors.length > 0) setErrors([...payload.userErrors]);
      else await onDone();
    } catch (error) {
      setErrors([{ code: 'ERROR', message: describeError(error) }]);
    } finally {
      setSaving(false);
    }
  };

  const shown: (string | number)[][] = [['serviceName'], ['repositoryId'], ['pathPrefix'], ['defaultBranch'], ['stackRoots'], ...roots.flatMap((_, i) => [['stackRoots', i, 'stackRoot'], ['stackRoots', i, 'sourceRoot']])];
  const repositories = choices.data?.repositories.edges.map((e) => e.node) ?? [];
  const setRoot = (index: number, change: Partial<RootRow>) => setRoots((rows) => rows.map((r, i) => (i === index ? { ...r, ...change } : r)));

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="mapping-form-title" noValidate>
      <h2 id="mapping-form-title">{mapping ? `Edit ${mapping.serviceName}` : 'New service mapping'}</h2>
      <FormErrors errors={errorsElsewhere(errors, shown)} />
      <div className="grid">
        <Field label="Service name" errors={errorsAt(errors, 'serviceName')} hint="As it appears in your logs and errors.">
          {(p) => <input {...p} value={serviceName} onChange={(e) => setServiceName(e.target.value)} autoComplete="off" />}
        </Field>
        <Field label="Repository" errors={errorsAt(errors, 'repositoryId')}>
          {(p) => (
            <select {...p} value={repositoryId} onChange={(e) => setRepositoryId(e.target.value)}>
              <option value="">{choices.loading ? 'Loading repositories…' : repositories.length ? 'Choose a repository' : 'No repositories in this project'}</option>
              {repositories.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.path}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Path prefix" errors={errorsAt(errors, 'pathPrefix')} hint="The service's folder in the repository; empty is the root.">
          {(p) => <input {...p} value={pathPrefix} onChange={(e) => setPathPrefix(e.target.value)} placeholder="services/api/" autoComplete="off" />}
        </Field>
        <Field label="Default branch" errors={errorsAt(errors, 'defaultBranch')}>
          {(p) => <input {...p} value={defaultBranch} onChange={(e) => setDefaultBranch(e.target.value)} autoComplete="off" />}
        </Field>
      </div>
      <fieldset className="roots">
        <legend>Stack roots</legend>
        <p className="muted small">
          A frame path that starts with a stack root is the file under its source root. <code>*</code> matches within a segment, <code>**</code> any number of segments
          (<code>/app/**/src/</code> → <code>src/</code>). The most specific root wins.
        </p>
        {errorsAt(errors, 'stackRoots').length ? <p className="field-error">{errorsAt(errors, 'stackRoots').map((e) => e.message).join(' ')}</p> : null}
        {roots.map((row, i) => (
          <div className="root-row" key={i}>
            <Field label={`Stack root ${i + 1}`} errors={errorsAt(errors, 'stackRoots', i, 'stackRoot')}>
              {(p) => <input {...p} value={row.stackRoot} onChange={(e) => setRoot(i, { stackRoot: e.target.value })} placeholder="/app/" autoComplete="off" />}
            </Field>
            <Field label={`Source root ${i + 1}`} errors={errorsAt(errors, 'stackRoots', i, 'sourceRoot')}>
              {(p) => <input {...p} value={row.sourceRoot} onChange={(e) => setRoot(i, { sourceRoot: e.target.value })} placeholder="src/" autoComplete="off" />}
            </Field>
            <button type="button" className="link" onClick={() => setRoots((rows) => rows.filter((_, j) => j !== i))} aria-label={`Remove stack root ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setRoots((rows) => [...rows, { stackRoot: '', sourceRoot: '' }])}>
          Add a stack root
        </button>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : mapping ? 'Save changes' : 'Create mapping'}
        </button>
        <button type="button" onClick={() => void onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ResolveFrame() {
  const [serviceName, setServiceName] = useState('');
  const [path, setPath] = useState('');
  const [line, setLine] = useState('');
  const [result, setResult] = useState<DashboardResolveFrameQuery['resolveCodeLocation'] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [lineError, setLineError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const lineNumber = line.trim() === '' ? undefined : Number(line.trim());
    if (lineNumber !== undefined && !(Number.isInteger(lineNumber) && lineNumber > 0)) {
      setLineError('The line must be a whole number above 0, or empty.');
      return;
    }
    setLineError(null);
    setRunning(true);
    setFailure(null);
    try {
      const data = await client.query(DashboardResolveFrameDocument, { serviceName, path, line: lineNumber });
      setResult(data.resolveCodeLocation);
    } catch (error) {
      setResult(null);
      setFailure(error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="resolve-title">
      <h2 id="resolve-title">Resolve a stack frame</h2>
      <form onSubmit={(e) => void submit(e)} className="grid" noValidate>
        <Field label="Service">{(p) => <input {...p} value={serviceName} onChange={(e) => setServiceName(e.target.value)} placeholder="checkout-api" autoComplete="off" />}</Field>
        <Field label="Frame path">{(p) => <input {...p} value={path} onChange={(e) => setPath(e.target.value)} placeholder="/app/src/handlers/pay.ts" autoComplete="off" />}</Field>
        <Field label="Line" errors={lineError ? [{ code: 'BAD_USER_INPUT', field: ['line'], message: lineError }] : []}>{(p) => <input {...p} value={line} onChange={(e) => setLine(e.target.value)} inputMode="numeric" placeholder="42" />}</Field>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={running}>
            {running ? 'Resolving…' : 'Resolve'}
          </button>
        </div>
      </form>
      {failure ? <ErrorBox error={failure} /> : null}
      {result ? (
        <div className={`resolve-result ${result.matched ? 'matched' : 'unmatched'}`} role="status" aria-live="polite">
          <p className="strong">{result.matched ? 'Matched' : 'No match'}</p>
          <p>{result.reason}</p>
          {result.matched ? (
            <dl>
              <dt>Mapping</dt>
              <dd>
                {result.serviceMapping?.serviceName} → {result.repository?.path}
              </dd>
              {result.stackRoot ? (
                <>
                  <dt>Stack root</dt>
                  <dd>
                    <code>{result.stackRoot.stackRoot}</code> → <code>{result.stackRoot.sourceRoot}</code>
                  </dd>
                </>
              ) : null}
              <dt>File</dt>
              <dd>
                <code>{result.path}</code>
                {result.line ? `:${result.line}` : ''} on <code>{result.branch}</code>
              </dd>
              {result.webUrl ? (
                <>
                  <dt>Link</dt>
                  <dd>
                    <a href={result.webUrl} target="_blank" rel="noreferrer noopener">
                      {result.webUrl}
                    </a>
                  </dd>
                </>
              ) : null}
            </dl>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
