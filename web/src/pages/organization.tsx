// One organization (→ a HubSpot company): every field (built-in and custom fields of object type
// companies), its sync status and HubSpot id (a link into HubSpot), an edit form that sends only
// what changed, and its members — the customers linked to it, each marked when this is their
// primary organization — with Remove and an Add found by name, email or customer id; its deals
// and its activity timeline.
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, get, query, ws } from '../api/client.js';
import { ORGANIZATION_TEXT_FIELDS, type Customer, type CustomField, type Organization } from '../api/types.js';
import { CustomerPicker } from '../components/record-pickers.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { CustomFieldList, CustomInput, displayValue, FormActions, OwnerInput, ownerName, SyncCard, TextField, useMembers, useRecordDraft } from '../components/record-fields.js';
import { ErrorMessage, formatDate, Loading, PageHeader, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { customerName } from './customers.js';
import { LinkedDeals } from './deals.js';
import { organizationName } from './organizations.js';

const ORGANIZATION_KEYS = [...ORGANIZATION_TEXT_FIELDS.map((f) => f.key), 'numberOfEmployees', 'ownerUserId'] as const;
const NUMBER_KEYS = ['numberOfEmployees'];
/** Members shown (each is read on its own); the rest are counted. */
const MEMBERS_SHOWN = 100;

export function OrganizationPage() {
  const workspace = useWorkspace();
  const { organizationId = '' } = useParams();
  const key = ['organization', workspace, organizationId];
  const path = `${ws(workspace)}/organizations/${encodeURIComponent(organizationId)}`;
  const organization = useQuery({ queryKey: key, queryFn: () => get<Organization>(path) });
  const fields = useQuery({ queryKey: ['custom-fields', workspace, 'companies'], queryFn: () => get<{ customFields: CustomField[] }>(`${ws(workspace)}/custom-fields${query({ objectType: 'companies' })}`) });
  const users = useMembers(workspace);
  const form = useRecordDraft({
    record: organization.data,
    fields: fields.data?.customFields,
    keys: ORGANIZATION_KEYS,
    numberKeys: NUMBER_KEYS,
    path,
    queryKey: key,
    invalidate: [
      ['organizations', workspace],
      ['sync', workspace],
    ],
  });
  const { draft, save, set } = form;

  const breadcrumb = <Link to={`/w/${workspace}/organizations`}>← Organizations</Link>;
  if (organization.isPending || fields.isPending) return <Loading />;
  if (organization.isError) {
    return (
      <>
        <PageHeader title="Organization" breadcrumb={breadcrumb} />
        <ErrorMessage error={organization.error} />
      </>
    );
  }
  if (fields.isError) return <ErrorMessage error={fields.error} />;
  const o = organization.data;
  const customFields = fields.data.customFields;
  const editable = customFields.filter((f) => !f.archived);

  return (
    <>
      <PageHeader title={organizationName(o)} breadcrumb={breadcrumb}>
        {draft ? null : (
          <button type="button" className="btn btn-primary" onClick={form.edit}>
            Edit
          </button>
        )}
      </PageHeader>

      <SyncCard workspace={workspace} sync={o.sync} objectType="companies" noun="company" />

      {draft ? (
        <form className="card" onSubmit={form.submit} aria-labelledby="edit-heading" noValidate>
          <h2 id="edit-heading">Edit organization</h2>
          <ErrorMessage error={save.error} />
          <div className="form-grid">
            {ORGANIZATION_TEXT_FIELDS.map((f) => (
              <TextField
                key={f.key}
                id={`f-${f.key}`}
                label={f.label}
                field={f.key}
                {...(f.key === 'annualRevenue' ? { hint: 'A decimal number, such as 1250000.50' } : {})}
                value={String(draft[f.key] ?? '')}
                onChange={(v) => set(f.key, v)}
                error={save.error}
              />
            ))}
            <TextField id="f-numberOfEmployees" label="Employees" field="numberOfEmployees" type="number" value={String(draft['numberOfEmployees'] ?? '')} onChange={(v) => set('numberOfEmployees', v)} error={save.error} />
            <OwnerInput users={users.data?.users} value={String(draft['ownerUserId'] ?? '')} onChange={(v) => set('ownerUserId', v)} error={save.error} />
            <TextField id="f-tags" label="Tags" hint="Separate tags with commas" field="tags" value={String(draft['tags'] ?? '')} onChange={(v) => set('tags', v)} error={save.error} />
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
            {ORGANIZATION_TEXT_FIELDS.map((f) => (
              <div key={f.key}>
                <dt>{f.label}</dt>
                <dd>
                  {displayValue(o[f.key])}
                  {f.key === 'domain' && o.domainKey !== null && o.domainKey !== o.domain ? <span className="muted"> (compared as {o.domainKey})</span> : null}
                </dd>
              </div>
            ))}
            <div>
              <dt>Employees</dt>
              <dd>{displayValue(o.numberOfEmployees)}</dd>
            </div>
            <div>
              <dt>Owner</dt>
              <dd>{ownerName(o.ownerUserId, users.data?.users)}</dd>
            </div>
            <div>
              <dt>Tags</dt>
              <dd>{o.tags.length ? o.tags.map((t) => <span key={t} className="tag">{t}</span>) : '—'}</dd>
            </div>
            <div>
              <dt>External id</dt>
              <dd>{o.externalId ?? '—'}</dd>
            </div>
          </dl>
          <h3>Custom fields</h3>
          <CustomFieldList fields={customFields} record={o} empty="This workspace has no custom fields for organizations." />
          <p className="meta">
            Created {formatDate(o.createdAt)} · Updated {formatDate(o.updatedAt)} · <code>{o.id}</code>
          </p>
        </section>
      )}

      <Members workspace={workspace} organizationId={o.id} customerIds={o.customerIds ?? []} />
      <LinkedDeals workspace={workspace} of={{ organizationId: o.id }} label="Organization deals" empty="No deals are linked to this organization." />
      <ActivityTimeline workspace={workspace} of={{ organizationId: o.id }} />
    </>
  );
}

/** The organization's customers: who they are, Primary when this is their first organization, Remove; and Add. */
function Members({ workspace, organizationId, customerIds }: { workspace: string; organizationId: string; customerIds: string[] }) {
  const client = useQueryClient();
  const shown = customerIds.slice(0, MEMBERS_SHOWN);
  const customers = useQueries({
    queries: shown.map((id) => ({ queryKey: ['customer', workspace, id], queryFn: () => get<Customer>(`${ws(workspace)}/customers/${encodeURIComponent(id)}`) })),
  });
  const path = (customerId: string) => `${ws(workspace)}/organizations/${encodeURIComponent(organizationId)}/customers/${encodeURIComponent(customerId)}`;
  const refresh = async (customerId: string) => {
    await client.invalidateQueries({ queryKey: ['organization', workspace, organizationId] });
    await client.invalidateQueries({ queryKey: ['customer', workspace, customerId] });
  };
  const remove = useMutation({ mutationFn: (customerId: string) => api<void>('DELETE', path(customerId)), onSuccess: (_, customerId) => refresh(customerId) });
  const [primary, setPrimary] = useState(false);
  const add = useMutation({ mutationFn: ({ customerId, primary }: { customerId: string; primary: boolean }) => api<void>('PUT', path(customerId), { primary }), onSuccess: (_, { customerId }) => refresh(customerId) });

  return (
    <section className="card card-flush" aria-labelledby="members-heading">
      <div className="card-header padded">
        <h2 id="members-heading">Members</h2>
        <p className="muted">
          {customerIds.length === 0 ? 'No customers belong to this organization yet.' : `${customerIds.length} ${customerIds.length === 1 ? 'customer' : 'customers'}`}
          {customerIds.length > MEMBERS_SHOWN ? `; the first ${MEMBERS_SHOWN} are shown` : ''}
        </p>
      </div>
      <ErrorMessage error={remove.error} />
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label="Members">
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
                      {c?.organizationIds[0] === organizationId ? (
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
      <CustomerPicker workspace={workspace} id="member-search" heading="Add a member" linkedIds={customerIds} busy={add.isPending} error={add.error} action="Add" onPick={(customerId) => add.mutate({ customerId, primary })}>
        <label className="checkbox">
          <input type="checkbox" checked={primary} onChange={(e) => setPrimary(e.target.checked)} />
          Make it their primary organization
        </label>
      </CustomerPicker>
    </section>
  );
}
