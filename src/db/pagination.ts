import type { GraphQLResolveInfo, SelectionNode } from 'graphql';
import type { EntityManager, ObjectLiteral, QueryRunner, SelectQueryBuilder } from 'typeorm';
import { AppError, ErrorCode } from '../errors';
import { readRows, rowShape } from './rows';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when a client selects it (GraphQL calls the function). */
  totalCount: () => Promise<number>;
}

export const MAX_PAGE_SIZE = 100;

/** An edge whose cursor is encoded when read: a page of 100 is mostly asked for its nodes and endCursor. */
class LazyEdge<T extends Keyed> implements Edge<T> {
  private encoded: string | undefined;
  constructor(readonly node: T) {}
  get cursor(): string {
    return (this.encoded ??= encodeCursor(this.node));
  }
}

interface Keyed {
  id: string;
  createdAt: Date;
}

/** Opaque to clients: the sort key of the row (created_at, id), base64url-encoded. */
export function encodeCursor(row: Keyed): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,15}):([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!match) throw new AppError(ErrorCode.BAD_USER_INPUT, '`after` is not a cursor returned by this list', { field: ['after'] });
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}

export function checkPageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `\`first\` must be from 1 to ${MAX_PAGE_SIZE} (got ${size})`, { field: ['first'] });
  }
  return size;
}

/**
 * How a list's `totalCount` is counted: a maintained counter (a function, one primary-key read of
 * the project row, src/modules/tenancy/project-counters.store.ts), COUNT(*) forced onto an index, or,
 * when absent, COUNT(*) as the planner chooses.
 */
export type CountSource = (() => Promise<number>) | { db: EntityManager; index: string };

export interface ListOptions {
  /** The client selected `totalCount`: count beside the page query instead of after it (one round trip less). */
  countNow?: boolean;
  /**
   * The page's selection reads only these properties of its rows: only their columns (and `id`,
   * `createdAt`) are read. Such rows must not be primed into the by-id loaders. Absent: every column.
   */
  only?: readonly string[];
}

/** The reader of a page's rows: every listed column, or `only`'s with the keyset's. */
function pageShape<T extends ObjectLiteral>(db: EntityManager, entity: new () => T, only: readonly string[] | undefined) {
  const whole = rowShape(db, entity);
  return only === undefined ? whole : whole.only([...new Set([...only, 'id', 'createdAt'])].sort());
}

/**
 * Whether the field being resolved selects `name`, directly or through its fragments (a fragment
 * the info does not carry counts as a yes: that only starts the count sooner than needed).
 */
export function selectsField(info: Pick<GraphQLResolveInfo, 'fieldNodes'> & { fragments?: GraphQLResolveInfo['fragments'] } | undefined, name: string): boolean {
  const within = (selections: readonly SelectionNode[], depth: number): boolean =>
    selections.some((selection) => {
      if (selection.kind === 'Field') return selection.name.value === name;
      if (depth > 10) return true;
      if (selection.kind === 'InlineFragment') return within(selection.selectionSet.selections, depth + 1);
      const fragment = info?.fragments?.[selection.name.value];
      return fragment ? within(fragment.selectionSet.selections, depth + 1) : true;
    });
  return (info?.fieldNodes ?? []).some((node) => within(node.selectionSet?.selections ?? [], 0));
}

/**
 * Keyset pagination, newest first with the id as tie-break: the WHERE continues strictly after the
 * cursor's (created_at, id), so rows inserted between two pages never shift or repeat an item.
 * The (project_id, created_at, id) indexes serve it without OFFSET.
 */
export async function paginate<T extends ObjectLiteral & Keyed>(
  query: SelectQueryBuilder<T>,
  alias: string,
  args: { first?: number | null; after?: string | null },
  count?: CountSource,
  options: ListOptions = {},
): Promise<Page<T>> {
  const first = checkPageSize(args.first);
  // The count's own copy of the query, before the cursor and the order are added (not needed when a counter function counts).
  const counter = typeof count === 'function' ? null : query.clone();
  const countRows = () => (typeof count === 'function' ? count() : count ? countOn(count.db, counter!, count.index) : counter!.getCount());
  // Selected: started now, on its own pooled connection, while the page is read (the same statement, sooner).
  const early = options.countNow ? countRows() : null;
  early?.catch(() => undefined); // a failed page must not leave the count's failure unhandled

  if (args.after) {
    const cursor = decodeCursor(args.after);
    query.andWhere(`(${alias}.createdAt < :cursorAt OR (${alias}.createdAt = :cursorAt AND ${alias}.id < :cursorId))`, {
      cursorAt: cursor.createdAt,
      cursorId: cursor.id,
    });
  }
  query.orderBy(`${alias}.createdAt`, 'DESC').addOrderBy(`${alias}.id`, 'DESC').limit(first + 1);
  const shape = pageShape(query.connection.manager, query.expressionMap.mainAlias!.target as new () => T, options.only);
  // The page's columns by name and the light reader: no ciphertext, no TypeORM hydration.
  // Sent as the builder's getRawMany would send it (the builder's transaction, else the read
  // routing), without a QueryRunner made and released around it.
  const [sql, parameters] = query.select(shape.select(alias)).getQueryAndParameters();
  const rows = shape.hydrate(await readRows((query as unknown as { queryRunner?: QueryRunner }).queryRunner?.manager ?? query.connection.manager, sql, parameters));
  return pageOf(rows, first, args, () => early ?? countRows());
}

/** A list's live rows as plain SQL: `where` is over the alias `e` (backquoted), with its `?` parameters. */
export interface RowsQuery<T> {
  db: EntityManager;
  entity: new () => T;
  where: string;
  parameters: readonly unknown[];
}

/**
 * `paginate` for a list whose condition is written as SQL and whose count is a counter function:
 * the same statement (the page's columns, the keyset condition after the cursor, newest first, one
 * row more than the page) without a query builder made, cloned and rendered for every request (that
 * was a twentieth of a dashboard page's CPU, docs/decisions.md).
 */
export async function paginateRows<T extends ObjectLiteral & Keyed>(
  query: RowsQuery<T>,
  args: { first?: number | null; after?: string | null },
  count: () => Promise<number>,
  options: ListOptions = {},
): Promise<Page<T>> {
  const first = checkPageSize(args.first);
  const early = options.countNow ? count() : null;
  early?.catch(() => undefined); // a failed page must not leave the count's failure unhandled
  const shape = pageShape(query.db, query.entity, options.only);
  const parameters = [...query.parameters];
  let where = query.where;
  if (args.after) {
    const cursor = decodeCursor(args.after);
    where += ' AND (`e`.`created_at` < ? OR (`e`.`created_at` = ? AND `e`.`id` < ?))';
    parameters.push(cursor.createdAt, cursor.createdAt, cursor.id);
  }
  const sql = `SELECT ${shape.select('e')} FROM \`${shape.table}\` \`e\` WHERE ${where} ORDER BY \`e\`.\`created_at\` DESC, \`e\`.\`id\` DESC LIMIT ${first + 1}`;
  const rows = shape.hydrate(await readRows(query.db, sql, parameters));
  return pageOf(rows, first, args, () => early ?? count());
}

/** The page of `first` rows from rows read with one more (which says whether there is a next page). */
function pageOf<T extends Keyed>(rows: T[], first: number, args: { after?: string | null }, totalCount: () => Promise<number>): Page<T> {
  const page = rows.slice(0, first);
  const edges: Edge<T>[] = page.map((node) => new LazyEdge(node));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/**
 * COUNT(*) through a given index. A count with a filter on a column outside every index (platform,
 * name, ...) is planned as a table scan once the project is a large part of the table; forced onto
 * the project's live-rows index it reads the project's live rows, however large the table.
 * (TypeORM's `useIndex` says USE INDEX, which still allows the scan.)
 */
async function countOn<T extends ObjectLiteral>(db: EntityManager, query: SelectQueryBuilder<T>, index: string): Promise<number> {
  const [sql, parameters] = query.select('COUNT(*)', 'cnt').orderBy().getQueryAndParameters();
  const { tablePath, name } = query.expressionMap.mainAlias!;
  const from = `FROM \`${tablePath}\` \`${name}\``;
  if (!sql.includes(from)) throw new Error(`count query without ${from}`);
  const rows = (await readRows(db, sql.replace(from, `${from} FORCE INDEX (\`${index}\`)`), parameters)) as { cnt: string | number }[];
  return Number(rows[0]?.cnt ?? 0);
}

/** `LIKE` pattern for a case-insensitive "contains", with the wildcards of the input escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
