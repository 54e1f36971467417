import { useState, type FormEvent } from 'react';
import { DashboardApiKeysDocument, DashboardCreateApiKeyDocument, DashboardRevokeApiKeyDocument, type DashboardApiKeyFragment, type Permission } from '../gql/graphql';
import { describeError, mutate, useQuery, type UserError } from '../api';
import { Table, usePager } from '../table';
import { CopyButton, DateTime, Field, FormErrors, PageHeader, errorsAt, errorsElsewhere } from '../ui';

const PERMISSIONS: { value: Permission; label: string }[] = [
  { value: 'CONFIG_READ', label: 'Read (config:read)' },
  { value: 'CONFIG_WRITE', label: 'Write (config:write)' },
];

export function ApiKeysPage() {
  const pager = usePager();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const keys = useQuery(DashboardApiKeysDocument, { first: 20, after: pager.after, includeRevoked });
  const [created, setCreated] = useState<{ key: DashboardApiKeyFragment; secret: string } | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const page = keys.data?.apiKeys;

  const revoke = async (key: DashboardApiKeyFragment) => {
    if (!window.confirm(`Revoke “${key.name ?? key.prefix}”? Every script using it is refused from now on.`)) return;
    setProblems([]);
    try {
      const { userErrors } = await mutate(DashboardRevokeApiKeyDocument, { id: key.id });
      setProblems([...userErrors]);
    } catch (error) {
      setProblems([{ code: 'ERROR', message: describeError(error) }]);
    }
    await keys.refetch();
  };

  return (
    <>
      <PageHeader title="API keys" />
      <p className="muted">Keys let scripts and services call repolink in this project (<code>Authorization: Bearer ss_secret_…</code>). A key is shown once, when it is made; repolink keeps only its hash.</p>
      {created ? (
        <NewSecret created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateKeyForm
          onCreated={async (key, secret) => {
            setCreated({ key, secret });
            await keys.refetch();
          }}
        />
      )}
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">Keys of this project</h2>
        <div className="toolbar">
          <label className="check">
            <input
              type="checkbox"
              checked={includeRevoked}
              onChange={(e) => {
                setIncludeRevoked(e.target.checked);
                pager.reset();
              }}
            />
            Show revoked keys
          </label>
        </div>
        <FormErrors errors={problems} />
        <Table
          label="API keys"
          what="API keys"
          rows={page?.edges.map((e) => e.node)}
          rowKey={(k) => k.id}
          rowProps={(k) => ({ 'data-api-key-id': k.id, className: k.revokedAt ? 'deleted' : undefined })}
          loading={keys.loading}
          error={keys.error}
          retry={() => void keys.refetch()}
          empty={`No API keys${includeRevoked ? '' : ' in use'}. Create one above.`}
          paging={page ? { pager, pageInfo: page.pageInfo, total: page.totalCount, noun: 'keys' } : undefined}
          columns={[
            { header: 'Name', className: 'strong', cell: (k) => k.name ?? <span className="muted">(no name)</span> },
            { header: 'Key', cell: (k) => <code>{k.prefix}…</code> },
            { header: 'Permissions', cell: (k) => k.permissions.map((p) => (p === 'CONFIG_READ' ? 'read' : 'write')).join(', ') },
            { header: 'Created', cell: (k) => <DateTime iso={k.createdAt} /> },
            { header: 'Last used', cell: (k) => <DateTime iso={k.lastUsedAt} empty="never" /> },
            {
              header: 'Actions',
              hideHeader: true,
              className: 'actions',
              cell: (k) =>
                k.revokedAt ? (
                  <span className="muted">
                    Revoked <DateTime iso={k.revokedAt} />
                  </span>
                ) : (
                  <button type="button" className="danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name ?? k.prefix}`}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      </section>
    </>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: DashboardApiKeyFragment, secret: string) => Promise<void> }) {
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState<Permission[]>(['CONFIG_READ']);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors([]);
    try {
      const { apiKey, secret, userErrors } = await mutate(DashboardCreateApiKeyDocument, { input: { name, permissions } });
      if (userErrors.length > 0 || !apiKey || !secret) setErrors([...userErrors]);
      else {
        setName('');
        await onCreated(apiKey, secret);
      }
    } catch (error) {
      setErrors([{ code: 'ERROR', message: describeError(error) }]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="new-key-title" noValidate>
      <h2 id="new-key-title">Create a key</h2>
      <FormErrors errors={errorsElsewhere(errors, [['name'], ['permissions']])} />
      <div className="grid">
        <Field label="Name" errors={errorsAt(errors, 'name')} hint="What the key is for, e.g. “CI deploy”.">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
        </Field>
        <fieldset className={`field${errorsAt(errors, 'permissions').length ? ' invalid' : ''}`} aria-describedby="permissions-error">
          <legend>Permissions</legend>
          {PERMISSIONS.map((p) => (
            <label className="check" key={p.value}>
              <input
                type="checkbox"
                checked={permissions.includes(p.value)}
                onChange={(e) => setPermissions((list) => (e.target.checked ? [...list, p.value] : list.filter((v) => v !== p.value)))}
              />
              {p.label}
            </label>
          ))}
          {errorsAt(errors, 'permissions').length ? (
            <small id="permissions-error" className="field-error">
              {errorsAt(errors, 'permissions').map((e) => e.message).join(' ')}
            </small>
          ) : null}
        </fieldset>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

/** The secret, once: in the page's memory only, gone when the person is done. */
function NewSecret({ created, onDone }: { created: { key: DashboardApiKeyFragment; secret: string }; onDone: () => void }) {
  return (
    <section className="panel secret" aria-labelledby="secret-title">
      <h2 id="secret-title">Key “{created.key.name}” created</h2>
      <p role="alert">Copy it now: it is shown this once. repolink keeps only its hash and cannot show it again.</p>
      <div className="secret-row">
        <label htmlFor="new-secret" className="sr-only">
          New API key
        </label>
        <input id="new-secret" readOnly value={created.secret} onFocus={(e) => e.target.select()} spellCheck={false} autoComplete="off" />
        <CopyButton text={created.secret} targetId="new-secret" />
      </div>
      <div className="form-actions">
        <button type="button" className="primary" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </section>
  );
}
