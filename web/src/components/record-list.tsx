// What the record lists (customers, organizations, deals) share: a search box queried as you
// type, the sync-status filter, cursor pages of 25 that start over when the search changes, and
// the toolbar and pager around the table.
import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { get, query, ws } from '../api/client.js';
import type { SyncStatus } from '../api/types.js';
import { useDebounced } from './hooks.js';
import { Pager, StatusFilter, useCursorPages } from './ui.js';

const PAGE_SIZE = 25;

export interface RecordList<P extends { nextCursor: string | null }> {
  search: string;
  setSearch: (search: string) => void;
  status: SyncStatus | '';
  setStatus: (status: SyncStatus | '') => void;
  /** A search or filter narrows the list (the empty state says "no match" rather than "none yet"). */
  narrowed: boolean;
  list: UseQueryResult<P>;
  pages: ReturnType<typeof useCursorPages>;
}

/**
 * One page of `GET /api/workspaces/:workspace/<resource>` for the search and status filter.
 * The query key is `[resource, workspace, { q, status, after }]`, so invalidating
 * `[resource, workspace]` after an edit refreshes every page.
 *
 * @example const deals = useRecordList<DealPage>(workspace, 'deals');
 */
export function useRecordList<P extends { nextCursor: string | null }>(workspace: string, resource: 'customers' | 'organizations' | 'deals', filters: Record<string, string> = {}): RecordList<P> {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<SyncStatus | ''>('');
  const q = useDebounced(search.trim());
  // More filters of the resource (customers: `tag`), left out when empty.
  const extra = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== ''));
  const pages = useCursorPages(`${q}|${status}|${JSON.stringify(extra)}`);
  const list = useQuery({
    queryKey: [resource, workspace, { q, status, ...extra, after: pages.cursor }],
    queryFn: () => get<P>(`${ws(workspace)}/${resource}${query({ q, status, ...extra, after: pages.cursor, limit: PAGE_SIZE })}`),
    placeholderData: keepPreviousData,
  });
  return { search, setSearch, status, setStatus, narrowed: Boolean(q || status || Object.keys(extra).length > 0), list, pages };
}

/** The search box (labelled `label` for screen readers) and the status filter above a record table. */
export function ListToolbar<P extends { nextCursor: string | null }>({ state, id, label, placeholder, children }: { state: RecordList<P>; id: string; label: string; placeholder: string; children?: ReactNode }) {
  return (
    <div className="toolbar">
      <div className="search">
        <label htmlFor={id} className="visually-hidden">
          {label}
        </label>
        <input id={id} type="search" placeholder={placeholder} value={state.search} onChange={(e) => state.setSearch(e.target.value)} />
      </div>
      <StatusFilter value={state.status} onChange={state.setStatus} />
      {children}
    </div>
  );
}

/** Previous / Next under a record table, once a page has loaded. */
export function ListPager<P extends { nextCursor: string | null }>({ state, label }: { state: RecordList<P>; label: string }) {
  const { list, pages } = state;
  if (!list.data) return null;
  const nextCursor = list.data.nextCursor;
  return <Pager label={label} page={pages.page} hasNext={Boolean(nextCursor)} onPrev={pages.prev} onNext={() => nextCursor && pages.next(nextCursor)} />;
}
