import { runStatement } from './driver';
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
  /**
   * The same reader for some of the columns only (by property name, in the entity's column order):
   * entities with those properties read and the others left as the class leaves them. For loaders
   * that know which fields a request reads; such rows are never handed to code that reads others.
   */
  only(properties: readonly string[]): RowShape<T>;
}

interface ColumnRead {
  property: string;
  column: string;
  boolean: boolean;
  from: ((value: unknown) => unknown) | null;
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
  const columns: ColumnRead[] = metadata.columns
    .filter((c) => !skipped.has(c.databaseName))
    .map((c) => {
      const t = c.transformer;
      // As TypeORM applies them on reading: the last transformer first.
      const from = t === undefined ? null : Array.isArray(t) ? (v: unknown) => t.reduceRight((acc, x) => x.from(acc), v) : (v: unknown) => t.from(v);
      return { property: c.propertyName, column: c.databaseName, boolean: c.type === 'boolean' || c.type === Boolean, from };
    });
  const shape = compileShape<T>(table, metadata.target as new () => T, columns);
  shapes.set(entity, shape as unknown as RowShape<ObjectLiteral>);
  return shape;
}

function compileShape<T>(table: string, target: new () => T, columns: readonly ColumnRead[]): RowShape<T> {
  const selects = new Map<string, string>();
  const narrower = new Map<string, RowShape<T>>();
  // One entity from one row, compiled once per entity (and column set) from its metadata: a store
  // per column by a constant name (a loop of keyed stores over the column list was ~4% of a list of
  // 100's CPU).
  const converters = columns.map((c) => c.from);
  const body = columns
    .map((c, i) => {
      const value = `row[${JSON.stringify(c.column)}]`;
      const plain = c.boolean ? `(${value} === null ? null : ${value} === 1 || ${value} === true || ${value} === '1')` : value;
      return `e[${JSON.stringify(c.property)}] = ${c.from === null ? plain : `from[${i}](${plain})`};`;
    })
    .join('\n');
  const build = new Function('Target', 'from', `return function build(row) {\nconst e = new Target();\n${body}\nreturn e;\n};`)(target, converters) as (
    row: Record<string, unknown>,
  ) => T;
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
      const out = new Array<T>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = build(rows[i]);
      return out;
    },
    only(properties) {
      const key = properties.join(',');
      let narrow = narrower.get(key);
      if (narrow === undefined) {
        const wanted = new Set(properties);
        const kept = columns.filter((c) => wanted.has(c.property));
        if (kept.length !== wanted.size) throw new Error(`${table}: not columns of its entity: ${properties.filter((p) => !kept.some((c) => c.property === p)).join(', ')}`);
        narrow = compileShape(table, target, kept);
        narrower.set(key, narrow);
      }
      return narrow;
    },
  };
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
export function readRows<R = Record<string, unknown>>(db: EntityManager, sql: string, parameters: unknown[]): Promise<R[]> {
  return runStatement<R[]>(db, sql, parameters, true);
}

interface InsertShape {
  sql: string;
  values(entity: Record<string, unknown>): unknown[];
}

const inserts = new Map<Function, InsertShape>();
/** mysql2 writes an object with toSqlString as that SQL, unescaped. */
const SQL_DEFAULT = { toSqlString: () => 'DEFAULT' };

/**
 * One multi-row INSERT of entities as TypeORM's insert builder writes them (the same columns, each
 * value converted by the driver as TypeORM converts it: transformers, booleans, JSON, dates), without
 * building the statement anew for every request: the column list is read from the metadata once, and
 * mysql2 expands `VALUES ?` from the rows. Building the statement with the query builder was a fifth of
 * connectRepos' CPU profile (docs/decisions.md). Generated columns (live_*) are not entity columns.
 */
export async function insertRows<T extends ObjectLiteral>(em: EntityManager, entity: new () => T, rows: readonly T[]): Promise<void> {
  if (rows.length === 0) return;
  let shape = inserts.get(entity);
  if (shape === undefined) {
    const metadata = em.connection.getMetadata(entity);
    const driver = em.connection.driver;
    const columns = metadata.columns.filter((c) => c.isInsert && !c.isVirtual && !c.isVirtualProperty && c.generatedType === undefined && c.embeddedMetadata === undefined);
    const list = columns.map((c) => `\`${c.databaseName}\``).join(', ');
    shape = {
      sql: `INSERT INTO \`${metadata.tableName}\` (${list}) VALUES ?`,
      values: (row) =>
        columns.map((c) => {
          const value = row[c.propertyName];
          // An absent property is the column's default, as the builder writes DEFAULT for it.
          return value === undefined ? SQL_DEFAULT : driver.preparePersistentValue(value, c);
        }),
    };
    inserts.set(entity, shape);
  }
  await runStatement(em, shape.sql, [rows.map((row) => shape.values(row as Record<string, unknown>))]);
}
