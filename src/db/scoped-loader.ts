import DataLoader from 'dataloader';
import type { EntityManager, ObjectLiteral } from 'typeorm';
import { placeholders, readRows, rowShape } from './rows';

/** Where a request may look: every loader key is resolved inside the caller's project only. */
export interface LoaderScope {
  /** The request's handle, so a response sees the rows its own transaction wrote. */
  db: EntityManager;
  projectId: string | null;
  /** Called with every row a loader fetched, so the by-id loaders never fetch a row twice. */
  seen?: (rows: object[]) => void;
}

/** Loads live-or-deleted rows by id within the scope, one query per batch, `null` for a missing key. */
export function byIdLoader<T extends ObjectLiteral & { id: string }>(scope: LoaderScope, entity: new () => T): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    if (scope.projectId === null) return ids.map(() => null);
    const shape = rowShape(scope.db, entity);
    const rows = shape.hydrate(
      await readRows(scope.db, `SELECT ${shape.select('e')} FROM \`${shape.table}\` \`e\` WHERE \`e\`.\`project_id\` = ? AND \`e\`.\`id\` IN (${placeholders(ids.length)})`, [
        scope.projectId,
        ...ids,
      ]),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Creation order: created_at, then id. */
export function byCreation(a: ObjectLiteral, b: ObjectLiteral): number {
  const at = (a.createdAt as Date).getTime() - (b.createdAt as Date).getTime();
  return at !== 0 ? at : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Loads the live rows whose `column` is one of the keys, grouped per key in a stable order. */
export function byParentLoader<T extends ObjectLiteral & { id: string }>(
  scope: LoaderScope,
  entity: new () => T,
  property: keyof T & string,
  /** The index on (column, created_at, id): forced, since a page's keys can be a large part of a small table and then be planned as a scan. */
  index: string,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => {
    if (scope.projectId === null) return keys.map(() => []);
    const shape = rowShape(scope.db, entity);
    const column = scope.db.connection.getMetadata(entity).findColumnWithPropertyName(property)!.databaseName;
    const rows = shape.hydrate(
      await readRows(
        scope.db,
        `SELECT ${shape.select('e')} FROM \`${shape.table}\` \`e\` FORCE INDEX (\`${index}\`)
         WHERE \`e\`.\`project_id\` = ? AND \`e\`.\`${column}\` IN (${placeholders(keys.length)}) AND \`e\`.\`deleted_at\` IS NULL`,
        [scope.projectId, ...keys],
      ),
    );
    scope.seen?.(rows);
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(row[property] as string)?.push(row);
    // Each group in creation order, sorted here: ORDER BY over several parents would be a filesort.
    for (const group of groups.values()) group.sort(byCreation);
    return keys.map((k) => groups.get(k)!);
  });
}
