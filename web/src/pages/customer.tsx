// One customer: every field (built-in and custom, its owner), its sync status and HubSpot id (a
// link into HubSpot), its organizations (add, remove, make primary), its deals, its activity
// timeline, and an edit form that sends only what changed (an emptied field is sent as null,
// which clears it).
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, get, ws } from '../api/client.js';
import { BUILT_IN_FIELDS, type Customer, type Organization, type TagsView } from '../api/types.js';
import { OrganizationPicker } from '../components/record-pickers.js';
import { ErrorMessage } from '../components/ui.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { displayValue, OwnerInput, ownerName, TextField, useMembers } from '../components/record-fields.js';
import { Fact, RecordFrame, useRecordPage } from '../components/record-page.js';
import { CUSTOMER_KEYS } from './customer-new.js';
import { customerName } from './customers.js';
import { LinkedDeals } from './deals.js';
import { organizationName } from './organizations.js';

export function CustomerPage() {
  const { customerId = '' } = useParams();
  const page = useRecordPage('customers', customerId, CUSTOMER_KEYS);
  const users = useMembers(page.workspace);
  if (!page.ready) return page.view;
  const { workspace, record: c, form } = page;
  const { save, set } = form;

  return (
    <RecordFrame
      page={page}
      title={customerName(c)}
      inputs={(draft) => (
        <>
          {BUILT_IN_FIELDS.map((f) => (
            <TextField key={f.key} id={`f-${f.key}`} label={f.label} field={f.key} type={f.key === 'email' ? 'email' : 'text'} value={String(draft[f.key] ?? '')} onChange={(v) => set(f.key, v)} error={save.error} />
          ))}
          <OwnerInput users={users.data?.users} value={String(draft['ownerUserId'] ?? '')} onChange={(v) => set('ownerUserId', v)} error={save.error} />
          <TextField id="f-tags" label="Tags" hint="Separate tags with commas" field="tags" value={String(draft['tags'] ?? '')} onChange={(v) => set('tags', v)} error={save.error} />
        </>
      )}
      facts={
        <>
          {BUILT_IN_FIELDS.map((f) => (
            <Fact key={f.key} label={f.label}>
              {displayValue(c[f.key])}
            </Fact>
          ))}
          <Fact label="Owner">{ownerName(c.ownerUserId, users.data?.users)}</Fact>
          <Fact label="Tags">{c.tags.length ? c.tags.map((t) => <span key={t} className="tag">{t}</span>) : '—'}</Fact>
        </>
      }
    >
      <CustomerTags workspace={workspace} customer={c} />
      <CustomerOrganizations workspace={workspace} customer={c} />
      <LinkedDeals workspace={workspace} of={{ customerId: c.id }} label="Customer deals" empty="No deals are linked to this customer." />
      <ActivityTimeline workspace={workspace} of={{ customerId: c.id }} />
    </RecordFrame>
  );
}

/**
 * The organizations a customer belongs to, the primary one (the first) marked: each can be taken
 * off or made the primary one, and another added (a PATCH of `organizationIds`, the whole list).
 */
function CustomerOrganizations({ workspace, customer }: { workspace: string; customer: Customer }) {
  const { organizationIds } = customer;
  const client = useQueryClient();
  const organizations = useQueries({
    queries: organizationIds.map((id) => ({ queryKey: ['organization', workspace, id], queryFn: () => get<Organization>(`${ws(workspace)}/organizations/${encodeURIComponent(id)}`) })),
  });
  const change = useMutation({
    mutationFn: (ids: string[]) => api<Customer>('PATCH', `${ws(workspace)}/customers/${encodeURIComponent(customer.id)}`, { organizationIds: ids }),
    onSuccess: (saved) => {
      client.setQueryData(['customer', workspace, customer.id], saved);
      void client.invalidateQueries({ queryKey: ['customers', workspace] });
      void client.invalidateQueries({ queryKey: ['organization', workspace] });
    },
  });
  const nameOf = (i: number, id: string) => {
    const o = organizations[i]?.data;
    return o ? organizationName(o) : id;
  };
  return (
    <section className="card" aria-labelledby="organizations-heading">
      <h2 id="organizations-heading">Organizations</h2>
      {organizationIds.length === 0 ? (
        <p className="muted">Not a member of any organization.</p>
      ) : (
        <ul className="record-links" aria-label="Organizations of this customer">
          {organizationIds.map((id, i) => {
            const o = organizations[i]?.data;
            return (
              <li key={id}>
                <Link to={`/w/${workspace}/organizations/${encodeURIComponent(id)}`}>{nameOf(i, id)}</Link>
                {o?.domain ? <span className="muted"> · {o.domain}</span> : null}
                {i === 0 ? (
                  <span className="tag tag-primary">Primary</span>
                ) : (
                  <button type="button" className="btn btn-secondary btn-small" disabled={change.isPending} onClick={() => change.mutate([id, ...organizationIds.filter((x) => x !== id)])} aria-label={`Make ${nameOf(i, id)} the primary organization`}>
                    Make primary
                  </button>
                )}
                <button type="button" className="btn btn-secondary btn-small" disabled={change.isPending} onClick={() => change.mutate(organizationIds.filter((x) => x !== id))} aria-label={`Remove ${nameOf(i, id)}`}>
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <OrganizationPicker workspace={workspace} id="customer-organization-search" heading="Add an organization" linkedIds={organizationIds} busy={change.isPending} error={change.error} action="Add" onPick={(id) => change.mutate([...organizationIds, id])} />
    </section>
  );
}

/**
 * The customer's tags with their catalog labels: each can be taken off, and any catalog tag
 * added (POST /customers/:id/tags, stamped like any field edit and pushed with the contact).
 */
function CustomerTags({ workspace, customer }: { workspace: string; customer: Customer }) {
  const client = useQueryClient();
  const tags = useQuery({ queryKey: ['tags', workspace], queryFn: () => get<TagsView>(`${ws(workspace)}/tags`) });
  const [adding, setAdding] = useState('');
  const change = useMutation({
    mutationFn: (body: { add?: string[]; remove?: string[] }) => api<Customer>('POST', `${ws(workspace)}/customers/${encodeURIComponent(customer.id)}/tags`, body),
    onSuccess: (saved) => {
      client.setQueryData(['customer', workspace, customer.id], saved);
      setAdding('');
      void client.invalidateQueries({ queryKey: ['customer', workspace, customer.id] });
      void client.invalidateQueries({ queryKey: ['customers', workspace] });
      void client.invalidateQueries({ queryKey: ['tags', workspace] });
    },
  });
  const labelOf = (key: string) => tags.data?.tags.find((t) => t.key === key)?.label ?? key;
  const addable = (tags.data?.tags ?? []).filter((t) => !customer.tags.includes(t.key));
  return (
    <section className="card" aria-labelledby="customer-tags-heading">
      <h2 id="customer-tags-heading">Tags</h2>
      <ErrorMessage error={change.error} />
      {customer.tags.length === 0 ? <p className="muted">No tags.</p> : null}
      <ul className="record-links" aria-label="Tags of this customer">
        {customer.tags.map((t) => (
          <li key={t}>
            <span className="tag" title={t}>
              {labelOf(t)}
            </span>
            <button type="button" className="btn btn-secondary btn-small" disabled={change.isPending} onClick={() => change.mutate({ remove: [t] })} aria-label={`Remove tag ${labelOf(t)}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <label className="inline-field">
          <span>Add tag</span>
          <select value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">Choose a tag…</option>
            {addable.map((t) => (
              <option key={t.key} value={t.key}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-secondary" disabled={!adding || change.isPending} onClick={() => change.mutate({ add: [adding] })}>
          Add
        </button>
      </div>
    </section>
  );
}
