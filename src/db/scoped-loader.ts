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
  /**
   * Read only these properties' columns (the grouping column, `id` and `createdAt` are added): rows
   * for fields known to read nothing else. They are not handed to `scope.seen` (the by-id loaders
   * answer whole rows). Absent: every column, and every row is seen.
   */
  only?: readonly string[],
  /** DataLoader's cache, when the caller needs to see which keys it holds. */
  cacheMap?: Map<string, Promise<T[]>>,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => {
    if (scope.projectId === null) return keys.map(() => []);
    const whole = rowShape(scope.db, entity);
    const shape = only === undefined ? whole : whole.only(onlyWithKeys(scope, entity, property, only));
    const column = scope.db.connection.getMetadata(entity).findColumnWithPropertyName(property)!.databaseName;
    const rows = shape.hydrate(
      await readRows(
        scope.db,
        `SELECT ${shape.select('e')} FROM \`${shape.table}\` \`e\` FORCE INDEX (\`${index}\`)
         WHERE \`e\`.\`project_id\` = ? AND \`e\`.\`${column}\` IN (${placeholders(keys.length)}) AND \`e\`.\`deleted_at\` IS NULL`,
        [scope.projectId, ...keys],
      ),
    );
    if (only === undefined) scope.seen?.(rows);
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(row[property] as string)?.push(row);
    // Each group in creation order, sorted here: ORDER BY over several parents would be a filesort.
    for (const group of groups.values()) group.sort(byCreation);
    return keys.map((k) => groups.get(k)!);
  }, cacheMap === undefined ? undefined : { cacheMap });
}

const keyed = new Map<string, readonly string[]>();

/** `only` with what grouping and sorting read (the parent's property, `id`, `createdAt`), in the entity's column order. */
function onlyWithKeys(scope: LoaderScope, entity: new () => object, property: string, only: readonly string[]): readonly string[] {
  const key = `${entity.name}|${property}|${only.join(',')}`;
  let list = keyed.get(key);
  if (list === undefined) {
    const wanted = new Set([...only, property, 'id', 'createdAt']);
    list = scope.db.connection
      .getMetadata(entity)
      .columns.map((c) => c.propertyName)
      .filter((p) => wanted.has(p));
    if (list.length !== wanted.size) throw new Error(`${entity.name}: not all of ${[...wanted].join(', ')} are columns`);
    keyed.set(key, list);
  }
  return list;
}
