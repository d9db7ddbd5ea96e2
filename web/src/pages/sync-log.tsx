// Sync log: every run with its trigger and counts, both ways (what its pull did locally, what its
// push sent), and one run's record attempts with HubSpot's messages, by direction and record.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { get, query, ws } from '../api/client.js';
import { TRIGGER_LABELS, type AttemptPage, type SyncAttempt, type SyncRun, type SyncRunInbound } from '../api/types.js';
import { useDebounced } from '../components/hooks.js';
import { ErrorMessage, formatDate, formatNumber, Loading, PageHeader, Pager, QueryView, useCursorPages } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

const RUN_STATUS: Record<SyncRun['status'], string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

/** What a run's status pill reads; a running run whose job no worker has taken yet is waiting. */
export function runStatusLabel(run: Pick<SyncRun, 'status' | 'phase'>): string {
  return run.status === 'running' && run.phase === 'queued' ? 'Waiting for a worker' : RUN_STATUS[run.status];
}

export function RunStatusPill({ run }: { run: Pick<SyncRun, 'status' | 'phase'> }) {
  const queued = run.status === 'running' && run.phase === 'queued';
  return <span className={`pill run-pill-${queued ? 'queued' : run.status}`}>{runStatusLabel(run)}</span>;
}

function duration(run: SyncRun): string {
  if (!run.finishedAt) return '—';
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** What a run's pull did locally, in a few words; null when it pulled nothing. */
export function inboundText(inbound: SyncRunInbound): string | null {
  const { pulled, created, updated, conflicts, deletions } = inbound;
  if (pulled + created + updated + conflicts + deletions === 0) return null;
  return [
    `${formatNumber(pulled)} read`,
    `${formatNumber(created)} created`,
    `${formatNumber(updated)} updated`,
    ...(conflicts ? [`${formatNumber(conflicts)} conflict${conflicts === 1 ? '' : 's'}`] : []),
    ...(deletions ? [`${formatNumber(deletions)} deleted`] : []),
  ].join(' · ');
}

/** The same, shorter, for the run list: records read, local records changed, conflicts. */
function inboundShort(inbound: SyncRunInbound): string | null {
  if (inboundText(inbound) === null) return null;
  const { pulled, created, updated, conflicts } = inbound;
  return `${formatNumber(pulled)} read · ${formatNumber(created + updated)} changed${conflicts ? ` · ${formatNumber(conflicts)} conflict${conflicts === 1 ? '' : 's'}` : ''}`;
}

const DIRECTION_LABELS: Record<SyncAttempt['direction'], string> = { push: 'To HubSpot', pull: 'From HubSpot' };

const RUNS_PAGE = 20;

export function SyncLogPage() {
  const workspace = useWorkspace();
  const pages = useCursorPages('runs');
  const runs = useQuery({
    queryKey: ['sync', workspace, 'runs', { before: pages.cursor }],
    queryFn: () => get<{ runs: SyncRun[] }>(`${ws(workspace)}/sync/runs${query({ before: pages.cursor, limit: RUNS_PAGE })}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.runs.some((r) => r.status === 'running') ? 2000 : false),
  });
  const list = runs.data?.runs ?? [];
  const last = list.at(-1);
  return (
    <>
      <PageHeader title="Sync log" />
      <div className="card card-flush">
        <QueryView query={runs} isEmpty={(data) => data.runs.length === 0} empty={<>No sync runs yet. Start one with Sync now on the <Link to={`/w/${workspace}/integrations/hubspot/sync`}>Synchronization tab</Link>.</>}>
          {(data) => (
            <div className="table-wrap">
              <table className="table" aria-label="Sync runs">
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Status</th>
                    <th scope="col">Trigger</th>
                    <th scope="col" className="num">Customers</th>
                    <th scope="col" className="num">Created</th>
                    <th scope="col" className="num">Updated</th>
                    <th scope="col" className="num">Failed</th>
                    <th scope="col" className="num hide-narrow">Skipped</th>
                    <th scope="col" className="hide-narrow">From HubSpot</th>
                    <th scope="col" className="num hide-narrow">API calls</th>
                    <th scope="col" className="hide-narrow">Duration</th>
                    <th scope="col" className="hide-narrow">Started by</th>
                  </tr>
                </thead>
                <tbody>
                  {data.runs.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link to={`/w/${workspace}/sync-log/${r.id}`}>{formatDate(r.startedAt)}</Link>
                      </td>
                      <td>
                        <RunStatusPill run={r} />
                      </td>
                      <td data-testid="run-trigger">{TRIGGER_LABELS[r.trigger]}</td>
                      <td className="num">
                        {formatNumber(r.processed)}
                        {r.status === 'running' ? ` / ${formatNumber(r.total)}` : ''}
                      </td>
                      <td className="num">{formatNumber(r.created)}</td>
                      <td className="num">{formatNumber(r.updated)}</td>
                      <td className={r.failed ? 'num error-text' : 'num'}>{formatNumber(r.failed)}</td>
                      <td className="num hide-narrow">{formatNumber(r.skipped)}</td>
                      <td className="hide-narrow nowrap" data-testid="run-inbound" title={inboundText(r.inbound) ?? undefined}>
                        {inboundShort(r.inbound) ?? <span className="muted">—</span>}
                      </td>
                      <td className="num hide-narrow">{formatNumber(r.apiCalls)}</td>
                      <td className="hide-narrow">{duration(r)}</td>
                      <td className="hide-narrow">{r.startedBy}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
      {runs.data ? <Pager label="Sync run" page={pages.page} hasNext={list.length === RUNS_PAGE} onPrev={pages.prev} onNext={() => last && pages.next(last.id)} /> : null}
    </>
  );
}

export function SyncRunPage() {
  const workspace = useWorkspace();
  const { runId = '' } = useParams();
  const [outcome, setOutcome] = useState<'' | 'success' | 'error'>('');
  const [direction, setDirection] = useState<'' | SyncAttempt['direction']>('');
  const [record, setRecord] = useState('');
  const recordId = useDebounced(record.trim());
  const pages = useCursorPages(`${outcome}|${direction}|${recordId}`);
  const run = useQuery({
    queryKey: ['sync', workspace, 'run', runId],
    queryFn: () => get<SyncRun>(`${ws(workspace)}/sync/runs/${encodeURIComponent(runId)}`),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });
  const attempts = useQuery({
    queryKey: ['sync', workspace, 'attempts', runId, { outcome, direction, recordId, after: pages.cursor }],
    queryFn: () => get<AttemptPage>(`${ws(workspace)}/sync/runs/${encodeURIComponent(runId)}/attempts${query({ outcome, direction, recordId, after: pages.cursor, limit: 50 })}`),
    placeholderData: keepPreviousData,
  });
  const breadcrumb = <Link to={`/w/${workspace}/sync-log`}>← Sync log</Link>;
  if (run.isPending) return <Loading />;
  if (run.isError) {
    return (
      <>
        <PageHeader title="Sync run" breadcrumb={breadcrumb} />
        <ErrorMessage error={run.error} />
      </>
    );
  }
  const r = run.data;
  return (
    <>
      <PageHeader title={`Sync run of ${formatDate(r.startedAt)}`} breadcrumb={breadcrumb} />
      <section className="card">
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <RunStatusPill run={r} />
            </dd>
          </div>
          <div>
            <dt>Customers</dt>
            <dd>
              {formatNumber(r.processed)} of {formatNumber(r.total)}
            </dd>
          </div>
          <div>
            <dt>Created / updated</dt>
            <dd>
              {formatNumber(r.created)} / {formatNumber(r.updated)}
            </dd>
          </div>
          <div>
            <dt>Failed / skipped</dt>
            <dd>
              {formatNumber(r.failed)} / {formatNumber(r.skipped)}
            </dd>
          </div>
          {inboundText(r.inbound) ? (
            <div>
              <dt>From HubSpot</dt>
              <dd data-testid="run-inbound">{inboundText(r.inbound)}</dd>
            </div>
          ) : null}
          <div>
            <dt>API calls</dt>
            <dd>{formatNumber(r.apiCalls)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{duration(r)}</dd>
          </div>
          <div>
            <dt>Started by</dt>
            <dd>
              {r.startedBy} <span className="muted">({TRIGGER_LABELS[r.trigger]})</span>
            </dd>
          </div>
        </dl>
        {r.error ? <ErrorMessage error={new Error(r.error)} /> : null}
      </section>
      <section className="card card-flush" aria-labelledby="attempts-title">
        <div className="card-header padded">
          <h2 id="attempts-title">Record attempts</h2>
          <div className="toolbar toolbar-inline">
            <label htmlFor="attempt-record" className="visually-hidden">
              Record id
            </label>
            <input id="attempt-record" type="search" placeholder="Record id (cus_…)" value={record} onChange={(e) => setRecord(e.target.value)} />
            <label className="inline-field">
              <span>Direction</span>
              <select value={direction} onChange={(e) => setDirection(e.target.value as '' | SyncAttempt['direction'])}>
                <option value="">Both</option>
                <option value="push">{DIRECTION_LABELS.push}</option>
                <option value="pull">{DIRECTION_LABELS.pull}</option>
              </select>
            </label>
            <label className="inline-field">
              <span>Outcome</span>
              <select value={outcome} onChange={(e) => setOutcome(e.target.value as '' | 'success' | 'error')}>
                <option value="">All</option>
                <option value="success">Succeeded</option>
                <option value="error">Failed</option>
              </select>
            </label>
          </div>
        </div>
        <QueryView query={attempts} isEmpty={(data) => data.attempts.length === 0} empty={<>No record attempts{outcome || direction || recordId ? ' match these filters' : ''} in this run.</>}>
          {(data) => (
            <div className="table-wrap">
              <table className="table" aria-label="Record attempts">
                <thead>
                  <tr>
                    <th scope="col">Record</th>
                    <th scope="col">Direction</th>
                    <th scope="col">Operation</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Message</th>
                    <th scope="col" className="hide-narrow">Correlation id</th>
                    <th scope="col" className="hide-narrow">At</th>
                  </tr>
                </thead>
                <tbody>
                  {data.attempts.map((a) => (
                    <tr key={a.id}>
                      <td>
                        {a.customerId !== null ? (
                          <Link to={`/w/${workspace}/customers/${a.customerId}`}>{a.customerName}</Link>
                        ) : (
                          <span>
                            {a.objectType} <code>{a.recordId}</code>
                          </span>
                        )}
                      </td>
                      <td>
                        <span className={`pill direction-${a.direction}`}>{DIRECTION_LABELS[a.direction]}</span>
                      </td>
                      <td className="capitalize">{a.operation}</td>
                      <td>{a.outcome === 'success' ? <span className="pill pill-ok">Success</span> : <span className="pill pill-error">Error</span>}</td>
                      <td className={a.outcome === 'error' ? 'error-text' : undefined}>{a.message ?? <span className="muted">—</span>}</td>
                      <td className="hide-narrow">{a.correlationId ? <code>{a.correlationId}</code> : '—'}</td>
                      <td className="hide-narrow">{formatDate(a.at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        {attempts.data ? (
          <div className="padded">
            <Pager label="Attempt" page={pages.page} hasNext={Boolean(attempts.data.nextCursor)} onPrev={pages.prev} onNext={() => attempts.data.nextCursor && pages.next(attempts.data.nextCursor)} />
          </div>
        ) : null}
      </section>
    </>
  );
}
