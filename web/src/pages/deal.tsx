// One deal (→ a HubSpot deal): its fields (built-in and custom fields of object type deals), its
// sync status and HubSpot id (a link into HubSpot), an edit form that sends only what changed,
// its organization (set or cleared), its customers (linked and unlinked) and its activity timeline.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, get, ws } from '../api/client.js';
import type { Deal, Organization, WorkspaceUser } from '../api/types.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { LinkedCustomers } from '../components/linked-customers.js';
import { displayValue, OwnerInput, ownerName, TextField, useMembers, type Draft } from '../components/record-fields.js';
import { Fact, RecordFrame, useRecordPage } from '../components/record-page.js';
import { CustomerPicker, OrganizationPicker } from '../components/record-pickers.js';
import { dealName, formatAmount, formatDay } from './deals.js';
import { organizationName } from './organizations.js';

/** The fields the edit form holds; the links (organization, customers) have their own cards. */
export const DEAL_KEYS = ['name', 'amount', 'currency', 'closeDate', 'pipeline', 'stage', 'ownerUserId'] as const;

/** A deal's built-in inputs: the edit form's and the new deal's (whose stage offers the workspace's local stages). */
export function DealInputs({ draft, set, error, users, stages = [] }: { draft: Draft; set: (key: string, value: string) => void; error: unknown; users: WorkspaceUser[] | undefined; stages?: string[] }) {
  const text = (id: string, label: string, extra: { type?: string; hint?: string; list?: string } = {}) => (
    <TextField id={`f-${id}`} label={label} field={id} value={String(draft[id] ?? '')} onChange={(v) => set(id, v)} error={error} {...extra} />
  );
  return (
    <>
      {text('name', 'Name')}
      {text('amount', 'Amount', { hint: 'A decimal number, such as 1250.50' })}
      {text('currency', 'Currency', { hint: 'An ISO 4217 code, such as CHF, EUR or USD' })}
      {text('closeDate', 'Close date', { type: 'date' })}
      {text('pipeline', 'Pipeline', { hint: 'Empty is the default pipeline' })}
      {text('stage', 'Stage', { hint: 'A key such as qualified or closed_won; mapped to a HubSpot stage under HubSpot → Deal stages', ...(stages.length > 0 ? { list: 'f-stage-options' } : {}) })}
      {stages.length > 0 ? (
        <datalist id="f-stage-options">
          {stages.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
      <OwnerInput users={users} value={String(draft['ownerUserId'] ?? '')} onChange={(v) => set('ownerUserId', v)} error={error} />
    </>
  );
}

export function DealPage() {
  const { dealId = '' } = useParams();
  const page = useRecordPage('deals', dealId, DEAL_KEYS);
  const users = useMembers(page.workspace);
  if (!page.ready) return page.view;
  const { workspace, record: d, form } = page;
  const { save, set } = form;

  return (
    <RecordFrame
      page={page}
      title={dealName(d)}
      inputs={(draft) => <DealInputs draft={draft} set={set} error={save.error} users={users.data?.users} />}
      facts={
        <>
          <Fact label="Name">{displayValue(d.name)}</Fact>
          <Fact label="Amount">{formatAmount(d.amount, d.currency)}</Fact>
          <Fact label="Close date">{formatDay(d.closeDate)}</Fact>
          <Fact label="Pipeline">{d.pipeline}</Fact>
          <Fact label="Stage">{displayValue(d.stage)}</Fact>
          <Fact label="Owner">{ownerName(d.ownerUserId, users.data?.users)}</Fact>
        </>
      }
    >
      <DealOrganization workspace={workspace} deal={d} />
      <DealCustomers workspace={workspace} deal={d} />
      <ActivityTimeline workspace={workspace} of={{ dealId: d.id }} />
    </RecordFrame>
  );
}

/** After a link changed: the answer is the deal as it now is; deal lists (a customer's too) are read again. */
function useDealUpdated(workspace: string) {
  const client = useQueryClient();
  return (updated: Deal) => {
    client.setQueryData(['deal', workspace, updated.id], updated);
    void client.invalidateQueries({ queryKey: ['deals', workspace] });
  };
}

/** The deal's one organization: a link to it and Clear, or Set one found by name or domain. */
function DealOrganization({ workspace, deal }: { workspace: string; deal: Deal }) {
  const updated = useDealUpdated(workspace);
  const setOrganization = useMutation({
    mutationFn: (organizationId: string | null) => api<Deal>('PATCH', `${ws(workspace)}/deals/${encodeURIComponent(deal.id)}`, { organizationId }),
    onSuccess: updated,
  });
  const id = deal.organizationId;
  const organization = useQuery({
    queryKey: ['organization', workspace, id],
    queryFn: () => get<Organization>(`${ws(workspace)}/organizations/${encodeURIComponent(id ?? '')}`),
    enabled: id !== null,
  });
  return (
    <section className="card" aria-labelledby="deal-organization-heading">
      <h2 id="deal-organization-heading">Organization</h2>
      {id === null ? (
        <p className="muted">Not linked to an organization.</p>
      ) : (
        <ul className="record-links">
          <li>
            <Link to={`/w/${workspace}/organizations/${encodeURIComponent(id)}`}>{organization.data ? organizationName(organization.data) : id}</Link>
            {organization.data?.domain ? <span className="muted"> · {organization.data.domain}</span> : null}{' '}
            <button type="button" className="btn btn-secondary btn-small" disabled={setOrganization.isPending} onClick={() => setOrganization.mutate(null)} aria-label="Clear the organization">
              Clear
            </button>
          </li>
        </ul>
      )}
      <OrganizationPicker
        workspace={workspace}
        id="deal-organization-search"
        heading={id === null ? 'Set the organization' : 'Change the organization'}
        linkedIds={id === null ? [] : [id]}
        busy={setOrganization.isPending}
        error={setOrganization.error}
        action="Set"
        onPick={(organizationId) => setOrganization.mutate(organizationId)}
      />
    </section>
  );
}

/** The deal's customers with Remove, and Add found by name, email or pasted customer id. */
function DealCustomers({ workspace, deal }: { workspace: string; deal: Deal }) {
  const updated = useDealUpdated(workspace);
  const path = (customerId: string) => `${ws(workspace)}/deals/${encodeURIComponent(deal.id)}/customers/${encodeURIComponent(customerId)}`;
  const remove = useMutation({ mutationFn: (customerId: string) => api<Deal>('DELETE', path(customerId)), onSuccess: updated });
  const add = useMutation({ mutationFn: (customerId: string) => api<Deal>('PUT', path(customerId)), onSuccess: updated });

  return (
    <LinkedCustomers workspace={workspace} customerIds={deal.customerIds} heading="Customers" headingId="deal-customers-heading" label="Deal customers" empty="No customers are linked to this deal yet." remove={remove}>
      <CustomerPicker workspace={workspace} id="deal-customer-search" heading="Link a customer" linkedIds={deal.customerIds} busy={add.isPending} error={add.error} action="Add" onPick={(customerId) => add.mutate(customerId)} />
    </LinkedCustomers>
  );
}
