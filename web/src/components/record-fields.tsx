// What the record pages (a customer, an organization, a deal) share: showing a field's value,
// the edit form's state (useRecordDraft) and inputs for built-in and custom fields, the draft →
// PATCH body rule (changed fields only; an emptied field is sent as null, which clears it), and
// the HubSpot sync card.
import { useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, connectionKey, get, ws } from '../api/client.js';
import type { Connection, CustomField, CustomValue, RecordSync, WorkspaceUser } from '../api/types.js';
import { useIsAdmin } from '../layout.js';
import { FieldError, formatDate, StatusBadge } from './ui.js';

/** Form state: text inputs, checkboxes and multiple choices, keyed by field (`custom.<key>` for custom fields). */
export type Draft = Record<string, string | boolean | string[]>;

interface EditableRecord {
  /** Deals have no tags. */
  tags?: string[];
  custom: Record<string, CustomValue>;
}

export function displayValue(value: CustomValue | null | undefined, field?: CustomField): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map((v) => field?.options.find((o) => o.value === v)?.label ?? v).join(', ') || '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field?.type === 'single_choice') return field.options.find((o) => o.value === value)?.label ?? String(value);
  return String(value);
}

/** The draft a record starts with: `keys` are its plain fields (numbers become text). */
function draftOf<R extends EditableRecord>(record: R, keys: readonly (keyof R & string)[], fields: CustomField[]): Draft {
  const draft: Draft = {};
  for (const key of keys) {
    const value = record[key];
    draft[key] = value === null || value === undefined ? '' : String(value);
  }
  if (record.tags) draft['tags'] = record.tags.join(', ');
  for (const f of fields) {
    const value = record.custom[f.key];
    if (f.type === 'boolean') draft[`custom.${f.key}`] = value === true;
    else if (f.type === 'multiple_choice') draft[`custom.${f.key}`] = Array.isArray(value) ? value : [];
    else draft[`custom.${f.key}`] = value === undefined ? '' : String(value);
  }
  return draft;
}

/** The draft of a record not created yet: every input empty. */
export function emptyDraft(keys: readonly string[], fields: CustomField[]): Draft {
  return draftOf({ custom: {}, tags: [] } as EditableRecord & Record<string, unknown>, keys, fields);
}

/**
 * The PATCH body: the fields that differ from `before`; empty text clears; `numberKeys` are sent
 * as numbers. From an `emptyDraft`, the body of a create: the fields filled in.
 */
export function changes(before: Draft, draft: Draft, fields: CustomField[], numberKeys: readonly string[] = []): Record<string, unknown> {
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
    } else if (typeof value === 'string' && value.trim() === '') {
      body[key] = null;
    } else {
      // A number field holding something that is not a number is sent as typed, for the API to name the field.
      body[key] = numberKeys.includes(key) && typeof value === 'string' && Number.isFinite(Number(value)) ? Number(value) : value;
    }
  }
  if (Object.keys(custom).length > 0) body['custom'] = custom;
  return body;
}

/**
 * A record page's edit form state: `draft` is null while the page only shows the record; `edit`
 * opens the form on the record's current values, `set` changes one input, `submit` PATCHes what
 * changed (nothing changed closes the form) and, once saved, puts the answer in the record's
 * query and refreshes `invalidate` (lists, sync summaries).
 *
 * @example const form = useRecordDraft({ record: customer.data, fields, keys: CUSTOMER_KEYS, path, queryKey, invalidate: [['customers', workspace]] });
 */
export function useRecordDraft<R extends EditableRecord>(options: {
  record: R | undefined;
  fields: CustomField[] | undefined;
  keys: readonly (keyof R & string)[];
  /** Keys sent as numbers when they read as one. */
  numberKeys?: readonly string[];
  /** The record's API path, PATCHed on save. */
  path: string;
  queryKey: QueryKey;
  invalidate: QueryKey[];
}) {
  const { record, fields = [], keys, numberKeys = [], path, queryKey, invalidate } = options;
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<R>('PATCH', path, body),
    onSuccess: (updated) => {
      client.setQueryData(queryKey, updated);
      for (const key of invalidate) void client.invalidateQueries({ queryKey: key });
      setDraft(null);
    },
  });
  const initial = (): Draft => (record ? draftOf(record, keys, fields) : {});
  return {
    draft,
    save,
    edit: () => {
      save.reset();
      setDraft(initial());
    },
    cancel: () => setDraft(null),
    set: (key: string, value: string | boolean | string[]) => setDraft((d) => ({ ...(d ?? initial()), [key]: value })),
    submit: (event: FormEvent) => {
      event.preventDefault();
      if (!draft) return;
      const body = changes(initial(), draft, fields, numberKeys);
      if (Object.keys(body).length === 0) setDraft(null);
      else save.mutate(body);
    },
  };
}

/** The edit form's Save and Cancel. */
export function FormActions({ busy, onCancel }: { busy: boolean; onCancel: () => void }) {
  return (
    <div className="form-actions">
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="btn btn-secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

export function TextField(props: { id: string; label: string; field: string; value: string; onChange: (v: string) => void; error: unknown; type?: string; hint?: string; list?: string }) {
  const errorId = `${props.id}-error`;
  return (
    <div className="form-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input id={props.id} type={props.type ?? 'text'} list={props.list} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-describedby={errorId} />
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      <FieldError id={errorId} error={props.error} field={props.field} />
    </div>
  );
}

export function CustomInput({ field, value, onChange, error }: { field: CustomField; value: Draft[string] | undefined; onChange: (v: string | boolean | string[]) => void; error: unknown }) {
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

/** The workspace's members, for owner fields; the member list is for admins only (others see owner ids). */
export function useMembers(workspace: string) {
  const isAdmin = useIsAdmin();
  return useQuery({ queryKey: ['users', workspace], queryFn: () => get<{ users: WorkspaceUser[] }>(`${ws(workspace)}/users`), enabled: isAdmin });
}

/** An owner as shown: the member's name or email when the member list is known, else the id. */
export function ownerName(ownerUserId: string | null, users: WorkspaceUser[] | undefined): string {
  if (ownerUserId === null) return '—';
  const owner = users?.find((u) => u.id === ownerUserId);
  return owner ? owner.name || owner.email : ownerUserId;
}

/** The owner input: a member dropdown when the member list is known, else the member id as text. */
export function OwnerInput({ users, value, onChange, error }: { users: WorkspaceUser[] | undefined; value: string; onChange: (v: string) => void; error: unknown }) {
  if (!users) return <TextField id="f-ownerUserId" label="Owner (member id)" field="ownerUserId" value={value} onChange={onChange} error={error} />;
  return (
    <div className="form-field">
      <label htmlFor="f-ownerUserId">Owner</label>
      <select id="f-ownerUserId" value={value} onChange={(e) => onChange(e.target.value)} aria-describedby="f-ownerUserId-error">
        <option value="">—</option>
        {users.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name || u.email}
          </option>
        ))}
      </select>
      <FieldError id="f-ownerUserId-error" error={error} field="ownerUserId" />
    </div>
  );
}

/** The custom fields of a record: live ones, and archived ones that still hold a value. */
export function CustomFieldList({ fields, record, empty }: { fields: CustomField[]; record: EditableRecord; empty: string }) {
  const visible = fields.filter((f) => !f.archived || record.custom[f.key] !== undefined);
  if (visible.length === 0) return <p className="muted">{empty}</p>;
  return (
    <dl className="field-list">
      {visible.map((f) => (
        <div key={f.id}>
          <dt>
            {f.label}
            {f.archived ? <span className="muted"> (archived)</span> : null}
          </dt>
          <dd>{displayValue(record.custom[f.key], f)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** HubSpot's numeric object type ids, as its record URLs use them. */
const HUBSPOT_OBJECT_TYPE_IDS = { contacts: '0-1', companies: '0-2', deals: '0-3' } as const;

/** Where HubSpot shows a record of the portal: app.hubspot.com sends a portal hosted elsewhere (EU) on to its own domain. */
function hubspotRecordUrl(portalId: number, objectType: keyof typeof HUBSPOT_OBJECT_TYPE_IDS, hubspotId: string): string {
  return `https://app.hubspot.com/contacts/${portalId}/record/${HUBSPOT_OBJECT_TYPE_IDS[objectType]}/${encodeURIComponent(hubspotId)}`;
}

/** The record's sync status, its HubSpot id (a link into HubSpot while the portal is known), last sync and last error. */
export function SyncCard({ workspace, sync, objectType, noun }: { workspace: string; sync: RecordSync; objectType: keyof typeof HUBSPOT_OBJECT_TYPE_IDS; noun: string }) {
  const connection = useQuery({ queryKey: connectionKey(workspace), queryFn: () => get<Connection>(`${ws(workspace)}/hubspot/connection`), enabled: sync.hubspotId !== null });
  const portalId = connection.data?.portalId ?? null;
  return (
    <section className="card sync-card" aria-labelledby="sync-heading">
      <h2 id="sync-heading">HubSpot sync</h2>
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={sync.status} />
          </dd>
        </div>
        <div>
          <dt>HubSpot id</dt>
          <dd>
            {sync.hubspotId === null ? (
              <span className="muted">Not in HubSpot yet</span>
            ) : portalId !== null ? (
              <a className="external-link" href={hubspotRecordUrl(portalId, objectType, sync.hubspotId)} target="_blank" rel="noreferrer" title={`Open the ${noun} in HubSpot`}>
                {sync.hubspotId}
              </a>
            ) : (
              sync.hubspotId
            )}
          </dd>
        </div>
        <div>
          <dt>Last synced</dt>
          <dd>{formatDate(sync.syncedAt)}</dd>
        </div>
      </dl>
      {sync.lastError ? (
        <div className="alert alert-error">
          <strong>Last error: </strong>
          {sync.lastError}
        </div>
      ) : null}
    </section>
  );
}
