import DataLoader from 'dataloader';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/** Where a request may look: every loader key is resolved inside the caller's project only. */
export interface LoaderScope {
  /** The request's handle, so a response sees the rows its own transaction wrote. */
  db: EntityManager;
  projectId: string | null;
  /** Called with every row a loader fetched, so the by-id loaders never fetch a row twice. */
  seen?: (rows: object[]) => void;
}

/** Loads live-or-deleted rows by id within the scope, one query per batch, `null` for a missing key. */
export function byIdLoader<T extends ObjectLiteral & { id: string }>(scope: LoaderScope, entity: EntityTarget<T>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    if (scope.projectId === null) return ids.map(() => null);
    const rows = await scope.db
      .getRepository(entity)
      .createQueryBuilder('e')
      .where('e.projectId = :projectId AND e.id IN (:...ids)', { projectId: scope.projectId, ids })
      .getMany();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

function byCreation(a: ObjectLiteral, b: ObjectLiteral): number {
  const at = (a.createdAt as Date).getTime() - (b.createdAt as Date).getTime();
  return at !== 0 ? at : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Loads the live rows whose `column` is one of the keys, grouped per key in a stable order. */
export function byParentLoader<T extends ObjectLiteral & { id: string }>(
  scope: LoaderScope,
  entity: EntityTarget<T>,
  property: keyof T & string,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => {
    if (scope.projectId === null) return keys.map(() => []);
    const rows = await scope.db
      .getRepository(entity)
      .createQueryBuilder('e')
      .where(`e.projectId = :projectId AND e.${property} IN (:...keys) AND e.deletedAt IS NULL`, { projectId: scope.projectId, keys })
      .getMany();
    scope.seen?.(rows);
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(row[property] as string)?.push(row);
    // Each group in creation order, sorted here: ORDER BY over several parents would be a filesort.
    for (const group of groups.values()) group.sort(byCreation);
    return keys.map((k) => groups.get(k)!);
  });
}
