import type { EntityManager } from 'typeorm';
import { CodeHostAccountEntity } from '../../db/entities';
import type { CodeHostAccountStatus, InstallationFacts } from '../../db/entities/code-host-account.entity';
import type { Permission } from '../../db/entities/api-key.entity';
import { AppError, ErrorCode, ForbiddenError, NotFoundError, UnauthenticatedError, UserErrorCode, userError, type UserError } from '../../errors';
import { uuidv7 } from '../../lib/ids';
import { UNAUTHENTICATED_MESSAGES } from '../auth/auth.service';
import type { Viewer } from '../auth/viewer';
import { Secret, type CredentialCipher } from '../crypto';
import { checkPageSize, encodeCursor, type Page } from '../../db/pagination';
import { inTransaction, type BeforeCommitHook } from '../../db/transaction';
import { PlatformError } from '../platforms/host-http';
import type { CodeHostAccountStore, AccountFilter } from './code-host-account.store';
import { checkAddAccount, type AddCodeHostAccountInput } from './code-host-account.inputs';
import type { CodeHostApi, HostRepository } from './code-host-api';
import type { CodeHostEndpoints } from './code-host-endpoints';
import { judgeToken } from './code-host-credentials';
import { accountAad } from './code-host-secrets';
import { AccountNotFoundError, AccountRefreshError, AccountUnavailableError, type CodeHostTokens } from './code-host-tokens';
import type { AccountConnectedHook } from './code-host-access';
import type { RateBudget } from './rate-budget';

/**
 * What a code-host account's service needs of a request: who calls, and the request's database
 * handle (its own transaction when it has one) with the hooks that commit with it.
 */
export interface CodeHostScope {
  viewer: Viewer | null;
  db: EntityManager;
  beforeCommit: BeforeCommitHook[];
}

/** Accounts belong to the tenant: a tenant-scoped key needs no X-Project-Id to see or manage them. */
export function requireTenant(viewer: Viewer | null, permission: Permission): Viewer {
  if (viewer === null) throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.none);
  if (!viewer.permissions.includes(permission)) throw new ForbiddenError(`This ${viewer.kind === 'api_key' ? 'API key' : 'session'} lacks the ${permission} permission`);
  return viewer;
}

export interface AccountResult {
  codeHostAccount: CodeHostAccountEntity | null;
  userErrors: UserError[];
}

/** `GitHubAppInstallation` in GraphQL: the stored facts and the installation's id. */
export type InstallationView = InstallationFacts & { installationId: string };

export interface RepositoryPage {
  edges: { cursor: string; node: HostRepository }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** Host pages read at most for one page of a picker (a search filtered here may skip many). */
const MAX_HOST_PAGES = 10;
const HOST_PAGE_SIZE = 100;

/** The place in the host's list after which a picker page goes on: the host's page number and the index in it. */
function repositoryCursor(page: number, index: number): string {
  return Buffer.from(`r1:${page}:${index}`, 'utf8').toString('base64url');
}

function readRepositoryCursor(cursor: string): { page: number; index: number } {
  const match = /^r1:(\d{1,6}):(\d{1,4})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError(ErrorCode.BAD_USER_INPUT, '`after` is not a cursor returned by this list', { field: ['after'] });
  return { page: Number(match[1]), index: Number(match[2]) };
}

/**
 * The tenant's code-host accounts as GraphQL and the admin see them: lists, reads, pasted-token
 * accounts, revocation, and the repositories an account can see. Tokens come from CodeHostTokens;
 * no method returns or logs a secret.
 */
export class CodeHostAccountService {
  constructor(
    private readonly store: CodeHostAccountStore,
    private readonly cipher: CredentialCipher,
    private readonly tokens: CodeHostTokens,
    private readonly api: CodeHostApi,
    private readonly endpoints: CodeHostEndpoints,
    private readonly connected: AccountConnectedHook = async () => undefined,
    /** Hears the rate-limit headers of the picker's calls (a person asked: they are never held back). */
    private readonly budget: RateBudget | null = null,
  ) {}

  async list(scope: CodeHostScope, args: { first?: number | null; after?: string | null; filter?: AccountFilter | null }, options: { countNow?: boolean } = {}): Promise<Page<CodeHostAccountEntity>> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    const first = checkPageSize(args.first);
    const filter = { host: args.filter?.host ?? null, status: args.filter?.status ?? null };
    const count = () => this.store.countAccounts(scope.db, viewer.tenant.id, filter);
    const early = options.countNow ? count() : null;
    early?.catch(() => undefined);
    const rows = await this.store.accountsPage(scope.db, viewer.tenant.id, first + 1, args.after ?? null, filter);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: Boolean(args.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: () => early ?? count(),
    };
  }

  async get(scope: CodeHostScope, id: string): Promise<CodeHostAccountEntity | null> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    if (!/^cha_[0-9a-f]{32}$/.test(id)) return null;
    return this.store.accountForTenant(scope.db, viewer.tenant.id, id);
  }

  /** `addCodeHostAccount`: asks the host who the token is and what it may do, then stores it sealed. */
  async add(scope: CodeHostScope, input: AddCodeHostAccountInput): Promise<AccountResult> {
    const viewer = requireTenant(scope.viewer, 'config:write');
    const checked = await checkAddAccount(input);
    if (!checked.ok) return { codeHostAccount: null, userErrors: checked.userErrors };
    const { host, kind, email } = checked.value;
    const token = new Secret(checked.value.token);
    const baseUrl = this.endpoints.normalizeBaseUrl(host, checked.value.baseUrl);
    const endpoints = this.endpoints.for(host, baseUrl);
    const judged = await judgeToken(this.api, endpoints, kind, token, email);
    if (!judged.ok) return { codeHostAccount: null, userErrors: [userError(UserErrorCode.BAD_USER_INPUT, [judged.field], judged.message)] };
    const now = new Date();
    const account = Object.assign(new CodeHostAccountEntity(), {
      id: `cha_${uuidv7().replace(/-/g, '')}`,
      tenantId: viewer.tenant.id,
      kind,
      host,
      baseUrl,
      appId: null,
      externalId: null,
      linkKey: null,
      status: 'active' as const,
      statusReason: judged.warning,
      identity: judged.identity,
      authUsername: kind === 'api_token' ? email : null,
      scopes: judged.scopes,
      installation: null,
      credentialHint: token.hint() || null,
      accessTokenExpiresAt: null,
      refreshTokenKeyId: null,
      refreshTokenCiphertext: null,
      refreshTokenExpiresAt: null,
      refreshedAt: null,
      leaseOwner: null,
      leaseUntil: null,
      createdByUserId: viewer.userId,
      createdByApiKeyId: viewer.apiKeyId,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    const sealed = this.cipher.seal(token.reveal(), accountAad(account, 'access_token'));
    account.accessTokenKeyId = sealed.keyId;
    account.accessTokenCiphertext = sealed.blob;
    return inTransaction(scope, async (em) => {
      await this.store.insertAccount(em, account);
      await this.connected(em, account);
      return { codeHostAccount: withoutSecrets(account), userErrors: [] };
    });
  }

  /** REVOKED (kept, listed) or deleted (gone from lists); either way its credentials are erased in the same statement. */
  async end(scope: CodeHostScope, id: string, how: 'revoke' | 'delete'): Promise<AccountResult> {
    const viewer = requireTenant(scope.viewer, 'config:write');
    if (!/^cha_[0-9a-f]{32}$/.test(id)) throw new NotFoundError('Code-host account');
    return inTransaction(scope, async (em) => {
      const account = await this.store.lockAccount(em, viewer.tenant.id, id);
      if (!account) throw new NotFoundError('Code-host account');
      const reason = how === 'revoke' ? 'Revoked in repolink; its credentials were erased' : 'Deleted in repolink; its credentials were erased';
      await this.store.endAccount(em, viewer.tenant.id, id, { status: 'revoked', reason, delete: how === 'delete' });
      const now = new Date();
      return {
        codeHostAccount: Object.assign(account, { status: 'revoked' as CodeHostAccountStatus, statusReason: reason, accessTokenExpiresAt: null, refreshTokenExpiresAt: null, updatedAt: now, deletedAt: how === 'delete' ? now : null }),
        userErrors: [],
      };
    });
  }

  /**
   * The repositories the account can see, read from the host with the account's current token: as
   * the host pages them (100 a page), filtered by `search` (on the host where it searches, and
   * here), at most MAX_HOST_PAGES host pages per call. The cursor is the host page and the index in it.
   */
  async repositories(scope: CodeHostScope, account: CodeHostAccountEntity, args: { first?: number | null; after?: string | null; search?: string | null }): Promise<RepositoryPage> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    if (account.tenantId !== viewer.tenant.id) throw new NotFoundError('Code-host account');
    const first = checkPageSize(args.first);
    const search = args.search?.trim() ? args.search.trim().slice(0, 200) : null;
    const start = args.after ? readRepositoryCursor(args.after) : { page: 1, index: -1 };
    let token;
    try {
      token = await this.tokens.tokenFor(viewer.tenant.id, account.id);
    } catch (error) {
      throw this.asGraphQLError(error);
    }
    const endpoints = this.endpoints.for(account.host, account.baseUrl);
    const auth = { scheme: token.scheme, token: token.token, username: token.username };
    const kind = account.kind === 'github_app_installation' ? 'installation' : 'user';
    const needle = search?.toLowerCase() ?? null;
    const edges: RepositoryPage['edges'] = [];
    let hasNextPage = false;
    let page = start.page;
    for (let read = 0; read < MAX_HOST_PAGES && edges.length <= first; read++, page++) {
      let result;
      try {
        result = await this.api.repositoriesPage(endpoints, kind, auth, page, HOST_PAGE_SIZE, search, this.budget?.observer(viewer.tenant.id, account.id, false));
      } catch (error) {
        throw this.asGraphQLError(error);
      }
      result.items.forEach((node, index) => {
        if (page === start.page && index <= start.index) return;
        if (needle !== null && !node.path.toLowerCase().includes(needle)) return;
        edges.push({ cursor: repositoryCursor(page, index), node });
      });
      if (!result.hasMore) break;
      if (read === MAX_HOST_PAGES - 1) hasNextPage = true;
    }
    if (edges.length > first) hasNextPage = true;
    const shown = edges.slice(0, first);
    return { edges: shown, pageInfo: { hasNextPage, hasPreviousPage: Boolean(args.after), startCursor: shown[0]?.cursor ?? null, endCursor: shown.at(-1)?.cursor ?? (hasNextPage ? repositoryCursor(page - 1, HOST_PAGE_SIZE) : null) } };
  }

  /** The account's failures as GraphQL errors, in safe words (a status, a host; never a token). */
  private asGraphQLError(error: unknown): Error {
    if (error instanceof AccountNotFoundError) return new NotFoundError('Code-host account');
    if (error instanceof AccountUnavailableError) return new ForbiddenError(`The account is ${error.status.toUpperCase()}: ${error.message}`);
    if (error instanceof AccountRefreshError) return new AppError(ErrorCode.SERVICE_UNAVAILABLE, error.message);
    if (error instanceof PlatformError) {
      if (error.kind === 'unauthorized' || error.kind === 'forbidden') return new ForbiddenError(`The host refused the account's credential: ${error.message}`);
      return new AppError(ErrorCode.SERVICE_UNAVAILABLE, `The host could not be asked: ${error.message}`);
    }
    return error instanceof Error ? error : new Error('unknown failure');
  }
}

/** An entity as answered: the sealed columns dropped (they never leave the services anyway). */
export function withoutSecrets(account: CodeHostAccountEntity): CodeHostAccountEntity {
  return Object.assign(account, { accessTokenKeyId: null, accessTokenCiphertext: null, refreshTokenKeyId: null, refreshTokenCiphertext: null });
}

