// One organization (→ a HubSpot company): every field (built-in and custom fields of object type
// companies), its sync status and HubSpot id (a link into HubSpot), an edit form that sends only
// what changed, and its members — the customers linked to it, each marked when this is their
// primary organization — with Remove and an Add found by name, email or customer id; its deals
// and its activity timeline.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useParams } from 'react-router';
import { api, ws } from '../api/client.js';
import { ORGANIZATION_TEXT_FIELDS, type WorkspaceUser } from '../api/types.js';
import { CustomerPicker } from '../components/record-pickers.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { LinkedCustomers } from '../components/linked-customers.js';
import { displayValue, OwnerInput, ownerName, TextField, useMembers, type Draft } from '../components/record-fields.js';
import { Fact, RecordFrame, useRecordPage } from '../components/record-page.js';
import { LinkedDeals } from './deals.js';
import { organizationName } from './organizations.js';

export const ORGANIZATION_KEYS = [...ORGANIZATION_TEXT_FIELDS.map((f) => f.key), 'numberOfEmployees', 'ownerUserId'] as const;
export const ORGANIZATION_NUMBER_KEYS = ['numberOfEmployees'];

/** An organization's built-in inputs: the edit form's and the new organization's. */
export function OrganizationInputs({ draft, set, error, users }: { draft: Draft; set: (key: string, value: string) => void; error: unknown; users: WorkspaceUser[] | undefined }) {
  return (
    <>
      {ORGANIZATION_TEXT_FIELDS.map((f) => (
        <TextField
          key={f.key}
          id={`f-${f.key}`}
          label={f.label}
          field={f.key}
          {...(f.key === 'annualRevenue' ? { hint: 'A decimal number, such as 1250000.50' } : {})}
          value={String(draft[f.key] ?? '')}
          onChange={(v) => set(f.key, v)}
          error={error}
        />
      ))}
      <TextField id="f-numberOfEmployees" label="Employees" field="numberOfEmployees" type="number" value={String(draft['numberOfEmployees'] ?? '')} onChange={(v) => set('numberOfEmployees', v)} error={error} />
      <OwnerInput users={users} value={String(draft['ownerUserId'] ?? '')} onChange={(v) => set('ownerUserId', v)} error={error} />
      <TextField id="f-tags" label="Tags" hint="Separate tags with commas" field="tags" value={String(draft['tags'] ?? '')} onChange={(v) => set('tags', v)} error={error} />
    </>
  );
}

export function OrganizationPage() {
  const { organizationId = '' } = useParams();
  const page = useRecordPage('organizations', organizationId, ORGANIZATION_KEYS, ORGANIZATION_NUMBER_KEYS);
  const users = useMembers(page.workspace);
  if (!page.ready) return page.view;
  const { workspace, record: o, form } = page;
  const { save, set } = form;

  return (
    <RecordFrame
      page={page}
      title={organizationName(o)}
      inputs={(draft) => <OrganizationInputs draft={draft} set={set} error={save.error} users={users.data?.users} />}
      facts={
        <>
          {ORGANIZATION_TEXT_FIELDS.map((f) => (
            <Fact key={f.key} label={f.label}>
              {displayValue(o[f.key])}
              {f.key === 'domain' && o.domainKey !== null && o.domainKey !== o.domain ? <span className="muted"> (compared as {o.domainKey})</span> : null}
            </Fact>
          ))}
          <Fact label="Employees">{displayValue(o.numberOfEmployees)}</Fact>
          <Fact label="Owner">{ownerName(o.ownerUserId, users.data?.users)}</Fact>
          <Fact label="Tags">{o.tags.length ? o.tags.map((t) => <span key={t} className="tag">{t}</span>) : '—'}</Fact>
        </>
      }
    >
      <Members workspace={workspace} organizationId={o.id} customerIds={o.customerIds ?? []} />
      <LinkedDeals workspace={workspace} of={{ organizationId: o.id }} label="Organization deals" empty="No deals are linked to this organization." />
      <ActivityTimeline workspace={workspace} of={{ organizationId: o.id }} />
    </RecordFrame>
  );
}

/** The organization's customers: who they are, Primary when this is their first organization, Remove; and Add. */
function Members({ workspace, organizationId, customerIds }: { workspace: string; organizationId: string; customerIds: string[] }) {
  const client = useQueryClient();
  const path = (customerId: string) => `${ws(workspace)}/organizations/${encodeURIComponent(organizationId)}/customers/${encodeURIComponent(customerId)}`;
  const refresh = async (customerId: string) => {
    await client.invalidateQueries({ queryKey: ['organization', workspace, organizationId] });
    await client.invalidateQueries({ queryKey: ['customer', workspace, customerId] });
  };
  const remove = useMutation({ mutationFn: (customerId: string) => api<void>('DELETE', path(customerId)), onSuccess: (_, customerId) => refresh(customerId) });
  const [primary, setPrimary] = useState(false);
  const add = useMutation({ mutationFn: ({ customerId, primary }: { customerId: string; primary: boolean }) => api<void>('PUT', path(customerId), { primary }), onSuccess: (_, { customerId }) => refresh(customerId) });

  return (
    <LinkedCustomers
      workspace={workspace}
      customerIds={customerIds}
      heading="Members"
      headingId="members-heading"
      label="Members"
      empty="No customers belong to this organization yet."
      primaryOrganizationId={organizationId}
      remove={remove}
    >
      <CustomerPicker workspace={workspace} id="member-search" heading="Add a member" linkedIds={customerIds} busy={add.isPending} error={add.error} action="Add" onPick={(customerId) => add.mutate({ customerId, primary })}>
        <label className="checkbox">
          <input type="checkbox" checked={primary} onChange={(e) => setPrimary(e.target.checked)} />
          Make it their primary organization
        </label>
      </CustomerPicker>
    </LinkedCustomers>
  );
}
