// Importing a CSV file of customers, organizations or deals: pick a file, upload it with the
// upload's progress and the import's own (the API's NDJSON answer: rows read, created, updated,
// rejected as the rows are saved), then the summary and a CSV of the rejected rows to download —
// each with its line in the file, its cells and why it was refused, built here from the answer's
// `rejected` lines, so it holds every rejected row (the result itself names only the first ones).
// Cancel import aborts the upload; the server then stops, keeping the rows it had saved, and the
// page says how many (from the last progress line).
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, postWithProgress, ws } from '../api/client.js';
import type { CsvImportLine, CsvImportResult } from '../api/types.js';
import { RECORD_KINDS } from '../components/record-page.js';
import { ErrorMessage, formatNumber, PageHeader } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

type Resource = 'customers' | 'organizations' | 'deals';

interface Counts {
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

interface RejectedRow {
  line: number;
  message: string;
  values: string[];
}

type Phase = { step: 'idle' } | { step: 'running' } | { step: 'done'; result: CsvImportResult } | { step: 'failed'; error: unknown } | { step: 'cancelled' };

/** One CSV cell (RFC 4180). The report gives back the file's own cells unchanged, so fixed rows can be imported again. */
function cell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report of rejected rows: the line in the file, the row's cells under the file's headers, the reason. */
export function rejectedRowsCsv(headers: string[], rows: RejectedRow[]): string {
  const width = Math.max(headers.length, ...rows.map((r) => r.values.length));
  const names = Array.from({ length: width }, (_, i) => headers[i] ?? `column ${i + 1}`);
  const lines = [['line', ...names, 'error'], ...rows.map((r) => [r.line, ...Array.from({ length: width }, (_, i) => r.values[i] ?? ''), r.message])];
  return lines.map((l) => l.map(cell).join(',')).join('\r\n') + '\r\n';
}

function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function RecordImportPage({ resource }: { resource: Resource }) {
  const workspace = useWorkspace();
  const kind = RECORD_KINDS[resource];
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [sent, setSent] = useState(0);
  const [counts, setCounts] = useState<Counts | null>(null);
  const rejected = useRef<RejectedRow[]>([]);
  const [headers, setHeaders] = useState<string[]>([]);
  const cancelRef = useRef<AbortController | null>(null);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    if (!file || phase.step === 'running') return;
    rejected.current = [];
    setSent(0);
    setCounts(null);
    setHeaders([]);
    setPhase({ step: 'running' });
    let result: CsvImportResult | null = null;
    let failure: unknown = null;
    const abort = new AbortController();
    cancelRef.current = abort;
    try {
      await postWithProgress(`${ws(workspace)}/${resource}/import`, file, 'text/csv', {
        signal: abort.signal,
        onUpload: (loaded) => setSent(loaded),
        onLine: (raw) => {
          const line = raw as CsvImportLine;
          if (line.type === 'progress') setCounts({ rowsRead: line.rowsRead, created: line.created, updated: line.updated, unchanged: line.unchanged, rejected: line.rejected });
          else if (line.type === 'rejected') rejected.current.push({ line: line.line, message: line.message, values: line.values });
          else if (line.type === 'result') {
            const { type, ...rest } = line;
            void type;
            result = rest;
          } else failure = new ApiError(200, line.error.code, line.error.message, line.error.details ?? {});
        },
      });
      if (!result && !failure) failure = new Error('The import ended without an answer. Check the list before importing again.');
    } catch (error) {
      failure = error;
    }
    cancelRef.current = null;
    // Saved rows show in the lists whatever the outcome (a file broken part-way keeps the rows before).
    void client.invalidateQueries({ queryKey: [resource, workspace] });
    void client.invalidateQueries({ queryKey: ['sync', workspace] });
    if (abort.signal.aborted) {
      // The counts stay those of the last progress line: what was saved when the server last said.
      rejected.current.sort((a, b) => a.line - b.line);
      setPhase({ step: 'cancelled' });
      return;
    }
    if (failure || !result) {
      rejected.current.sort((a, b) => a.line - b.line);
      setPhase({ step: 'failed', error: failure });
      return;
    }
    // Rows refused on reading (a custom value) come before those refused on saving (their batch): in file order again.
    rejected.current.sort((a, b) => a.line - b.line);
    const done: CsvImportResult = result;
    setHeaders(done.columns.map((c) => c.header));
    setCounts({ rowsRead: done.rowsRead, created: done.created, updated: done.updated, unchanged: done.unchanged, rejected: done.failed });
    setPhase({ step: 'done', result: done });
  };

  const running = phase.step === 'running';
  const saved = counts ? counts.created + counts.updated + counts.unchanged : 0;
  const total = file?.size ?? 0;
  const uploaded = total > 0 ? Math.min(100, Math.round((sent / total) * 100)) : 0;
  const rows = rejected.current;
  const failedDetails = phase.step === 'failed' && phase.error instanceof ApiError ? phase.error.details : null;

  return (
    <>
      <PageHeader title={`Import ${kind.list.toLowerCase()}`} breadcrumb={<Link to={`/w/${workspace}/${resource}`}>{`← ${kind.list}`}</Link>} />
      <form className="card" onSubmit={(e) => void start(e)} aria-labelledby="import-heading">
        <h2 id="import-heading">CSV file</h2>
        <p className="muted">
          The first row names the columns (field names or labels, custom fields too; <code>externalId</code> updates the {kind.key} with that id). Rows that fail are skipped and
          reported; the others are saved.
        </p>
        <div className="form-field">
          <label htmlFor="import-file">File</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            disabled={running}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setPhase({ step: 'idle' });
              setCounts(null);
            }}
          />
          {file ? <p className="hint">{`${file.name} · ${formatBytes(file.size)}`}</p> : null}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!file || running}>
            {running ? 'Importing…' : 'Import'}
          </button>
          {running ? (
            <button type="button" className="btn btn-secondary" onClick={() => cancelRef.current?.abort()}>
              Cancel import
            </button>
          ) : null}
        </div>
      </form>

      {phase.step === 'idle' ? null : (
        <section className="card" aria-labelledby="import-progress-heading">
          <h2 id="import-progress-heading">{running ? 'Importing' : phase.step === 'done' ? 'Import finished' : phase.step === 'cancelled' ? 'Import cancelled' : 'Import stopped'}</h2>
          <div className="import-progress">
            <p id="upload-label">{sent >= total && total > 0 ? `Uploaded ${formatBytes(total)}` : `Uploading: ${formatBytes(sent)} of ${formatBytes(total)}`}</p>
            <div className="progress" role="progressbar" aria-labelledby="upload-label" aria-valuemin={0} aria-valuemax={100} aria-valuenow={uploaded} aria-valuetext={`${uploaded}% uploaded`}>
              <span className={`progress-fill${running ? ' animated' : ''}`} style={{ width: `${uploaded}%` }} />
            </div>
          </div>
          <dl className="facts import-counts" aria-live="polite">
            <div>
              <dt>Rows read</dt>
              <dd data-count="rowsRead">{formatNumber(counts?.rowsRead ?? 0)}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd data-count="created">{formatNumber(counts?.created ?? 0)}</dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd data-count="updated">{formatNumber(counts?.updated ?? 0)}</dd>
            </div>
            <div>
              <dt>Unchanged</dt>
              <dd data-count="unchanged">{formatNumber(counts?.unchanged ?? 0)}</dd>
            </div>
            <div>
              <dt>Rejected</dt>
              <dd data-count="rejected">{formatNumber(counts?.rejected ?? 0)}</dd>
            </div>
          </dl>
          {phase.step === 'cancelled' ? (
            <div className="alert alert-warning" role="status" data-testid="import-cancelled">
              <p>
                <strong>{`Import cancelled: ${formatNumber(saved)} ${saved === 1 ? 'row was' : 'rows were'} imported before it stopped.`}</strong>{' '}
                {saved > 0 ? 'They are kept: cancelling does not undo them.' : null}
              </p>
              <p className="small">
                {`That is the server's last count${sent < total ? ', and the file was still uploading: the browser gets the counts only once the upload is done' : ''}. The server saves rows in batches of up to 500 as they arrive, and the batches it saved after that count and before the cancel reached it are kept too, so the ${kind.list.toLowerCase()} list may show more. Nothing after them was imported: check the list, then import a file of the remaining rows.`}
              </p>
            </div>
          ) : null}
          {phase.step === 'failed' ? <ErrorMessage error={phase.error} title="The import stopped." /> : null}
          {failedDetails && typeof failedDetails['imported'] === 'object' ? <p className="muted">The rows the message names were saved; the rest of the file was not.</p> : null}
          {phase.step === 'done' && rows.length === 0 ? <p>Every row was imported.</p> : null}
          {!running && rows.length > 0 ? (
            <div className="form-actions">
              <button type="button" className="btn btn-secondary" onClick={() => download(`${resource}-rejected-rows.csv`, rejectedRowsCsv(headers, rows))}>
                {`Download rejected rows (${formatNumber(rows.length)})`}
              </button>
            </div>
          ) : null}
          {!running && rows.length > 0 ? (
            <ul className="import-rejected" aria-label="Rejected rows">
              {rows.slice(0, 5).map((r) => (
                <li key={r.line}>
                  <strong>{`Line ${r.line}: `}</strong>
                  {r.message}
                </li>
              ))}
              {rows.length > 5 ? <li className="muted">{`and ${formatNumber(rows.length - 5)} more in the download`}</li> : null}
            </ul>
          ) : null}
        </section>
      )}
    </>
  );
}
