import type { DataSource, EntityManager } from 'typeorm';
import { CodeHostAccountEntity, CodeHostAppEntity, CodeHostOAuthStateEntity } from '../../db/entities';
import type { CodeHostAccountStatus, InstallationFacts, ReconcileOutcome } from '../../db/entities/code-host-account.entity';
import type { CodeHostAppKind } from '../../db/entities/code-host-app.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { SealedValue } from '../crypto';
import { decodeCursor } from '../../db/pagination';
import { insertRows, readRows } from '../../db/rows';

const NOW = 'UTC_TIMESTAMP(3)';
const later = (param = '?') => `DATE_ADD(${NOW}, INTERVAL ${param} MICROSECOND)`;

/** What lists and reads by id select: every column but the sealed secrets and the lease. */
const LISTED = `id, tenant_id, kind, host, base_url, app_id, external_id, link_key, status, status_reason, identity, auth_username, scopes, installation,
  credential_hint, access_token_expires_at, refresh_token_expires_at, refreshed_at, created_by_user_id, created_by_api_key_id, created_at, updated_at, deleted_at,
  next_reconcile_at, reconcile_interval_seconds, last_reconciled_at, last_reconcile_outcome, last_reconcile_message`;

const parse = <T>(value: unknown): T | null => (typeof value === 'string' && value !== '' ? (JSON.parse(value) as T) : null);

/** A row as an entity, without its secrets (they stay null unless the row was read with them). */
export function accountFromRow(row: Record<string, unknown>): CodeHostAccountEntity {
  return Object.assign(new CodeHostAccountEntity(), {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    host: row.host,
    baseUrl: row.base_url,
    appId: row.app_id ?? null,
    externalId: row.external_id ?? null,
    linkKey: row.link_key ?? null,
    status: row.status,
    statusReason: row.status_reason ?? null,
    identity: row.identity ?? null,
    authUsername: row.auth_username ?? null,
    scopes: parse<string[]>(row.scopes),
    installation: parse<InstallationFacts>(row.installation),
    credentialHint: row.credential_hint ?? null,
    accessTokenKeyId: null,
    accessTokenCiphertext: null,
    accessTokenExpiresAt: row.access_token_expires_at ?? null,
    refreshTokenKeyId: null,
    refreshTokenCiphertext: null,
    refreshTokenExpiresAt: row.refresh_token_expires_at ?? null,
    refreshedAt: row.refreshed_at ?? null,
    leaseOwner: null,
    leaseUntil: null,
    nextReconcileAt: row.next_reconcile_at ?? null,
    reconcileIntervalSeconds: row.reconcile_interval_seconds === null || row.reconcile_interval_seconds === undefined ? null : Number(row.reconcile_interval_seconds),
    lastReconciledAt: row.last_reconciled_at ?? null,
    lastReconcileOutcome: row.last_reconcile_outcome ?? null,
    lastReconcileMessage: row.last_reconcile_message ?? null,
    reconcileLeaseOwner: null,
    reconcileLeaseUntil: null,
    createdByUserId: row.created_by_user_id ?? null,
    createdByApiKeyId: row.created_by_api_key_id ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at ?? null,
  });
}

/** An account's sealed tokens and refresh state, read from the primary with the database's clock. */
export interface AccountSecrets {
  id: string;
  tenantId: string;
  kind: CodeHostAccountEntity['kind'];
  host: Platform;
  baseUrl: string;
  appId: string | null;
  externalId: string | null;
  status: CodeHostAccountStatus;
  statusReason: string | null;
  authUsername: string | null;
  /** The scopes the host granted (OAuth, pasted tokens); null when it did not say. */
  scopes: string[] | null;
  installation: InstallationFacts | null;
  access: SealedValue | null;
  accessExpiresAt: Date | null;
  refresh: SealedValue | null;
  refreshExpiresAt: Date | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  deletedAt: Date | null;
  /** The database's clock when the row was read: leases and expiry are judged on it, whatever this process's clock says. */
  now: Date;
}

/** New tokens to store: each sealed under its own AAD, expiry as seconds from the database's now (or an absolute time). */
export interface TokenWrite {
  access: SealedValue;
  accessExpires: { inSeconds: number } | { at: Date } | null;
  refresh: SealedValue | null;
  refreshExpiresInSeconds: number | null;
  installation?: InstallationFacts | null;
  scopes?: string[] | null;
}

/** An account claimed for a reconciliation run. */
export interface ReconcileClaim {
  id: string;
  tenantId: string;
  kind: CodeHostAccountEntity['kind'];
  host: Platform;
  baseUrl: string;
  /** The interval the schedule reached; null before the first run. */
  intervalSeconds: number | null;
}

export interface AccountFilter {
  host?: Platform | null;
  status?: CodeHostAccountStatus | null;
}

const sealed = (keyId: unknown, blob: unknown): SealedValue | null => (typeof keyId === 'string' && Buffer.isBuffer(blob) ? { keyId, blob } : null);

const expiry = (value: TokenWrite['accessExpires'], params: unknown[]): string => {
  if (value === null) return 'NULL';
  if ('at' in value) {
    params.push(value.at);
    return '?';
  }
  params.push(Math.round(value.inSeconds * 1_000_000));
  return later();
};

/**
 * Every SQL statement of code-host accounts, apps and flow states. Reads of a request go through
 * its handle (`db`); the token statements (leases, refreshes) run on the pool's primary outside
 * any request transaction, so a lease commits at once and no row lock is held across a call to a
 * code host. Each statement runs on an index (test/no-full-scan.test.ts): the primary keys,
 * `ix_code_host_accounts_live` (tenant_id, deleted_at, created_at, id), `uq_code_host_accounts_link`,
 * `ix_code_host_accounts_reconcile_due` (the generated `reconcile_due_at`),
 * `uq_code_host_apps_host`, `uq_code_host_oauth_states_hash`, `ix_code_host_oauth_states_expiry`.
 */
export class CodeHostAccountStore {
  constructor(private readonly dataSource: DataSource) {}

  // ---- apps ------------------------------------------------------------------------------------

  /** Registers an app, or replaces the one registered for the same kind, host and base URL (its id stays). */
  async upsertApp(db: EntityManager, app: CodeHostAppEntity): Promise<CodeHostAppEntity> {
    await db.query(
      `INSERT INTO code_host_apps (id, kind, host, base_url, github_app_id, slug, client_id, client_secret_key_id, client_secret_ciphertext,
         private_key_key_id, private_key_ciphertext, webhook_secret_key_id, webhook_secret_ciphertext, previous_webhook_secret_key_id,
         previous_webhook_secret_ciphertext, previous_webhook_secret_valid_until, webhook_secret_rotated_at, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${NOW}, ${NOW})
       ON DUPLICATE KEY UPDATE github_app_id = VALUES(github_app_id), slug = VALUES(slug), client_id = VALUES(client_id),
         client_secret_key_id = VALUES(client_secret_key_id), client_secret_ciphertext = VALUES(client_secret_ciphertext),
         private_key_key_id = VALUES(private_key_key_id), private_key_ciphertext = VALUES(private_key_ciphertext),
         webhook_secret_key_id = VALUES(webhook_secret_key_id), webhook_secret_ciphertext = VALUES(webhook_secret_ciphertext),
         previous_webhook_secret_key_id = VALUES(previous_webhook_secret_key_id), previous_webhook_secret_ciphertext = VALUES(previous_webhook_secret_ciphertext),
         previous_webhook_secret_valid_until = VALUES(previous_webhook_secret_valid_until), webhook_secret_rotated_at = VALUES(webhook_secret_rotated_at),
         source = VALUES(source), updated_at = ${NOW}`,
      [
        app.id,
        app.kind,
        app.host,
        app.baseUrl,
        app.githubAppId,
        app.slug,
        app.clientId,
        app.clientSecretKeyId,
        app.clientSecretCiphertext,
        app.privateKeyKeyId,
        app.privateKeyCiphertext,
        app.webhookSecretKeyId,
        app.webhookSecretCiphertext,
        app.previousWebhookSecretKeyId,
        app.previousWebhookSecretCiphertext,
        app.previousWebhookSecretValidUntil,
        app.webhookSecretRotatedAt,
        app.source,
      ],
    );
    return (await this.findApp(db, app.kind, app.host, app.baseUrl))!;
  }

  /** The app of a kind, host and base URL, locked for its registration to replace (on `uq_code_host_apps_host`). */
  async lockAppByNaturalKey(em: EntityManager, kind: CodeHostAppKind, host: Platform, baseUrl: string): Promise<CodeHostAppEntity | null> {
    return em.getRepository(CodeHostAppEntity).findOne({ where: { kind, host, baseUrl }, lock: { mode: 'pessimistic_write' } });
  }

  /** An app by id, locked for a rotation of its webhook secret. */
  async lockAppById(em: EntityManager, id: string): Promise<CodeHostAppEntity | null> {
    return em.getRepository(CodeHostAppEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** A new webhook secret; the replaced one (sealed again under its own AAD) is accepted until `previousValidUntil` (none when null). */
  async rotateAppWebhookSecret(em: EntityManager, id: string, next: SealedValue, previous: SealedValue | null, previousValidUntil: Date | null): Promise<void> {
    await em.query(
      `UPDATE code_host_apps SET webhook_secret_key_id = ?, webhook_secret_ciphertext = ?, previous_webhook_secret_key_id = ?, previous_webhook_secret_ciphertext = ?,
         previous_webhook_secret_valid_until = ?, webhook_secret_rotated_at = ${NOW}, updated_at = ${NOW} WHERE id = ?`,
      [next.keyId, next.blob, previous?.keyId ?? null, previous?.blob ?? null, previousValidUntil, id],
    );
  }

  async findApp(db: EntityManager, kind: CodeHostAppKind, host: Platform, baseUrl: string): Promise<CodeHostAppEntity | null> {
    return db.getRepository(CodeHostAppEntity).findOneBy({ kind, host, baseUrl });
  }

  async appById(db: EntityManager, id: string): Promise<CodeHostAppEntity | null> {
    return db.getRepository(CodeHostAppEntity).findOneBy({ id });
  }

  /** Every registered app (an operator's handful: the table does not grow with use). */
  async listApps(db: EntityManager): Promise<CodeHostAppEntity[]> {
    return db.getRepository(CodeHostAppEntity).find({ order: { createdAt: 'ASC' } });
  }

  // ---- accounts, as a request reads and writes them ----------------------------------------------

  async accountForTenant(db: EntityManager, tenantId: string, id: string): Promise<CodeHostAccountEntity | null> {
    const [row] = await readRows(db, `SELECT ${LISTED} FROM code_host_accounts WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`, [id, tenantId]);
    return row ? accountFromRow(row) : null;
  }

  /** A page of the tenant's live accounts, newest first, keyset-paginated on (created_at, id). */
  async accountsPage(db: EntityManager, tenantId: string, limit: number, after: string | null, filter: AccountFilter): Promise<CodeHostAccountEntity[]> {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = ? AND deleted_at IS NULL';
    if (filter.host) {
      where += ' AND host = ?';
      params.push(filter.host);
    }
    if (filter.status) {
      where += ' AND status = ?';
      params.push(filter.status);
    }
    if (after) {
      const cursor = decodeCursor(after);
      where += ' AND (created_at < ? OR (created_at = ? AND id < ?))';
      params.push(cursor.createdAt, cursor.createdAt, cursor.id);
    }
    params.push(limit);
    const rows = await readRows(
      db,
      `SELECT ${LISTED} FROM code_host_accounts FORCE INDEX (ix_code_host_accounts_live) WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map(accountFromRow);
  }

  /** Counts the tenant's live accounts (a tenant has a handful; read on the live index, never the table). */
  async countAccounts(db: EntityManager, tenantId: string, filter: AccountFilter): Promise<number> {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = ? AND deleted_at IS NULL';
    if (filter.host) {
      where += ' AND host = ?';
      params.push(filter.host);
    }
    if (filter.status) {
      where += ' AND status = ?';
      params.push(filter.status);
    }
    const [row] = await readRows<{ n: number | string }>(db, `SELECT COUNT(*) AS n FROM code_host_accounts FORCE INDEX (ix_code_host_accounts_live) WHERE ${where}`, params);
    return Number(row?.n ?? 0);
  }

  /**
   * The tenant's live ACTIVE accounts on a host, newest first (a tenant has a handful): the ones a
   * Heimdall GitHub or GitLab source may read its repository through. On the live index, like the lists.
   */
  async activeOnHost(db: EntityManager, tenantId: string, host: Platform, limit: number): Promise<CodeHostAccountEntity[]> {
    const rows = await readRows(
      db,
      `SELECT ${LISTED} FROM code_host_accounts FORCE INDEX (ix_code_host_accounts_live)
        WHERE tenant_id = ? AND deleted_at IS NULL AND host = ? AND status = 'active' ORDER BY created_at DESC, id DESC LIMIT ?`,
      [tenantId, host, limit],
    );
    return rows.map(accountFromRow);
  }

  /** The tenant's accounts among `ids` (deleted ones too: a connection or repository still names them), by primary key. */
  async accountsByIds(db: EntityManager, tenantId: string, ids: readonly string[]): Promise<CodeHostAccountEntity[]> {
    if (ids.length === 0) return [];
    const rows = await readRows(db, `SELECT ${LISTED} FROM code_host_accounts WHERE id IN (${ids.map(() => '?').join(', ')}) AND tenant_id = ?`, [...ids, tenantId]);
    return rows.map(accountFromRow);
  }

  /** The tenant's live account linked to this installation or host user, locked for the rest of the transaction. */
  async lockLinkedAccount(em: EntityManager, tenantId: string, linkKey: string): Promise<{ id: string } | null> {
    const [row] = await em.query('SELECT id FROM code_host_accounts WHERE tenant_id = ? AND live_link_key = ? FOR UPDATE', [tenantId, linkKey]);
    return row ? { id: row.id as string } : null;
  }

  async lockAccount(em: EntityManager, tenantId: string, id: string): Promise<CodeHostAccountEntity | null> {
    const [row] = await em.query(`SELECT ${LISTED} FROM code_host_accounts WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL FOR UPDATE`, [id, tenantId]);
    return row ? accountFromRow(row) : null;
  }

  async insertAccount(em: EntityManager, account: CodeHostAccountEntity): Promise<void> {
    await insertRows(em, CodeHostAccountEntity, [account]);
  }

  /** An account connected again (the same installation or host user): new tokens and facts, ACTIVE (or SUSPENDED) again. */
  async renewAccount(em: EntityManager, account: CodeHostAccountEntity): Promise<void> {
    await em.query(
      `UPDATE code_host_accounts SET status = ?, status_reason = ?, identity = ?, scopes = ?, installation = ?,
         access_token_key_id = ?, access_token_ciphertext = ?, access_token_expires_at = ?,
         refresh_token_key_id = ?, refresh_token_ciphertext = ?, refresh_token_expires_at = ?,
         refreshed_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND tenant_id = ?`,
      [
        account.status,
        account.statusReason,
        account.identity,
        account.scopes === null ? null : JSON.stringify(account.scopes),
        account.installation === null ? null : JSON.stringify(account.installation),
        account.accessTokenKeyId,
        account.accessTokenCiphertext,
        account.accessTokenExpiresAt,
        account.refreshTokenKeyId,
        account.refreshTokenCiphertext,
        account.refreshTokenExpiresAt,
        account.refreshedAt,
        account.updatedAt,
        account.id,
        account.tenantId,
      ],
    );
  }

  /** REVOKED, or deleted: the secrets are wiped in the same statement. */
  async endAccount(em: EntityManager, tenantId: string, id: string, change: { status: CodeHostAccountStatus; reason: string; delete: boolean }): Promise<void> {
    await em.query(
      `UPDATE code_host_accounts SET status = ?, status_reason = ?, access_token_key_id = NULL, access_token_ciphertext = NULL, access_token_expires_at = NULL,
         refresh_token_key_id = NULL, refresh_token_ciphertext = NULL, refresh_token_expires_at = NULL, lease_owner = NULL, lease_until = NULL,
         updated_at = ${NOW}${change.delete ? `, deleted_at = ${NOW}` : ''} WHERE id = ? AND tenant_id = ?`,
      [change.status, change.reason, id, tenantId],
    );
  }

  // ---- what a GitHub App's webhooks change ----------------------------------------------------------

  /**
   * The live accounts (one per tenant that connected it) that link a GitHub App installation,
   * locked for webhook processing, in id order. Reads ix_code_host_accounts_installation (app_id, external_id).
   */
  async lockLiveByInstallation(em: EntityManager, appId: string, installationId: string): Promise<{ id: string; tenantId: string; status: CodeHostAccountStatus }[]> {
    return em.query(
      `SELECT id, tenant_id AS tenantId, status FROM code_host_accounts FORCE INDEX (ix_code_host_accounts_installation)
        WHERE app_id = ? AND external_id = ? AND kind = 'github_app_installation' AND deleted_at IS NULL ORDER BY id LIMIT 1000 FOR UPDATE`,
      [appId, installationId],
    );
  }

  /** The host suspended or unsuspended an installation: its account's status and why (the tokens stay). */
  async setStatusFromHost(em: EntityManager, id: string, status: CodeHostAccountStatus, reason: string | null): Promise<void> {
    await em.query(`UPDATE code_host_accounts SET status = ?, status_reason = ?, updated_at = ${NOW} WHERE id = ?`, [status, reason?.slice(0, 512) ?? null, id]);
  }

  // ---- tokens and leases: on the primary, outside any request transaction -------------------------

  async readSecrets(id: string): Promise<AccountSecrets | null> {
    const [row] = await this.dataSource.query(
      `SELECT id, tenant_id, kind, host, base_url, app_id, external_id, status, status_reason, auth_username, scopes, installation,
              access_token_key_id, access_token_ciphertext, access_token_expires_at, refresh_token_key_id, refresh_token_ciphertext,
              refresh_token_expires_at, lease_owner, lease_until, deleted_at, ${NOW} AS db_now
         FROM code_host_accounts WHERE id = ?`,
      [id],
    );
    if (!row) return null;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      kind: row.kind,
      host: row.host,
      baseUrl: row.base_url,
      appId: row.app_id,
      externalId: row.external_id,
      status: row.status,
      statusReason: row.status_reason,
      authUsername: row.auth_username,
      scopes: parse<string[]>(row.scopes),
      installation: parse<InstallationFacts>(row.installation),
      access: sealed(row.access_token_key_id, row.access_token_ciphertext),
      accessExpiresAt: row.access_token_expires_at,
      refresh: sealed(row.refresh_token_key_id, row.refresh_token_ciphertext),
      refreshExpiresAt: row.refresh_token_expires_at,
      leaseOwner: row.lease_owner,
      leaseUntil: row.lease_until,
      deletedAt: row.deleted_at,
      now: row.db_now,
    };
  }

  /**
   * Takes the account's refresh lease for `owner` when nobody holds it (or its holder's lease ran
   * out) and the access token still needs renewing: missing, within `marginMs` of its expiry, or
   * the very ciphertext a host just refused (`rejected`). One statement, so exactly one of several
   * processes asking at once wins; the others see 0 rows and wait for its result.
   */
  async takeLease(id: string, owner: string, leaseMs: number, marginMs: number, rejected: Buffer | null): Promise<boolean> {
    const needs = rejected
      ? 'access_token_ciphertext = ?'
      : `(access_token_ciphertext IS NULL OR (access_token_expires_at IS NOT NULL AND access_token_expires_at < ${later()}))`;
    const result = await this.dataSource.query(
      `UPDATE code_host_accounts SET lease_owner = ?, lease_until = ${later()}
        WHERE id = ? AND deleted_at IS NULL AND status = 'active' AND (lease_until IS NULL OR lease_until < ${NOW}) AND ${needs}`,
      [owner, leaseMs * 1000, id, rejected ?? marginMs * 1000],
    );
    return Number(result?.affectedRows ?? 0) === 1;
  }

  /**
   * Stores what the lease holder obtained and ends its lease. Fenced: written only while the lease
   * is still `owner`'s, or while the stored refresh token is still the one `owner` spent (its lease
   * ran out but nobody stored newer tokens: these are the only good ones left). An account marked
   * NEEDS_REAUTHORIZATION meanwhile is ACTIVE again; a revoked or suspended one stays so.
   * False when nothing was written.
   */
  async storeTokens(id: string, owner: string, tokens: TokenWrite, spentRefresh: Buffer | null = null): Promise<boolean> {
    const params: unknown[] = [tokens.access.keyId, tokens.access.blob];
    const accessExpires = expiry(tokens.accessExpires, params);
    let set = `access_token_key_id = ?, access_token_ciphertext = ?, access_token_expires_at = ${accessExpires}`;
    if (tokens.refresh) {
      params.push(tokens.refresh.keyId, tokens.refresh.blob);
      set += `, refresh_token_key_id = ?, refresh_token_ciphertext = ?, refresh_token_expires_at = ${expiry(tokens.refreshExpiresInSeconds === null ? null : { inSeconds: tokens.refreshExpiresInSeconds }, params)}`;
    }
    if (tokens.installation !== undefined) {
      set += ', installation = ?';
      params.push(tokens.installation === null ? null : JSON.stringify(tokens.installation));
    }
    if (tokens.scopes !== undefined) {
      set += ', scopes = ?';
      params.push(tokens.scopes === null ? null : JSON.stringify(tokens.scopes));
    }
    params.push(id, owner);
    if (spentRefresh) params.push(spentRefresh);
    const result = await this.dataSource.query(
      `UPDATE code_host_accounts SET ${set}, refreshed_at = ${NOW}, lease_owner = NULL, lease_until = NULL,
         status = IF(status = 'needs_reauthorization', 'active', status), status_reason = IF(status = 'active', NULL, status_reason), updated_at = ${NOW}
        WHERE id = ? AND (lease_owner = ?${spentRefresh ? ' OR refresh_token_ciphertext = ?' : ''})`,
      params,
    );
    return Number(result?.affectedRows ?? 0) === 1;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.dataSource.query('UPDATE code_host_accounts SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?', [id, owner]);
  }

  /**
   * Marks the account SUSPENDED, NEEDS_REAUTHORIZATION or REVOKED and ends the lease, if the lease
   * is still `owner`'s and (when given) the stored refresh token is still the one the host refused:
   * a token another process has stored meanwhile is never thrown away.
   */
  async markUnavailable(id: string, owner: string, status: CodeHostAccountStatus, reason: string, refusedRefresh: Buffer | null): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE code_host_accounts SET status = ?, status_reason = ?, lease_owner = NULL, lease_until = NULL, updated_at = ${NOW}
        WHERE id = ? AND lease_owner = ?${refusedRefresh ? ' AND refresh_token_ciphertext = ?' : ''}`,
      [status, reason.slice(0, 512), id, owner, ...(refusedRefresh ? [refusedRefresh] : [])],
    );
    return Number(result?.affectedRows ?? 0) === 1;
  }

  // ---- reconciliation: on the primary, outside any request transaction ---------------------------

  /**
   * Claims the account that has been due longest (live, ACTIVE, `reconcile_due_at` passed) for
   * `owner`: FOR UPDATE SKIP LOCKED on ix_code_host_accounts_reconcile_due, so processes claiming at
   * once take different accounts, then the lease and `next_reconcile_at` move to the lease's end in
   * the same transaction (a run whose process dies is due again when its lease runs out).
   * `only`: among these accounts (a test's own).
   */
  async claimReconcile(owner: string, leaseMs: number, only: readonly string[] | null = null): Promise<ReconcileClaim | null> {
    return this.dataSource.transaction(async (em) => {
      const among = only === null ? '' : ` AND id IN (${only.map(() => '?').join(', ') || 'NULL'})`;
      const [row]: Record<string, unknown>[] = await em.query(
        `SELECT id, tenant_id, kind, host, base_url, reconcile_interval_seconds FROM code_host_accounts FORCE INDEX (ix_code_host_accounts_reconcile_due)
          WHERE reconcile_due_at <= ${NOW}${among} ORDER BY reconcile_due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [...(only ?? [])],
      );
      if (!row) return null;
      await em.query(`UPDATE code_host_accounts SET reconcile_lease_owner = ?, reconcile_lease_until = ${later()}, next_reconcile_at = ${later()} WHERE id = ?`, [
        owner,
        leaseMs * 1000,
        leaseMs * 1000,
        row.id,
      ]);
      return {
        id: row.id as string,
        tenantId: row.tenant_id as string,
        kind: row.kind as CodeHostAccountEntity['kind'],
        host: row.host as Platform,
        baseUrl: row.base_url as string,
        intervalSeconds: row.reconcile_interval_seconds === null ? null : Number(row.reconcile_interval_seconds),
      };
    });
  }

  /** Extends the reconcile lease (and so the time it is due again) while the run goes on; false when it is no longer `owner`'s. */
  async renewReconcile(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE code_host_accounts SET reconcile_lease_until = ${later()}, next_reconcile_at = ${later()} WHERE id = ? AND reconcile_lease_owner = ?`,
      [leaseMs * 1000, leaseMs * 1000, id, owner],
    );
    return Number(result?.affectedRows ?? 0) > 0;
  }

  /** Locks the account row for the transaction that stores a run's results; false when the lease is no longer `owner`'s (nothing may be written). */
  async lockReconcileLease(em: EntityManager, id: string, owner: string): Promise<boolean> {
    const [row] = await em.query('SELECT reconcile_lease_owner AS owner FROM code_host_accounts WHERE id = ? FOR UPDATE', [id]);
    return row !== undefined && row.owner === owner;
  }

  /**
   * Ends a run, fenced on the lease: how it ended (`outcome` null: postponed without a run, the last
   * outcome stays), the interval reached, and when the next run is due (`nextAt`, or in `nextInSeconds`).
   */
  async finishReconcile(
    em: EntityManager,
    id: string,
    owner: string,
    result: { outcome: ReconcileOutcome | null; message: string; intervalSeconds: number | null; next: { at: Date } | { inSeconds: number } },
  ): Promise<boolean> {
    const params: unknown[] = [];
    let set = 'reconcile_lease_owner = NULL, reconcile_lease_until = NULL, last_reconcile_message = ?';
    params.push(result.message.slice(0, 512));
    if (result.outcome !== null) {
      set += `, last_reconciled_at = ${NOW}, last_reconcile_outcome = ?`;
      params.push(result.outcome);
    }
    if (result.intervalSeconds !== null) {
      set += ', reconcile_interval_seconds = ?';
      params.push(result.intervalSeconds);
    }
    if ('at' in result.next) {
      set += ', next_reconcile_at = ?';
      params.push(result.next.at);
    } else {
      set += `, next_reconcile_at = ${later()}`;
      params.push(Math.round(result.next.inSeconds * 1_000_000));
    }
    const done = await em.query(`UPDATE code_host_accounts SET ${set} WHERE id = ? AND reconcile_lease_owner = ?`, [...params, id, owner]);
    return Number(done?.affectedRows ?? 0) > 0;
  }

  /** Due now (`reconcile:run`), unless a run holds the lease; false when the account is unknown, not live, or held. */
  async makeReconcileDue(id: string): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE code_host_accounts SET next_reconcile_at = ${NOW} WHERE id = ? AND deleted_at IS NULL AND (reconcile_lease_owner IS NULL OR reconcile_lease_until < ${NOW})`,
      [id],
    );
    return Number(result?.affectedRows ?? 0) > 0;
  }

  // ---- flow states --------------------------------------------------------------------------------

  async insertState(em: EntityManager, state: CodeHostOAuthStateEntity): Promise<void> {
    await insertRows(em, CodeHostOAuthStateEntity, [state]);
  }

  async stateByHash(hash: Buffer): Promise<CodeHostOAuthStateEntity | null> {
    return this.dataSource.getRepository(CodeHostOAuthStateEntity).findOneBy({ stateHash: hash });
  }

  /** Spends a state: exactly one caller sees true, and only before it expires. */
  async consumeState(hash: Buffer): Promise<boolean> {
    const result = await this.dataSource.query(`UPDATE code_host_oauth_states SET consumed_at = ${NOW} WHERE state_hash = ? AND consumed_at IS NULL AND expires_at > ${NOW}`, [hash]);
    return Number(result?.affectedRows ?? 0) === 1;
  }

  /** Notes the installation a GitHub setup redirect named, until the user's authorization confirms it (the state stays unspent). */
  async noteInstallation(hash: Buffer, installationId: string): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE code_host_oauth_states SET installation_id = ? WHERE state_hash = ? AND consumed_at IS NULL AND expires_at > ${NOW} AND (installation_id IS NULL OR installation_id = ?)`,
      [installationId, hash, installationId],
    );
    return Number(result?.affectedRows ?? 0) === 1;
  }

  /** Flow states a day past their expiry are history. */
  async purgeStates(): Promise<void> {
    await this.dataSource.query(`DELETE FROM code_host_oauth_states WHERE expires_at < DATE_SUB(${NOW}, INTERVAL 1 DAY) LIMIT 1000`);
  }

  // ---- key rotation ---------------------------------------------------------------------------------

  /** A batch of rows after `after` (by primary key), locked for the caller's transaction, with their sealed columns. */
  async lockBatch(em: EntityManager, table: 'code_host_apps' | 'code_host_accounts' | 'code_host_oauth_states', columns: readonly string[], after: string, size: number): Promise<Record<string, unknown>[]> {
    return em.query(`SELECT id, ${columns.join(', ')} FROM ${table} WHERE id > ? ORDER BY id LIMIT ? FOR UPDATE`, [after, size]);
  }

  async updateSealed(em: EntityManager, table: 'code_host_apps' | 'code_host_accounts' | 'code_host_oauth_states', id: string, values: Record<string, unknown>): Promise<void> {
    const names = Object.keys(values);
    await em.query(`UPDATE ${table} SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`, [...names.map((n) => values[n]), id]);
  }
}
