import type { EntityManager } from 'typeorm';
import type { CodeHostAccountEntity } from '../../db/entities';
import { parseRemote } from '../../lib/remote-url';
import type { Stores } from '../../stores';
import type { CodeHostAccess } from '../code-host-accounts/code-host-access';
import type { RepositoryReport } from '../platforms/platform-client';
import { platformHost, webBaseUrlFor } from '../platforms/platform-facts';
import type { CheckOptions, PlatformService } from '../platforms/platform.service';

/** Accounts asked at most about one new repository (each once): bounds what a create waits for. */
const MAX_ACCOUNTS_ASKED = 5;
/** Waiting repositories read per batch, and at most per link job (the rest wait for the account's next connection). */
const LINK_BATCH = 100;
const LINK_MAX_CANDIDATES = 1000;
/** Repositories asked about at once through one account. */
const LINK_CONCURRENCY = 4;

/** The source types an account can cover: Heimdall's OAuth sources. */
export const LINKED_SOURCES = ['github', 'gitlab'] as const;
export type LinkedSource = (typeof LINKED_SOURCES)[number];
export const isLinkedSource = (sourceType: string): sourceType is LinkedSource => (LINKED_SOURCES as readonly string[]).includes(sourceType);

/**
 * Whether an account's server (its web root) is the one a remote names: the same host name, and
 * for an http(s) remote the same port too (an ssh or scp-like remote says nothing about the web port).
 */
export function remoteServer(remoteUrl: string): ((webRoot: URL) => boolean) | null {
  const remote = parseRemote(remoteUrl);
  if (!remote) return null;
  const hostname = remote.host.toLowerCase();
  if (remote.kind === 'url' && (remote.scheme === 'https' || remote.scheme === 'http')) {
    const host = remote.url.host.toLowerCase();
    return (web) => web.host.toLowerCase() === host;
  }
  return (web) => web.hostname.toLowerCase() === hostname;
}

/** The account a new repository reads through, and what its host said about it. */
export interface Covering {
  account: CodeHostAccountEntity;
  report: RepositoryReport;
  /** The host its id belongs to (platformHost()). */
  platformHost: string;
}

/**
 * Which of the tenant's code-host accounts covers a GitHub or GitLab repository made by
 * `createRepository` (Heimdall's OAuth sources): one on the remote's server that can read it, as
 * the host says when asked through the account. Used when the repository is created, and by the
 * link job when an account is connected later.
 */
export class RepositoryAccounts {
  constructor(
    private readonly stores: Pick<Stores, 'repositories'>,
    private readonly access: CodeHostAccess,
    private readonly platforms: PlatformService,
  ) {}

  /**
   * The caller's (then the tenant's) first ACTIVE account on the remote's server through which the
   * host shows the repository (each asked once, at most MAX_ACCOUNTS_ASKED); null when none does.
   */
  async covering(db: EntityManager, tenantId: string, userId: string | null, sourceType: LinkedSource, remoteUrl: string, path: string): Promise<Covering | null> {
    const sameServer = remoteServer(remoteUrl);
    if (!sameServer) return null;
    const accounts = (await this.access.activeFor(db, tenantId, userId, sourceType, sameServer)).slice(0, MAX_ACCOUNTS_ASKED);
    for (const account of accounts) {
      const baseUrl = this.access.connectionBaseUrl(account);
      const read = await this.platforms.repositoryReader(sourceType, { account: { tenantId, id: account.id }, baseUrl });
      const report = read ? await read(path) : null;
      if (report?.status === 'found') return { account, report, platformHost: platformHost(webBaseUrlFor(sourceType, baseUrl)) };
    }
    return null;
  }

  /**
   * The tenant's live repositories of the account's host that wait for an account (unlinked, not in
   * a connection) on its server and that the host shows through it: read in id order on
   * ix_repositories_oauth_link, a batch at a time, at most LINK_MAX_CANDIDATES; each asked once.
   * Null when the account cannot be used (not ACTIVE, gone): nothing to link.
   */
  async coveredBy(db: EntityManager, tenantId: string, accountId: string, options: CheckOptions = {}): Promise<string[] | null> {
    const account = await this.access.account(db, tenantId, accountId);
    if (!account || account.status !== 'active' || !isLinkedSource(account.host)) return null;
    const baseUrl = this.access.connectionBaseUrl(account);
    const read = await this.platforms.repositoryReader(account.host, { account: { tenantId, id: account.id }, baseUrl }, options);
    if (!read) return null;
    const web = new URL(account.baseUrl);
    const covered: string[] = [];
    let after = '';
    for (let seen = 0; seen < LINK_MAX_CANDIDATES; seen += LINK_BATCH) {
      const batch = await this.stores.repositories.waitingForAccount(db, tenantId, account.host, after, LINK_BATCH);
      const here = batch.filter((r) => r.remoteUrl !== null && remoteServer(r.remoteUrl)?.(web));
      const reports = await mapLimited(here, LINK_CONCURRENCY, (r) => read(r.path));
      here.forEach((r, i) => {
        if (reports[i].status === 'found') covered.push(r.id);
      });
      if (batch.length < LINK_BATCH) break;
      after = batch[batch.length - 1].id;
    }
    return covered;
  }
}

async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}
