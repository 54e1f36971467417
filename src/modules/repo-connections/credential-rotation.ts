import type { DataSource } from 'typeorm';
import type { CredentialCipher } from '../crypto';
import { ConnectionCredentials } from './connection-credentials';
import { RepoConnectionStore } from './repo-connection.store';

/**
 * Re-encrypts every stored credential that is not under the cipher's current key, in batches of
 * one transaction each (rows locked while they change). A record that fails to decrypt stops the
 * run: nothing is ever re-sealed from a value we could not authenticate.
 */
export async function reencryptCredentials(
  dataSource: DataSource,
  cipher: CredentialCipher,
  batchSize = 200,
  store = new RepoConnectionStore(),
): Promise<{ reencrypted: number; total: number }> {
  const credentials = new ConnectionCredentials(cipher);
  let reencrypted = 0;
  let total = 0;
  let after = '';
  for (;;) {
    const done = await dataSource.transaction(async (em) => {
      const rows = await store.lockBatchAfter(em, after, batchSize);
      for (const row of rows) {
        total += 1;
        const next = credentials.resealIfStale(row);
        if (next === null) continue;
        await store.updateCredentials(em, row.id, next);
        reencrypted += 1;
      }
      if (rows.length > 0) after = rows[rows.length - 1].id;
      return rows.length < batchSize;
    });
    if (done) return { reencrypted, total };
  }
}
