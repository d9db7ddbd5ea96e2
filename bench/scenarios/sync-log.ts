// Sync log at scale: the search and export of `GET /api/workspaces/{slug}/sync/attempts` over a
// log of N attempts (10,000,000 by default) on the embedded SQLite store. The real service runs
// in this process on a fresh SQLite file (migrated as an operator's is); the log is then loaded
// straight into the file (one connection, large transactions, indexes built after the load, as a
// restore would), and every measure is an HTTP request to the service, as the UI makes it.
//
//   log       one workspace, N attempts over 90 days (the default retention), 2,000 a run,
//             200,000 customers (about 50 attempts each, with a name and an email), 2 % failed,
//             20 % pulls, four object types;
//   measures  first page; a page in the middle of the log by its cursor; one email's attempts;
//             failures in a 7-day range; then the export of every failure (CSV) streamed to the
//             end, for its rate and the process's memory while it streams.
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import SQLite from 'better-sqlite3';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService } from '../../test/support/service.js';
import { SYNC_LOG_INDEXES } from '../../src/store/migrations/026-sync-log-search.js';
import { formatInt, formatMiB, formatMs, rssSampler, type BenchRow, type MachineInfo, type OwnSection } from '../lib/report.js';

const W = '/api/workspaces/default';
const DAY = 86_400_000;
const SPAN = 90 * DAY;
const PER_RUN = 2_000;
const CUSTOMERS = 200_000;
const REPEATS = 5;

export interface SyncLogParams {
  attempts: number;
  log: (line: string) => void;
}

interface Timed {
  first: number;
  p50: number;
  rows: number;
}

export interface SyncLogFigures {
  attempts: number;
  fileMiB: number;
  loadMs: number;
  indexMs: number;
  firstPage: Timed;
  deepPage: Timed;
  email: Timed;
  failuresInWeek: Timed;
  export: { rows: number; ms: number; bytes: number; rssBeforeBytes: number; rssPeakBytes: number };
  /** The 1-minute load average when the measures began. */
  loadAverage: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const attemptId = (i: number) => `att_${pad(i, 12)}`;
const runId = (r: number) => `run_${pad(r, 10)}`;
const customerId = (c: number) => `cus_${pad(c, 10)}`;

/** Loads `attempts` attempts (and their runs) into the workspace's log, indexes built after. */
function loadLog(file: string, workspaceId: string, attempts: number, t0: number, log: (line: string) => void): { loadMs: number; indexMs: number } {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const indexes = [...Object.keys(SYNC_LOG_INDEXES), 'sync_attempts_run'];
  const definitions = db.prepare(`select name, sql from sqlite_master where type = 'index' and name in (${indexes.map(() => '?').join(',')})`).all(...indexes) as { name: string; sql: string }[];
  for (const d of definitions) db.exec(`drop index ${d.name}`);
  const started = performance.now();
  const runs = Math.ceil(attempts / PER_RUN);
  const insertRun = db.prepare(
    `insert into sync_runs (id, workspace_id, status, trigger, started_by, owner, started_at, heartbeat_at, finished_at, phase, total, processed, created, updated, failed, skipped, api_calls, cancel_requested, error, pulled, pulled_created, pulled_updated, conflicts, deletions)
     values (?, ?, 'succeeded', ?, 'bench', 'bench', ?, ?, ?, 'done', ?, ?, 0, ?, 0, 0, ?, 0, null, 0, 0, 0, 0, 0)`,
  );
  const step = SPAN / attempts;
  db.transaction(() => {
    for (let r = 0; r < runs; r++) {
      const at = Math.floor(t0 + r * PER_RUN * step);
      insertRun.run(runId(r), workspaceId, r % 10 === 0 ? 'manual' : 'schedule', at, at, at + 60_000, PER_RUN, PER_RUN, PER_RUN, Math.ceil(PER_RUN / 100));
    }
  })();
  const insert = db.prepare(
    `insert into sync_attempts (id, run_id, workspace_id, object_type, record_id, customer_id, operation, outcome, message, correlation_id, hubspot_id, at, direction, record_name, record_email)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const TYPES = ['contacts', 'contacts', 'contacts', 'companies', 'deals'];
  const CHUNK = 200_000;
  for (let from = 0; from < attempts; from += CHUNK) {
    db.transaction(() => {
      for (let i = from; i < Math.min(attempts, from + CHUNK); i++) {
        const type = TYPES[i % TYPES.length]!;
        const c = (i * 7919) % CUSTOMERS;
        const failed = i % 50 === 7;
        const contact = type === 'contacts';
        insert.run(
          attemptId(i), runId(Math.floor(i / PER_RUN)), workspaceId, type, contact ? customerId(c) : `${type.slice(0, 3)}_${pad(c, 10)}`, contact ? customerId(c) : null,
          i % 3 === 0 ? 'create' : 'update', failed ? 'error' : 'success', failed ? 'Property values were not valid: [{"isValid":false,"message":"Email address is invalid"}]' : null,
          failed ? `b7e1${pad(i, 28)}` : null, String(100_000 + c), Math.floor(t0 + i * step), i % 5 === 4 ? 'pull' : 'push', contact ? `Person ${c}` : `Record ${c}`, contact ? `person${c}@example.com` : null,
        );
      }
    })();
    if ((from / CHUNK) % 10 === 9) log(`  loaded ${formatInt(from + CHUNK)} attempts (${formatMs(performance.now() - started)})`);
  }
  const loadMs = performance.now() - started;
  const indexing = performance.now();
  for (const d of definitions) {
    db.exec(d.sql);
    log(`  built ${d.name} (${formatMs(performance.now() - indexing)})`);
  }
  const indexMs = performance.now() - indexing;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { loadMs, indexMs };
}

async function timed(admin: ApiClient, path: string): Promise<Timed> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    const answer = await admin.get<{ attempts: unknown[] }>(path);
    ms.push(performance.now() - t);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    rows = answer.body.attempts.length;
  }
  const sorted = ms.slice(1).sort((a, b) => a - b);
  return { first: ms[0]!, p50: sorted[Math.floor(sorted.length / 2)]!, rows };
}

export async function runSyncLog(params: SyncLogParams): Promise<SyncLogFigures> {
  const { attempts, log } = params;
  const ts = await startTestService();
  try {
    if (ts.db.config.kind !== 'sqlite') throw new Error('the sync-log bench loads a SQLite file');
    const file = ts.db.config.file;
    const workspaceId = (await ts.service.database.db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
    const t0 = Date.now() - SPAN;
    log(`  loading ${formatInt(attempts)} attempts into ${file}`);
    const { loadMs, indexMs } = loadLog(file, workspaceId, attempts, t0, log);
    const { size } = await import('node:fs').then((fs) => fs.statSync(file));
    const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);

    const loadAverage = loadavg()[0] ?? 0;
    const firstPage = await timed(admin, `${W}/sync/attempts?limit=50`);
    // A page in the middle: the cursor after the attempt half-way through the log.
    const middle = Math.floor(attempts / 2);
    const middleAt = Math.floor(t0 + middle * (SPAN / attempts));
    const cursor = Buffer.from(`${middleAt}.${attemptId(middle)}`).toString('base64url');
    const deepPage = await timed(admin, `${W}/sync/attempts?limit=50&cursor=${cursor}`);
    // The customer of the first contact attempt past the middle (about 50 attempts across the log).
    const contactAt = middle + ((5 - (middle % 5)) % 5);
    const email = await timed(admin, `${W}/sync/attempts?limit=50&email=person${(contactAt * 7919) % CUSTOMERS}%40example.com`);
    const weekFrom = new Date(t0 + 40 * DAY).toISOString();
    const weekTo = new Date(t0 + 47 * DAY).toISOString();
    const failuresInWeek = await timed(admin, `${W}/sync/attempts?limit=50&outcome=error&from=${weekFrom}&to=${weekTo}`);

    // Export every failure as CSV, reading the stream as a browser saving the file would.
    const rss = rssSampler();
    const rssBeforeBytes = process.memoryUsage.rss();
    const t = performance.now();
    const response = await fetch(`${ts.url}${W}/sync/attempts?outcome=error&format=csv`, { headers: { cookie: admin.cookie } });
    if (response.status !== 200 || !response.body) throw new Error(`export: ${response.status}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) lines++;
    }
    const exportMs = performance.now() - t;
    const rssPeakBytes = rss.stop();
    // Lines end in \r\n; a message holds no line break here, so lines = header + rows.
    const exported = { rows: lines - 1, ms: exportMs, bytes, rssBeforeBytes, rssPeakBytes };
    log(`  export: ${formatInt(exported.rows)} rows in ${formatMs(exportMs)}`);
    return { attempts, fileMiB: size / 2 ** 20, loadMs, indexMs, firstPage, deepPage, email, failuresInWeek, export: exported, loadAverage };
  } finally {
    await ts.close();
    if (ts.db.config.kind === 'sqlite') rmSync(ts.db.config.file, { force: true });
  }
}

export function syncLogSection(f: SyncLogFigures, machine: MachineInfo): OwnSection {
  const name = `${formatInt(f.attempts)} attempts`;
  const page = (t: Timed) => `${formatMs(t.first)} · ${formatMs(t.p50)} (${t.rows} rows)`;
  const rate = f.export.rows / (f.export.ms / 1000);
  const rows: BenchRow[] = [
    [name, 'load (one connection, 200,000-row transactions) · build the 8 indexes · file size', '', `${formatMs(f.loadMs)} · ${formatMs(f.indexMs)} · ${formatInt(f.fileMiB)} MiB`, ''],
    [name, 'first page (50), newest first: first request · median of the next 4', '≤ 100 ms', page(f.firstPage), met(f.firstPage.p50 <= 100)],
    [name, 'a page in the middle of the log, by its cursor', '≤ 100 ms', page(f.deepPage), met(f.deepPage.p50 <= 100)],
    [name, "one customer's attempts, by email", '≤ 100 ms', page(f.email), met(f.email.p50 <= 100)],
    [name, 'failures in a 7-day range (outcome + from/to)', '≤ 100 ms', page(f.failuresInWeek), met(f.failuresInWeek.p50 <= 100)],
    [name, 'export of every failure as CSV: rows · time · rate', '', `${formatInt(f.export.rows)} · ${formatMs(f.export.ms)} · ${formatInt(rate)} rows/s (${formatMiB(f.export.bytes)})`, ''],
    [name, 'process memory while exporting: RSS before → peak', 'flat (streamed)', `${formatMiB(f.export.rssBeforeBytes)} → ${formatMiB(f.export.rssPeakBytes)}`, met(f.export.rssPeakBytes - f.export.rssBeforeBytes < 128 * 2 ** 20)],
  ];
  return {
    name: 'sync-log',
    title: 'Sync log search and export',
    intro:
      `The service runs in the bench process on a fresh SQLite file; ${formatInt(f.attempts)} attempts of one workspace (90 days, 2,000 a run, 200,000 customers, 2 % failed) are loaded straight into the file and the indexes built after. ` +
      'Each measure is an HTTP request to `GET /api/workspaces/default/sync/attempts` as the UI sends it (times: the first request, then the median of four more); the export is read to its end by the client in the same process, so the RSS covers the service, the client and the bench. ' +
      `1-minute load average when the measures began: ${f.loadAverage.toFixed(1)} on ${machine.cores} cores (the bench's own load and index build count in it)${f.loadAverage > machine.cores ? ' — the machine was shared with other work, so times are pessimistic' : ''}.`,
    rows,
  };
}

const met = (ok: boolean): string => (ok ? 'yes' : '**no**');
