// One deal (→ a HubSpot deal): its fields (built-in and custom fields of object type deals), its
// sync status and HubSpot id (a link into HubSpot), an edit form that sends only what changed,
// its organization (set or cleared), its customers (linked and unlinked) and its activity timeline.
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, get, query, ws } from '../api/client.js';
import type { Customer, CustomField, Deal, Organization } from '../api/types.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { CustomFieldList, CustomInput, displayValue, FormActions, OwnerInput, ownerName, SyncCard, TextField, useMembers, useRecordDraft } from '../components/record-fields.js';
import { CustomerPicker, OrganizationPicker } from '../components/record-pickers.js';
import { ErrorMessage, formatDate, Loading, PageHeader, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { customerName } from './customers.js';
import { dealName, formatAmount, formatDay } from './deals.js';
import { organizationName } from './organizations.js';

/** The fields the edit form holds; the links (organization, customers) have their own cards. */
const DEAL_KEYS = ['name', 'amount', 'currency', 'closeDate', 'pipeline', 'stage', 'ownerUserId'] as const;
/** Linked customers shown (each is read on its own); the rest are counted. */
const CUSTOMERS_SHOWN = 100;

export function DealPage() {
  const workspace = useWorkspace();
  const { dealId = '' } = useParams();
  const key = ['deal', workspace, dealId];
  const path = `${ws(workspace)}/deals/${encodeURIComponent(dealId)}`;
  const deal = useQuery({ queryKey: key, queryFn: () => get<Deal>(path) });
  const fields = useQuery({ queryKey: ['custom-fields', workspace, 'deals'], queryFn: () => get<{ customFields: CustomField[] }>(`${ws(workspace)}/custom-fields${query({ objectType: 'deals' })}`) });
  const users = useMembers(workspace);
  const form = useRecordDraft({
    record: deal.data,
    fields: fields.data?.customFields,
    keys: DEAL_KEYS,
    path,
    queryKey: key,
    invalidate: [
      ['deals', workspace],
      ['sync', workspace],
    ],
  });
  const { draft, save, set } = form;

  const breadcrumb = <Link to={`/w/${workspace}/deals`}>← Deals</Link>;
  if (deal.isPending || fields.isPending) return <Loading />;
  if (deal.isError) {
    return (
      <>
        <PageHeader title="Deal" breadcrumb={breadcrumb} />
        <ErrorMessage error={deal.error} />
      </>
    );
  }
  if (fields.isError) return <ErrorMessage error={fields.error} />;
  const d = deal.data;
  const customFields = fields.data.customFields;
  const editable = customFields.filter((f) => !f.archived);
  const text = (id: string, label: string, extra: { type?: string; hint?: string } = {}) => (
    <TextField id={`f-${id}`} label={label} field={id} value={String(draft?.[id] ?? '')} onChange={(v) => set(id, v)} error={save.error} {...extra} />
  );

  return (
    <>
      <PageHeader title={dealName(d)} breadcrumb={breadcrumb}>
        {draft ? null : (
          <button type="button" className="btn btn-primary" onClick={form.edit}>
            Edit
          </button>
        )}
      </PageHeader>

      <SyncCard workspace={workspace} sync={d.sync} objectType="deals" noun="deal" />

      {draft ? (
        <form className="card" onSubmit={form.submit} aria-labelledby="edit-heading" noValidate>
          <h2 id="edit-heading">Edit deal</h2>
          <ErrorMessage error={save.error} />
          <div className="form-grid">
            {text('name', 'Name')}
            {text('amount', 'Amount', { hint: 'A decimal number, such as 1250.50' })}
            {text('currency', 'Currency', { hint: 'An ISO 4217 code, such as CHF, EUR or USD' })}
            {text('closeDate', 'Close date', { type: 'date' })}
            {text('pipeline', 'Pipeline', { hint: 'Empty is the default pipeline' })}
            {text('stage', 'Stage', { hint: 'Mapped to a HubSpot stage under HubSpot → Deal stages' })}
            <OwnerInput users={users.data?.users} value={String(draft['ownerUserId'] ?? '')} onChange={(v) => set('ownerUserId', v)} error={save.error} />
            {editable.map((f) => (
              <CustomInput key={f.id} field={f} value={draft[`custom.${f.key}`]} onChange={(v) => set(`custom.${f.key}`, v)} error={save.error} />
            ))}
          </div>
          <FormActions busy={save.isPending} onCancel={form.cancel} />
        </form>
      ) : (
        <section className="card" aria-labelledby="fields-heading">
          <h2 id="fields-heading">Fields</h2>
          <dl className="field-list">
            <div>
              <dt>Name</dt>
              <dd>{displayValue(d.name)}</dd>
            </div>
            <div>
              <dt>Amount</dt>
              <dd>{formatAmount(d.amount, d.currency)}</dd>
            </div>
            <div>
              <dt>Close date</dt>
              <dd>{formatDay(d.closeDate)}</dd>
            </div>
            <div>
              <dt>Pipeline</dt>
              <dd>{d.pipeline}</dd>
            </div>
            <div>
              <dt>Stage</dt>
              <dd>{displayValue(d.stage)}</dd>
            </div>
            <div>
              <dt>Owner</dt>
              <dd>{ownerName(d.ownerUserId, users.data?.users)}</dd>
            </div>
            <div>
              <dt>External id</dt>
              <dd>{d.externalId ?? '—'}</dd>
            </div>
          </dl>
          <h3>Custom fields</h3>
          <CustomFieldList fields={customFields} record={d} empty="This workspace has no custom fields for deals." />
          <p className="meta">
            Created {formatDate(d.createdAt)} · Updated {formatDate(d.updatedAt)} · <code>{d.id}</code>
          </p>
        </section>
      )}

      <DealOrganization workspace={workspace} deal={d} />
      <DealCustomers workspace={workspace} deal={d} />
      <ActivityTimeline workspace={workspace} of={{ dealId: d.id }} />
    </>
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
  const shown = deal.customerIds.slice(0, CUSTOMERS_SHOWN);
  const customers = useQueries({
    queries: shown.map((id) => ({ queryKey: ['customer', workspace, id], queryFn: () => get<Customer>(`${ws(workspace)}/customers/${encodeURIComponent(id)}`) })),
  });
  const path = (customerId: string) => `${ws(workspace)}/deals/${encodeURIComponent(deal.id)}/customers/${encodeURIComponent(customerId)}`;
  const remove = useMutation({ mutationFn: (customerId: string) => api<Deal>('DELETE', path(customerId)), onSuccess: updated });
  const add = useMutation({ mutationFn: (customerId: string) => api<Deal>('PUT', path(customerId)), onSuccess: updated });
  const count = deal.customerIds.length;

  return (
    <section className="card card-flush" aria-labelledby="deal-customers-heading">
      <div className="card-header padded">
        <h2 id="deal-customers-heading">Customers</h2>
        <p className="muted">
          {count === 0 ? 'No customers are linked to this deal yet.' : `${count} ${count === 1 ? 'customer' : 'customers'}`}
          {count > CUSTOMERS_SHOWN ? `; the first ${CUSTOMERS_SHOWN} are shown` : ''}
        </p>
      </div>
      <ErrorMessage error={remove.error} />
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label="Deal customers">
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
      <CustomerPicker workspace={workspace} id="deal-customer-search" heading="Link a customer" linkedIds={deal.customerIds} busy={add.isPending} error={add.error} action="Add" onPick={(customerId) => add.mutate(customerId)} />
    </section>
  );
}
