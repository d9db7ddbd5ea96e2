// Finding a record to link: a customer by name or email (or a pasted customer id) for an
// organization's members or a deal's customers, an organization by name or domain for a deal.
// Each offers the first five matches, leaving out those already linked.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { get, query, ws } from '../api/client.js';
import type { CustomerPage, OrganizationPage } from '../api/types.js';
import { customerName } from '../pages/customers.js';
import { organizationName } from '../pages/organizations.js';
import { useDebounced } from './hooks.js';
import { ErrorMessage } from './ui.js';

const SHOWN = 5;

interface PickerProps {
  workspace: string;
  /** The search input's id. */
  id: string;
  heading: string;
  /** Ids already linked: not offered again. */
  linkedIds: string[];
  busy: boolean;
  error: unknown;
  /** What the found record's button says ("Add", "Set"); its accessible name adds the record's name. */
  action: string;
  onPick: (id: string) => void;
  /** Options beside the search box (the organization page's "primary" checkbox). */
  children?: ReactNode;
}

export function CustomerPicker(props: PickerProps) {
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const found = useQuery({
    queryKey: ['customers', props.workspace, { q, limit: SHOWN }],
    queryFn: () => get<CustomerPage>(`${ws(props.workspace)}/customers${query({ q, limit: SHOWN })}`),
    enabled: q !== '',
    placeholderData: keepPreviousData,
  });
  const looksLikeId = /^cus_\S+$/.test(q);
  const candidates = (found.data?.customers ?? []).filter((c) => !props.linkedIds.includes(c.id));
  return (
    <div className="padded">
      <h3>{props.heading}</h3>
      <ErrorMessage error={props.error} />
      <div className="toolbar">
        <label htmlFor={props.id} className="visually-hidden">
          Find a customer
        </label>
        <input id={props.id} type="search" placeholder="Name, email or customer id" value={search} onChange={(e) => setSearch(e.target.value)} />
        {props.children}
      </div>
      {q === '' ? null : (
        <ul className="record-links" aria-label="Customers found">
          {looksLikeId && !props.linkedIds.includes(q) ? (
            <li>
              <code>{q}</code>{' '}
              <button type="button" className="btn btn-secondary btn-small" disabled={props.busy} onClick={() => props.onPick(q)}>
                {props.action}
              </button>
            </li>
          ) : null}
          {candidates.map((c) => (
            <li key={c.id}>
              {customerName(c)}
              {c.email ? <span className="muted"> · {c.email}</span> : null}{' '}
              <button type="button" className="btn btn-secondary btn-small" disabled={props.busy} onClick={() => props.onPick(c.id)} aria-label={`${props.action} ${customerName(c)}`}>
                {props.action}
              </button>
            </li>
          ))}
          {!looksLikeId && found.data && candidates.length === 0 ? <li className="muted">No other customer matches.</li> : null}
        </ul>
      )}
    </div>
  );
}

export function OrganizationPicker(props: PickerProps) {
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const found = useQuery({
    queryKey: ['organizations', props.workspace, { q, limit: SHOWN }],
    queryFn: () => get<OrganizationPage>(`${ws(props.workspace)}/organizations${query({ q, limit: SHOWN })}`),
    enabled: q !== '',
    placeholderData: keepPreviousData,
  });
  const candidates = (found.data?.organizations ?? []).filter((o) => !props.linkedIds.includes(o.id));
  return (
    <div>
      <h3>{props.heading}</h3>
      <ErrorMessage error={props.error} />
      <div className="toolbar">
        <label htmlFor={props.id} className="visually-hidden">
          Find an organization
        </label>
        <input id={props.id} type="search" placeholder="Name or domain" value={search} onChange={(e) => setSearch(e.target.value)} />
        {props.children}
      </div>
      {q === '' ? null : (
        <ul className="record-links" aria-label="Organizations found">
          {candidates.map((o) => (
            <li key={o.id}>
              {organizationName(o)}
              {o.domain ? <span className="muted"> · {o.domain}</span> : null}{' '}
              <button type="button" className="btn btn-secondary btn-small" disabled={props.busy} onClick={() => props.onPick(o.id)} aria-label={`${props.action} ${organizationName(o)}`}>
                {props.action}
              </button>
            </li>
          ))}
          {found.data && candidates.length === 0 ? <li className="muted">No other organization matches.</li> : null}
        </ul>
      )}
    </div>
  );
}
