import type { EntityManager } from 'typeorm';
import type { ApiKeyEntity } from '../../db/entities';
import type { Permission } from '../../db/entities/api-key.entity';
import { ForbiddenError, NotFoundError, UnauthenticatedError, UserErrorCode, userError, type UserError } from '../../errors';
import { UUID_PATTERN, uuidv7 } from '../../lib/ids';
import { PERMISSIONS, UNAUTHENTICATED_MESSAGES, requireScope } from '../auth/auth.service';
import { API_KEY_PREFIX, displayPrefix, hashToken, newToken } from '../auth/tokens';
import type { Viewer } from '../auth/viewer';
import type { ListOptions, Page } from '../../db/pagination';
import { inTransaction, type TransactionScope } from '../../db/transaction';
import type { ApiKeyStore } from './api-key.store';
import { toApiKeyModel, toApiKeyPage, type ApiKeyModel } from './api-key.mappers';

/** What a request brings to this service: who calls, its database handle, its Idempotency-Key. */
export interface ApiKeyScope extends TransactionScope {
  viewer: Viewer | null;
  idempotencyKey: string | null;
}

export interface CreatedApiKey {
  apiKey: ApiKeyModel | null;
  secret: string | null;
  userErrors: UserError[];
}

/** How often one process writes a key's `last_used_at` at most. */
export const LAST_USE_RESOLUTION_MS = 60_000;

/**
 * The project's API keys as people manage them (list with last use, create with the secret shown
 * once, revoke). Only a session may: a key that could mint keys would let a leaked key outlive its
 * revocation. SQL lives in {@link ApiKeyStore}.
 */
export class ApiKeyService {
  /** Key id → when this process last wrote its use. */
  private readonly lastWritten = new Map<string, number>();

  constructor(private readonly store: ApiKeyStore) {}

  async list(scope: ApiKeyScope, args: { first?: number | null; after?: string | null; includeRevoked?: boolean | null }, options: ListOptions = {}): Promise<Page<ApiKeyModel>> {
    const { project } = this.personScope(scope.viewer, 'config:read');
    return toApiKeyPage(await this.store.page(scope.db, project.id, args, options));
  }

  async create(scope: ApiKeyScope, input: { name: string; permissions: readonly Permission[] }): Promise<CreatedApiKey> {
    const { project, tenant } = this.personScope(scope.viewer, 'config:write');
    const userErrors: UserError[] = [];
    if (scope.idempotencyKey !== null) {
      userErrors.push(userError(UserErrorCode.BAD_USER_INPUT, null, 'createApiKey cannot be sent with an Idempotency-Key: its answer holds the new secret, which repolink never stores'));
    }
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) userErrors.push(userError(UserErrorCode.BAD_USER_INPUT, ['name'], 'name must be 1 to 100 characters'));
    const permissions = [...new Set(input.permissions)].filter((p) => PERMISSIONS.includes(p));
    if (permissions.length === 0) userErrors.push(userError(UserErrorCode.BAD_USER_INPUT, ['permissions'], 'permissions must name at least one of CONFIG_READ, CONFIG_WRITE'));
    if (userErrors.length > 0) return { apiKey: null, secret: null, userErrors };

    const secret = newToken(API_KEY_PREFIX);
    const apiKey: ApiKeyEntity = {
      id: uuidv7(),
      tenantId: tenant.id,
      projectId: project.id,
      name,
      prefix: displayPrefix(secret),
      keyHash: hashToken(secret),
      permissions: PERMISSIONS.filter((p) => permissions.includes(p)).join(','),
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    };
    return inTransaction(scope, async (em: EntityManager) => {
      await this.store.insert(em, apiKey);
      return { apiKey: toApiKeyModel(apiKey), secret, userErrors: [] };
    });
  }

  async revoke(scope: ApiKeyScope, id: string): Promise<{ apiKey: ApiKeyModel | null; userErrors: UserError[] }> {
    const { project } = this.personScope(scope.viewer, 'config:write');
    if (!UUID_PATTERN.test(id)) throw new NotFoundError('API key');
    return inTransaction(scope, async (em) => {
      await this.store.revoke(em, project.id, id);
      const apiKey = await this.store.findInProject(em, project.id, id);
      if (!apiKey) throw new NotFoundError('API key');
      return { apiKey: toApiKeyModel(apiKey), userErrors: [] };
    });
  }

  /**
   * Notes that a key authenticated a request. The write is in the background and at most once a
   * minute per key in this process, so a busy key costs one UPDATE a minute, not one per request.
   */
  noteUse(apiKeyId: string, now = Date.now()): void {
    const last = this.lastWritten.get(apiKeyId);
    if (last !== undefined && now - last < LAST_USE_RESOLUTION_MS) return;
    // Forget keys not seen for a minute rather than keep every key this process ever saw.
    if (this.lastWritten.size >= 10_000) for (const [id, at] of this.lastWritten) if (now - at >= LAST_USE_RESOLUTION_MS) this.lastWritten.delete(id);
    this.lastWritten.set(apiKeyId, now);
    this.store.touch([apiKeyId]).catch(() => {
      // Last use is informational: a failed write is tried again at the key's next request.
      this.lastWritten.delete(apiKeyId);
    });
  }

  private personScope(viewer: Viewer | null, permission: Permission) {
    if (viewer === null) throw new UnauthenticatedError(UNAUTHENTICATED_MESSAGES.none);
    if (viewer.kind !== 'session') throw new ForbiddenError('API keys are managed by a signed-in person (a session); an API key cannot list, create or revoke keys');
    return requireScope(viewer, permission);
  }
}
