import type { EntityManager } from 'typeorm';
import type { CodeHostAccountEntity } from '../../db/entities';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { CodeHostAccountStore } from './code-host-account.store';
import type { CodeHostEndpoints } from './code-host-endpoints';
import type { AccountToken, CodeHostTokens, TokenOptions } from './code-host-tokens';

/**
 * Called inside the transaction that stores a new or re-authorized account: the tenant's
 * repositories that wait for an account on its host are linked to it (a job on the sync queue,
 * since that asks the host, committed with the account or not at all).
 */
export type AccountConnectedHook = (em: EntityManager, account: Pick<CodeHostAccountEntity, 'id' | 'tenantId' | 'host' | 'status'>) => Promise<void>;

/** Candidate accounts read at most for one Heimdall repository (a tenant has a handful per host). */
const MAX_CANDIDATES = 20;

/**
 * What the rest of repolink uses of code-host accounts to read repositories through them: an
 * account of the caller's tenant by id, its current token (`tokenFor`, renewed once with
 * `{ rejected }` when the host refuses it), the `baseUrl` a connection through it has, and the
 * accounts that may cover a Heimdall source's remote. No secret leaves through it but the token
 * handed to the platform client for one round of calls.
 */
export class CodeHostAccess {
  constructor(
    private readonly store: CodeHostAccountStore,
    private readonly tokens: CodeHostTokens,
    private readonly endpoints: CodeHostEndpoints,
  ) {}

  /** The tenant's live account `id`, or null (unknown, another tenant's, deleted, or not an account id at all). */
  async account(db: EntityManager, tenantId: string, id: string): Promise<CodeHostAccountEntity | null> {
    if (!/^cha_[0-9a-f]{32}$/.test(id)) return null;
    return this.store.accountForTenant(db, tenantId, id);
  }

  /** The tenant's accounts among `ids`, deleted ones included (what a per-request loader batches). */
  accountsByIds(db: EntityManager, tenantId: string, ids: readonly string[]): Promise<CodeHostAccountEntity[]> {
    return this.store.accountsByIds(db, tenantId, ids);
  }

  tokenFor(tenantId: string, accountId: string, options?: TokenOptions): Promise<AccountToken> {
    return this.tokens.tokenFor(tenantId, accountId, options);
  }

  /**
   * The `baseUrl` of a connection through the account, as the platform clients read one: null for
   * the public service (its configured API root), else the account's server (a GHES host, whose API
   * is its /api/v3; a self-managed GitLab).
   */
  connectionBaseUrl(account: Pick<CodeHostAccountEntity, 'host' | 'baseUrl'>): string | null {
    return account.host === 'bitbucket' || account.baseUrl === this.endpoints.publicWeb(account.host) ? null : account.baseUrl;
  }

  /** A `baseUrl` as a person gives it (`https://ghe.example.com/api/v3`, a bare host…), as an account's web root. */
  normalizeBaseUrl(host: Platform, baseUrl: string): string {
    return this.endpoints.normalizeBaseUrl(host, baseUrl);
  }

  /**
   * The tenant's ACTIVE accounts on `host` whose server (web root) `sameServer` accepts, the ones
   * `userId` connected first, then the newest.
   */
  async activeFor(db: EntityManager, tenantId: string, userId: string | null, host: Platform, sameServer: (webRoot: URL) => boolean): Promise<CodeHostAccountEntity[]> {
    const accounts = (await this.store.activeOnHost(db, tenantId, host, MAX_CANDIDATES)).filter((a) => sameServer(new URL(a.baseUrl)));
    const mine = userId === null ? [] : accounts.filter((a) => a.createdByUserId === userId);
    return [...mine, ...accounts.filter((a) => !mine.includes(a))];
  }
}
