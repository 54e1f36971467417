import type { DataSource } from 'typeorm';
import type { CredentialCipher } from '../crypto';
import { CodeHostAccountStore } from './code-host-account.store';
import { accountAad, appAad, stateAad } from './code-host-secrets';

type Table = 'code_host_apps' | 'code_host_accounts' | 'code_host_oauth_states';

/** Each table's sealed columns (`<name>_key_id`, `<name>_ciphertext`) and the AAD each was sealed under. */
const SEALED: { table: Table; context: readonly string[]; columns: { name: string; aad: (row: Record<string, unknown>) => string }[] }[] = [
  {
    table: 'code_host_apps',
    context: ['kind', 'host', 'base_url'],
    columns: (['client_secret', 'private_key', 'webhook_secret', 'previous_webhook_secret'] as const).map((field) => ({
      name: field,
      aad: (row: Record<string, unknown>) => appAad({ kind: row.kind as never, host: row.host as never, baseUrl: row.base_url as string }, field),
    })),
  },
  {
    table: 'code_host_accounts',
    context: ['tenant_id'],
    columns: (['access_token', 'refresh_token'] as const).map((field) => ({
      name: field,
      aad: (row: Record<string, unknown>) => accountAad({ tenantId: row.tenant_id as string, id: row.id as string }, field),
    })),
  },
  {
    table: 'code_host_oauth_states',
    context: ['tenant_id'],
    columns: [{ name: 'pkce_verifier', aad: (row: Record<string, unknown>) => stateAad({ tenantId: row.tenant_id as string, id: row.id as string }) }],
  },
];

/**
 * Re-seals every secret of the code-host tables that is not under the cipher's current key — app
 * client secrets, private keys and webhook secrets, account access and refresh tokens, flow PKCE
 * verifiers — in batches of one transaction each, rows locked while they change (as
 * `reencryptCredentials` does for connections). A value that does not open stops the run: nothing
 * is re-sealed from a value that could not be authenticated. Counts sealed values, not rows.
 */
export async function reencryptCodeHostSecrets(dataSource: DataSource, cipher: CredentialCipher, batchSize = 200): Promise<{ reencrypted: number; total: number }> {
  const store = new CodeHostAccountStore(dataSource);
  let reencrypted = 0;
  let total = 0;
  for (const { table, context, columns } of SEALED) {
    const selected = [...context, ...columns.flatMap((c) => [`${c.name}_key_id`, `${c.name}_ciphertext`])];
    let after = '';
    for (;;) {
      const done = await dataSource.transaction(async (em) => {
        const rows = await store.lockBatch(em, table, selected, after, batchSize);
        for (const row of rows) {
          const changes: Record<string, unknown> = {};
          for (const column of columns) {
            const keyId = row[`${column.name}_key_id`];
            const blob = row[`${column.name}_ciphertext`];
            if (typeof keyId !== 'string' || !Buffer.isBuffer(blob)) continue;
            total += 1;
            const sealed = { keyId, blob };
            if (!cipher.needsRotation(sealed)) continue;
            const next = cipher.seal(cipher.open(sealed, column.aad(row)).reveal(), column.aad(row));
            changes[`${column.name}_key_id`] = next.keyId;
            changes[`${column.name}_ciphertext`] = next.blob;
            reencrypted += 1;
          }
          if (Object.keys(changes).length > 0) await store.updateSealed(em, table, row.id as string, changes);
        }
        if (rows.length > 0) after = rows[rows.length - 1].id as string;
        return rows.length < batchSize;
      });
      if (done) break;
    }
  }
  return { reencrypted, total };
}
