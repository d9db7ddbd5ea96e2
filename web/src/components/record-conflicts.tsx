// A record's conflict history (customer, organization and deal pages, through RecordFrame): each
// value two-way sync overrode — the field (its label, and the HubSpot property), the value here
// and the value in HubSpot with when each side changed it, which side won, and the pull that
// decided it (a link to its run in the sync log when it was part of one). Newest first; the API
// answers the last 100.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, ws } from '../api/client.js';
import { BUILT_IN_FIELDS, ORGANIZATION_TEXT_FIELDS, type CustomField, type SyncConflict } from '../api/types.js';
import { ErrorMessage, formatDate, Loading } from './ui.js';

type Resource = 'customers' | 'organizations' | 'deals';

/** The built-in field labels the record pages use; other keys are spelled out ("closeDate" → "Close date"). */
const LABELS: Record<Resource, Record<string, string>> = {
  customers: Object.fromEntries(BUILT_IN_FIELDS.map((f) => [f.key, f.label])),
  organizations: Object.fromEntries(ORGANIZATION_TEXT_FIELDS.map((f) => [f.key, f.label])),
  deals: {},
};

function fieldLabel(resource: Resource, field: string, customFields: readonly CustomField[]): string {
  if (field.startsWith('custom.')) return customFields.find((f) => f.key === field.slice('custom.'.length))?.label ?? field;
  const words = field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return LABELS[resource][field] ?? words.charAt(0).toUpperCase() + words.slice(1);
}

/** A value as stored: an empty one says so instead of leaving a blank cell. */
function Value({ value, won }: { value: string; won: boolean }) {
  return <span className={won ? 'conflict-won' : 'conflict-lost'}>{value === '' ? <span className="muted">(empty)</span> : value}</span>;
}

export function RecordConflicts({ workspace, resource, id, customFields }: { workspace: string; resource: Resource; id: string; customFields: readonly CustomField[] }) {
  const conflicts = useQuery({
    queryKey: ['conflicts', workspace, resource, id],
    queryFn: () => get<{ conflicts: SyncConflict[] }>(`${ws(workspace)}/${resource}/${encodeURIComponent(id)}/conflicts`),
  });
  const rows = conflicts.data?.conflicts ?? [];
  return (
    <section className="card card-flush" aria-labelledby="conflicts-heading">
      <div className="card-header padded">
        <h2 id="conflicts-heading">Conflicts</h2>
        <p className="muted">Fields changed differently here and in HubSpot: the later change won, and the value it replaced is listed here.</p>
      </div>
      {conflicts.isPending ? (
        <Loading />
      ) : conflicts.isError ? (
        <ErrorMessage error={conflicts.error} />
      ) : rows.length === 0 ? (
        <p className="muted padded">No conflicts. Two-way sync lists a value here when it overrides one side's change with the other's.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Conflicts">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Value here</th>
                <th scope="col">Value in HubSpot</th>
                <th scope="col">Won</th>
                <th scope="col">Run</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id} data-conflict-id={c.id}>
                  <td>
                    {fieldLabel(resource, c.field, customFields)}
                    <div className="hint">
                      <code>{c.property}</code>
                    </div>
                  </td>
                  <td data-testid="conflict-local">
                    <Value value={c.localValue} won={c.winner === 'local'} />
                    <div className="hint">{c.localChangedAt ? `changed ${formatDate(c.localChangedAt)}` : 'change time unknown'}</div>
                  </td>
                  <td data-testid="conflict-hubspot">
                    <Value value={c.hubspotValue} won={c.winner === 'hubspot'} />
                    <div className="hint">changed {formatDate(c.hubspotChangedAt)}</div>
                  </td>
                  <td data-testid="conflict-winner">
                    <span className="tag">{c.winner === 'local' ? 'hubsync' : 'HubSpot'}</span>
                  </td>
                  <td data-testid="conflict-run">
                    {formatDate(c.at)}
                    <div className="hint">
                      {/* Only a sync run (run_…) has a page in the sync log; a pull's own id (pull_…) is shown as it is. */}
                      {c.runId.startsWith('run_') ? <Link to={`/w/${workspace}/sync-log/${encodeURIComponent(c.runId)}`}>Open the run</Link> : <code>{c.runId}</code>}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
