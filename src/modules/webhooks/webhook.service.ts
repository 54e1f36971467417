import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookHookEntity } from '../../db/entities';
import type { CodeHostAccountEntity } from '../../db/entities/code-host-account.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { AppError, ErrorCode } from '../../errors';
import { uuidv7 } from '../../lib/ids';
import type { Viewer } from '../auth/viewer';
import { requireTenant } from '../code-host-accounts/code-host-account.service';
import type { CodeHostEndpoints } from '../code-host-accounts/code-host-endpoints';
import { Secret, type CredentialCipher } from '../crypto';
import { checkPageSize, decodeCursor, encodeCursor, type Page } from '../../db/pagination';
import { HOOK_ID } from './webhook-ingest.service';
import { webhookHookAad } from './webhook-secrets';
import type { WebhookStore } from './webhook.store';
import { deliveryView, type DeliveryPage } from './webhook.views';

/** What the webhook views need of a request: who calls, and its database handle. */
export interface WebhookScope {
  viewer: Viewer | null;
  db: EntityManager;
}

/** A refused admin request; the message names the option, never a secret's value. */
export class WebhookInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookInputError';
  }
}

/** The deliveries a person can see: those of the last day. */
export const DELIVERY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The path a host posts a hook's deliveries to (after repolink's public address). */
export function hookPath(hook: Pick<WebhookHookEntity, 'host' | 'id'>): string {
  return hook.host === 'github' ? `/webhooks/github/hooks/${hook.id}` : `/webhooks/${hook.host}/${hook.id}`;
}

/** The smallest UUIDv7 of a millisecond: ids from it on were made at or after it. */
export function uuidv7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

const deliveryCursor = (id: string) => Buffer.from(`d1:${id}`, 'utf8').toString('base64url');

function readDeliveryCursor(cursor: string): string {
  const match = /^d1:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError(ErrorCode.BAD_USER_INPUT, '`after` is not a cursor returned by this list', { field: ['after'] });
  return match[1];
}

/** Secrets a person chooses: long enough to resist guessing, and plain text a header carries unchanged. */
function checkSecret(secret: Secret<string>): void {
  const value = secret.reveal();
  if (value.length < 16 || value.length > 512) throw new WebhookInputError('The secret must be 16 to 512 characters long');
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) throw new WebhookInputError('The secret must be printable ASCII (a header carries it), without spaces at either end');
}

const newSecret = () => new Secret(randomBytes(32).toString('base64url'));

/**
 * The tenant's webhook endpoints: created, rotated and deleted by the operator (the admin command
 * line, which shows a generated secret once), and shown read-only in GraphQL with the deliveries
 * of the last day. No method returns a stored secret.
 */
export class WebhookService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: WebhookStore,
    private readonly cipher: CredentialCipher,
    private readonly endpoints: CodeHostEndpoints,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- the operator's commands --------------------------------------------------------------------

  /** A new hook of the tenant; without a secret given, one is generated and answered (once). */
  async create(input: { tenantId: string; host: Platform; baseUrl: string | null; description: string | null; secret: Secret<string> | null }): Promise<{ hook: WebhookHookEntity; generatedSecret: Secret<string> | null }> {
    if (input.host === 'bitbucket' && input.baseUrl) throw new WebhookInputError('Bitbucket Cloud has one address: leave --base-url out for --host bitbucket');
    let baseUrl: string;
    try {
      baseUrl = this.endpoints.normalizeBaseUrl(input.host, input.baseUrl);
    } catch {
      throw new WebhookInputError('--base-url must be an http(s) URL such as https://gitlab.example.com');
    }
    if (baseUrl.length > 255) throw new WebhookInputError('--base-url is longer than 255 characters');
    const description = input.description?.trim() || null;
    if (description !== null && description.length > 255) throw new WebhookInputError('--description is longer than 255 characters');
    if (input.secret !== null) checkSecret(input.secret);
    const secret = input.secret ?? newSecret();
    const now = new Date(this.now());
    const hook = Object.assign(new WebhookHookEntity(), {
      id: `wh_${uuidv7().replace(/-/g, '')}`,
      tenantId: input.tenantId,
      host: input.host,
      baseUrl,
      description,
      previousSecretKeyId: null,
      previousSecretCiphertext: null,
      previousSecretValidUntil: null,
      secretRotatedAt: now,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    const sealed = this.cipher.seal(secret.reveal(), webhookHookAad(hook));
    Object.assign(hook, { secretKeyId: sealed.keyId, secretCiphertext: sealed.blob });
    try {
      await this.store.insertHook(this.dataSource.manager, hook);
    } catch (error) {
      if ((error as { errno?: number; driverError?: { errno?: number } }).driverError?.errno === 1452) throw new WebhookInputError(`--tenant ${input.tenantId} names no tenant`);
      throw error;
    }
    return { hook, generatedSecret: input.secret === null ? secret : null };
  }

  /**
   * A new secret for a hook. The replaced one stays accepted for `keepPreviousHours` (0: refused at
   * once), long enough to paste the new one into the host; a secret replaced earlier is dropped.
   */
  async rotateSecret(input: { id: string; secret: Secret<string> | null; keepPreviousHours: number }): Promise<{ hook: WebhookHookEntity; generatedSecret: Secret<string> | null }> {
    if (!HOOK_ID.test(input.id)) throw new WebhookInputError(`--id ${input.id} is not a hook id (wh_…)`);
    if (!Number.isFinite(input.keepPreviousHours) || input.keepPreviousHours < 0 || input.keepPreviousHours > 24 * 30) throw new WebhookInputError('--keep-previous-hours must be a number from 0 to 720');
    if (input.secret !== null) checkSecret(input.secret);
    const secret = input.secret ?? newSecret();
    const hook = await this.dataSource.transaction(async (em) => {
      const locked = await this.store.lockHook(em, input.id);
      if (locked === null) throw new WebhookInputError(`No live hook ${input.id}`);
      const aad = webhookHookAad(locked);
      const next = this.cipher.seal(secret.reveal(), aad);
      const keep = input.keepPreviousHours > 0;
      const validUntil = keep ? new Date(this.now() + input.keepPreviousHours * 3_600_000) : null;
      await this.store.rotateSecret(em, locked.id, next, keep ? locked.current : null, validUntil);
      return Object.assign(locked, { previousSecretValidUntil: validUntil });
    });
    return { hook, generatedSecret: input.secret === null ? secret : null };
  }

  /** A deleted hook's deliveries are refused like an unknown hook's; its secrets are erased. */
  async delete(id: string): Promise<WebhookHookEntity> {
    if (!HOOK_ID.test(id)) throw new WebhookInputError(`--id ${id} is not a hook id (wh_…)`);
    return this.dataSource.transaction(async (em) => {
      const locked = await this.store.lockHook(em, id);
      if (locked === null) throw new WebhookInputError(`No live hook ${id}`);
      await this.store.deleteHook(em, id);
      return locked;
    });
  }

  /** The tenant's live hooks for the command line (a tenant has a handful; read 100 at a time). */
  async listForTenant(tenantId: string): Promise<WebhookHookEntity[]> {
    const all: WebhookHookEntity[] = [];
    let after: WebhookHookEntity | null = null;
    for (;;) {
      const page = await this.store.hooksPage(this.dataSource.manager, tenantId, 100, after);
      all.push(...page);
      if (page.length < 100) return all;
      after = page[page.length - 1];
    }
  }

  // ---- GraphQL views -----------------------------------------------------------------------------

  async list(scope: WebhookScope, args: { first?: number | null; after?: string | null }, options: { countNow?: boolean } = {}): Promise<Page<WebhookHookEntity>> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    const first = checkPageSize(args.first);
    const count = () => this.store.countHooks(scope.db, viewer.tenant.id);
    const early = options.countNow ? count() : null;
    early?.catch(() => undefined);
    const rows = await this.store.hooksPage(scope.db, viewer.tenant.id, first + 1, args.after ? decodeCursor(args.after) : null);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: Boolean(args.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: () => early ?? count(),
    };
  }

  async get(scope: WebhookScope, id: string): Promise<WebhookHookEntity | null> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    return HOOK_ID.test(id) ? this.store.hookForTenant(scope.db, viewer.tenant.id, id) : null;
  }

  /** A hook's deliveries of the last day, newest first. */
  deliveriesOfHook(scope: WebhookScope, hook: WebhookHookEntity, args: { first?: number | null; after?: string | null }): Promise<DeliveryPage> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    if (hook.tenantId !== viewer.tenant.id) return Promise.resolve(emptyPage(args));
    return this.deliveries(scope.db, hook.id, '', args);
  }

  /**
   * A GitHub App installation account's deliveries of the last day: those its app received for its
   * installation. Other accounts get theirs through hooks: an empty list.
   */
  deliveriesOfAccount(scope: WebhookScope, account: CodeHostAccountEntity, args: { first?: number | null; after?: string | null }): Promise<DeliveryPage> {
    const viewer = requireTenant(scope.viewer, 'config:read');
    if (account.tenantId !== viewer.tenant.id || account.kind !== 'github_app_installation' || account.appId === null || account.externalId === null) {
      return Promise.resolve(emptyPage(args));
    }
    return this.deliveries(scope.db, account.appId, account.externalId, args);
  }

  private async deliveries(db: EntityManager, sourceId: string, installationKey: string, args: { first?: number | null; after?: string | null }): Promise<DeliveryPage> {
    const first = checkPageSize(args.first);
    const before = args.after ? readDeliveryCursor(args.after) : null;
    const rows = await this.store.deliveriesPage(db, sourceId, installationKey, uuidv7Floor(this.now() - DELIVERY_WINDOW_MS), before, first + 1);
    const edges = rows.slice(0, first).map((row) => ({ cursor: deliveryCursor(row.id), node: deliveryView(row) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: before !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }
}

function emptyPage(args: { first?: number | null; after?: string | null }): DeliveryPage {
  checkPageSize(args.first);
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: Boolean(args.after), startCursor: null, endCursor: null } };
}
