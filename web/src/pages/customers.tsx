// Customers: search by name or email, filter by sync status, page through with cursors.
import { Link } from 'react-router';
import type { CustomerPage } from '../api/types.js';
import { ListPager, ListToolbar, useRecordList } from '../components/record-list.js';
import { formatDate, PageHeader, QueryView, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

export function customerName(c: { firstName: string | null; lastName: string | null; email: string | null; id: string }): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email || c.id;
}

export function CustomersPage() {
  const workspace = useWorkspace();
  const state = useRecordList<CustomerPage>(workspace, 'customers');
  const { list, narrowed } = state;

  return (
    <>
      <PageHeader title="Customers" />
      <ListToolbar state={state} id="customer-search" label="Search customers" placeholder="Search by name or email" />
      <div className="card card-flush">
        <QueryView query={list} isEmpty={(data) => data.customers.length === 0} empty={narrowed ? 'No customers match this search.' : 'No customers yet. Your application adds them through the API or a CSV import.'}>
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
      <ListPager state={state} label="Customer" />
    </>
  );
}
