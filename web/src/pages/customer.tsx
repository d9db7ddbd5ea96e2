// One customer: every field (built-in and custom), its sync status and HubSpot id (a link into
// HubSpot), its organizations, and an edit form that sends only what changed (an emptied field
// is sent as null, which clears it).
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, get, ws } from '../api/client.js';
import { BUILT_IN_FIELDS, type Customer, type CustomField, type Organization } from '../api/types.js';
import { changes, CustomFieldList, CustomInput, displayValue, draftOf, SyncCard, TextField, type Draft } from '../components/record-fields.js';
import { ErrorMessage, formatDate, Loading, PageHeader } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { customerName } from './customers.js';
import { organizationName } from './organizations.js';

const CUSTOMER_KEYS = BUILT_IN_FIELDS.map((f) => f.key);

export function CustomerPage() {
  const workspace = useWorkspace();
  const { customerId = '' } = useParams();
  const client = useQueryClient();
  const customer = useQuery({ queryKey: ['customer', workspace, customerId], queryFn: () => get<Customer>(`${ws(workspace)}/customers/${encodeURIComponent(customerId)}`) });
  const fields = useQuery({ queryKey: ['custom-fields', workspace], queryFn: () => get<{ customFields: CustomField[] }>(`${ws(workspace)}/custom-fields`) });
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Customer>('PATCH', `${ws(workspace)}/customers/${encodeURIComponent(customerId)}`, body),
    onSuccess: (updated) => {
      client.setQueryData(['customer', workspace, customerId], updated);
      void client.invalidateQueries({ queryKey: ['customers', workspace] });
      void client.invalidateQueries({ queryKey: ['sync', workspace] });
      setDraft(null);
    },
  });

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

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    const body = changes(draftOf(c, CUSTOMER_KEYS, customFields), draft, customFields);
    if (Object.keys(body).length === 0) {
      setDraft(null);
      return;
    }
    save.mutate(body);
  };
  const set = (key: string, value: string | boolean | string[]) => setDraft((d) => ({ ...(d ?? draftOf(c, CUSTOMER_KEYS, customFields)), [key]: value }));

  return (
    <>
      <PageHeader title={customerName(c)} breadcrumb={breadcrumb}>
        {draft ? null : (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              save.reset();
              setDraft(draftOf(c, CUSTOMER_KEYS, customFields));
            }}
          >
            Edit
          </button>
        )}
      </PageHeader>

      <SyncCard workspace={workspace} sync={c.sync} objectType="contacts" noun="contact" />

      {draft ? (
        <form className="card" onSubmit={submit} aria-labelledby="edit-heading" noValidate>
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
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
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
