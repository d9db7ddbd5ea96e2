// Organizations (→ HubSpot companies): search by name or domain, filter by sync status, page
// through with cursors — the customers list's twin.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { get, query, ws } from '../api/client.js';
import type { OrganizationPage, SyncStatus } from '../api/types.js';
import { useDebounced } from '../components/hooks.js';
import { formatDate, PageHeader, Pager, QueryView, StatusBadge, StatusFilter, useCursorPages } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

const PAGE_SIZE = 25;

/** An organization's name, else its domain, else its id (the API requires a name, but old rows may lack one). */
export function organizationName(o: { name: string | null; domain: string | null; id: string }): string {
  return o.name || o.domain || o.id;
}

export function OrganizationsPage() {
  const workspace = useWorkspace();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<SyncStatus | ''>('');
  const q = useDebounced(search.trim());
  const pages = useCursorPages(`${q}|${status}`);
  const list = useQuery({
    queryKey: ['organizations', workspace, { q, status, after: pages.cursor }],
    queryFn: () => get<OrganizationPage>(`${ws(workspace)}/organizations${query({ q, status, after: pages.cursor, limit: PAGE_SIZE })}`),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader title="Organizations" />
      <div className="toolbar">
        <div className="search">
          <label htmlFor="organization-search" className="visually-hidden">
            Search organizations
          </label>
          <input id="organization-search" type="search" placeholder="Search by name or domain" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <StatusFilter value={status} onChange={setStatus} />
      </div>
      <div className="card card-flush">
        <QueryView
          query={list}
          isEmpty={(data) => data.organizations.length === 0}
          empty={q || status ? 'No organizations match this search.' : 'No organizations yet. Your application adds them through the API or a CSV import.'}
        >
          {(data) => (
            <div className="table-wrap">
              <table className="table" aria-label="Organizations">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Domain</th>
                    <th scope="col" className="hide-narrow">Industry</th>
                    <th scope="col" className="hide-narrow">City</th>
                    <th scope="col">Sync status</th>
                    <th scope="col" className="hide-narrow">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {data.organizations.map((o) => (
                    <tr key={o.id}>
                      <td>
                        <Link to={`/w/${workspace}/organizations/${encodeURIComponent(o.id)}`}>{organizationName(o)}</Link>
                      </td>
                      <td>{o.domain ?? <span className="muted">—</span>}</td>
                      <td className="hide-narrow">{o.industry ?? '—'}</td>
                      <td className="hide-narrow">{o.city ?? '—'}</td>
                      <td>
                        <StatusBadge status={o.sync.status} />
                      </td>
                      <td className="hide-narrow">{formatDate(o.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
      {list.data ? (
        <Pager label="Organization" page={pages.page} hasNext={Boolean(list.data.nextCursor)} onPrev={pages.prev} onNext={() => list.data.nextCursor && pages.next(list.data.nextCursor)} />
      ) : null}
    </>
  );
}
