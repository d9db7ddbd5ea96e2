// Field mapping tab: for the chosen object type (Contacts, and Companies / Deals once they are
// synced), every local field (built-in and custom) with a dropdown of the type's live HubSpot
// properties. An empty dropdown means "don't sync this field". With two-way sync on (or once a
// field syncs one way only), each row also picks its direction: Both, Push only or Pull only. A
// contact's email is locked to the HubSpot email property, both ways (seed 000's warning explains why).
// Below the table, HubSpot's schema comes into the app: a local custom field made from a HubSpot
// property no field fills yet, and (per unmapped custom field) a HubSpot property made for it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ApiError, get, query, ws } from '../../api/client.js';
import type { FieldDirection, FieldFromProperty, HubSpotProperty, MappingView, PropertyFromField, SyncSettings } from '../../api/types.js';
import { ErrorMessage, Loading, LockIcon } from '../../components/ui.js';
import { useWorkspace } from '../../layout.js';
import { settingsKey } from './settings-tab.js';

export const EMAIL_LOCK_EXPLANATION =
  "The Email field is required and is permanently mapped to the HubSpot email property — you can't remap or skip it. HubSpot uses email to recognise contacts, so it's the key that lets hubsync match an existing contact instead of creating a duplicate.";

function groupProperties(properties: HubSpotProperty[]): [string, HubSpotProperty[]][] {
  const groups = new Map<string, HubSpotProperty[]>();
  for (const p of properties) {
    const name = p.groupName || 'other';
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

const groupLabel = (name: string) => name.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

/** The directions a row offers, in the order shown. */
const DIRECTIONS: { value: FieldDirection; label: string }[] = [
  { value: 'both', label: 'Both' },
  { value: 'push', label: 'Push only' },
  { value: 'pull', label: 'Pull only' },
];

/** One row being edited: its property (`""`: don't sync) and its direction. */
interface RowDraft {
  property: string;
  direction: FieldDirection;
}

/** The object types with a mapping: what the page calls the local records and HubSpot's. */
const MAPPED_TYPES = {
  contacts: { tab: 'Contacts', local: 'Customer', hubspot: 'contact', records: 'customers' },
  companies: { tab: 'Companies', local: 'Organization', hubspot: 'company', records: 'organizations' },
  deals: { tab: 'Deals', local: 'Deal', hubspot: 'deal', records: 'deals' },
} as const;
type MappedType = keyof typeof MAPPED_TYPES;

export function MappingTab() {
  const workspace = useWorkspace();
  const settings = useQuery({ queryKey: settingsKey(workspace), queryFn: () => get<SyncSettings>(`${ws(workspace)}/hubspot/settings`) });
  // Contacts always; companies and deals once the workspace syncs them.
  const types = (Object.keys(MAPPED_TYPES) as MappedType[]).filter((t) => t === 'contacts' || settings.data?.objectTypes.some((o) => o.objectType === t && o.enabled));
  const [chosen, setChosen] = useState<MappedType>('contacts');
  const objectType = types.includes(chosen) ? chosen : 'contacts';
  return (
    <div className="stack">
      {types.length > 1 ? (
        <div className="segmented" role="tablist" aria-label="Object type">
          {types.map((t) => (
            <button key={t} type="button" role="tab" aria-selected={t === objectType} className={t === objectType ? 'btn btn-primary' : 'btn btn-secondary'} onClick={() => setChosen(t)}>
              {MAPPED_TYPES[t].tab}
            </button>
          ))}
        </div>
      ) : null}
      <TypeMapping key={objectType} objectType={objectType} twoWay={settings.data?.twoWay === true} />
    </div>
  );
}

function TypeMapping({ objectType, twoWay }: { objectType: MappedType; twoWay: boolean }) {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const words = MAPPED_TYPES[objectType];
  const [refresh, setRefresh] = useState(false);
  const key = ['mapping', workspace, objectType];
  const mapping = useQuery({
    queryKey: key,
    queryFn: () => get<MappingView>(`${ws(workspace)}/hubspot/mapping${query({ objectType, refresh: refresh ? 'true' : undefined })}`),
  });
  const [draft, setDraft] = useState<Record<string, RowDraft> | null>(null);
  const save = useMutation({
    mutationFn: (mappings: Record<string, { property: string | null; direction: FieldDirection }>) => api<MappingView>('PUT', `${ws(workspace)}/hubspot/mapping${query({ objectType })}`, { mappings }),
    onSuccess: (view) => {
      client.setQueryData(key, view);
      setDraft(null);
      void client.invalidateQueries({ queryKey: ['sync', workspace] });
      void client.invalidateQueries({ queryKey: [words.records, workspace] });
    },
  });
  const groups = useMemo(() => groupProperties(mapping.data?.properties ?? []), [mapping.data]);
  const [schemaNote, setSchemaNote] = useState<string | null>(null);
  const afterSchemaChange = (view: MappingView, note: string) => {
    client.setQueryData(key, view);
    setDraft(null);
    save.reset();
    setSchemaNote(note);
    void client.invalidateQueries({ queryKey: ['custom-fields', workspace] });
    void client.invalidateQueries({ queryKey: [words.records, workspace] });
  };
  const fromProperty = useMutation({
    mutationFn: (property: string) => api<FieldFromProperty>('POST', `${ws(workspace)}/hubspot/mapping/fields`, { objectType, property }),
    onSuccess: (made) => afterSchemaChange(made.mapping, `Created the custom field ${made.customField.label} (${made.customField.type.replace('_', ' ')}${made.customField.options.length > 0 ? `, ${made.customField.options.length} options` : ''}), mapped to ${made.customField.key}.`),
  });
  const forField = useMutation({
    mutationFn: (field: string) => api<PropertyFromField>('POST', `${ws(workspace)}/hubspot/mapping/properties`, { objectType, field }),
    onSuccess: (made) => afterSchemaChange(made.mapping, `Created the HubSpot ${words.hubspot} property ${made.property.label} (${made.property.name}) and mapped the field to it.`),
  });
  const [newFieldProperty, setNewFieldProperty] = useState('');

  if (mapping.isPending) return <Loading label="Loading HubSpot properties…" />;
  if (mapping.isError) {
    const notConnected = mapping.error instanceof ApiError && mapping.error.code === 'HUBSPOT_NOT_CONNECTED';
    return (
      <div className="card">
        <ErrorMessage error={mapping.error} />
        {notConnected ? (
          <p>
            <Link to={`/w/${workspace}/integrations/hubspot/connection`}>Connect HubSpot on the Connection tab</Link> to load its properties.
          </p>
        ) : null}
      </div>
    );
  }
  const view = mapping.data;
  const current: Record<string, RowDraft> = draft ?? Object.fromEntries(view.fields.map((f) => [f.field, { property: f.property ?? '', direction: f.direction }]));
  const edit = (field: string, change: Partial<RowDraft>) => setDraft({ ...current, [field]: { ...current[field]!, ...change } });
  const dirty = draft !== null || !view.saved;
  // Directions matter once HubSpot's changes come back (two-way), and stay visible while any field syncs one way only.
  const showDirections = twoWay || view.fields.some((f) => f.direction !== 'both');
  const propertyLabel = (name: string) => view.properties.find((p) => p.name === name)?.label ?? name;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(Object.fromEntries(view.fields.map((f) => [f.field, { property: current[f.field]?.property || null, direction: current[f.field]?.direction ?? 'both' }])));
  };
  const problems = save.error instanceof ApiError ? (save.error.details.problems ?? []) : [];
  const problemOf = (field: string) => problems.find((p) => p.field === field)?.message;

  return (
    <form className="card card-flush" onSubmit={submit} aria-labelledby="mapping-title">
      <div className="card-header padded">
        <div>
          <h2 id="mapping-title">
            {words.local} fields → HubSpot {words.hubspot} properties
          </h2>
          <p className="muted">
            Pick the HubSpot property each {words.local.toLowerCase()} field fills. Leave a dropdown empty to not sync that field.
            {objectType === 'deals' ? ' Pipeline and stage come from the Deal stages tab, the owner from the Owners tab.' : ''}
          </p>
          {showDirections ? (
            <p className="muted">
              Direction: <strong>Both</strong> syncs changes either way; <strong>Push only</strong> sends the field to HubSpot and ignores HubSpot's changes to it;{' '}
              <strong>Pull only</strong> takes HubSpot's changes and never sends the field.
            </p>
          ) : null}
        </div>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setRefresh(true);
            void client.invalidateQueries({ queryKey: key });
          }}
          disabled={mapping.isFetching}
        >
          {mapping.isFetching ? 'Loading…' : 'Reload properties'}
        </button>
      </div>
      {!view.saved ? (
        <p className="alert alert-info banner" role="status">
          These are suggested defaults. Review them and click Save to start using them.
        </p>
      ) : null}
      {save.isSuccess && draft === null ? (
        <p className="alert alert-success banner" role="status">
          Mapping saved.
        </p>
      ) : null}
      {save.error ? (
        <div className="banner">
          <ErrorMessage error={save.error} />
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table mapping-table">
          <thead>
            <tr>
              <th scope="col">{words.local} field</th>
              <th scope="col">HubSpot property</th>
              {showDirections ? <th scope="col">Direction</th> : null}
            </tr>
          </thead>
          <tbody>
            {view.fields.map((f) => {
              const id = `map-${f.field.replace(/\W/g, '-')}`;
              const problem = problemOf(f.field);
              return (
                <tr key={f.field} className={f.locked ? 'row-locked' : undefined}>
                  <th scope="row">
                    <label htmlFor={id}>{f.label}</label>
                    <div className="muted small">{f.kind === 'custom' ? `Custom field · ${f.type}` : 'Built-in'}</div>
                  </th>
                  <td>
                    {f.locked ? (
                      <div className="locked">
                        <select id={id} value={f.property ?? 'email'} disabled aria-describedby={`${id}-lock`}>
                          <option value={f.property ?? 'email'}>{propertyLabel(f.property ?? 'email')}</option>
                        </select>
                        <div className="alert alert-warning small" id={`${id}-lock`}>
                          <LockIcon />{' '}
                          {EMAIL_LOCK_EXPLANATION}
                        </div>
                      </div>
                    ) : (
                      <>
                        <select
                          id={id}
                          value={current[f.field]?.property ?? ''}
                          onChange={(e) => edit(f.field, { property: e.target.value })}
                          aria-invalid={problem ? true : undefined}
                          aria-describedby={problem ? `${id}-error` : undefined}
                        >
                          <option value="">— Don't sync —</option>
                          {groups.map(([group, properties]) => (
                            <optgroup key={group} label={groupLabel(group)}>
                              {properties.map((p) => (
                                <option key={p.name} value={p.name}>
                                  {p.label} ({p.name})
                                </option>
                              ))}
                            </optgroup>
                          ))}
                        </select>
                        {problem ? (
                          <p className="field-error" id={`${id}-error`} role="alert">
                            {problem}
                          </p>
                        ) : null}
                        {f.kind === 'custom' && !f.property && draft === null ? (
                          <button
                            type="button"
                            className="btn btn-secondary btn-small"
                            aria-label={`Create a HubSpot property for ${f.label}`}
                            disabled={forField.isPending}
                            onClick={() => {
                              setSchemaNote(null);
                              fromProperty.reset();
                              forField.mutate(f.field);
                            }}
                          >
                            Create in HubSpot
                          </button>
                        ) : null}
                      </>
                    )}
                  </td>
                  {showDirections ? (
                    <td className="direction">
                      <select
                        aria-label={`${f.label} direction`}
                        value={f.locked ? 'both' : (current[f.field]?.direction ?? 'both')}
                        disabled={f.locked || !current[f.field]?.property}
                        onChange={(e) => edit(f.field, { direction: e.target.value as FieldDirection })}
                      >
                        {DIRECTIONS.map((d) => (
                          <option key={d.value} value={d.value}>
                            {d.label}
                          </option>
                        ))}
                      </select>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <section className="padded schema-tools" aria-labelledby="schema-title">
        <h3 id="schema-title">HubSpot properties without a field</h3>
        <p className="muted small">
          Make a {words.local.toLowerCase()} custom field from a HubSpot {words.hubspot} property: its type and choices are copied, and the field is mapped to it straight away. Choices added in HubSpot
          later are taken over each time this page loads its properties.
        </p>
        {schemaNote ? (
          <p className="alert alert-success" role="status">
            {schemaNote}
          </p>
        ) : null}
        {fromProperty.error ? <ErrorMessage error={fromProperty.error} /> : null}
        {forField.error ? <ErrorMessage error={forField.error} /> : null}
        {(() => {
          const mapped = new Set(Object.values(current).map((r) => r.property).concat(view.fields.map((f) => f.property ?? '')));
          const free = view.properties.filter((p) => !mapped.has(p.name));
          if (free.length === 0) return <p className="muted small">Every HubSpot {words.hubspot} property is mapped to a field.</p>;
          return (
            <div className="inline-form">
              <label htmlFor="new-field-property">HubSpot property</label>
              <select id="new-field-property" value={newFieldProperty} onChange={(e) => setNewFieldProperty(e.target.value)}>
                <option value="">— Pick a property —</option>
                {free.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.label} ({p.name}) · {p.type}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="btn btn-secondary"
                disabled={!newFieldProperty || fromProperty.isPending || draft !== null}
                title={draft !== null ? 'Save or discard your mapping changes first.' : undefined}
                onClick={() => {
                  setSchemaNote(null);
                  forField.reset();
                  fromProperty.mutate(newFieldProperty, { onSuccess: () => setNewFieldProperty('') });
                }}
              >
                {fromProperty.isPending ? 'Creating…' : 'Create field'}
              </button>
            </div>
          );
        })()}
      </section>
      <div className="form-actions padded">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        {draft ? (
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => {
              setDraft(null);
              save.reset();
            }}
          >
            Discard changes
          </button>
        ) : null}
        {dirty ? <span className="muted small">Unsaved changes</span> : null}
      </div>
    </form>
  );
}
