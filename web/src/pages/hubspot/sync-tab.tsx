// Synchronization tab: the summary (will be created / will be updated / already synced /
// can't be synced), Sync now with a live progress bar (the pull first, with two-way sync on),
// and the table of every customer with its status, filterable and searchable; the table
// refreshes when the run ends. Before the first two-way reconcile, the tab previews what it
// would do (a dry run: counts per side and the conflicts) with a button that runs it.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError, get, query, ws } from '../../api/client.js';
import { OBJECT_TYPE_LABELS, STATUS_HELP, SYNC_STATUSES, type ReconcilePreview, type SyncRecordPage, type SyncRun, type SyncStatus, type SyncSummary } from '../../api/types.js';
import { useDebounced } from '../../components/hooks.js';
import { Empty, ErrorMessage, formatDate, formatNumber, Loading, Pager, StatusBadge, StatusFilter, useCursorPages } from '../../components/ui.js';
import { useWorkspace } from '../../layout.js';
import { inboundText } from '../sync-log.js';
import { useRunProgress } from './run-progress.js';

const PAGE_SIZE = 25;

export function SyncTab() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  // Customers change behind the UI's back (the host app writes through the API), so this tab
  // always asks again when opened instead of trusting the cache.
  const summary = useQuery({ queryKey: ['sync', workspace, 'summary'], queryFn: () => get<SyncSummary>(`${ws(workspace)}/sync/summary`), staleTime: 0 });
  const latest = useQuery({ queryKey: ['sync', workspace, 'runs', 'latest'], queryFn: () => get<{ runs: SyncRun[] }>(`${ws(workspace)}/sync/runs${query({ limit: 1 })}`), staleTime: 0 });
  const [runId, setRunId] = useState<string | null>(null);
  const latestRun = latest.data?.runs[0] ?? null;
  // Follow the run this page started, or one already running when the page opened.
  const followed = runId ?? (latestRun?.status === 'running' ? latestRun.id : null);
  const live = useRunProgress(workspace, followed, () => {
    void client.invalidateQueries({ queryKey: ['sync', workspace] });
    void client.invalidateQueries({ queryKey: ['customers', workspace] });
    void client.invalidateQueries({ queryKey: ['hubspot-connection', workspace] });
  });
  const start = useMutation({
    mutationFn: (path: 'runs' | 'reconcile') => api<SyncRun>('POST', `${ws(workspace)}/sync/${path}`),
    onSuccess: (run) => setRunId(run.id),
    onError: (error) => {
      // Someone else's run is already going: follow that one instead.
      if (error instanceof ApiError && error.code === 'SYNC_ALREADY_RUNNING' && typeof error.details.runId === 'string') setRunId(error.details.runId);
    },
  });
  const cancel = useMutation({ mutationFn: (id: string) => api<SyncRun>('POST', `${ws(workspace)}/sync/runs/${encodeURIComponent(id)}/cancel`) });
  const run = live ?? (followed ? null : latestRun);
  const running = run?.status === 'running' || start.isPending || (followed !== null && live === null);

  return (
    <div className="stack">
      <section className="card" aria-labelledby="summary-title">
        <div className="card-header">
          <h2 id="summary-title">Summary</h2>
          <button type="button" className="btn btn-primary" onClick={() => start.mutate('runs')} disabled={running}>
            {running ? 'Syncing…' : 'Sync now'}
          </button>
        </div>
        {summary.isPending ? <Loading /> : summary.isError ? <ErrorMessage error={summary.error} /> : <SummaryCards summary={summary.data} />}
        {start.error && !(start.error instanceof ApiError && start.error.code === 'SYNC_ALREADY_RUNNING') ? <ErrorMessage error={start.error} title="Sync did not start." /> : null}
        {run || running ? <RunProgress run={run} onCancel={run?.status === 'running' && !run.cancelRequested ? () => cancel.mutate(run.id) : undefined} /> : null}
        <ErrorMessage error={cancel.error} title="The run could not be cancelled." />
      </section>
      {summary.data?.twoWay.enabled && !summary.data.twoWay.started && !running ? <InitialReconcile onRun={() => start.mutate('reconcile')} /> : null}
      <RecordsTable />
      <details className="card legend">
        <summary>What the statuses mean</summary>
        <dl>
          {SYNC_STATUSES.map((s) => (
            <div key={s}>
              <dt>
                <StatusBadge status={s} />
              </dt>
              <dd>{STATUS_HELP[s]}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}

function SummaryCards({ summary }: { summary: SyncSummary }) {
  const cards = [
    { value: summary.willCreate, label: 'will be created', tone: 'create' },
    { value: summary.willUpdate, label: 'will be updated', tone: 'update' },
    { value: summary.synced, label: 'already synced', tone: 'ok' },
    { value: summary.cantSync, label: "can't be synced (no email)", tone: 'muted' },
  ];
  return (
    <>
      <ul className="summary" aria-label="Sync summary">
        {cards.map((c) => (
          <li key={c.label} className={`summary-card tone-${c.tone}`}>
            <span className="summary-value">{formatNumber(c.value)}</span>
            <span className="summary-label">{c.label}</span>
          </li>
        ))}
      </ul>
      <p className="muted small">
        {formatNumber(summary.total)} customers in total
        {summary.duplicate ? ` · ${formatNumber(summary.duplicate)} duplicate${summary.duplicate === 1 ? '' : 's'} not pushed` : ''}
        {summary.failed ? ` · ${formatNumber(summary.failed)} failed last time (retried by the next run)` : ''}
      </p>
      {summary.objects.length > 1 ? <ObjectSummaries objects={summary.objects} /> : null}
    </>
  );
}

/** What Sync now will do per object type, in the order a run pushes them. */
function ObjectSummaries({ objects }: { objects: SyncSummary['objects'] }) {
  return (
    <table className="table compact" aria-label="Sync summary per object type">
      <thead>
        <tr>
          <th scope="col">Object type</th>
          <th scope="col">Will be created</th>
          <th scope="col">Will be updated</th>
          <th scope="col">Already synced</th>
          <th scope="col">Not pushed</th>
        </tr>
      </thead>
      <tbody>
        {objects.map((o) => (
          <tr key={o.objectType}>
            <th scope="row">{OBJECT_TYPE_LABELS[o.objectType] ?? o.objectType}</th>
            {o.note ? (
              <td colSpan={4} className="muted">
                {o.note}
              </td>
            ) : (
              <>
                <td>{formatNumber(o.willCreate)}</td>
                <td>{formatNumber(o.willUpdate)}</td>
                <td>{formatNumber(o.synced)}</td>
                <td>{formatNumber(o.cantSync + o.duplicate)}</td>
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Two-way sync is on but has not started: what the initial reconcile would do (its dry run, which
 * reads HubSpot and changes nothing), and a button that runs it.
 */
function InitialReconcile({ onRun }: { onRun: () => void }) {
  const workspace = useWorkspace();
  const preview = useQuery({
    queryKey: ['sync', workspace, 'reconcile-preview'],
    queryFn: () => api<ReconcilePreview>('POST', `${ws(workspace)}/sync/reconcile`, { dryRun: true }),
    // It reads HubSpot: asked once per visit, or again on Refresh.
    staleTime: 5 * 60_000,
    refetchOnWindowFocus: false,
    retry: false,
  });
  return (
    <section className="card" aria-labelledby="initial-title">
      <div className="card-header">
        <div>
          <h2 id="initial-title">Initial two-way reconcile</h2>
          <p className="muted small">
            Two-way sync is on but has not started. The first reconcile pulls HubSpot&apos;s contacts (those in the import filter, and those matching a customer by email) and pushes the customers HubSpot lacks. Preview — nothing has been changed yet:
          </p>
        </div>
        <div className="toolbar toolbar-inline">
          <button type="button" className="btn" onClick={() => void preview.refetch()} disabled={preview.isFetching}>
            Refresh
          </button>
          <button type="button" className="btn btn-primary" onClick={onRun} disabled={preview.isFetching}>
            Run the initial reconcile
          </button>
        </div>
      </div>
      {preview.isFetching ? <Loading label="Reading HubSpot…" /> : preview.isError ? <ErrorMessage error={preview.error} title="The preview could not be made." /> : preview.data ? <PreviewTables preview={preview.data} /> : null}
    </section>
  );
}

function PreviewTables({ preview }: { preview: ReconcilePreview }) {
  const workspace = useWorkspace();
  const { inbound, outbound, conflicts } = preview;
  return (
    <>
      <table className="table compact" aria-label="What the reconcile would do">
        <thead>
          <tr>
            <th scope="col">Side</th>
            <th scope="col">Create</th>
            <th scope="col">Link</th>
            <th scope="col">Update</th>
            <th scope="col">Delete</th>
          </tr>
        </thead>
        <tbody>
          {inbound ? (
            <tr>
              <th scope="row">From HubSpot</th>
              <td>{formatNumber(inbound.creates)}</td>
              <td>{formatNumber(inbound.links)}</td>
              <td>{formatNumber(inbound.updates)}</td>
              <td>{formatNumber(inbound.deletions)}</td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">To HubSpot</th>
            <td>{formatNumber(outbound.creates)}</td>
            <td className="muted">—</td>
            <td>{formatNumber(outbound.updates)}</td>
            <td>{formatNumber(outbound.deletions)}</td>
          </tr>
        </tbody>
      </table>
      {inbound ? (
        <p className="muted small" data-testid="preview-read">
          {formatNumber(inbound.pulled)} HubSpot records read
          {inbound.complete ? '' : ' — the preview stopped at its limit; the counts cover those records'}
          {inbound.problems ? ` · ${formatNumber(inbound.problems)} value${inbound.problems === 1 ? '' : 's'} that cannot be stored here` : ''}
        </p>
      ) : null}
      {conflicts.length > 0 ? (
        <table className="table compact" aria-label="Conflicts the reconcile would decide">
          <caption className="muted small">
            {formatNumber(inbound?.conflicts ?? conflicts.length)} field{(inbound?.conflicts ?? conflicts.length) === 1 ? '' : 's'} changed on both sides: the later change wins
          </caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Field</th>
              <th scope="col">hubsync</th>
              <th scope="col">HubSpot</th>
              <th scope="col">Wins</th>
            </tr>
          </thead>
          <tbody>
            {conflicts.map((c) => (
              <tr key={`${c.recordId}:${c.field}`}>
                <td>{c.objectType === 'contacts' ? <Link to={`/w/${workspace}/customers/${c.recordId}`}>{c.recordId}</Link> : <code>{c.recordId}</code>}</td>
                <td>{c.field}</td>
                <td>{c.localValue || <span className="muted">(empty)</span>}</td>
                <td>{c.hubspotValue || <span className="muted">(empty)</span>}</td>
                <td>
                  <strong>{c.winner === 'local' ? 'hubsync' : 'HubSpot'}</strong>: {c.winningValue || <span className="muted">(empty)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : inbound ? (
        <p className="muted small">No field was changed differently on both sides.</p>
      ) : null}
    </>
  );
}

const RUN_OUTCOME: Record<SyncRun['status'], string> = {
  running: 'Sync in progress',
  succeeded: 'Sync finished',
  failed: 'Sync failed',
  cancelled: 'Sync cancelled',
  interrupted: 'Sync interrupted',
};

export function RunProgress({ run, onCancel }: { run: SyncRun | null; onCancel: (() => void) | undefined }) {
  const total = run?.total ?? 0;
  // Customers only, unless the run pushes other object types too.
  const types = run?.objects ?? [];
  const noun = types.some((o) => o.objectType !== 'contacts') ? 'records' : 'customers';
  const processed = run?.processed ?? 0;
  const percent = total > 0 ? Math.round((processed / total) * 100) : run && run.status !== 'running' ? 100 : 0;
  const status = run?.status ?? 'running';
  // Its job waits for a worker (none running, or all busy): nothing is being pushed yet.
  const queued = status === 'running' && run?.phase === 'queued';
  // Two-way: HubSpot's changes come in before the push.
  const pulling = status === 'running' && run?.phase === 'pulling';
  const inbound = run ? inboundText(run.inbound) : null;
  return (
    <div className={`run run-${status}`} aria-live="polite">
      <div className="run-head">
        <strong>{queued ? 'Waiting for a worker' : pulling ? "Pulling HubSpot's changes" : RUN_OUTCOME[status]}</strong>
        <span className="muted">
          {run ? (pulling ? `${formatNumber(run.inbound.pulled)} HubSpot records read` : `${formatNumber(processed)} of ${formatNumber(total)} ${noun}`) : 'Starting…'}
          {run?.phase && status === 'running' && !queued && !pulling ? ` · ${run.phase}` : ''}
          {run?.cancelRequested && status === 'running' ? ' · stopping after the current batch' : ''}
          {onCancel ? (
            <button type="button" className="btn btn-link" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
        </span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Sync progress"
        aria-valuemin={0}
        aria-valuemax={Math.max(total, 1)}
        aria-valuenow={total > 0 ? processed : status === 'running' ? 0 : 1}
        aria-valuetext={`${percent}% — ${formatNumber(processed)} of ${formatNumber(total)} ${noun}`}
      >
        <span className={status === 'running' ? 'progress-fill animated' : 'progress-fill'} style={{ width: `${percent}%` }} />
      </div>
      {run ? (
        <p className="run-counts small">
          {formatNumber(run.created)} created · {formatNumber(run.updated)} updated · {formatNumber(run.failed)} failed · {formatNumber(run.skipped)} skipped
          {run.finishedAt ? <span className="muted"> · finished {formatDate(run.finishedAt)}</span> : null}
        </p>
      ) : null}
      {inbound ? (
        <p className="run-counts small" data-testid="run-inbound">
          From HubSpot: {inbound}
        </p>
      ) : null}
      {noun === 'records' ? (
        <ul className="run-objects small" aria-label="Run per object type">
          {types.map((o) => (
            <li key={o.objectType}>
              <strong>{OBJECT_TYPE_LABELS[o.objectType] ?? o.objectType}</strong>{' '}
              {o.note ? (
                <span className="muted">{o.note}</span>
              ) : (
                `${formatNumber(o.processed)} of ${formatNumber(o.total)} · ${formatNumber(o.created)} created · ${formatNumber(o.updated)} updated · ${formatNumber(o.failed)} failed`
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {run?.error ? <ErrorMessage error={new Error(run.error)} /> : null}
    </div>
  );
}

function RecordsTable() {
  const workspace = useWorkspace();
  const [status, setStatus] = useState<SyncStatus | ''>('');
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const pages = useCursorPages(`${q}|${status}`);
  const records = useQuery({
    queryKey: ['sync', workspace, 'records', { q, status, after: pages.cursor }],
    queryFn: () => get<SyncRecordPage>(`${ws(workspace)}/sync/records${query({ q, status, after: pages.cursor, limit: PAGE_SIZE })}`),
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
  return (
    <section className="card card-flush" aria-labelledby="records-title">
      <div className="card-header padded">
        <h2 id="records-title">Customers</h2>
        <div className="toolbar toolbar-inline">
          <label htmlFor="record-search" className="visually-hidden">
            Search customers
          </label>
          <input id="record-search" type="search" placeholder="Search by name or email" value={search} onChange={(e) => setSearch(e.target.value)} />
          <StatusFilter value={status} onChange={setStatus} />
        </div>
      </div>
      {records.isPending ? (
        <Loading />
      ) : records.isError ? (
        <div className="banner">
          <ErrorMessage error={records.error} />
        </div>
      ) : records.data.records.length === 0 ? (
        <Empty>{q || status ? 'No customers match this filter.' : 'No customers yet.'}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Customers and their sync status">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="hide-narrow">Email</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">HubSpot id</th>
                <th scope="col" className="hide-narrow">Last error</th>
              </tr>
            </thead>
            <tbody>
              {records.data.records.map((r) => (
                <tr key={r.customerId}>
                  <td>
                    <Link to={`/w/${workspace}/customers/${r.customerId}`}>{r.name || r.email || r.customerId}</Link>
                    {r.lastError ? <div className="error-text small show-narrow">{r.lastError}</div> : null}
                  </td>
                  <td className="hide-narrow">{r.email ?? <span className="muted">—</span>}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="hide-narrow">{r.hubspotId ?? <span className="muted">—</span>}</td>
                  <td className="error-cell hide-narrow">{r.lastError ? <span className="error-text">{r.lastError}</span> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {records.data ? (
        <div className="padded">
          <Pager label="Customer" page={pages.page} hasNext={Boolean(records.data.nextCursor)} onPrev={pages.prev} onNext={() => records.data.nextCursor && pages.next(records.data.nextCursor)} />
        </div>
      ) : null}
    </section>
  );
}
