import type { Config } from '../../config';
import type { CodeHostAccountStatus } from '../../db/entities/code-host-account.entity';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { ConnectReposInput } from '../../generated/schema-types';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import type { CodeHostAccess } from '../code-host-accounts/code-host-access';
import type { RateBudget } from '../code-host-accounts/rate-budget';
import { AccountNotFoundError, AccountRefreshError, AccountUnavailableError, type AccountToken } from '../code-host-accounts/code-host-tokens';
import type { ConnectionAccounts } from '../repo-connections/connection-account';
import { unavailableAccountMessage } from '../repo-connections/connection-account';
import type { ConnectionCredentials } from '../repo-connections/connection-credentials';
import { checkConnectRepos } from '../repo-connections/repo-connection.inputs';
import type { SourceType } from '../../db/entities/repository.entity';
import { parseRemote } from '../../lib/remote-url';
import { isValidBranchName } from '../../lib/validation';
import { PLATFORM_FACTS, platformHost, webBaseUrlFor } from './platform-facts';
import type { RateObserver } from './host-http';
import type { Platform } from '../../db/entities/repo-connection.entity';
import {
  createPlatformClient,
  report,
  type AccountCredential,
  type ClientCredentials,
  type CredentialReport,
  type PlatformClient,
  type PlatformCredentials,
  type RepositoryReport,
} from './platform-client';

/**
 * What a check asks the platform with: a connection's own credentials, or one of the tenant's
 * code-host accounts (its current token, fetched at the moment of use and renewed once when the host
 * refuses it; never a copy kept anywhere else). `baseUrl` as a connection stores it.
 */
export type CheckAuth =
  | { credentials: PlatformCredentials; baseUrl: string | null }
  | { account: { tenantId: string; id: string }; baseUrl: string | null };

/** Why an account gave no token: not ACTIVE (a person must act; retrying cannot help), or gone. */
export interface AccountProblem {
  status: Exclude<CodeHostAccountStatus, 'active'> | 'not_found';
  message: string;
}

/** What a dry run of a connection found: the credential, and each repository in the order given. */
export interface ConnectionCheck {
  platform: Platform;
  /** The host the repositories live on (platformHost()), which their `hostRepositoryId`s belong to. */
  platformHost: string;
  credential: CredentialReport & { requiredScopes: string[] };
  repositories: RepositoryReport[];
  /** The credential is valid, lacks no scope it is known to need, and every repository was found and readable at the path given (a moved one is not). */
  ok: boolean;
  /** Checked through a code-host account (not part of the GraphQL answer): its refusals name `codeHostAccountId`. */
  throughAccount?: boolean;
  /** Checked through an account that could give no token (SUSPENDED, NEEDS_REAUTHORIZATION, REVOKED, deleted); not part of the GraphQL answer. */
  accountProblem?: AccountProblem | null;
}

/** Repositories checked at once on one platform: polite to its rate limits, quick enough for 500. */
const CONCURRENCY = 4;

async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * Who asks: `background` work (a sync, a link job, reconciliation) is held once the account's rate
 * budget falls below its floor, leaving the rest to what people ask (a dry run, `verify`, a picker),
 * which is never held. Both record what the host's rate-limit headers say.
 */
export interface CheckOptions {
  background?: boolean;
}

/** An account's credential for one check, and what went wrong getting or renewing its token. */
interface AccountRound {
  credential: AccountCredential;
  failure(): AccountProblem | null;
}

export class PlatformService {
  constructor(
    private readonly config: Config,
    private readonly stores: Pick<Stores, 'repoConnections'>,
    private readonly credentials: ConnectionCredentials,
    private readonly accounts: CodeHostAccess,
    private readonly connectionAccounts: ConnectionAccounts,
    /** Hears the rate-limit headers of every call made through an account (and holds background work below the floor). */
    private readonly budget: RateBudget | null = null,
  ) {}

  client(platform: Platform, credentials: ClientCredentials, baseUrl: string | null, rateObserver?: RateObserver): PlatformClient {
    const p = this.config.platforms;
    return createPlatformClient(platform, credentials, baseUrl, {
      allowPrivate: p.allowPrivate,
      timeoutMs: p.timeoutMs,
      endpoints: { githubApiUrl: p.githubApiUrl, gitlabUrl: p.gitlabUrl, bitbucketApiUrl: p.bitbucketApiUrl },
      ...(rateObserver && { rateObserver }),
    });
  }

  /** The account's budget observer for one round of calls; none for a connection's own credentials (no account to keep it on). */
  private observer(auth: CheckAuth, options: CheckOptions): RateObserver | undefined {
    return 'account' in auth && this.budget ? this.budget.observer(auth.account.tenantId, auth.account.id, options.background === true) : undefined;
  }

  /** `checkRepoConnection`: the input's own rules first (an account must be the tenant's, on the platform, ACTIVE), then the platform; writes nothing. */
  async checkRepoConnection(ctx: RequestScope, input: ConnectReposInput): Promise<{ check: ConnectionCheck | null; userErrors: UserError[] }> {
    const { tenant } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkConnectRepos(input);
    if (!checked.ok) return { check: null, userErrors: checked.userErrors };
    const { platform, credentials, codeHostAccountId, baseUrl, repositories } = checked.value;
    if (codeHostAccountId !== null) {
      const resolved = await this.connectionAccounts.resolve(ctx.db, tenant.id, codeHostAccountId, platform, baseUrl);
      if (!resolved.ok) return { check: null, userErrors: resolved.userErrors };
      const check = await this.check(platform, { account: { tenantId: tenant.id, id: resolved.value.account.id }, baseUrl: resolved.value.baseUrl }, repositories);
      return { check, userErrors: [] };
    }
    return { check: await this.check(platform, { credentials: credentials!, baseUrl }, repositories), userErrors: [] };
  }

  /**
   * A new repository's default branch from its platform, when the project has a live connection
   * of that platform on the remote's host whose credential (or account) can read it (GitHub and
   * GitLab sources); null otherwise, and the caller asks git as before.
   */
  async defaultBranchFor(ctx: RequestScope, projectId: string, sourceType: SourceType, remoteUrl: string | null, path: string): Promise<string | null> {
    if ((sourceType !== 'github' && sourceType !== 'gitlab') || !remoteUrl) return null;
    const remote = parseRemote(remoteUrl);
    if (!remote) return null;
    const connections = await this.stores.repoConnections.liveOfPlatform(ctx.db, projectId, sourceType, 10);
    const connection = connections.find((c) => new URL(webBaseUrlFor(c.platform, c.baseUrl)).hostname.toLowerCase() === remote.host.toLowerCase());
    if (!connection) return null;
    let auth: CheckAuth;
    if (connection.codeHostAccountId !== null) {
      auth = { account: { tenantId: connection.tenantId, id: connection.codeHostAccountId }, baseUrl: connection.baseUrl };
    } else {
      try {
        auth = { credentials: this.credentials.read(connection), baseUrl: connection.baseUrl };
      } catch {
        return null;
      }
    }
    const read = await this.repositoryReader(sourceType, auth);
    const found = read ? await read(path.replace(/\.git$/, '')) : null;
    return found?.status === 'found' && found.defaultBranch && isValidBranchName(found.defaultBranch) ? found.defaultBranch : null;
  }

  /**
   * A reader of repositories through `auth` (each: the repository itself, its default branch's head),
   * without judging the credential first, on one token for all its calls (an account's renewed once
   * if the host refuses it); null when an account could give no token. What a Heimdall source, or
   * the link job, asks of the host about each repository, once.
   */
  async repositoryReader(platform: Platform, auth: CheckAuth, options: CheckOptions = {}): Promise<((path: string) => Promise<RepositoryReport>) | null> {
    let credentials: ClientCredentials;
    if ('account' in auth) {
      const round = await this.accountRound(auth.account.tenantId, auth.account.id).catch((error: unknown) => {
        accountProblem(auth.account.id, error); // rethrows what is no account's failure (the database away…)
        return null;
      });
      if (round === null) return null;
      credentials = { account: round.credential };
    } else {
      credentials = auth.credentials;
    }
    const client = this.client(platform, credentials, auth.baseUrl, this.observer(auth, options));
    return (path) => client.checkRepository(path);
  }

  /**
   * Asks the platform about the credential and every repository; writes nothing but the account's
   * rate budget (settled before it answers, so what comes next judges on it), throws nothing.
   */
  async check(platform: Platform, auth: CheckAuth, repositories: string[], options: CheckOptions = {}): Promise<ConnectionCheck> {
    let round: AccountRound | null = null;
    if ('account' in auth) {
      try {
        round = await this.accountRound(auth.account.tenantId, auth.account.id);
      } catch (error) {
        return this.unchecked(platform, auth.baseUrl, repositories, error, auth.account.id);
      }
    }
    const client = this.client(platform, round ? { account: round.credential } : (auth as { credentials: PlatformCredentials }).credentials, auth.baseUrl, this.observer(auth, options));
    const credential = await client.checkCredential();
    const reports =
      credential.valid === false
        ? repositories.map((path) => report(path, 'no_access', 'Not checked: the credential was refused'))
        : await mapLimited(repositories, CONCURRENCY, (path) => client.checkRepository(path, credential));
    if ('account' in auth) await this.budget?.settled(auth.account.id);
    const problem = round?.failure() ?? null;
    const judged = problem ? { ...credential, valid: false, message: problem.message } : credential;
    // The account stopped giving tokens while the check ran: what could not be read says why.
    const read = problem ? reports.map((r) => (r.status === 'found' ? r : report(r.repository, 'no_access', problem.message))) : reports;
    const ok = judged.valid === true && (judged.missingScopes ?? []).length === 0 && read.every((r) => r.status === 'found');
    const requiredScopes = credential.requiredScopes ?? [...PLATFORM_FACTS[platform].requiredScopes];
    return { platform, platformHost: platformHost(client.webBaseUrl), credential: { ...judged, requiredScopes }, repositories: read, ok, throughAccount: round !== null, accountProblem: problem };
  }

  /**
   * The account's current token for one round of calls (tokenFor at the moment of use), and the one
   * renewal a refusal asks for (`tokenFor(…, { rejected })`, shared by the calls in flight). Throws
   * what tokenFor throws when there is no token to begin with.
   */
  private async accountRound(tenantId: string, accountId: string): Promise<AccountRound> {
    let token: AccountToken = await this.accounts.tokenFor(tenantId, accountId);
    let problem: AccountProblem | null = null;
    let renewal: Promise<boolean> | null = null;
    const renewable = token.kind === 'github_app_installation' || token.kind === 'oauth';
    const renew = (): Promise<boolean> => {
      if (!renewable) return Promise.resolve(false);
      renewal ??= this.accounts.tokenFor(tenantId, accountId, { rejected: token }).then(
        (next) => {
          const changed = !next.handle.equals(token.handle);
          token = next;
          return changed;
        },
        (error: unknown) => {
          // Not ACTIVE any more (a mint answered "suspended", a refresh token refused…) or gone; a renewal that may pass leaves no problem.
          problem = error instanceof AccountUnavailableError || error instanceof AccountNotFoundError ? accountProblem(accountId, error) : null;
          return false;
        },
      );
      return renewal;
    };
    const credential: AccountCredential = {
      kind: token.kind,
      auth: { headers: () => token.headers(), renew },
      secret: () => token.token.reveal(),
      installation: token.installation,
      scopes: token.scopes,
    };
    return { credential, failure: () => problem };
  }

  /** A check that could not start: the account gave no token. Nothing was asked of the platform. */
  private unchecked(platform: Platform, baseUrl: string | null, repositories: string[], error: unknown, accountId: string): ConnectionCheck {
    const problem = accountProblem(accountId, error);
    const retry = error instanceof AccountRefreshError;
    const message = retry ? `The account's token could not be renewed: ${(error as Error).message}` : problem!.message;
    return {
      platform,
      platformHost: platformHost(webBaseUrlFor(platform, baseUrl)),
      credential: { valid: retry ? null : false, identity: null, scopes: null, missingScopes: null, message, requiredScopes: [...PLATFORM_FACTS[platform].requiredScopes] },
      repositories: repositories.map((path) => report(path, retry ? 'unreachable' : 'no_access', `Not checked: ${message}`)),
      ok: false,
      throughAccount: true,
      accountProblem: retry ? null : problem,
    };
  }
}

/** An account's failure to give a token, as a problem to report (null for one that may pass: retry). */
function accountProblem(accountId: string | null, error: unknown): AccountProblem | null {
  if (error instanceof AccountUnavailableError) {
    const status = error.status === 'active' ? 'revoked' : error.status;
    return { status, message: unavailableAccountMessage(accountId ?? 'of this connection', error.status, error.message) };
  }
  if (error instanceof AccountNotFoundError) return { status: 'not_found', message: `The code-host account ${accountId ?? 'of this connection'} no longer exists (it was deleted)` };
  if (error instanceof AccountRefreshError) return null;
  throw error;
}

const STATUS_WORDS: Record<Exclude<RepositoryReport['status'], 'found'>, string> = {
  // A connection keeps the path it was given: connecting a stale one would store dead links.
  moved: 'has moved; connect it by its new path',
  not_found: 'was not found (or the credential cannot see it)',
  no_access: 'cannot be read with this credential',
  unreachable: 'could not be checked',
};

/** A failed check as the user errors `verify: true` refuses with: one for the credential, one per failing repository. */
export function verificationErrors(check: ConnectionCheck): UserError[] {
  const errors: UserError[] = [];
  const { credential } = check;
  if (check.accountProblem) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['codeHostAccountId'], check.accountProblem.message));
    return errors;
  }
  const field = check.throughAccount ? 'codeHostAccountId' : 'credentials';
  const what = check.throughAccount ? "the code-host account's token" : 'the credentials';
  if (credential.valid === false) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, [field], `${check.platform} refused ${what}: ${credential.message ?? 'invalid'}`));
    return errors;
  }
  if (credential.valid === null) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, [field], `${what[0].toUpperCase()}${what.slice(1)} could not be verified: ${credential.message ?? 'the platform could not be asked'}; retry, or connect without verify`));
    return errors;
  }
  if (credential.missingScopes && credential.missingScopes.length > 0) {
    const kind = check.throughAccount && credential.requiredScopes?.some((s) => s.includes(':read')) && check.platform === 'github' ? 'permission' : 'scope';
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, [field], `The ${check.throughAccount ? 'account' : 'credential'} lacks the ${kind}${credential.missingScopes.length > 1 ? 's' : ''} ${credential.missingScopes.join(', ')} needed to read code and pull requests`));
  }
  check.repositories.forEach((r, i) => {
    if (r.status !== 'found') errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['repositories', i], `"${r.repository}" ${STATUS_WORDS[r.status]}${r.message ? `: ${r.message}` : ''}`));
  });
  return errors;
}
