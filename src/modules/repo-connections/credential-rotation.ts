import type { DataSource } from 'typeorm';
import { RepoConnectionEntity } from '../../db/entities';
import type { CredentialCipher } from '../crypto';
import { credentialsAad } from './repo-connection.service';

/**
 * Re-encrypts every stored credential that is not under the cipher's current key, in batches of
 * one transaction each (rows locked while they change). A record that fails to decrypt stops the
 * run: nothing is ever re-sealed from a value we could not authenticate.
 */
export async function reencryptCredentials(dataSource: DataSource, cipher: CredentialCipher, batchSize = 200): Promise<{ reencrypted: number; total: number }> {
  let reencrypted = 0;
  let total = 0;
  let after = '';
  for (;;) {
    const done = await dataSource.transaction(async (em) => {
      const rows = await em
        .getRepository(RepoConnectionEntity)
        .createQueryBuilder('c')
        .where('c.id > :after', { after })
        .orderBy('c.id', 'ASC')
        .limit(batchSize)
        .setLock('pessimistic_write')
        .getMany();
      for (const row of rows) {
        total += 1;
        const sealed = { keyId: row.credentialsKeyId, blob: row.credentialsCiphertext };
        if (!cipher.needsRotation(sealed)) continue;
        const plaintext = cipher.open(sealed, credentialsAad(row));
        const next = cipher.seal(plaintext.reveal(), credentialsAad(row));
        await em.getRepository(RepoConnectionEntity).update({ id: row.id }, { credentialsKeyId: next.keyId, credentialsCiphertext: next.blob });
        reencrypted += 1;
      }
      if (rows.length > 0) after = rows[rows.length - 1].id;
      return rows.length < batchSize;
    });
    if (done) return { reencrypted, total };
  }
}
