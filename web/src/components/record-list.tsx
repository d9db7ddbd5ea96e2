// What the record lists (customers, organizations, deals) share: a search box queried as you
// type, the sync-status filter, cursor pages of 25 that start over when the search changes, and
// the page around the table: its title, the toolbar above it and the pager below.
import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { get, query, ws } from '../api/client.js';
import type { SyncStatus } from '../api/types.js';
import { useDebounced } from './hooks.js';
import { PageHeader, Pager, QueryView, StatusFilter, useCursorPages } from './ui.js';

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
export function useRecordList<P extends { nextCursor: string | null }>(workspace: string, resource: 'customers' | 'organizations' | 'deals'): RecordList<P> {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<SyncStatus | ''>('');
  const q = useDebounced(search.trim());
  const pages = useCursorPages(`${q}|${status}`);
  const list = useQuery({
    queryKey: [resource, workspace, { q, status, after: pages.cursor }],
    queryFn: () => get<P>(`${ws(workspace)}/${resource}${query({ q, status, after: pages.cursor, limit: PAGE_SIZE })}`),
    placeholderData: keepPreviousData,
  });
  return { search, setSearch, status, setStatus, narrowed: Boolean(q || status), list, pages };
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

/**
 * A record list page: its title, the toolbar (`search` is the search box's id, label and
 * placeholder), the table card — `children` renders a loaded page; `empty` says there are none
 * yet, `noMatch` that the search or filter matches none — and the pager, named `pagerLabel`.
 *
 * @example
 * <RecordListPage title="Deals" state={state} search={{ id: 'deal-search', label: 'Search deals', placeholder: 'Search by deal name' }}
 *   isEmpty={(data) => data.deals.length === 0} empty="No deals yet." noMatch="No deals match this search." pagerLabel="Deal">
 *   {(data) => <DealsTable deals={data.deals} … />}
 * </RecordListPage>
 */
export function RecordListPage<P extends { nextCursor: string | null }>(props: {
  title: string;
  state: RecordList<P>;
  search: { id: string; label: string; placeholder: string };
  isEmpty: (data: P) => boolean;
  empty: string;
  noMatch: string;
  pagerLabel: string;
  children: (data: P) => ReactNode;
}) {
  const { state } = props;
  return (
    <>
      <PageHeader title={props.title} />
      <ListToolbar state={state} {...props.search} />
      <div className="card card-flush">
        <QueryView query={state.list} isEmpty={props.isEmpty} empty={state.narrowed ? props.noMatch : props.empty}>
          {props.children}
        </QueryView>
      </div>
      <ListPager state={state} label={props.pagerLabel} />
    </>
  );
}
