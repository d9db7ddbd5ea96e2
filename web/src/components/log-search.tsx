// The search form of a log (the sync log's attempts, the audit trail): fields typed freely,
// applied together on Search (Enter in any field), so each page request is one filter; and the
// download links of the applied filter's whole view (CSV, NDJSON), which the API streams.
import { useState, type FormEvent, type ReactNode } from 'react';
import { query } from '../api/client.js';

export type LogFilter = Record<string, string>;

/** A field of the form: a text input, a datetime, or a select of choices. */
export interface LogField {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'datetime';
  choices?: readonly (readonly [value: string, label: string])[];
  placeholder?: string;
}

/** datetime-local values are the browser's local time; the API wants an instant with a zone. Emails are compared lower-cased. */
function apiValue(field: LogField, value: string): string {
  if (field.type === 'email') return value.trim().toLowerCase();
  if (field.type !== 'datetime' || value === '') return value.trim();
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

export function LogSearchForm({ fields, label, onSearch }: { fields: readonly LogField[]; label: string; onSearch: (filter: LogFilter) => void }) {
  const empty = Object.fromEntries(fields.map((f) => [f.name, '']));
  const [draft, setDraft] = useState<LogFilter>(empty);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(Object.fromEntries(fields.map((f) => [f.name, apiValue(f, draft[f.name] ?? '')]).filter(([, v]) => v !== '')));
  };
  return (
    <form className="log-search" role="search" aria-label={label} onSubmit={submit}>
      <div className="log-search-fields">
        {fields.map((f) => {
          const id = `log-${f.name}`;
          const value = draft[f.name] ?? '';
          const set = (v: string) => setDraft((d) => ({ ...d, [f.name]: v }));
          return (
            <div className="form-field" key={f.name}>
              <label htmlFor={id}>{f.label}</label>
              {f.choices ? (
                <select id={id} value={value} onChange={(e) => set(e.target.value)}>
                  {f.choices.map(([v, text]) => (
                    <option key={v} value={v}>
                      {text}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  type={f.type === 'datetime' ? 'datetime-local' : f.type === 'email' ? 'email' : 'text'}
                  step={f.type === 'datetime' ? 1 : undefined}
                  value={value}
                  placeholder={f.placeholder}
                  autoComplete="off"
                  onChange={(e) => set(e.target.value)}
                />
              )}
            </div>
          );
        })}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary">
          Search
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setDraft(empty);
            onSearch({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

/** "Export CSV" and "Export NDJSON" of `path` with the applied filter (the whole view, not a page). */
export function ExportLinks({ path, filter, children }: { path: string; filter: LogFilter; children?: ReactNode }) {
  return (
    <div className="export-links">
      {children}
      <a className="btn btn-secondary" href={`${path}${query({ ...filter, format: 'csv' })}`} download>
        Export CSV
      </a>
      <a className="btn btn-secondary" href={`${path}${query({ ...filter, format: 'ndjson' })}`} download>
        Export NDJSON
      </a>
    </div>
  );
}
