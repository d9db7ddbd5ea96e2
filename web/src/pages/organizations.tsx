// Organizations (→ HubSpot companies): search by name or domain, filter by sync status, page
// through with cursors — the customers list's twin.
import { Link } from 'react-router';
import type { OrganizationPage } from '../api/types.js';
import { PagedTable } from '../components/paged-table.js';
import { ListToolbar, useRecordList } from '../components/record-list.js';
import { formatDate, PageHeader, StatusBadge } from '../components/ui.js';
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
      <PageHeader title="Organizations">
        <Link className="btn btn-secondary" to={`/w/${workspace}/organizations/import`}>
          Import CSV
        </Link>
        <Link className="btn btn-secondary" to={`/w/${workspace}/organizations/duplicates`}>
          Duplicates
        </Link>
        <Link className="btn btn-primary" to={`/w/${workspace}/organizations/new`}>
          New organization
        </Link>
      </PageHeader>
      <ListToolbar state={state} id="organization-search" label="Search organizations" placeholder="Search by name or domain" />
      <div className="card card-flush">
        <PagedTable
          query={list}
          rows={(data) => data.organizations}
          rowKey={(o) => o.id}
          label="Organizations"
          empty={narrowed ? 'No organizations match this search.' : 'No organizations yet. Your application adds them through the API or a CSV import.'}
          pages={{ state: state.pages, nextCursor: (data) => data.nextCursor, label: 'Organization' }}
          columns={[
            { header: 'Name', cell: (o) => <Link to={`/w/${workspace}/organizations/${encodeURIComponent(o.id)}`}>{organizationName(o)}</Link> },
            { header: 'Domain', cell: (o) => o.domain ?? <span className="muted">—</span> },
            { header: 'Industry', className: 'hide-narrow', cell: (o) => o.industry ?? '—' },
            { header: 'City', className: 'hide-narrow', cell: (o) => o.city ?? '—' },
            { header: 'Sync status', cell: (o) => <StatusBadge status={o.sync.status} /> },
            { header: 'Updated', className: 'hide-narrow', cell: (o) => formatDate(o.updatedAt) },
          ]}
        />
      </div>
    </>
  );
}
