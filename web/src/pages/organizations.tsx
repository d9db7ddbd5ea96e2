// Organizations (→ HubSpot companies): search by name or domain, filter by sync status, page
// through with cursors — the customers list's twin.
import { Link } from 'react-router';
import type { OrganizationPage } from '../api/types.js';
import { ListPager, ListToolbar, useRecordList } from '../components/record-list.js';
import { formatDate, PageHeader, QueryView, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

/** An organization's name, else its domain, else its id (the API requires a name, but old rows may lack one). */
export function organizationName(o: { name: string | null; domain: string | null; id: string }): string {
  return o.name || o.domain || o.id;
}

export function OrganizationsPage() {
  const workspace = useWorkspace();
  const state = useRecordList<OrganizationPage>(workspace, 'organizations');
  const { list, narrowed } = state;

  return (
    <>
      <PageHeader title="Organizations" />
      <ListToolbar state={state} id="organization-search" label="Search organizations" placeholder="Search by name or domain" />
      <div className="card card-flush">
        <QueryView
          query={list}
          isEmpty={(data) => data.organizations.length === 0}
          empty={narrowed ? 'No organizations match this search.' : 'No organizations yet. Your application adds them through the API or a CSV import.'}
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
      <ListPager state={state} label="Organization" />
    </>
  );
}
