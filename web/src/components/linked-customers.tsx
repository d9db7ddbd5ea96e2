// The customers linked to a record, as a card on its page (an organization's members, a deal's
// customers): how many there are, a table of the first ones (each customer read on its own) with
// Remove, and beneath it the picker that adds one. The page owns the link calls; this card only
// shows the links and hands Remove back.
import { useQueries } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { get, ws } from '../api/client.js';
import type { Customer } from '../api/types.js';
import { customerName } from '../pages/customers.js';
import { ErrorMessage, StatusBadge } from './ui.js';

/** Linked customers shown (each is read on its own); the rest are counted. */
const SHOWN = 100;

interface LinkedCustomersProps {
  workspace: string;
  customerIds: string[];
  /** The card's heading and its element id (the card is labelled by it). */
  heading: string;
  headingId: string;
  /** The table's accessible name. */
  label: string;
  /** Said when no customer is linked. */
  empty: string;
  /** An organization's id: its members whose first (primary) organization it is are tagged Primary. */
  primaryOrganizationId?: string;
  /** Unlinks one customer; while pending the Remove buttons are disabled, and its error shows above the table. */
  remove: { mutate: (customerId: string) => void; isPending: boolean; error: unknown };
  /** The picker beneath the table that links another customer. */
  children: ReactNode;
}

export function LinkedCustomers({ workspace, customerIds, heading, headingId, label, empty, primaryOrganizationId, remove, children }: LinkedCustomersProps) {
  const shown = customerIds.slice(0, SHOWN);
  const customers = useQueries({
    queries: shown.map((id) => ({ queryKey: ['customer', workspace, id], queryFn: () => get<Customer>(`${ws(workspace)}/customers/${encodeURIComponent(id)}`) })),
  });
  const count = customerIds.length;

  return (
    <section className="card card-flush" aria-labelledby={headingId}>
      <div className="card-header padded">
        <h2 id={headingId}>{heading}</h2>
        <p className="muted">
          {count === 0 ? empty : `${count} ${count === 1 ? 'customer' : 'customers'}`}
          {count > SHOWN ? `; the first ${SHOWN} are shown` : ''}
        </p>
      </div>
      <ErrorMessage error={remove.error} />
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label={label}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Sync status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((id, i) => {
                const c = customers[i]?.data;
                return (
                  <tr key={id} data-customer-id={id}>
                    <td>
                      <Link to={`/w/${workspace}/customers/${encodeURIComponent(id)}`}>{c ? customerName(c) : id}</Link>
                      {primaryOrganizationId !== undefined && c?.organizationIds[0] === primaryOrganizationId ? (
                        <span className="tag tag-primary" title="This is the customer's primary organization">
                          Primary
                        </span>
                      ) : null}
                    </td>
                    <td>{c?.email ?? <span className="muted">—</span>}</td>
                    <td>{c ? <StatusBadge status={c.sync.status} /> : null}</td>
                    <td className="actions">
                      <button type="button" className="btn btn-secondary btn-small" disabled={remove.isPending} onClick={() => remove.mutate(id)} aria-label={`Remove ${c ? customerName(c) : id}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {children}
    </section>
  );
}
