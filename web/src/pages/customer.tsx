// One customer: every field (built-in and custom), its sync status and HubSpot id (a link into
// HubSpot), its organizations, its deals, its activity timeline, and an edit form that sends
// only what changed (an emptied field is sent as null, which clears it).
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { get, ws } from '../api/client.js';
import { BUILT_IN_FIELDS, type Customer, type CustomField, type Organization } from '../api/types.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { CustomFieldList, CustomInput, displayValue, FormActions, SyncCard, TextField, useRecordDraft } from '../components/record-fields.js';
import { ErrorMessage, formatDate, Loading, PageHeader } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { customerName } from './customers.js';
import { LinkedDeals } from './deals.js';
import { organizationName } from './organizations.js';

const CUSTOMER_KEYS = BUILT_IN_FIELDS.map((f) => f.key);

export function CustomerPage() {
  const workspace = useWorkspace();
  const { customerId = '' } = useParams();
  const key = ['customer', workspace, customerId];
  const path = `${ws(workspace)}/customers/${encodeURIComponent(customerId)}`;
  const customer = useQuery({ queryKey: key, queryFn: () => get<Customer>(path) });
  const fields = useQuery({ queryKey: ['custom-fields', workspace], queryFn: () => get<{ customFields: CustomField[] }>(`${ws(workspace)}/custom-fields`) });
  const form = useRecordDraft({
    record: customer.data,
    fields: fields.data?.customFields,
    keys: CUSTOMER_KEYS,
    path,
    queryKey: key,
    invalidate: [
      ['customers', workspace],
      ['sync', workspace],
    ],
  });
  const { draft, save, set } = form;

  const breadcrumb = <Link to={`/w/${workspace}/customers`}>← Customers</Link>;
  if (customer.isPending || fields.isPending) return <Loading />;
  if (customer.isError) {
    return (
      <>
        <PageHeader title="Customer" breadcrumb={breadcrumb} />
        <ErrorMessage error={customer.error} />
      </>
    );
  }
  if (fields.isError) return <ErrorMessage error={fields.error} />;
  const c = customer.data;
  const customFields = fields.data.customFields;
  const editable = customFields.filter((f) => !f.archived);

  return (
    <>
      <PageHeader title={customerName(c)} breadcrumb={breadcrumb}>
        {draft ? null : (
          <button type="button" className="btn btn-primary" onClick={form.edit}>
            Edit
          </button>
        )}
      </PageHeader>

      <SyncCard workspace={workspace} sync={c.sync} objectType="contacts" noun="contact" />

      {draft ? (
        <form className="card" onSubmit={form.submit} aria-labelledby="edit-heading" noValidate>
          <h2 id="edit-heading">Edit customer</h2>
          <ErrorMessage error={save.error} />
          <div className="form-grid">
            {BUILT_IN_FIELDS.map((f) => (
              <TextField key={f.key} id={`f-${f.key}`} label={f.label} field={f.key} type={f.key === 'email' ? 'email' : 'text'} value={String(draft[f.key] ?? '')} onChange={(v) => set(f.key, v)} error={save.error} />
            ))}
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
            {BUILT_IN_FIELDS.map((f) => (
              <div key={f.key}>
                <dt>{f.label}</dt>
                <dd>{displayValue(c[f.key])}</dd>
              </div>
            ))}
            <div>
              <dt>Tags</dt>
              <dd>{c.tags.length ? c.tags.map((t) => <span key={t} className="tag">{t}</span>) : '—'}</dd>
            </div>
            <div>
              <dt>External id</dt>
              <dd>{c.externalId ?? '—'}</dd>
            </div>
          </dl>
          <h3>Custom fields</h3>
          <CustomFieldList fields={customFields} record={c} empty="This workspace has no custom fields." />
          <p className="meta">
            Created {formatDate(c.createdAt)} · Updated {formatDate(c.updatedAt)} · <code>{c.id}</code>
          </p>
        </section>
      )}

      <CustomerOrganizations workspace={workspace} organizationIds={c.organizationIds} />
      <LinkedDeals workspace={workspace} of={{ customerId: c.id }} label="Customer deals" empty="No deals are linked to this customer." />
      <ActivityTimeline workspace={workspace} of={{ customerId: c.id }} />
    </>
  );
}

/** The organizations a customer belongs to, the primary one (the first) marked. */
function CustomerOrganizations({ workspace, organizationIds }: { workspace: string; organizationIds: string[] }) {
  const organizations = useQueries({
    queries: organizationIds.map((id) => ({ queryKey: ['organization', workspace, id], queryFn: () => get<Organization>(`${ws(workspace)}/organizations/${encodeURIComponent(id)}`) })),
  });
  return (
    <section className="card" aria-labelledby="organizations-heading">
      <h2 id="organizations-heading">Organizations</h2>
      {organizationIds.length === 0 ? (
        <p className="muted">Not a member of any organization.</p>
      ) : (
        <ul className="record-links">
          {organizationIds.map((id, i) => {
            const o = organizations[i]?.data;
            return (
              <li key={id}>
                <Link to={`/w/${workspace}/organizations/${encodeURIComponent(id)}`}>{o ? organizationName(o) : id}</Link>
                {o?.domain ? <span className="muted"> · {o.domain}</span> : null}
                {i === 0 ? <span className="tag tag-primary">Primary</span> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
