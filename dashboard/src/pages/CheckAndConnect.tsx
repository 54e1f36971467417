import { useState, type FormEvent } from 'react';
import {
  DashboardCheckConnectionDocument,
  DashboardConnectReposDocument,
  type ConnectReposInput,
  type DashboardCheckConnectionMutation,
  type DashboardCodeHostAccountFragment,
  type DashboardConnectReposMutation,
  type Platform,
} from '../gql/graphql';
import { describeError, mutate, type UserError } from '../api';
import { Link } from '../router';
import { Table } from '../table';
import { Field, FormErrors, PlatformName, errorsAt, errorsElsewhere } from '../ui';

type Check = NonNullable<DashboardCheckConnectionMutation['checkRepoConnection']['check']>;
type Connected = NonNullable<DashboardConnectReposMutation['connectRepos']['repoConnection']>;
type Account = Pick<DashboardCodeHostAccountFragment, 'id' | 'host' | 'kind' | 'identity'>;

interface MappingRow {
  serviceName: string;
  repo: string;
  pathPrefix: string;
  defaultBranch: string;
}

const STATUS_WORDS: Record<string, string> = { FOUND: 'Found', NOT_FOUND: 'Not found (or not visible)', NO_ACCESS: 'No access', UNREACHABLE: 'Host unreachable' };
/** After the host's name: “the GitHub App installation acme”, “the GitLab OAuth account dana”. */
const ACCOUNT_KINDS: Record<string, string> = { GITHUB_APP_INSTALLATION: 'App installation', OAUTH: 'OAuth account', API_TOKEN: 'API token account', ACCESS_TOKEN: 'access token account' };

/**
 * See per repository what the host says (a dry run: nothing is saved), then connect with the same
 * body (`connectRepos` with `verify: true`). With an `account` (repositories picked from what it
 * sees) both go through it (`codeHostAccountId`): no token is asked for, and the connection stores
 * none. Without one, a pasted token, which lives in this form's memory only.
 */
export function CheckAndConnect({ account, initialRepositories = [] }: { account?: Account; initialRepositories?: string[] }) {
  const [platform, setPlatform] = useState<Platform>(account?.host ?? 'GITHUB');
  const [baseUrl, setBaseUrl] = useState('');
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('');
  const [repositoriesText, setRepositoriesText] = useState(initialRepositories.join('\n'));
  const [mappings, setMappings] = useState<MappingRow[]>([]);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [check, setCheck] = useState<Check | null>(null);
  const [connected, setConnected] = useState<Connected | null>(null);
  const [running, setRunning] = useState<'check' | 'connect' | null>(null);

  const repositories = repositoriesText
    .split(/[\n,]/)
    .map((r) => r.trim())
    .filter(Boolean);
  const input = (): ConnectReposInput => ({
    platform,
    // Through the account its server is the account's own: no baseUrl, no credentials.
    ...(account
      ? { codeHostAccountId: account.id }
      : { baseUrl: baseUrl.trim() || undefined, credentials: platform === 'BITBUCKET' ? { username: username.trim(), appPassword: token } : { token } }),
    repositories,
    serviceMappings: mappings.map((m) => ({ ...m, serviceName: m.serviceName.trim() })),
  });

  const run = async (what: 'check' | 'connect', event?: FormEvent) => {
    event?.preventDefault();
    setRunning(what);
    setErrors([]);
    try {
      if (what === 'check') {
        const payload = await mutate(DashboardCheckConnectionDocument, { input: input() });
        setErrors([...payload.userErrors]);
        setCheck(payload.check ?? null);
      } else {
        const payload = await mutate(DashboardConnectReposDocument, { input: input() });
        setErrors([...payload.userErrors]);
        if (payload.repoConnection) {
          setConnected(payload.repoConnection);
          setToken('');
        }
      }
    } catch (error) {
      setErrors([{ code: 'ERROR', message: describeError(error) }]);
    } finally {
      setRunning(null);
    }
  };

  if (connected) {
    const paths = connected.repositories.map((r) => r.path);
    const through = connected.codeHostAccount;
    return (
      <div className="panel secret" role="status">
        <h3>Connected</h3>
        <p>
          {paths.join(', ')} {paths.length === 1 ? 'is' : 'are'} connected
          {through ? (
            <>
              {' '}
              through the <PlatformName platform={platform} /> {ACCOUNT_KINDS[through.kind] ?? 'account'} {through.identity ?? through.id}
            </>
          ) : null}
          . <Link to="/repositories">See them and sync them on Repositories</Link>.
        </p>
      </div>
    );
  }

  const shown: (string | number)[][] = [
    // Through an account nothing shows the host, server or credentials: what is said of them goes on top.
    ...(account ? [] : [['platform'], ['baseUrl'], ['credentials'], ['credentials', 'token'], ['credentials', 'username'], ['credentials', 'appPassword']]),
    ['repositories'],
    ...repositories.map((_, i) => ['repositories', i]),
    ...mappings.flatMap((_, i) => [['serviceMappings', i, 'serviceName'], ['serviceMappings', i, 'repo'], ['serviceMappings', i, 'pathPrefix'], ['serviceMappings', i, 'defaultBranch']]),
  ];
  const repositoryErrors = repositories.flatMap((r, i) => errorsAt(errors, 'repositories', i).map((e) => ({ ...e, message: `${r}: ${e.message}` })));
  const setMapping = (index: number, change: Partial<MappingRow>) => setMappings((rows) => rows.map((m, i) => (i === index ? { ...m, ...change } : m)));

  return (
    <form className="panel" onSubmit={(e) => void run('check', e)} aria-labelledby="connect-form-title" noValidate>
      {account ? (
        <>
          <h2 id="connect-form-title">Check and connect through the account</h2>
          <p className="muted small">
            Through the <PlatformName platform={account.host} /> {ACCOUNT_KINDS[account.kind] ?? 'account'} <strong>{account.identity ?? account.id}</strong>. The check asks the host with the account's current
            token and saves nothing. The connection stores no credentials; every sync reads through the account, so renewing or revoking it applies to these repositories too.
          </p>
        </>
      ) : (
        <>
          <h2 id="connect-form-title">Paste a token and connect</h2>
          <p className="muted small">The check asks the host about the token and each repository and saves nothing. Connecting saves the token encrypted; it is never shown again.</p>
        </>
      )}
      <FormErrors errors={errorsElsewhere(errors, shown)} />
      {account ? null : (
        <div className="grid">
          <Field label="Host" errors={errorsAt(errors, 'platform')}>
            {(p) => (
              <select {...p} value={platform} onChange={(e) => setPlatform(e.target.value as Platform)}>
                <option value="GITHUB">GitHub</option>
                <option value="GITLAB">GitLab</option>
                <option value="BITBUCKET">Bitbucket</option>
              </select>
            )}
          </Field>
          {platform !== 'BITBUCKET' ? (
            <Field label="Base URL (optional)" errors={errorsAt(errors, 'baseUrl')} hint="GitHub Enterprise Server or a self-managed GitLab; empty for the public service.">
              {(p) => <input {...p} value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://gitlab.example.com" autoComplete="off" />}
            </Field>
          ) : (
            <Field label="Username" errors={errorsAt(errors, 'credentials', 'username')}>
              {(p) => <input {...p} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />}
            </Field>
          )}
          <Field label={platform === 'BITBUCKET' ? 'App password' : 'Token'} errors={[...errorsAt(errors, 'credentials'), ...errorsAt(errors, 'credentials', platform === 'BITBUCKET' ? 'appPassword' : 'token')]}>
            {(p) => <input {...p} type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} />}
          </Field>
        </div>
      )}
      <Field label="Repositories, one per line" errors={[...errorsAt(errors, 'repositories'), ...repositoryErrors]} hint={platform === 'GITLAB' ? 'group/project or group/subgroup/project' : platform === 'BITBUCKET' ? 'workspace/repo-slug' : 'owner/repo'}>
        {(p) => <textarea {...p} rows={Math.max(3, repositories.length + 1)} value={repositoriesText} onChange={(e) => setRepositoriesText(e.target.value)} spellCheck={false} />}
      </Field>
      <fieldset className="roots">
        <legend>Service mappings (optional)</legend>
        {mappings.map((m, i) => (
          <div className="mapping-row" key={i}>
            <Field label={`Service ${i + 1}`} errors={errorsAt(errors, 'serviceMappings', i, 'serviceName')}>
              {(p) => <input {...p} value={m.serviceName} onChange={(e) => setMapping(i, { serviceName: e.target.value })} autoComplete="off" />}
            </Field>
            <Field label={`Repository of service ${i + 1}`} errors={errorsAt(errors, 'serviceMappings', i, 'repo')}>
              {(p) => (
                <select {...p} value={m.repo} onChange={(e) => setMapping(i, { repo: e.target.value })}>
                  <option value="">Choose</option>
                  {repositories.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={`Path prefix ${i + 1}`} errors={errorsAt(errors, 'serviceMappings', i, 'pathPrefix')}>
              {(p) => <input {...p} value={m.pathPrefix} onChange={(e) => setMapping(i, { pathPrefix: e.target.value })} placeholder="(root)" autoComplete="off" />}
            </Field>
            <Field label={`Branch ${i + 1}`} errors={errorsAt(errors, 'serviceMappings', i, 'defaultBranch')}>
              {(p) => <input {...p} value={m.defaultBranch} onChange={(e) => setMapping(i, { defaultBranch: e.target.value })} autoComplete="off" />}
            </Field>
            <button type="button" className="link" onClick={() => setMappings((rows) => rows.filter((_, j) => j !== i))} aria-label={`Remove service ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setMappings((rows) => [...rows, { serviceName: '', repo: repositories[0] ?? '', pathPrefix: '', defaultBranch: 'main' }])}>
          Add a service mapping
        </button>
      </fieldset>
      <div className="form-actions">
        <button type="submit" disabled={running !== null}>
          {running === 'check' ? 'Checking…' : 'Check (nothing is saved)'}
        </button>
        <button type="button" className="primary" disabled={running !== null} onClick={() => void run('connect')}>
          {running === 'connect' ? 'Connecting…' : 'Connect'}
        </button>
      </div>
      {check ? <CheckResult check={check} throughAccount={account !== undefined} /> : null}
    </form>
  );
}

function CheckResult({ check, throughAccount }: { check: Check; throughAccount: boolean }) {
  const { credential } = check;
  return (
    <section className={`resolve-result ${check.ok ? 'matched' : 'unmatched'}`} aria-labelledby="check-title" role="status">
      <h3 id="check-title">{check.ok ? 'Everything can be connected' : 'Not everything can be connected'}</h3>
      <p>
        {throughAccount ? 'The account' : 'Token'}: {credential.valid === false ? 'refused by the host' : credential.valid ? `valid${credential.identity ? `, for ${credential.identity}` : ''}` : 'not judged'}
        {credential.scopes ? `; scopes ${credential.scopes.join(', ') || 'none'}` : ''}
        {credential.missingScopes?.length ? `; missing ${credential.missingScopes.join(', ')}` : ''}
        {credential.message ? `. ${credential.message}` : ''}
      </p>
      <Table
        label="What the host said per repository"
        what="the check"
        rows={check.repositories.map((r, index) => ({ ...r, index }))}
        rowKey={(r) => `${r.index}`}
        rowProps={(r) => ({ 'data-check-status': r.status })}
        columns={[
          { header: 'Repository', className: 'path', cell: (r) => r.repository },
          {
            header: 'Host said',
            cell: (r) => (
              <>
                <span className={r.status === 'FOUND' ? 'sync-ok' : 'sync-error'}>
                  <span className="sync-word">{STATUS_WORDS[r.status] ?? r.status}</span>
                </span>
                {r.message ? <div className="small">{r.message}</div> : null}
              </>
            ),
          },
          { header: 'Visibility', cell: (r) => r.visibility ?? '—' },
          { header: 'Permission', cell: (r) => r.permission ?? '—' },
          { header: 'Default branch', cell: (r) => r.defaultBranch ?? '—' },
          { header: 'Head', cell: (r) => (r.headCommit ? <code title={r.headCommit}>{r.headCommit.slice(0, 10)}</code> : '—') },
        ]}
      />
    </section>
  );
}
