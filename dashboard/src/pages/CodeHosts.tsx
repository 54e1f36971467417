import { useEffect, useState, type FormEvent } from 'react';
import {
  DashboardAddCodeHostAccountDocument,
  DashboardCodeHostAccountsDocument,
  DashboardDeleteCodeHostAccountDocument,
  DashboardRevokeCodeHostAccountDocument,
  DashboardStartCodeHostAuthorizationDocument,
  type CodeHostAccountKind,
  type CodeHostAuthorizationKind,
  type DashboardCodeHostAccountFragment,
  type Platform,
} from '../gql/graphql';
import { describeError, mutate, useQuery, type UserError } from '../api';
import { Link, navigate, useRoute } from '../router';
import { Table, usePager } from '../table';
import { DateTime, Field, FormErrors, PageHeader, PlatformName, errorsAt, errorsElsewhere } from '../ui';
import { CheckAndConnect } from './CheckAndConnect';

const STATUS_WORDS: Record<string, string> = { ACTIVE: 'Active', SUSPENDED: 'Suspended', NEEDS_REAUTHORIZATION: 'Needs to be connected again', REVOKED: 'Revoked' };
/** The callback names the host as stored (`github`). */
const HOST_WORDS: Record<string, string> = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' };
/** The host's or repolink's words, ended as a sentence. */
const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);
const KIND_WORDS: Record<string, string> = { GITHUB_APP_INSTALLATION: 'GitHub App', OAUTH: 'OAuth', API_TOKEN: 'API token', ACCESS_TOKEN: 'Access token' };

export function CodeHostsPage() {
  const { params } = useRoute();
  // What the host's flow came back with (the callback sends the browser here); read once, then
  // taken off the address so a reload does not say it again.
  const [returned] = useState(() => ({ accountId: params.get('codeHostAccountId'), host: params.get('host')?.toLowerCase() ?? null, error: params.get('error'), description: params.get('error_description') }));
  useEffect(() => {
    if (returned.accountId || returned.error) navigate('/code-hosts', true);
  }, [returned]);

  const pager = usePager();
  const accounts = useQuery(DashboardCodeHostAccountsDocument, { first: 20, after: pager.after });
  const [problems, setProblems] = useState<UserError[]>([]);
  const page = accounts.data?.codeHostAccounts;

  const act = async (account: DashboardCodeHostAccountFragment, what: 'revoke' | 'delete') => {
    const name = `${KIND_WORDS[account.kind]} account ${account.identity ?? account.id}`;
    if (!window.confirm(what === 'revoke' ? `Revoke the ${name}? Its credentials are erased.` : `Delete the ${name}?`)) return;
    setProblems([]);
    try {
      const payload = what === 'revoke' ? await mutate(DashboardRevokeCodeHostAccountDocument, { id: account.id }) : await mutate(DashboardDeleteCodeHostAccountDocument, { id: account.id });
      setProblems([...payload.userErrors]);
    } catch (error) {
      setProblems([{ code: 'ERROR', message: describeError(error) }]);
    }
    await accounts.refetch();
  };

  return (
    <>
      <PageHeader title="Code hosts" />
      {returned.accountId ? (
        <p className="notice ok" role="status">
          {HOST_WORDS[returned.host ?? ''] ? `The ${HOST_WORDS[returned.host ?? '']} account` : 'The account'} is connected. <Link to={`/connect?account=${encodeURIComponent(returned.accountId)}`}>Pick its repositories</Link>.
        </p>
      ) : null}
      {returned.error ? (
        <div className="state error" role="alert">
          <p>
            Connecting the account did not work: {sentence(returned.description ?? returned.error)}
          </p>
        </div>
      ) : null}
      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        <p className="muted">Accounts on GitHub, GitLab and Bitbucket that this organization connected. Their credentials are kept encrypted and renewed by repolink; they are never shown.</p>
        <FormErrors errors={problems} />
        <Table
          label="Code-host accounts"
          what="code-host accounts"
          rows={page?.edges.map((e) => e.node)}
          rowKey={(a) => a.id}
          rowProps={(a) => ({ 'data-account-id': a.id, className: a.status === 'REVOKED' ? 'deleted' : undefined })}
          loading={accounts.loading}
          error={accounts.error}
          retry={() => void accounts.refetch()}
          empty="No accounts yet. Connect one below."
          paging={page ? { pager, pageInfo: page.pageInfo, total: page.totalCount, noun: 'accounts' } : undefined}
          columns={[
            {
              header: 'Host',
              cell: (a) => (
                <>
                  <PlatformName platform={a.host} />
                  <div className="muted small">{hostOf(a.baseUrl)}</div>
                </>
              ),
            },
            {
              header: 'Identity',
              cell: (a) => (
                <>
                  {a.identity ?? <span className="muted">—</span>}
                  {a.installation?.accountLogin ? <div className="muted small">installed on {a.installation.accountLogin}{a.installation.repositorySelection === 'selected' ? ' (selected repositories)' : ''}</div> : null}
                </>
              ),
            },
            { header: 'Kind', cell: (a) => KIND_WORDS[a.kind] ?? a.kind },
            {
              header: 'Status',
              cell: (a) => (
                <>
                  <span className={a.status === 'ACTIVE' ? 'sync-ok' : 'sync-error'}>
                    <span className="sync-word">{STATUS_WORDS[a.status] ?? a.status}</span>
                  </span>
                  {a.statusReason ? <div className="small">{a.statusReason}</div> : null}
                </>
              ),
            },
            { header: 'Scopes', className: 'small', cell: (a) => (a.scopes?.length ? a.scopes.join(', ') : <span className="muted">—</span>) },
            { header: 'Connected', cell: (a) => <DateTime iso={a.createdAt} /> },
            {
              header: 'Actions',
              hideHeader: true,
              className: 'actions',
              cell: (a) => (
                <>
                  {a.status === 'ACTIVE' ? <Link to={`/connect?account=${encodeURIComponent(a.id)}`}>Pick repositories</Link> : null}
                  {a.status !== 'REVOKED' ? (
                    <button type="button" className="danger" onClick={() => void act(a, 'revoke')}>
                      Revoke
                    </button>
                  ) : (
                    <button type="button" className="danger" onClick={() => void act(a, 'delete')}>
                      Delete
                    </button>
                  )}
                </>
              ),
            },
          ]}
        />
      </section>
      <BrowserFlows />
      <AddTokenAccount onAdded={() => void accounts.refetch()} />
      <CheckAndConnect />
    </>
  );
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

const FLOWS: { host: Platform; kind: CodeHostAuthorizationKind; label: string; selfManaged: boolean }[] = [
  { host: 'GITHUB', kind: 'GITHUB_APP_INSTALLATION', label: 'Install the GitHub App', selfManaged: true },
  { host: 'GITHUB', kind: 'OAUTH', label: 'Sign in with GitHub', selfManaged: true },
  { host: 'GITLAB', kind: 'OAUTH', label: 'Sign in with GitLab', selfManaged: true },
  { host: 'BITBUCKET', kind: 'OAUTH', label: 'Sign in with Bitbucket', selfManaged: false },
];

/** Each button asks repolink for the host's authorization URL and sends the browser there. */
function BrowserFlows() {
  const [baseUrl, setBaseUrl] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [going, setGoing] = useState<string | null>(null);

  const start = async (flow: (typeof FLOWS)[number]) => {
    setGoing(flow.label);
    setErrors([]);
    try {
      const payload = await mutate(DashboardStartCodeHostAuthorizationDocument, {
        input: { host: flow.host, kind: flow.kind, baseUrl: flow.selfManaged && baseUrl.trim() ? baseUrl.trim() : undefined, returnUrl: `${window.location.origin}/dashboard/code-hosts` },
      });
      if (payload.authorizationUrl) {
        window.location.assign(payload.authorizationUrl);
        return;
      }
      setErrors(payload.userErrors.map((e) => ({ ...e, message: `${flow.label}: ${e.message}` })));
    } catch (error) {
      setErrors([{ code: 'ERROR', message: `${flow.label}: ${describeError(error)}` }]);
    }
    setGoing(null);
  };

  return (
    <section className="panel" aria-labelledby="flows-title">
      <h2 id="flows-title">Connect an account in the browser</h2>
      <p className="muted small">You go to the host, approve there, and come back here. Nothing is stored if you decline.</p>
      <FormErrors errors={errorsElsewhere(errors, [['baseUrl']])} />
      <div className="grid">
        <Field label="Self-managed address (optional)" errors={errorsAt(errors, 'baseUrl')} hint="GitHub Enterprise Server or a self-managed GitLab; empty for github.com and gitlab.com.">
          {(p) => <input {...p} value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://gitlab.example.com" autoComplete="off" />}
        </Field>
      </div>
      <div className="form-actions wrap">
        {FLOWS.map((flow) => (
          <button key={flow.label} type="button" className="primary" disabled={going !== null} onClick={() => void start(flow)}>
            {going === flow.label ? 'Opening…' : flow.label}
          </button>
        ))}
      </div>
    </section>
  );
}

const TOKEN_KINDS: { host: Platform; kind: CodeHostAccountKind; label: string; email: boolean }[] = [
  { host: 'BITBUCKET', kind: 'API_TOKEN', label: 'Bitbucket API token (with your Atlassian email)', email: true },
  { host: 'BITBUCKET', kind: 'ACCESS_TOKEN', label: 'Bitbucket repository, project or workspace access token', email: false },
  { host: 'GITHUB', kind: 'ACCESS_TOKEN', label: 'GitHub personal access token', email: false },
  { host: 'GITLAB', kind: 'ACCESS_TOKEN', label: 'GitLab access token', email: false },
];

function AddTokenAccount({ onAdded }: { onAdded: () => void }) {
  const [choice, setChoice] = useState(0);
  const [email, setEmail] = useState('');
  const [token, setToken] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [added, setAdded] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const kind = TOKEN_KINDS[choice];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors([]);
    setAdded(null);
    try {
      const payload = await mutate(DashboardAddCodeHostAccountDocument, {
        input: { host: kind.host, kind: kind.kind, token, email: kind.email ? email.trim() : undefined, baseUrl: kind.host !== 'BITBUCKET' && baseUrl.trim() ? baseUrl.trim() : undefined },
      });
      setErrors([...payload.userErrors]);
      if (payload.codeHostAccount) {
        setAdded(payload.codeHostAccount.identity ?? payload.codeHostAccount.id);
        setToken('');
        onAdded();
      }
    } catch (error) {
      setErrors([{ code: 'ERROR', message: describeError(error) }]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="token-account-title" noValidate>
      <h2 id="token-account-title">Add an account with a token</h2>
      {added ? (
        <p className="notice ok" role="status">
          Added the account of {added}.
        </p>
      ) : null}
      <FormErrors errors={errorsElsewhere(errors, [['kind'], ['host'], ['email'], ['token'], ['baseUrl']])} />
      <div className="grid">
        <Field label="Kind of token" errors={[...errorsAt(errors, 'host'), ...errorsAt(errors, 'kind')]}>
          {(p) => (
            <select {...p} value={choice} onChange={(e) => setChoice(Number(e.target.value))}>
              {TOKEN_KINDS.map((k, i) => (
                <option key={k.label} value={i}>
                  {k.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {kind.email ? (
          <Field label="Atlassian account email" errors={errorsAt(errors, 'email')}>
            {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}
          </Field>
        ) : null}
        {kind.host !== 'BITBUCKET' ? (
          <Field label="Base URL (optional)" errors={errorsAt(errors, 'baseUrl')}>
            {(p) => <input {...p} value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://ghe.example.com" autoComplete="off" />}
          </Field>
        ) : null}
        <Field label="Token" errors={errorsAt(errors, 'token')}>
          {(p) => <input {...p} type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} />}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Asking the host…' : 'Add account'}
        </button>
      </div>
    </form>
  );
}
