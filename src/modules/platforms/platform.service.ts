import type { Config } from '../../config';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { ConnectReposInput } from '../../generated/schema-types';
import type { RequestScope } from '../../request-scope';
import type { Stores } from '../../stores';
import { requireScope } from '../auth/auth.service';
import type { ConnectionCredentials } from '../repo-connections/connection-credentials';
import { checkConnectRepos } from '../repo-connections/repo-connection.inputs';
import type { SourceType } from '../../db/entities/repository.entity';
import { parseRemote } from '../../lib/remote-url';
import { isValidBranchName } from '../../lib/validation';
import { PLATFORM_FACTS, platformHost, webBaseUrlFor } from './platform-facts';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { createPlatformClient, report, type CredentialReport, type PlatformClient, type PlatformCredentials, type RepositoryReport } from './platform-client';

/** What a dry run of a connection found: the credential, and each repository in the order given. */
export interface ConnectionCheck {
  platform: Platform;
  /** The host the repositories live on (platformHost()), which their `hostRepositoryId`s belong to. */
  platformHost: string;
  credential: CredentialReport & { requiredScopes: string[] };
  repositories: RepositoryReport[];
  /** The credential is valid, lacks no scope it is known to need, and every repository was found and readable at the path given (a moved one is not). */
  ok: boolean;
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

export class PlatformService {
  constructor(
    private readonly config: Config,
    private readonly stores: Pick<Stores, 'repoConnections'>,
    private readonly credentials: ConnectionCredentials,
  ) {}

  client(platform: Platform, credentials: PlatformCredentials, baseUrl: string | null): PlatformClient {
    const p = this.config.platforms;
    return createPlatformClient(platform, credentials, baseUrl, {
      allowPrivate: p.allowPrivate,
      timeoutMs: p.timeoutMs,
      endpoints: { githubApiUrl: p.githubApiUrl, gitlabUrl: p.gitlabUrl, bitbucketApiUrl: p.bitbucketApiUrl },
    });
  }

  /** `checkRepoConnection`: the input's own rules first, then the platform; writes nothing. */
  async checkRepoConnection(ctx: RequestScope, input: ConnectReposInput): Promise<{ check: ConnectionCheck | null; userErrors: UserError[] }> {
    requireScope(ctx.viewer, 'config:write');
    const checked = await checkConnectRepos(input);
    if (!checked.ok) return { check: null, userErrors: checked.userErrors };
    const { platform, credentials, baseUrl, repositories } = checked.value;
    return { check: await this.check(platform, credentials, baseUrl, repositories), userErrors: [] };
  }

  /**
   * A new repository's default branch from its platform, when the project has a live connection
   * of that platform on the remote's host whose credential can read it (GitHub and GitLab sources);
   * null otherwise, and the caller asks git as before.
   */
  async defaultBranchFor(ctx: RequestScope, projectId: string, sourceType: SourceType, remoteUrl: string | null, path: string): Promise<string | null> {
    if ((sourceType !== 'github' && sourceType !== 'gitlab') || !remoteUrl) return null;
    const remote = parseRemote(remoteUrl);
    if (!remote) return null;
    const connections = await this.stores.repoConnections.liveOfPlatform(ctx.db, projectId, sourceType, 10);
    const connection = connections.find((c) => new URL(webBaseUrlFor(c.platform, c.baseUrl)).hostname.toLowerCase() === remote.host.toLowerCase());
    if (!connection) return null;
    let credentials: PlatformCredentials;
    try {
      credentials = this.credentials.read(connection);
    } catch {
      return null;
    }
    const report = await this.client(connection.platform, credentials, connection.baseUrl).checkRepository(path.replace(/\.git$/, ''));
    return report.status === 'found' && report.defaultBranch && isValidBranchName(report.defaultBranch) ? report.defaultBranch : null;
  }

  /** Asks the platform about the credential and every repository; writes nothing, throws nothing. */
  async check(platform: Platform, credentials: PlatformCredentials, baseUrl: string | null, repositories: string[]): Promise<ConnectionCheck> {
    const client = this.client(platform, credentials, baseUrl);
    const credential = await client.checkCredential();
    const reports =
      credential.valid === false
        ? repositories.map((path) => report(path, 'no_access', 'Not checked: the credential was refused'))
        : await mapLimited(repositories, CONCURRENCY, (path) => client.checkRepository(path, credential));
    const ok = credential.valid === true && (credential.missingScopes ?? []).length === 0 && reports.every((r) => r.status === 'found');
    return { platform, platformHost: platformHost(client.webBaseUrl), credential: { ...credential, requiredScopes: [...PLATFORM_FACTS[platform].requiredScopes] }, repositories: reports, ok };
  }
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
  if (credential.valid === false) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['credentials'], `${check.platform} refused the credentials: ${credential.message ?? 'invalid'}`));
    return errors;
  }
  if (credential.valid === null) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['credentials'], `The credentials could not be verified: ${credential.message ?? 'the platform could not be asked'}; retry, or connect without verify`));
    return errors;
  }
  if (credential.missingScopes && credential.missingScopes.length > 0) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['credentials'], `The credential lacks the scope${credential.missingScopes.length > 1 ? 's' : ''} ${credential.missingScopes.join(', ')} needed to read code and pull requests`));
  }
  check.repositories.forEach((r, i) => {
    if (r.status !== 'found') errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['repositories', i], `"${r.repository}" ${STATUS_WORDS[r.status]}${r.message ? `: ${r.message}` : ''}`));
  });
  return errors;
}
