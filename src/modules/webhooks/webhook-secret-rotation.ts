import type { DataSource } from 'typeorm';
import type { CredentialCipher, SealedValue } from '../crypto';
import { webhookHookAad } from './webhook-secrets';
import { WebhookStore } from './webhook.store';

const sealedOf = (keyId: unknown, blob: unknown): SealedValue | null => (typeof keyId === 'string' && Buffer.isBuffer(blob) && blob.length > 0 ? { keyId, blob } : null);

/**
 * Re-seals every live hook's secrets (current and previous) that are not under the cipher's
 * current key, in batches of one transaction each with the rows locked, as `reencryptCredentials`
 * does for connections. A value that does not open stops the run: nothing is re-sealed from a value
 * that could not be authenticated. Counts sealed values, not rows.
 */
export async function reencryptWebhookSecrets(dataSource: DataSource, cipher: CredentialCipher, batchSize = 200): Promise<{ reencrypted: number; total: number }> {
  const store = new WebhookStore(dataSource);
  let reencrypted = 0;
  let total = 0;
  let after = '';
  for (;;) {
    const done = await dataSource.transaction(async (em) => {
      const rows = await store.lockSealedBatch(em, after, batchSize);
      for (const row of rows) {
        const aad = webhookHookAad({ tenantId: row.tenant_id as string, id: row.id as string });
        const current = sealedOf(row.secret_key_id, row.secret_ciphertext)!;
        const previous = sealedOf(row.previous_secret_key_id, row.previous_secret_ciphertext);
        total += previous === null ? 1 : 2;
        const stale = [current, previous].filter((s): s is SealedValue => s !== null && cipher.needsRotation(s));
        if (stale.length === 0) continue;
        const reseal = (value: SealedValue) => (cipher.needsRotation(value) ? cipher.seal(cipher.open(value, aad).reveal(), aad) : value);
        await store.updateSealed(em, row.id as string, reseal(current), previous === null ? null : reseal(previous));
        reencrypted += stale.length;
      }
      if (rows.length > 0) after = rows[rows.length - 1].id as string;
      return rows.length < batchSize;
    });
    if (done) return { reencrypted, total };
  }
}
