// Deals (→ HubSpot deals): search by name, filter by sync status, page through with cursors —
// the customers list's twin. The deals table is also the customer page's list of its deals.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, query, ws } from '../api/client.js';
import type { Deal, DealPage, WorkspaceUser } from '../api/types.js';
import { ownerName, useMembers } from '../components/record-fields.js';
import { ListPager, ListToolbar, useRecordList } from '../components/record-list.js';
import { ErrorMessage, Loading, PageHeader, QueryView, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

/** A deal's name, else its id (deals without a name are allowed). */
export function dealName(d: { name: string | null; id: string }): string {
  return d.name || d.id;
}

/**
 * The amount with its digits grouped and its currency, every digit kept (amounts are decimal text,
 * beyond what a float holds).
 *
 * @example formatAmount('1250000.50', 'CHF') // '1,250,000.50 CHF'
 */
export function formatAmount(amount: string | null, currency: string | null): string {
  if (amount === null) return '—';
  const [whole = '', fraction] = amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return [fraction === undefined ? grouped : `${grouped}.${fraction}`, currency].filter(Boolean).join(' ');
}

/** A calendar date (YYYY-MM-DD) as the reader writes dates, without shifting it across time zones. */
export function formatDay(date: string | null): string {
  if (!date) return '—';
  return new Date(`${date}T00:00:00Z`).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** A deal's stage, with its pipeline when that is not the default one. */
function stageText(d: Pick<Deal, 'stage' | 'pipeline'>): string {
  if (d.stage === null) return '—';
  return d.pipeline === 'default' ? d.stage : `${d.stage} (${d.pipeline})`;
}

function DealsTable({ workspace, deals, users, label }: { workspace: string; deals: Deal[]; users: WorkspaceUser[] | undefined; label: string }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" className="numeric">
              Amount
            </th>
            <th scope="col">Stage</th>
            <th scope="col" className="hide-narrow">
              Close date
            </th>
            <th scope="col" className="hide-narrow">
              Owner
            </th>
            <th scope="col">Sync status</th>
          </tr>
        </thead>
        <tbody>
          {deals.map((d) => (
            <tr key={d.id} data-deal-id={d.id}>
              <td>
                <Link to={`/w/${workspace}/deals/${encodeURIComponent(d.id)}`}>{dealName(d)}</Link>
              </td>
              <td className="numeric">{formatAmount(d.amount, d.currency)}</td>
              <td>{stageText(d)}</td>
              <td className="hide-narrow">{formatDay(d.closeDate)}</td>
              <td className="hide-narrow">{ownerName(d.ownerUserId, users)}</td>
              <td>
                <StatusBadge status={d.sync.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Deals of one record shown on its page; more are counted as "first N". */
const LINKED_SHOWN = 50;

/** The deals linked to a customer or an organization, as a card on its page. */
export function LinkedDeals({ workspace, of, label, empty }: { workspace: string; of: { customerId: string } | { organizationId: string }; label: string; empty: string }) {
  // Under ['deals', workspace] like the list, so a deal edited or linked anywhere is read again.
  const deals = useQuery({ queryKey: ['deals', workspace, of], queryFn: () => get<DealPage>(`${ws(workspace)}/deals${query({ ...of, limit: LINKED_SHOWN })}`) });
  const users = useMembers(workspace);
  const count = deals.data?.deals.length ?? 0;
  return (
    <section className="card card-flush" aria-labelledby="linked-deals-heading">
      <div className="card-header padded">
        <h2 id="linked-deals-heading">Deals</h2>
        <p className="muted">{deals.data ? (count === 0 ? empty : deals.data.nextCursor ? `The first ${LINKED_SHOWN} deals are shown` : `${count} ${count === 1 ? 'deal' : 'deals'}`) : null}</p>
      </div>
      {deals.isPending ? <Loading /> : deals.isError ? <ErrorMessage error={deals.error} /> : count > 0 ? <DealsTable workspace={workspace} deals={deals.data.deals} users={users.data?.users} label={label} /> : null}
    </section>
  );
}

export function DealsPage() {
  const workspace = useWorkspace();
  const state = useRecordList<DealPage>(workspace, 'deals');
  const users = useMembers(workspace);
  const { list, narrowed } = state;

  return (
    <>
      <PageHeader title="Deals">
        <Link className="btn btn-secondary" to={`/w/${workspace}/deals/import`}>
          Import CSV
        </Link>
        <Link className="btn btn-primary" to={`/w/${workspace}/deals/new`}>
          New deal
        </Link>
      </PageHeader>
      <ListToolbar state={state} id="deal-search" label="Search deals" placeholder="Search by deal name" />
      <div className="card card-flush">
        <QueryView query={list} isEmpty={(data) => data.deals.length === 0} empty={narrowed ? 'No deals match this search.' : 'No deals yet. Your application adds them through the API or a CSV import.'}>
          {(data) => <DealsTable workspace={workspace} deals={data.deals} users={users.data?.users} label="Deals" />}
        </QueryView>
      </div>
      <ListPager state={state} label="Deal" />
    </>
  );
}
