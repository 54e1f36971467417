import type { CodeHostAccountEntity } from '../../db/entities/code-host-account.entity';
import type { CodeHostAppEntity } from '../../db/entities/code-host-app.entity';
import type { CodeHostOAuthStateEntity } from '../../db/entities/code-host-oauth-state.entity';

/**
 * The additional authenticated data of each sealed column: the row's identity and the column's
 * role, so a ciphertext copied to another row, or from the refresh column to the access column,
 * no longer opens (as `credentialsAad` binds a connection's credentials).
 */
export type AccountSecretField = 'access_token' | 'refresh_token';
/** `previous_webhook_secret`: the one a rotation replaced, accepted during its window. */
export type AppSecretField = 'client_secret' | 'private_key' | 'webhook_secret' | 'previous_webhook_secret';

export function accountAad(row: Pick<CodeHostAccountEntity, 'tenantId' | 'id'>, field: AccountSecretField): string {
  return `code_host_account:${row.tenantId}:${row.id}:${field}`;
}

/** An app is bound by its natural key (kind, host, base URL), which its re-registration keeps. */
export function appAad(app: Pick<CodeHostAppEntity, 'kind' | 'host' | 'baseUrl'>, field: AppSecretField): string {
  return `code_host_app:${app.kind}:${app.host}:${app.baseUrl}:${field}`;
}

export function stateAad(state: Pick<CodeHostOAuthStateEntity, 'tenantId' | 'id'>): string {
  return `code_host_oauth_state:${state.tenantId}:${state.id}:pkce_verifier`;
}

/** The `state` parameter itself is sealed (its GCM tag signs it) under this AAD. */
export const STATE_TOKEN_AAD = 'code_host_oauth_state_token:v1';
