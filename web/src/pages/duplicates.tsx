// Customers → Duplicates and Organizations → Duplicates (one page, a tab per record type):
// groups of records that are likely one twice — customers with the same email, the same phone
// however written, the same name at the same Company; organizations with the same domain, phone
// or name — oldest record first, with a Merge button for each pair of the oldest and a later one.
// Merge opens the merge screen (…/:id/merge?with=:otherId, ./record-merge.tsx), where an admin
// checks the fields before anything changes.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { get, query, ws } from '../api/client.js';
import type { DuplicateGroup, DuplicateRecord, DuplicatesPage } from '../api/types.js';
import { formatDate, PageHeader, Pager, QueryView, StatusBadge, useCursorPages } from '../components/ui.js';
import { useIsAdmin, useWorkspace } from '../layout.js';

type Reason = DuplicateGroup['reason'];

/** What tells the two tabs apart. */
interface DuplicatesKind {
  path: 'customers' | 'organizations';
  tab: string;
  /** Plural noun, lower case. */
  nouns: string;
  reasons: readonly Reason[];
  labels: Partial<Record<Reason, string>>;
  intro: string;
  empty: string;
  /** The columns besides name, created and HubSpot: header and cell. */
  columns: readonly { header: string; narrow?: boolean; cell(r: DuplicateRecord): string | null }[];
}

const KINDS: Record<DuplicatesKind['path'], DuplicatesKind> = {
  customers: {
    path: 'customers',
    tab: 'Customers',
    nouns: 'customers',
    reasons: ['email', 'phone', 'name'],
    labels: { email: 'Same email', phone: 'Same phone', name: 'Same name and company' },
    intro: 'Customers that look like the same person: the same email (in any case), the same phone number (however it is written) or the same name at the same company. Deleted customers are left out.',
    empty: 'No likely duplicates: no two customers share an email, a phone number, or a name at the same company.',
    columns: [
      { header: 'Email', cell: (r) => r.email },
      { header: 'Phone', narrow: true, cell: (r) => r.phone },
      { header: 'Company', narrow: true, cell: (r) => r.organization },
    ],
  },
  organizations: {
    path: 'organizations',
    tab: 'Organizations',
    nouns: 'organizations',
    reasons: ['domain', 'phone', 'name'],
    labels: { domain: 'Same domain', phone: 'Same phone', name: 'Same name' },
    intro: 'Organizations that look like the same company: the same domain (however it is written: scheme, www. and path ignored), the same phone number or the same name (case and spacing ignored). Deleted organizations are left out.',
    empty: 'No likely duplicates: no two organizations share a domain, a phone number or a name.',
    columns: [
      { header: 'Domain', cell: (r) => r.organization },
      { header: 'Phone', narrow: true, cell: (r) => r.phone },
    ],
  },
};

export function DuplicatesPage({ type }: { type: DuplicatesKind['path'] }) {
  const kind = KINDS[type];
  const workspace = useWorkspace();
  const admin = useIsAdmin();
  const [reason, setReason] = useState('');
  const pages = useCursorPages(`${type} ${reason}`);
  const list = useQuery({
    queryKey: [kind.path, workspace, 'duplicates', reason, pages.cursor],
    queryFn: () => get<DuplicatesPage>(`${ws(workspace)}/${kind.path}/duplicates${query({ reason, after: pages.cursor })}`),
  });

  return (
    <>
      <PageHeader title="Duplicates" breadcrumb={<Link to={`/w/${workspace}/${kind.path}`}>← {kind.tab}</Link>} />
      <nav className="tabs" aria-label="Record type">
        <ul>
          {Object.values(KINDS).map((k) => (
            <li key={k.path}>
              <Link className={k.path === type ? 'tab active' : 'tab'} aria-current={k.path === type ? 'page' : undefined} to={`/w/${workspace}/${k.path}/duplicates`}>
                {k.tab}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <p className="muted">
        {kind.intro} {admin ? 'Merge keeps one record and moves everything of the other to it; you check each field before anything changes.' : 'An admin can merge them.'}
      </p>
      <div className="toolbar">
        <label htmlFor="duplicate-reason">Show</label>
        <select id="duplicate-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
          <option value="">Every reason</option>
          {kind.reasons.map((r) => (
            <option key={r} value={r}>
              {kind.labels[r]}
            </option>
          ))}
        </select>
      </div>
      <QueryView query={list} isEmpty={(data) => data.groups.length === 0} empty={kind.empty}>
        {(data) => (
          <div className="stack">
            {data.groups.map((group) => (
              <DuplicateGroupCard key={`${group.reason}:${group.key}`} kind={kind} group={group} workspace={workspace} admin={admin} />
            ))}
          </div>
        )}
      </QueryView>
      <Pager page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrev={pages.prev} onNext={() => list.data?.nextCursor && pages.next(list.data.nextCursor)} label="Duplicate" />
    </>
  );
}

function DuplicateGroupCard({ kind, group, workspace, admin }: { kind: DuplicatesKind; group: DuplicateGroup; workspace: string; admin: boolean }) {
  const [oldest, ...later] = group.records;
  const title = `${kind.labels[group.reason] ?? group.reason}: ${group.reason === 'name' ? group.key.replace('|', ' at ') : group.key}`;
  const label = (r: DuplicateRecord) => r.name ?? r.email ?? r.organization ?? r.id;
  return (
    <section className="card card-flush" aria-label={title}>
      <div className="card-header padded">
        <h2>{title}</h2>
        <span className="muted small">{group.count > group.records.length ? `${group.count} ${kind.nouns}; the oldest ${group.records.length} shown` : `${group.count} ${kind.nouns}`}</span>
      </div>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              {kind.columns.map((c) => (
                <th key={c.header} scope="col" className={c.narrow ? 'hide-narrow' : undefined}>
                  {c.header}
                </th>
              ))}
              <th scope="col">Created</th>
              <th scope="col">HubSpot</th>
              <th scope="col">
                <span className="visually-hidden">Merge</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {group.records.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/w/${workspace}/${kind.path}/${r.id}`}>{label(r)}</Link>
                  {r === oldest ? <span className="muted small"> · oldest</span> : null}
                </td>
                {kind.columns.map((c) => (
                  <td key={c.header} className={c.narrow ? 'hide-narrow' : undefined}>
                    {c.cell(r) ?? '—'}
                  </td>
                ))}
                <td>{formatDate(r.createdAt)}</td>
                <td>
                  <StatusBadge status={r.hubspot.status} />
                  {r.hubspot.linked ? <span className="muted small"> · linked ({r.hubspot.hubspotId})</span> : <span className="muted small"> · not linked</span>}
                </td>
                <td>
                  {admin && oldest && r !== oldest && later.includes(r) ? (
                    <Link className="btn btn-secondary btn-small" to={`/w/${workspace}/${kind.path}/${oldest.id}/merge?with=${encodeURIComponent(r.id)}`} aria-label={`Merge ${label(r)} into ${label(oldest)}`}>
                      Merge
                    </Link>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
