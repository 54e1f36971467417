import type { DataSource, EntityManager } from 'typeorm';
import { IdempotencyRecordEntity } from '../../db/entities';

export interface NewClaim {
  id: string;
  scope: string;
  key: string;
  hash: Buffer;
  owner: string;
  lockedUntil: Date;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * The SQL of `idempotency_records`. Claims, their takeover and release run on the pool (each
 * commits at once, so concurrent requests see it); the stored response is written in the request's
 * own transaction. Every statement runs on the primary key, the unique (scope, idempotency_key)
 * index or `expires_at`.
 */
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a claim; throws a duplicate-key error when the caller's key is already recorded. */
  async insertClaim(claim: NewClaim): Promise<void> {
    await this.dataSource
      .getRepository(IdempotencyRecordEntity)
      .createQueryBuilder()
      .insert()
      .values({
        id: claim.id,
        scope: claim.scope,
        idempotencyKey: claim.key,
        requestHash: claim.hash,
        owner: claim.owner,
        lockedUntil: claim.lockedUntil,
        responseStatus: null,
        responseBody: null,
        createdAt: claim.createdAt,
        expiresAt: claim.expiresAt,
      })
      .updateEntity(false)
      .execute();
  }

  find(scope: string, key: string): Promise<IdempotencyRecordEntity | null> {
    return this.dataSource.getRepository(IdempotencyRecordEntity).findOneBy({ scope, idempotencyKey: key });
  }

  /** Deletes one record if it has expired by `now`. */
  async deleteIfExpired(id: string, now: Date): Promise<void> {
    await this.dataSource.getRepository(IdempotencyRecordEntity).createQueryBuilder().delete().where('id = :id AND expires_at <= :now', { id, now }).execute();
  }

  /** Moves a claim with no response from `previous` to `owner`; false when someone else moved or finished it first. */
  async takeOver(id: string, previous: string | null, owner: string, lockedUntil: Date): Promise<boolean> {
    const taken = await this.dataSource
      .getRepository(IdempotencyRecordEntity)
      .createQueryBuilder()
      .update()
      .set({ owner, lockedUntil })
      .where('id = :id AND responseStatus IS NULL AND (owner <=> :previous)', { id, previous })
      .execute();
    return taken.affected === 1;
  }

  /** Stores the response in the request's transaction `em`; false when the claim is no longer `owner`'s. */
  async storeResponse(em: EntityManager, id: string, owner: string, status: number, body: string): Promise<boolean> {
    const stored = await em
      .createQueryBuilder()
      .update(IdempotencyRecordEntity)
      .set({ responseStatus: status, responseBody: body, lockedUntil: null })
      .where('id = :id AND owner = :owner', { id, owner })
      .execute();
    return stored.affected === 1;
  }

  /** Deletes `owner`'s claim if it holds no response. */
  async release(id: string, owner: string): Promise<void> {
    await this.dataSource
      .getRepository(IdempotencyRecordEntity)
      .createQueryBuilder()
      .delete()
      .where('id = :id AND owner = :owner AND responseStatus IS NULL', { id, owner })
      .execute();
  }

  /** Deletes up to `limit` records expired by `now`, oldest first; answers how many. */
  async purgeExpired(now: Date, limit: number): Promise<number> {
    const result = await this.dataSource.query('DELETE FROM idempotency_records WHERE expires_at <= ? ORDER BY expires_at LIMIT ?', [now, limit]);
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }
}
