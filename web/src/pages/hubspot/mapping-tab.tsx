// Field mapping tab: every customer field (built-in and custom) with a dropdown of the live
// HubSpot contact properties. An empty dropdown means "don't sync this field". Email is
// locked to the HubSpot email property (seed 000's warning explains why).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ApiError, get, query, ws } from '../../api/client.js';
import type { HubSpotProperty, MappingView } from '../../api/types.js';
import { ErrorMessage, Loading, LockIcon } from '../../components/ui.js';
import { useWorkspace } from '../../layout.js';

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

export function MappingTab() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const [refresh, setRefresh] = useState(false);
  const mapping = useQuery({
    queryKey: ['mapping', workspace],
    queryFn: () => get<MappingView>(`${ws(workspace)}/hubspot/mapping${query({ refresh: refresh ? 'true' : undefined })}`),
  });
  const [draft, setDraft] = useState<Record<string, string> | null>(null);
  const save = useMutation({
    mutationFn: (mappings: Record<string, string | null>) => api<MappingView>('PUT', `${ws(workspace)}/hubspot/mapping`, { mappings }),
    onSuccess: (view) => {
      client.setQueryData(['mapping', workspace], view);
      setDraft(null);
      void client.invalidateQueries({ queryKey: ['sync', workspace] });
      void client.invalidateQueries({ queryKey: ['customers', workspace] });
    },
  });
  const groups = useMemo(() => groupProperties(mapping.data?.properties ?? []), [mapping.data]);

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
  const current: Record<string, string> = draft ?? Object.fromEntries(view.fields.map((f) => [f.field, f.property ?? '']));
  const dirty = draft !== null || !view.saved;
  const propertyLabel = (name: string) => view.properties.find((p) => p.name === name)?.label ?? name;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(Object.fromEntries(view.fields.map((f) => [f.field, current[f.field] || null])));
  };
  const problems = save.error instanceof ApiError ? (save.error.details.problems ?? []) : [];
  const problemOf = (field: string) => problems.find((p) => p.field === field)?.message;

  return (
    <form className="card card-flush" onSubmit={submit} aria-labelledby="mapping-title">
      <div className="card-header padded">
        <div>
          <h2 id="mapping-title">Customer fields → HubSpot contact properties</h2>
          <p className="muted">Pick the HubSpot property each customer field fills. Leave a dropdown empty to not sync that field.</p>
        </div>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setRefresh(true);
            void client.invalidateQueries({ queryKey: ['mapping', workspace] });
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
              <th scope="col">Customer field</th>
              <th scope="col">HubSpot property</th>
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
                          value={current[f.field] ?? ''}
                          onChange={(e) => setDraft({ ...current, [f.field]: e.target.value })}
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
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
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
