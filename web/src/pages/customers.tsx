// Customers: search by name or email, filter by sync status, page through with cursors.
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { get, ws } from '../api/client.js';
import type { CustomerPage, TagsView } from '../api/types.js';
import { PagedTable } from '../components/paged-table.js';
import { ListToolbar, useRecordList } from '../components/record-list.js';
import { formatDate, PageHeader, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

export function customerName(c: { firstName: string | null; lastName: string | null; email: string | null; id: string }): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email || c.id;
}

export function CustomersPage() {
  const workspace = useWorkspace();
  const [params, setParams] = useSearchParams();
  const tag = params.get('tag') ?? '';
  const state = useRecordList<CustomerPage>(workspace, 'customers', { tag });
  const { list, narrowed } = state;
  const tags = useQuery({ queryKey: ['tags', workspace], queryFn: () => get<TagsView>(`${ws(workspace)}/tags`) });
  const labelOf = (key: string) => tags.data?.tags.find((t) => t.key === key)?.label ?? key;

  return (
    <>
      <PageHeader title="Customers">
        <Link className="btn btn-secondary" to={`/w/${workspace}/customers/duplicates`}>
          Duplicates
        </Link>
        <Link className="btn btn-secondary" to={`/w/${workspace}/customers/import`}>
          Import CSV
        </Link>
        <Link className="btn btn-primary" to={`/w/${workspace}/customers/new`}>
          New customer
        </Link>
      </PageHeader>
      <ListToolbar state={state} id="customer-search" label="Search customers" placeholder="Search by name or email">
        <label className="inline-field">
          <span>Tag</span>
          <select value={tag} onChange={(e) => setParams(e.target.value ? { tag: e.target.value } : {})}>
            <option value="">All tags</option>
            {tag && !tags.data?.tags.some((t) => t.key === tag) ? <option value={tag}>{tag}</option> : null}
            {tags.data?.tags.map((t) => (
              <option key={t.key} value={t.key}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
      </ListToolbar>
      <div className="card card-flush">
        <PagedTable
          query={list}
          rows={(data) => data.customers}
          rowKey={(c) => c.id}
          label="Customers"
          empty={narrowed ? 'No customers match this search.' : 'No customers yet. Your application adds them through the API or a CSV import.'}
          pages={{ state: state.pages, nextCursor: (data) => data.nextCursor, label: 'Customer' }}
          columns={[
            { header: 'Name', cell: (c) => <Link to={`/w/${workspace}/customers/${c.id}`}>{customerName(c)}</Link> },
            { header: 'Email', cell: (c) => c.email ?? <span className="muted">—</span> },
            { header: 'Phone', className: 'hide-narrow', cell: (c) => c.phone ?? '—' },
            { header: 'Company', className: 'hide-narrow', cell: (c) => c.companyName ?? '—' },
            {
              header: 'Tags',
              className: 'hide-narrow',
              cell: (c) =>
                c.tags.map((t) => (
                  <span key={t} className="tag">
                    {labelOf(t)}
                  </span>
                )),
            },
            { header: 'Sync status', cell: (c) => <StatusBadge status={c.sync.status} /> },
            { header: 'Updated', className: 'hide-narrow', cell: (c) => formatDate(c.updatedAt) },
          ]}
        />
      </div>
    </>
  );
}
