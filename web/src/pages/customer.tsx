// One customer: every field (built-in and custom), its sync status and HubSpot id, and an
// edit form that sends only what changed (an emptied field is sent as null, which clears it).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, get, ws } from '../api/client.js';
import { BUILT_IN_FIELDS, type Customer, type CustomField, type CustomValue } from '../api/types.js';
import { ErrorMessage, FieldError, formatDate, Loading, PageHeader, StatusBadge } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { customerName } from './customers.js';

type Draft = Record<string, string | boolean | string[]>;

function displayValue(value: CustomValue | null | undefined, field?: CustomField): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map((v) => field?.options.find((o) => o.value === v)?.label ?? v).join(', ') || '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field?.type === 'single_choice') return field.options.find((o) => o.value === value)?.label ?? String(value);
  return String(value);
}

function draftOf(customer: Customer, fields: CustomField[]): Draft {
  const draft: Draft = {};
  for (const f of BUILT_IN_FIELDS) draft[f.key] = customer[f.key] ?? '';
  draft['tags'] = customer.tags.join(', ');
  for (const f of fields) {
    const value = customer.custom[f.key];
    if (f.type === 'boolean') draft[`custom.${f.key}`] = value === true;
    else if (f.type === 'multiple_choice') draft[`custom.${f.key}`] = Array.isArray(value) ? value : [];
    else draft[`custom.${f.key}`] = value === undefined ? '' : String(value);
  }
  return draft;
}

/** The PATCH body: changed fields only; empty text clears the field. */
function changes(customer: Customer, fields: CustomField[], draft: Draft): Record<string, unknown> {
  const before = draftOf(customer, fields);
  const body: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(draft)) {
    if (JSON.stringify(before[key]) === JSON.stringify(value)) continue;
    if (key === 'tags') {
      body['tags'] = String(value).split(',').map((t) => t.trim()).filter(Boolean);
    } else if (key.startsWith('custom.')) {
      const field = fields.find((f) => `custom.${f.key}` === key);
      if (!field) continue;
      if (field.type === 'number') custom[field.key] = value === '' ? null : Number(value);
      else if (field.type === 'boolean' || field.type === 'multiple_choice') custom[field.key] = value;
      else custom[field.key] = value === '' ? null : value;
    } else {
      body[key] = typeof value === 'string' && value.trim() === '' ? null : value;
    }
  }
  if (Object.keys(custom).length > 0) body['custom'] = custom;
  return body;
}

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
  const visibleCustom = customFields.filter((f) => !f.archived || c.custom[f.key] !== undefined);
  const editable = customFields.filter((f) => !f.archived);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    const body = changes(c, customFields, draft);
    if (Object.keys(body).length === 0) {
      setDraft(null);
      return;
    }
    save.mutate(body);
  };
  const set = (key: string, value: string | boolean | string[]) => setDraft((d) => ({ ...(d ?? draftOf(c, customFields)), [key]: value }));

  return (
    <>
      <PageHeader title={customerName(c)} breadcrumb={breadcrumb}>
        {draft ? null : (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              save.reset();
              setDraft(draftOf(c, customFields));
            }}
          >
            Edit
          </button>
        )}
      </PageHeader>

      <section className="card sync-card" aria-labelledby="sync-heading">
        <h2 id="sync-heading">HubSpot sync</h2>
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={c.sync.status} />
            </dd>
          </div>
          <div>
            <dt>HubSpot id</dt>
            <dd>{c.sync.hubspotId ?? <span className="muted">Not in HubSpot yet</span>}</dd>
          </div>
          <div>
            <dt>Last synced</dt>
            <dd>{formatDate(c.sync.syncedAt)}</dd>
          </div>
        </dl>
        {c.sync.lastError ? (
          <div className="alert alert-error">
            <strong>Last error: </strong>
            {c.sync.lastError}
          </div>
        ) : null}
      </section>

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
          {visibleCustom.length === 0 ? (
            <p className="muted">This workspace has no custom fields.</p>
          ) : (
            <dl className="field-list">
              {visibleCustom.map((f) => (
                <div key={f.id}>
                  <dt>
                    {f.label}
                    {f.archived ? <span className="muted"> (archived)</span> : null}
                  </dt>
                  <dd>{displayValue(c.custom[f.key], f)}</dd>
                </div>
              ))}
            </dl>
          )}
          <p className="meta">
            Created {formatDate(c.createdAt)} · Updated {formatDate(c.updatedAt)} · <code>{c.id}</code>
          </p>
        </section>
      )}
    </>
  );
}

function TextField(props: { id: string; label: string; field: string; value: string; onChange: (v: string) => void; error: unknown; type?: string; hint?: string }) {
  const errorId = `${props.id}-error`;
  return (
    <div className="form-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input id={props.id} type={props.type ?? 'text'} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-describedby={errorId} />
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      <FieldError id={errorId} error={props.error} field={props.field} />
    </div>
  );
}

function CustomInput({ field, value, onChange, error }: { field: CustomField; value: Draft[string] | undefined; onChange: (v: string | boolean | string[]) => void; error: unknown }) {
  const id = `f-custom-${field.key}`;
  const errorField = `custom.${field.key}`;
  if (field.type === 'boolean') {
    return (
      <div className="form-field">
        <label className="checkbox">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {field.label}
        </label>
        <FieldError id={`${id}-error`} error={error} field={errorField} />
      </div>
    );
  }
  if (field.type === 'single_choice') {
    return (
      <div className="form-field">
        <label htmlFor={id}>{field.label}</label>
        <select id={id} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-error`} error={error} field={errorField} />
      </div>
    );
  }
  if (field.type === 'multiple_choice') {
    const selected = Array.isArray(value) ? value : [];
    return (
      <fieldset className="form-field">
        <legend>{field.label}</legend>
        {field.options.map((o) => (
          <label key={o.value} className="checkbox">
            <input type="checkbox" checked={selected.includes(o.value)} onChange={(e) => onChange(e.target.checked ? [...selected, o.value] : selected.filter((v) => v !== o.value))} />
            {o.label}
          </label>
        ))}
        <FieldError id={`${id}-error`} error={error} field={errorField} />
      </fieldset>
    );
  }
  return (
    <TextField id={id} label={field.label} field={errorField} type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'} value={String(value ?? '')} onChange={onChange} error={error} />
  );
}
