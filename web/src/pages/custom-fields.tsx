// Custom fields admin: create a field (key, label, type, choice options), rename it, archive
// or restore it. Archived fields keep their values but no longer accept new ones.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, get, ws } from '../api/client.js';
import { CUSTOM_FIELD_TYPES, type ChoiceOption, type CustomField, type CustomFieldType } from '../api/types.js';
import { ErrorMessage, FieldError, PageHeader, QueryView } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

const TYPE_LABELS: Record<CustomFieldType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  boolean: 'Yes / no',
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
};

const FORM_FIELDS = ['key', 'label', 'type', 'options'];

const isChoice = (type: CustomFieldType) => type === 'single_choice' || type === 'multiple_choice';

/** "value" or "value | Label", one per line. */
function parseOptions(text: string): ChoiceOption[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [value = '', label] = line.split('|').map((p) => p.trim());
      return { value, label: label || value };
    });
}

export function CustomFieldsPage() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const key = ['custom-fields', workspace];
  const fields = useQuery({ queryKey: key, queryFn: () => get<{ customFields: CustomField[] }>(`${ws(workspace)}/custom-fields`) });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: key });
    void client.invalidateQueries({ queryKey: ['mapping', workspace] });
  };

  return (
    <>
      <PageHeader title="Custom fields" />
      <p className="lead">Extra customer fields of this workspace. They appear on every customer and can be mapped to HubSpot properties on the Field mapping tab.</p>
      <CreateFieldForm onCreated={refresh} />
      <section className="card card-flush" aria-labelledby="fields-title">
        <h2 id="fields-title" className="card-title">
          Fields
        </h2>
        <QueryView query={fields} isEmpty={(data) => data.customFields.length === 0} empty="No custom fields yet. Create one above.">
          {(data) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Label</th>
                    <th scope="col">Key</th>
                    <th scope="col">Type</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.customFields.map((f) => (
                    <FieldRow key={f.id} field={f} onChanged={refresh} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </section>
    </>
  );
}

function CreateFieldForm({ onCreated }: { onCreated: () => void }) {
  const workspace = useWorkspace();
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [type, setType] = useState<CustomFieldType>('text');
  const [options, setOptions] = useState('');
  const create = useMutation({
    mutationFn: () => api<CustomField>('POST', `${ws(workspace)}/custom-fields`, { key, label, type, ...(isChoice(type) ? { options: parseOptions(options) } : {}) }),
    onSuccess: () => {
      setKey('');
      setLabel('');
      setOptions('');
      setType('text');
      onCreated();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-field-title">
      <h2 id="new-field-title">New field</h2>
      {/* Errors about one field are shown next to it; anything else here. */}
      {create.error && !(create.error instanceof ApiError && FORM_FIELDS.includes(create.error.details.field ?? '')) ? <ErrorMessage error={create.error} /> : null}
      {create.isSuccess ? (
        <p className="alert alert-success" role="status">
          Field “{create.data.label}” created.
        </p>
      ) : null}
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="cf-label">Label</label>
          <input id="cf-label" value={label} required onChange={(e) => setLabel(e.target.value)} aria-describedby="cf-label-error" />
          <FieldError id="cf-label-error" error={create.error} field="label" />
        </div>
        <div className="form-field">
          <label htmlFor="cf-key">Key</label>
          <input id="cf-key" value={key} required onChange={(e) => setKey(e.target.value)} aria-describedby="cf-key-hint cf-key-error" placeholder="e.g. plan" />
          <p className="hint" id="cf-key-hint">
            Lower-case letters, digits and underscores. Used by the API; cannot be changed later.
          </p>
          <FieldError id="cf-key-error" error={create.error} field="key" />
        </div>
        <div className="form-field">
          <label htmlFor="cf-type">Type</label>
          <select id="cf-type" value={type} onChange={(e) => setType(e.target.value as CustomFieldType)}>
            {CUSTOM_FIELD_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        {isChoice(type) ? (
          <div className="form-field">
            <label htmlFor="cf-options">Options</label>
            <textarea id="cf-options" rows={4} value={options} onChange={(e) => setOptions(e.target.value)} aria-describedby="cf-options-hint cf-options-error" />
            <p className="hint" id="cf-options-hint">
              One per line: <code>value</code> or <code>value | Label</code>
            </p>
            <FieldError id="cf-options-error" error={create.error} field="options" />
          </div>
        ) : null}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create field'}
        </button>
      </div>
    </form>
  );
}

function FieldRow({ field, onChanged }: { field: CustomField; onChanged: () => void }) {
  const workspace = useWorkspace();
  const [renaming, setRenaming] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (body: { label?: string; archived?: boolean }) => api<CustomField>('PATCH', `${ws(workspace)}/custom-fields/${field.id}`, body),
    onSuccess: () => {
      setRenaming(null);
      onChanged();
    },
  });
  const inputId = `rename-${field.id}`;
  return (
    <tr className={field.archived ? 'row-muted' : undefined}>
      <td>
        {renaming !== null ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              change.mutate({ label: renaming });
            }}
          >
            <label htmlFor={inputId} className="visually-hidden">
              New label for {field.key}
            </label>
            <input id={inputId} value={renaming} onChange={(e) => setRenaming(e.target.value)} autoFocus />
            <button type="submit" className="btn btn-primary btn-small" disabled={change.isPending}>
              Save
            </button>
            <button type="button" className="btn btn-secondary btn-small" onClick={() => setRenaming(null)}>
              Cancel
            </button>
          </form>
        ) : (
          field.label
        )}
        {change.error ? <ErrorMessage error={change.error} /> : null}
      </td>
      <td>
        <code>{field.key}</code>
      </td>
      <td>
        {TYPE_LABELS[field.type]}
        {field.options.length ? <span className="muted"> · {field.options.map((o) => o.label).join(', ')}</span> : null}
      </td>
      <td>{field.archived ? <span className="pill pill-muted">Archived</span> : <span className="pill pill-ok">Active</span>}</td>
      <td className="actions">
        {renaming === null ? (
          <button type="button" className="btn btn-link" onClick={() => setRenaming(field.label)} aria-label={`Rename ${field.label}`}>
            Rename
          </button>
        ) : null}
        <button type="button" className="btn btn-link" onClick={() => change.mutate({ archived: !field.archived })} disabled={change.isPending} aria-label={`${field.archived ? 'Restore' : 'Archive'} ${field.label}`}>
          {field.archived ? 'Restore' : 'Archive'}
        </button>
      </td>
    </tr>
  );
}
