import type { EntityManager, ObjectLiteral } from 'typeorm';

/**
 * Columns that lists and loaders never read: a page of connections has no use for their sealed
 * credentials (only the code that decrypts them does, and it reads its row in full).
 */
const NOT_LISTED: Record<string, readonly string[]> = {
  repo_connections: ['credentials_ciphertext', 'credentials_key_id'],
};

export interface RowShape<T> {
  table: string;
  /** `alias`.`column` list for a SELECT, per alias. */
  select(alias: string): string;
  /** Entities from raw rows keyed by column name. */
  hydrate(rows: readonly Record<string, unknown>[]): T[];
}

const shapes = new Map<Function, RowShape<ObjectLiteral>>();

/**
 * A light reader for an entity's rows: the column list comes from TypeORM's metadata once, and
 * rows become entity instances with one assignment per column. TypeORM's own hydration of the same
 * rows dominated the CPU profile of a list of 100 connections (docs/decisions.md).
 */
export function rowShape<T extends ObjectLiteral>(db: EntityManager, entity: new () => T): RowShape<T> {
  const known = shapes.get(entity);
  if (known) return known as RowShape<T>;
  const metadata = db.connection.getMetadata(entity);
  const table = metadata.tableName;
  const skipped = new Set(NOT_LISTED[table] ?? []);
  const columns = metadata.columns
    .filter((c) => !skipped.has(c.databaseName))
    .map((c) => {
      const t = c.transformer;
      // As TypeORM applies them on reading: the last transformer first.
      const from = t === undefined ? null : Array.isArray(t) ? (v: unknown) => t.reduceRight((acc, x) => x.from(acc), v) : (v: unknown) => t.from(v);
      return { property: c.propertyName, column: c.databaseName, boolean: c.type === 'boolean' || c.type === Boolean, from };
    });
  const selects = new Map<string, string>();
  const shape: RowShape<T> = {
    table,
    select(alias) {
      let list = selects.get(alias);
      if (list === undefined) {
        list = columns.map((c) => `\`${alias}\`.\`${c.column}\``).join(', ');
        selects.set(alias, list);
      }
      return list;
    },
    hydrate(rows) {
      return rows.map((row) => {
        const entity = new (metadata.target as new () => T)() as Record<string, unknown>;
        for (const c of columns) {
          const value = row[c.column];
          const plain = c.boolean && value !== null ? value === 1 || value === true || value === '1' : value;
          entity[c.property] = c.from === null ? plain : c.from(plain);
        }
        return entity as T;
      });
    },
  };
  shapes.set(entity, shape as unknown as RowShape<ObjectLiteral>);
  return shape;
}

/** `?, ?, ?` for an IN list. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * A raw read that goes where TypeORM's own reads go: the request's transaction when it has one,
 * else the connection `defaultReplicationModeForReads` picks (a replica inside a read request,
 * src/db/replicas.ts), so raw SQL does not bypass the read routing.
 */
export async function readRows<R = Record<string, unknown>>(db: EntityManager, sql: string, parameters: unknown[]): Promise<R[]> {
  if (db.queryRunner) return db.query(sql, parameters);
  const runner = db.connection.createQueryRunner(db.connection.defaultReplicationModeForReads());
  try {
    return await runner.query(sql, parameters);
  } finally {
    await runner.release();
  }
}
