// The merge screen, one component for both mergeable types (admins):
//   customers/:customerId/merge?with=:otherId          → CustomerMergePage
//   organizations/:organizationId/merge?with=:otherId  → OrganizationMergePage
// The record in the address survives, the other is merged into it. Every field the two differ in
// is shown side by side with the value that wins by default (the API's choice: a value over none,
// else the more recent change), which a radio button per field can switch; Merge sends those
// choices. The preview comes from GET …/merge-preview; when the server has no merge (404) or
// refuses the pair, the screen says so and changes nothing. What differs between the two types
// (paths, names, wording) is a `MergeKind` below.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, get, query, ws } from '../api/client.js';
import type { Customer, MergePreview, Organization } from '../api/types.js';
import { ErrorMessage, Loading, PageHeader, StatusBadge } from '../components/ui.js';
import { useIsAdmin, useWorkspace } from '../layout.js';
import { customerName } from './customers.js';
import { organizationName } from './organizations.js';

type Side = 'survivor' | 'other';

/** A record both types share enough of for the screen. */
type MergeRecord = { id: string; sync: { status: Customer['sync']['status']; hubspotId: string | null } };

/** What tells the customer and organization screens apart. */
interface MergeKind<R extends MergeRecord> {
  /** The API's and the UI's path segment. */
  path: 'customers' | 'organizations';
  /** The route parameter holding the survivor's id. */
  param: string;
  /** Singular and plural, lower case. */
  noun: string;
  nouns: string;
  name(record: R): string;
  /** The line under a record's name: what identifies it besides its name. */
  identity(record: R): string;
  /** What moves to the survivor, as the sentence's end. */
  moved: string;
  /** HubSpot's name for the records, plural. */
  hubspotNouns: string;
}

const CUSTOMERS: MergeKind<Customer> = {
  path: 'customers',
  param: 'customerId',
  noun: 'customer',
  nouns: 'customers',
  name: customerName,
  identity: (c) => c.email ?? c.id,
  moved: 'deals, activities and organizations',
  hubspotNouns: 'contacts',
};

const ORGANIZATIONS: MergeKind<Organization> = {
  path: 'organizations',
  param: 'organizationId',
  noun: 'organization',
  nouns: 'organizations',
  name: organizationName,
  identity: (o) => o.domain ?? o.id,
  moved: 'deals, activities and members',
  hubspotNouns: 'companies',
};

export function CustomerMergePage() {
  return <RecordMergePage kind={CUSTOMERS} />;
}

export function OrganizationMergePage() {
  return <RecordMergePage kind={ORGANIZATIONS} />;
}

/** A field's value as text: lists joined, nothing as an em dash. */
function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(String).join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function RecordMergePage<R extends MergeRecord>({ kind }: { kind: MergeKind<R> }) {
  const workspace = useWorkspace();
  const admin = useIsAdmin();
  const survivorId = useParams()[kind.param] ?? '';
  const [search] = useSearchParams();
  const otherId = search.get('with') ?? '';
  const title = `Merge ${kind.nouns}`;
  const back = <Link to={`/w/${workspace}/${kind.path}/duplicates`}>← Duplicates</Link>;
  const preview = useQuery({
    queryKey: [kind.path, workspace, 'merge-preview', survivorId, otherId],
    queryFn: () => get<MergePreview<R>>(`${ws(workspace)}/${kind.path}/${encodeURIComponent(survivorId)}/merge-preview${query({ otherId })}`),
    enabled: admin && otherId !== '',
    retry: false,
  });

  if (!admin) {
    return (
      <>
        <PageHeader title={title} breadcrumb={back} />
        <p className="alert alert-info">Only workspace admins can merge {kind.nouns}.</p>
      </>
    );
  }
  if (otherId === '') {
    return (
      <>
        <PageHeader title={title} breadcrumb={back} />
        <p className="alert alert-warning">Pick the {kind.noun} to merge from the Duplicates page: this address names only one of the two.</p>
      </>
    );
  }
  return (
    <>
      <PageHeader title={title} breadcrumb={back} />
      {preview.isPending ? <Loading label={`Comparing the two ${kind.nouns}…`} /> : null}
      {preview.isError ? <MergeUnavailable error={preview.error} nouns={kind.nouns} /> : null}
      {preview.data ? <MergeForm key={`${survivorId}:${otherId}`} kind={kind} preview={preview.data} workspace={workspace} /> : null}
    </>
  );
}

function MergeUnavailable({ error, nouns }: { error: unknown; nouns: string }) {
  const missing = error instanceof ApiError && error.status === 404;
  const routeMissing = missing && error.code === 'ROUTE_NOT_FOUND';
  return (
    <div className="card" role="alert">
      <h2>These {nouns} cannot be merged here</h2>
      {routeMissing ? (
        <p>This hubsync server does not offer merging yet. Nothing was changed.</p>
      ) : missing ? (
        <p>One of the two {nouns} no longer exists (it may have been merged or deleted already). Nothing was changed.</p>
      ) : (
        <ErrorMessage error={error} />
      )}
    </div>
  );
}

function MergeForm<R extends MergeRecord>({ kind, preview, workspace }: { kind: MergeKind<R>; preview: MergePreview<R>; workspace: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [choices, setChoices] = useState<Record<string, Side>>(() => Object.fromEntries(preview.fields.map((f) => [f.field, f.winner])));
  const merge = useMutation({
    mutationFn: () => api<R>('POST', `${ws(workspace)}/${kind.path}/${encodeURIComponent(preview.survivor.id)}/merge`, { otherId: preview.other.id, choices }),
    onSuccess: (survivor) => {
      void client.invalidateQueries({ queryKey: [kind.path, workspace] });
      void navigate(`/w/${workspace}/${kind.path}/${survivor.id}?merged=1`);
    },
  });
  const survivorName = kind.name(preview.survivor);
  const otherName = kind.name(preview.other);
  return (
    <form
      className="card card-flush"
      aria-labelledby="merge-title"
      onSubmit={(event) => {
        event.preventDefault();
        merge.mutate();
      }}
    >
      <div className="card-header padded">
        <div>
          <h2 id="merge-title">
            Merge {otherName} into {survivorName}
          </h2>
          <p className="muted">
            {survivorName} stays; {otherName} is removed (restorable by an admin) and its {kind.moved} move to {survivorName}. For each field that differs, pick the value to keep.
            {preview.survivor.sync.hubspotId && preview.other.sync.hubspotId ? ` Both are linked to HubSpot, so the two ${kind.hubspotNouns} are merged in HubSpot too.` : ''}
          </p>
        </div>
        <Link className="btn btn-secondary" to={`/w/${workspace}/${kind.path}/${preview.other.id}/merge?with=${encodeURIComponent(preview.survivor.id)}`}>
          Keep {otherName} instead
        </Link>
      </div>
      <div className="table-wrap">
        <table className="table merge-table">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">
                Kept: {survivorName} <StatusBadge status={preview.survivor.sync.status} />
                <div className="muted small">{kind.identity(preview.survivor)}</div>
              </th>
              <th scope="col">
                Merged into it: {otherName} <StatusBadge status={preview.other.sync.status} />
                <div className="muted small">{kind.identity(preview.other)}</div>
              </th>
            </tr>
          </thead>
          <tbody>
            {preview.fields.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  The two {kind.nouns} hold the same values.
                </td>
              </tr>
            ) : null}
            {preview.fields.map((f) => (
              <tr key={f.field}>
                <th scope="row">{f.label}</th>
                {(['survivor', 'other'] as const).map((side) => {
                  const id = `merge-${f.field.replace(/\W/g, '-')}-${side}`;
                  return (
                    <td key={side} className={choices[f.field] === side ? 'merge-winner' : undefined}>
                      <label htmlFor={id} className="radio">
                        <input id={id} type="radio" name={`merge-${f.field}`} checked={choices[f.field] === side} onChange={() => setChoices({ ...choices, [f.field]: side })} aria-label={`${f.label}: keep ${shown(side === 'survivor' ? f.survivorValue : f.otherValue)}`} />
                        <span>{shown(side === 'survivor' ? f.survivorValue : f.otherValue)}</span>
                      </label>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {merge.error ? (
        <div className="banner">
          <ErrorMessage error={merge.error} />
        </div>
      ) : null}
      <div className="form-actions padded">
        <button type="submit" className="btn btn-primary" disabled={merge.isPending}>
          {merge.isPending ? 'Merging…' : 'Merge'}
        </button>
        <Link className="btn btn-secondary" to={`/w/${workspace}/${kind.path}/duplicates`}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
