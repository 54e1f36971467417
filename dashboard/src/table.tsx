import { useState, type HTMLAttributes, type ReactNode } from 'react';
import { Empty, ErrorBox, Loading } from './ui';

export interface Column<Row> {
  /** The header's words; with `hideHeader` only screen readers read them (an actions column). */
  header: string;
  hideHeader?: boolean;
  cell: (row: Row) => ReactNode;
  /** Of each cell in the column (`actions`, `path`, `strong`, `small`). */
  className?: string;
}

/** What a row may carry besides its cells: a class, and `data-…` attributes that name its object. */
export type RowProps = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | undefined };

/** The paging of a connection: the pager's state, the page's `pageInfo`, and the total when the list has one. */
export interface Paging {
  pager: PagerState;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  total?: number;
  /** What is counted, plural: “3 repositories”, and the pager's name (“repositories pages”). */
  noun: string;
}

export interface TableProps<Row> {
  /** The table's accessible name (its `aria-label`), which tests and screen readers find it by. */
  label: string;
  /** A visible caption above the rows, when the page has words for it. */
  caption?: ReactNode;
  columns: readonly Column<Row>[];
  /** The rows of this page; null or undefined while nothing was read yet. */
  rows: readonly Row[] | null | undefined;
  rowKey: (row: Row) => string;
  rowProps?: (row: Row) => RowProps;
  /** A read is running (the first, or a refresh with the previous rows still shown). */
  loading?: boolean;
  /** The last read failed: said above the rows, with a retry when given. */
  error?: unknown;
  retry?: () => void;
  /** For the loading state: “Loading {what}…”. */
  what: string;
  /** Shown instead of the table when the page has no rows. */
  empty?: ReactNode;
  paging?: Paging;
}

/**
 * A list of the dashboard's: the loading, error and empty states, the table with its named columns
 * (an actions column's header read by screen readers only), and the pager under it. The previous
 * rows stay on screen while a page or a poll is read (`aria-busy`), and a failed refresh is said
 * above them rather than hiding them.
 */
export function Table<Row>({ label, caption, columns, rows, rowKey, rowProps, loading = false, error, retry, what, empty = 'Nothing to show.', paging }: TableProps<Row>) {
  const pager = paging ? (
    <Pager pager={paging.pager} hasNextPage={paging.pageInfo.hasNextPage} endCursor={paging.pageInfo.endCursor} total={paging.total} label={paging.noun} />
  ) : null;
  return (
    <>
      {error ? <ErrorBox error={error} retry={retry} /> : null}
      {!rows && loading && !error ? <Loading what={what} /> : null}
      {rows && rows.length === 0 ? <Empty>{empty}</Empty> : null}
      {rows && rows.length > 0 ? (
        <table className="table" aria-label={label} aria-busy={loading || undefined}>
          {caption ? <caption>{caption}</caption> : null}
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" key={c.header}>
                  {c.hideHeader ? <span className="sr-only">{c.header}</span> : c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={rowKey(row)} {...rowProps?.(row)}>
                {columns.map((c) => (
                  <td key={c.header} className={c.className}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {/* Past the first page the way back stays, even when a page came back empty (its rows deleted meanwhile). */}
      {pager && rows && (rows.length > 0 || paging!.pager.page > 1) ? pager : null}
    </>
  );
}

export type PagerState = ReturnType<typeof usePager>;

/** Previous/next through cursor pages: the cursors of the pages seen so far are kept to go back. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  return {
    after,
    page: cursors.length,
    next: (endCursor: string | null | undefined) => endCursor && setCursors((c) => [...c, endCursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([null]),
  };
}

/** “repositories” → “repository”, “keys” → “key”: the nouns the pages count, for a total of one. */
function singular(plural: string): string {
  return plural.endsWith('ies') ? `${plural.slice(0, -3)}y` : plural.replace(/s$/, '');
}

export function Pager({ pager, hasNextPage, endCursor, total, label }: { pager: PagerState; hasNextPage: boolean; endCursor?: string | null; total?: number; label: string }) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={pager.previous} disabled={pager.page <= 1} aria-label={`Previous page of ${label}`}>
        ← Previous
      </button>
      <span aria-live="polite">
        Page {pager.page}
        {total !== undefined ? ` · ${total} ${total === 1 ? singular(label) : label}` : ''}
      </span>
      <button type="button" onClick={() => pager.next(endCursor)} disabled={!hasNextPage} aria-label={`Next page of ${label}`}>
        Next →
      </button>
    </nav>
  );
}
