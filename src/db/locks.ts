import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { NotFoundError } from '../errors';

/**
 * Reads one row of the caller's project and locks it for the rest of the transaction. A row of
 * another project or tenant is NOT_FOUND, exactly like a row that does not exist.
 */
export async function lockOwnRow<T extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<T>,
  what: string,
  projectId: string,
  id: string,
): Promise<T> {
  const row = await em
    .getRepository(entity)
    .createQueryBuilder('e')
    .where('e.id = :id AND e.projectId = :projectId', { id, projectId })
    .setLock('pessimistic_write')
    .getOne();
  if (!row) throw new NotFoundError(what);
  return row;
}
