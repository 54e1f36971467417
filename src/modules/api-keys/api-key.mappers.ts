import type { ApiKeyEntity } from '../../db/entities';
import type { Permission } from '../../db/entities/api-key.entity';
import { parsePermissions } from '../auth/auth.service';
import type { Page } from '../../db/pagination';

/** An API key as the schema shows it: never its hash; permissions as a list. */
export interface ApiKeyModel {
  id: string;
  name: string | null;
  prefix: string;
  permissions: Permission[];
  lastUsedAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export function toApiKeyModel(key: ApiKeyEntity): ApiKeyModel {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    permissions: parsePermissions(key.permissions),
    lastUsedAt: key.lastUsedAt,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
  };
}

export function toApiKeyPage(page: Page<ApiKeyEntity>): Page<ApiKeyModel> {
  return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toApiKeyModel(edge.node) })) };
}
