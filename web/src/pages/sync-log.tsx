// Sync log: every run with its trigger and counts, both ways (what its pull did locally, what its
// push sent); the search of every attempt across runs (by email, record, outcome, direction,
// object type, run, time) with its CSV and NDJSON export; and one run's record attempts with
// HubSpot's messages, by direction and record.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { get, query, ws } from '../api/client.js';
import { TRIGGER_LABELS, type AttemptPage, type SyncAttempt, type SyncLogPage, type SyncRun, type SyncRunInbound } from '../api/types.js';
import { ExportLinks, LogSearchForm, type LogField, type LogFilter } from '../components/log-search.js';
import { useDebounced } from '../components/hooks.js';
import { PagedTable, type Column } from '../components/paged-table.js';
import { ErrorMessage, formatDate, formatNumber, Loading, PageHeader, useCursorPages } from '../components/ui.js';
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

/** The run list's columns; what is left out on a phone is on the run's own page. */
const RUN_COLUMNS = (workspace: string): Column<SyncRun>[] => [
  { header: 'Started', cell: (r) => <Link to={`/w/${workspace}/sync-log/${r.id}`}>{formatDate(r.startedAt)}</Link> },
  { header: 'Status', cell: (r) => <RunStatusPill run={r} /> },
  {
    header: 'Trigger',
    cell: (r) => (
      <>
        <span data-testid="run-trigger">{TRIGGER_LABELS[r.trigger]}</span>
        <div className="muted small hide-narrow break-anywhere">{r.startedBy}</div>
      </>
    ),
  },
  { header: 'Customers', className: 'num', cell: (r) => `${formatNumber(r.processed)}${r.status === 'running' ? ` / ${formatNumber(r.total)}` : ''}` },
  { header: 'Created / updated', className: 'num', cellClassName: 'nowrap', cell: (r) => `${formatNumber(r.created)} / ${formatNumber(r.updated)}` },
  { header: 'Failed', className: 'num', cellClassName: (r) => (r.failed ? 'error-text' : undefined), cell: (r) => formatNumber(r.failed) },
  { header: 'Skipped', className: 'num hide-narrow', cell: (r) => formatNumber(r.skipped) },
  {
    header: 'From HubSpot',
    className: 'hide-narrow',
    cellProps: (r) => ({ 'data-testid': 'run-inbound', title: inboundText(r.inbound) ?? undefined }),
    cell: (r) => inboundShort(r.inbound) ?? <span className="muted">—</span>,
  },
  { header: 'API calls', className: 'num hide-narrow', cell: (r) => formatNumber(r.apiCalls) },
  { header: 'Duration', className: 'hide-narrow', cellClassName: 'nowrap', cellProps: () => ({ 'data-testid': 'run-duration' }), cell: duration },
];

export function SyncLogPage() {
  const workspace = useWorkspace();
  const pages = useCursorPages('runs');
  const runs = useQuery({
    queryKey: ['sync', workspace, 'runs', { before: pages.cursor }],
    queryFn: () => get<{ runs: SyncRun[] }>(`${ws(workspace)}/sync/runs${query({ before: pages.cursor, limit: RUNS_PAGE })}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.runs.some((r) => r.status === 'running') ? 2000 : false),
  });
  return (
    <>
      <PageHeader title="Sync log" />
      <div className="card card-flush">
        <PagedTable
          query={runs}
          rows={(data) => data.runs}
          rowKey={(r) => r.id}
          columns={RUN_COLUMNS(workspace)}
          label="Sync runs"
          compact
          empty={<>No sync runs yet. Start one with Sync now on the <Link to={`/w/${workspace}/integrations/hubspot/sync`}>Synchronization tab</Link>.</>}
          pages={{ state: pages, nextCursor: (data) => (data.runs.length === RUNS_PAGE ? data.runs.at(-1)?.id : null), label: 'Sync run' }}
        />
      </div>
      <AttemptSearch />
    </>
  );
}

const ATTEMPT_FIELDS: readonly LogField[] = [
  { name: 'email', label: 'Email', type: 'email', placeholder: 'name@example.com' },
  { name: 'recordId', label: 'Record id', placeholder: 'cus_…' },
  { name: 'outcome', label: 'Outcome', choices: [['', 'All'], ['error', 'Failed'], ['success', 'Succeeded']] },
  { name: 'direction', label: 'Direction', choices: [['', 'Both'], ['push', 'To HubSpot'], ['pull', 'From HubSpot']] },
  { name: 'objectType', label: 'Object type', choices: [['', 'All'], ['contacts', 'Contacts'], ['companies', 'Companies'], ['deals', 'Deals'], ['notes', 'Notes']] },
  { name: 'runId', label: 'Run id', placeholder: 'run_…' },
  { name: 'from', label: 'From', type: 'datetime' },
  { name: 'to', label: 'To', type: 'datetime' },
];

const ATTEMPTS_PAGE = 50;

type SearchedAttempt = SyncLogPage['attempts'][number];

const outcomePill = (a: { outcome: 'success' | 'error' }) => (a.outcome === 'success' ? <span className="pill pill-ok">Success</span> : <span className="pill pill-error">Error</span>);

const SEARCH_COLUMNS = (workspace: string): Column<SearchedAttempt>[] => [
  { header: 'At', cell: (a) => formatDate(a.at) },
  {
    header: 'Record',
    cell: (a) => (
      <>
        {a.objectType === 'contacts' ? <Link to={`/w/${workspace}/customers/${a.recordId}`}>{a.recordName ?? a.email ?? a.recordId}</Link> : <span>{a.recordName ?? a.recordId}</span>}
        <div className="muted small">{a.email ?? `${a.objectType} · ${a.recordId}`}</div>
      </>
    ),
  },
  {
    header: 'Direction',
    cell: (a) => (
      <>
        <span className={`pill direction-${a.direction}`}>{DIRECTION_LABELS[a.direction]}</span>
        <div className="muted small capitalize">{a.operation}</div>
      </>
    ),
  },
  { header: 'Outcome', cell: outcomePill },
  { header: 'Message', cellClassName: (a) => (a.outcome === 'error' ? 'error-text break-anywhere' : 'break-anywhere'), cell: (a) => a.message ?? <span className="muted">—</span> },
  {
    header: 'Run',
    className: 'hide-narrow',
    cell: (a) => (
      <>
        <Link to={`/w/${workspace}/sync-log/${a.runId}`}>{a.trigger ? TRIGGER_LABELS[a.trigger] : a.runId}</Link>
        {a.runApiCalls !== null ? <div className="muted small">{formatNumber(a.runApiCalls)} API calls</div> : null}
      </>
    ),
  },
  { header: 'Correlation id', className: 'hide-narrow', cellClassName: 'break-anywhere', cell: (a) => (a.correlationId ? <code>{a.correlationId}</code> : '—') },
];

/** Every attempt of every run, searched and exported (GET …/sync/attempts). */
function AttemptSearch() {
  const workspace = useWorkspace();
  const [filter, setFilter] = useState<LogFilter>({});
  const pages = useCursorPages(JSON.stringify(filter));
  const attempts = useQuery({
    queryKey: ['sync', workspace, 'log', filter, pages.cursor],
    queryFn: () => get<SyncLogPage>(`${ws(workspace)}/sync/attempts${query({ ...filter, cursor: pages.cursor, limit: ATTEMPTS_PAGE })}`),
    placeholderData: keepPreviousData,
  });
  const filtered = Object.keys(filter).length > 0;
  return (
    <section className="card card-flush log-section" aria-labelledby="log-search-title">
      <div className="card-header padded">
        <h2 id="log-search-title">Search attempts</h2>
        <ExportLinks path={`${ws(workspace)}/sync/attempts`} filter={filter} />
      </div>
      <div className="padded">
        <LogSearchForm fields={ATTEMPT_FIELDS} label="Search the sync log" onSearch={setFilter} />
      </div>
      <PagedTable
        query={attempts}
        rows={(data) => data.attempts}
        rowKey={(a) => a.id}
        columns={SEARCH_COLUMNS(workspace)}
        label="Sync log attempts"
        compact
        empty={filtered ? 'No attempts match this search.' : 'No attempts yet.'}
        pages={{ state: pages, nextCursor: (data) => data.nextCursor, label: 'Sync log attempt' }}
      />
    </section>
  );
}

const RUN_ATTEMPT_COLUMNS = (workspace: string): Column<AttemptPage['attempts'][number]>[] => [
  {
    header: 'Record',
    cell: (a) =>
      a.customerId !== null ? (
        <Link to={`/w/${workspace}/customers/${a.customerId}`}>{a.customerName}</Link>
      ) : (
        <span>
          {a.objectType} <code>{a.recordId}</code>
        </span>
      ),
  },
  { header: 'Direction', cell: (a) => <span className={`pill direction-${a.direction}`}>{DIRECTION_LABELS[a.direction]}</span> },
  { header: 'Operation', cellClassName: 'capitalize', cell: (a) => a.operation },
  { header: 'Outcome', cell: outcomePill },
  { header: 'Message', cellClassName: (a) => (a.outcome === 'error' ? 'error-text' : undefined), cell: (a) => a.message ?? <span className="muted">—</span> },
  { header: 'Correlation id', className: 'hide-narrow', cell: (a) => (a.correlationId ? <code>{a.correlationId}</code> : '—') },
  { header: 'At', className: 'hide-narrow', cell: (a) => formatDate(a.at) },
];

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
        <PagedTable
          query={attempts}
          rows={(data) => data.attempts}
          rowKey={(a) => a.id}
          columns={RUN_ATTEMPT_COLUMNS(workspace)}
          label="Record attempts"
          empty={<>No record attempts{outcome || direction || recordId ? ' match these filters' : ''} in this run.</>}
          pages={{ state: pages, nextCursor: (data) => data.nextCursor, label: 'Attempt' }}
        />
      </section>
    </>
  );
}
