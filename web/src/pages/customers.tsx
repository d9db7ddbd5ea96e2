// Customers: search by name or email, filter by sync status, page through with cursors.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { get, query, ws } from '../api/client.js';
import type { CustomerPage, SyncStatus } from '../api/types.js';
import { useDebounced } from '../components/hooks.js';
import { formatDate, PageHeader, Pager, QueryView, StatusBadge, StatusFilter, useCursorPages } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

const PAGE_SIZE = 25;

export function customerName(c: { firstName: string | null; lastName: string | null; email: string | null; id: string }): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email || c.id;
}

export function CustomersPage() {
  const workspace = useWorkspace();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<SyncStatus | ''>('');
  const q = useDebounced(search.trim());
  const pages = useCursorPages(`${q}|${status}`);
  const list = useQuery({
    queryKey: ['customers', workspace, { q, status, after: pages.cursor }],
    queryFn: () => get<CustomerPage>(`${ws(workspace)}/customers${query({ q, status, after: pages.cursor, limit: PAGE_SIZE })}`),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader title="Customers" />
      <div className="toolbar">
        <div className="search">
          <label htmlFor="customer-search" className="visually-hidden">
            Search customers
          </label>
          <input id="customer-search" type="search" placeholder="Search by name or email" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <StatusFilter value={status} onChange={setStatus} />
      </div>
      <div className="card card-flush">
        <QueryView query={list} isEmpty={(data) => data.customers.length === 0} empty={q || status ? 'No customers match this search.' : 'No customers yet. Your application adds them through the API or a CSV import.'}>
          {(data) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col" className="hide-narrow">Phone</th>
                    <th scope="col" className="hide-narrow">Company</th>
                    <th scope="col">Sync status</th>
                    <th scope="col" className="hide-narrow">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {data.customers.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <Link to={`/w/${workspace}/customers/${c.id}`}>{customerName(c)}</Link>
                      </td>
                      <td>{c.email ?? <span className="muted">—</span>}</td>
                      <td className="hide-narrow">{c.phone ?? '—'}</td>
                      <td className="hide-narrow">{c.companyName ?? '—'}</td>
                      <td>
                        <StatusBadge status={c.sync.status} />
                      </td>
                      <td className="hide-narrow">{formatDate(c.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
      {list.data ? (
        <Pager label="Customer" page={pages.page} hasNext={Boolean(list.data.nextCursor)} onPrev={pages.prev} onNext={() => list.data.nextCursor && pages.next(list.data.nextCursor)} />
      ) : null}
    </>
  );
}
