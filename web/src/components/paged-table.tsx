// The one table of rows every list page draws: its query's loading, error and empty states, a
// header row from the column list, the rows, and (when the list is paged) Previous / Next under
// it. The table scrolls sideways inside its own box (.table-wrap), never the page, and on narrow
// screens its first column stays in view while the rest scrolls (styles.css, "tables").
import type { UseQueryResult } from '@tanstack/react-query';
import type { HTMLAttributes, ReactNode, TdHTMLAttributes } from 'react';
import { Pager, QueryView, type useCursorPages } from './ui.js';

/** Extra attributes of a row or a cell (a test id, a title, a data-* attribute). */
type DataAttributes = { [name: `data-${string}`]: string | undefined };

export interface Column<R> {
  /** The header text; also each cell's data-label, for a reader that sees no header. */
  header: string;
  cell: (row: R) => ReactNode;
  /** Classes of the header and of every cell (num, nowrap, hide-narrow). */
  className?: string;
  /** More classes of the cells only, per row when a function. */
  cellClassName?: string | ((row: R) => string | undefined);
  cellProps?: (row: R) => TdHTMLAttributes<HTMLTableCellElement> & DataAttributes;
}

export interface PagedTableProps<T, R> {
  query: UseQueryResult<T>;
  rows: (data: T) => readonly R[];
  rowKey: (row: R) => string;
  columns: readonly Column<R>[];
  /** The table's accessible name. */
  label?: string;
  /** What an empty list says. */
  empty: ReactNode;
  /** Tighter cells and two-line headers, for tables with many columns. */
  compact?: boolean;
  rowProps?: (row: R) => HTMLAttributes<HTMLTableRowElement> & DataAttributes;
  /** Cursor pages: the state from useCursorPages, the next page's cursor (null on the last page) and the pager's name. */
  pages?: { state: ReturnType<typeof useCursorPages>; nextCursor: (data: T) => string | null | undefined; label: string };
}

/**
 * @example
 * <PagedTable query={log} rows={(d) => d.entries} rowKey={(e) => e.id} label="Audit log" empty="Nothing yet."
 *   columns={[{ header: 'When', cell: (e) => formatDate(e.createdAt) }]}
 *   pages={{ state: pages, nextCursor: (d) => d.nextCursor, label: 'Audit log' }} />
 */
export function PagedTable<T, R>({ query, rows, rowKey, columns, label, empty, compact, rowProps, pages }: PagedTableProps<T, R>) {
  const data = query.data;
  const nextCursor = data !== undefined && pages ? pages.nextCursor(data) : null;
  return (
    <>
      <QueryView query={query} isEmpty={(d) => rows(d).length === 0} empty={empty}>
        {(d) => (
          <div className="table-wrap">
            <table className={compact ? 'table table-compact' : 'table'} aria-label={label}>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th key={c.header} scope="col" className={c.className}>
                      {c.header}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows(d).map((row) => (
                  <tr key={rowKey(row)} {...rowProps?.(row)}>
                    {columns.map((c) => (
                      <td key={c.header} data-label={c.header} className={cellClasses(c, row)} {...c.cellProps?.(row)}>
                        {c.cell(row)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
      {pages && data !== undefined ? (
        <div className="paged-table-pager">
          <Pager label={pages.label} page={pages.state.page} hasNext={Boolean(nextCursor)} onPrev={pages.state.prev} onNext={() => nextCursor && pages.state.next(nextCursor)} />
        </div>
      ) : null}
    </>
  );
}

function cellClasses<R>(column: Column<R>, row: R): string | undefined {
  const own = typeof column.cellClassName === 'function' ? column.cellClassName(row) : column.cellClassName;
  return [column.className, own].filter(Boolean).join(' ') || undefined;
}
