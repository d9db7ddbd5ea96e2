// Audit log (admins): who changed what in the workspace's configuration, newest first.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { get, query, ws } from '../api/client.js';
import type { AuditPage } from '../api/types.js';
import { formatDate, PageHeader, Pager, QueryView, useCursorPages } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

function describeDetails(details: Record<string, unknown> | null): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

export function AuditLogPage() {
  const workspace = useWorkspace();
  const pages = useCursorPages('audit');
  const log = useQuery({
    queryKey: ['audit', workspace, { before: pages.cursor }],
    queryFn: () => get<AuditPage>(`${ws(workspace)}/audit-log${query({ before: pages.cursor, limit: 50 })}`),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader title="Audit log" />
      <div className="card card-flush">
        <QueryView query={log} isEmpty={(data) => data.entries.length === 0} empty="Nothing has been changed yet.">
          {(data) => (
            <div className="table-wrap">
              <table className="table" aria-label="Audit log">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">Action</th>
                    <th scope="col" className="hide-narrow">Target</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {data.entries.map((e) => (
                    <tr key={e.id}>
                      <td className="nowrap">{formatDate(e.createdAt)}</td>
                      <td>{e.actor.label}</td>
                      <td className="nowrap">
                        <code className="code-nowrap">{e.action}</code>
                      </td>
                      <td className="hide-narrow">
                        {e.target ? (
                          <>
                            {e.target.type.replace(/_/g, ' ')}
                            <div className="muted small">{e.target.id}</div>
                          </>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="details-cell">{describeDetails(e.details) || <span className="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
      {log.data ? <Pager label="Audit log" page={pages.page} hasNext={Boolean(log.data.nextCursor)} onPrev={pages.prev} onNext={() => log.data.nextCursor && pages.next(log.data.nextCursor)} /> : null}
    </>
  );
}
