import type { Permission } from '../../db/entities/api-key.entity';
import type { ProjectEntity, TenantEntity } from '../../db/entities';

/** The authenticated caller of one request and the scope it may see. */
export interface Viewer {
  kind: 'api_key' | 'session';
  tenant: TenantEntity;
  /** The project the request works in; null for a tenant-scoped key used without X-Project-Id. */
  project: ProjectEntity | null;
  permissions: readonly Permission[];
  apiKeyId: string | null;
  userId: string | null;
  /** Identifies the caller for idempotency and rate limits: `apikey:<id>` or `user:<id>`. */
  principal: string;
}

export interface ProjectScope {
  tenant: TenantEntity;
  project: ProjectEntity;
  viewer: Viewer;
}
