// Audit log (admins): who changed what in the workspace's configuration, newest first; searched
// by action, actor, target and time, and exported (CSV, NDJSON) as filtered.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get, query, ws } from '../api/client.js';
import type { AuditPage } from '../api/types.js';
import { ExportLinks, LogSearchForm, type LogField, type LogFilter } from '../components/log-search.js';
import { PagedTable, type Column } from '../components/paged-table.js';
import { formatDate, PageHeader, useCursorPages } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

function describeDetails(details: Record<string, unknown> | null): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

const AUDIT_FIELDS: readonly LogField[] = [
  { name: 'action', label: 'Action', placeholder: 'api_key. or hubspot.mapping_changed' },
  { name: 'actorId', label: 'Actor id', placeholder: 'usr_… or key_…' },
  { name: 'targetType', label: 'Target type', placeholder: 'api_key' },
  { name: 'targetId', label: 'Target id' },
  { name: 'from', label: 'From', type: 'datetime' },
  { name: 'to', label: 'To', type: 'datetime' },
];

const AUDIT_COLUMNS: Column<AuditPage['entries'][number]>[] = [
  { header: 'When', cellClassName: 'nowrap', cell: (e) => formatDate(e.createdAt) },
  {
    header: 'Who',
    cell: (e) => (
      <>
        {e.actor.label}
        {e.actor.id ? <div className="muted small">{e.actor.id}</div> : null}
      </>
    ),
  },
  { header: 'Action', cellClassName: 'nowrap', cell: (e) => <code className="code-nowrap">{e.action}</code> },
  {
    header: 'Target',
    className: 'hide-narrow',
    cell: (e) =>
      e.target ? (
        <>
          {e.target.type.replace(/_/g, ' ')}
          <div className="muted small">{e.target.id}</div>
        </>
      ) : (
        '—'
      ),
  },
  { header: 'Details', cellClassName: 'details-cell break-anywhere', cell: (e) => describeDetails(e.details) || <span className="muted">—</span> },
];

export function AuditLogPage() {
  const workspace = useWorkspace();
  const [filter, setFilter] = useState<LogFilter>({});
  const pages = useCursorPages(`audit ${JSON.stringify(filter)}`);
  const log = useQuery({
    queryKey: ['audit', workspace, filter, { cursor: pages.cursor }],
    queryFn: () => get<AuditPage>(`${ws(workspace)}/audit-log${query({ ...filter, cursor: pages.cursor, limit: 50 })}`),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader title="Audit log" />
      <div className="card card-flush">
        <div className="card-header padded">
          <h2>Search</h2>
          <ExportLinks path={`${ws(workspace)}/audit-log`} filter={filter} />
        </div>
        <div className="padded">
          <LogSearchForm fields={AUDIT_FIELDS} label="Search the audit log" onSearch={setFilter} />
        </div>
        <PagedTable
          query={log}
          rows={(data) => data.entries}
          rowKey={(e) => e.id}
          columns={AUDIT_COLUMNS}
          label="Audit log"
          empty={Object.keys(filter).length > 0 ? 'No entries match this search.' : 'Nothing has been changed yet.'}
          pages={{ state: pages, nextCursor: (data) => data.nextCursor, label: 'Audit log' }}
        />
      </div>
    </>
  );
}
