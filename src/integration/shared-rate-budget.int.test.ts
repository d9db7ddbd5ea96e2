// One HubSpot portal, one budget, however many processes call for it: three real processes,
// each with its own rate governor and client, share the database ledger (a SQLite file, or
// PostgreSQL under HUBSYNC_TEST_DB=postgres) and call one sandbox portal together.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { migrateToLatest, openDatabase } from '../store/index.js';

const WORKER = fileURLToPath(new URL('../../test/support/rate-budget-worker.ts', import.meta.url));
const PROCESSES = 3;
const CALLS_EACH = 50;
/** The free tier's burst limit in the sandbox: 100 requests per rolling 10 s. */
const FREE_BURST = 100;

let testDb: TestDatabase;
let sandbox: RunningSandbox;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const opened = openDatabase(testDb.config);
  await migrateToLatest(opened.db);
  await opened.close();
  sandbox = await startSandbox({ tier: 'free', latencyMs: [20, 80] });
});

afterAll(async () => {
  await sandbox?.close();
  await testDb?.drop();
});

interface Worker {
  child: ChildProcessByStdio<Writable, Readable, null>;
  ready: Promise<void>;
  summary: Promise<{ calls: number; failed: number }>;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  // Settled once the worker has exited (after handing back what it reserved ahead).
  const summary = new Promise<{ calls: number; failed: number }>((resolve, reject) => {
    let printed: { calls: number; failed: number } | undefined;
    lines.on('line', (line) => {
      if (line === 'ready') onReady();
      else if (line.startsWith('{')) printed = JSON.parse(line) as { calls: number; failed: number };
    });
    child.on('close', (code) => (code === 0 && printed ? resolve(printed) : reject(new Error(`worker exited with ${code}`))));
  });
  return { child, ready, summary };
}

it('keeps three processes calling one portal inside its burst window, and counts the day once', async () => {
  const { portalId } = sandbox.control.createPortal({ tier: 'free' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  sandbox.control.resetCounts();
  const env = {
    DB_CONFIG: JSON.stringify(testDb.config),
    BASE_URL: sandbox.baseUrl,
    TOKEN: token,
    PORTAL_ID: String(portalId),
    CALLS: String(CALLS_EACH),
    CONCURRENCY: '6',
  };
  const workers = Array.from({ length: PROCESSES }, () => startWorker(env));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin.write('go\n');
  const summaries = await Promise.all(workers.map((w) => w.summary));

  // Together they asked for more than one window holds, so the budget had to be shared.
  expect(PROCESSES * CALLS_EACH).toBeGreaterThan(FREE_BURST);
  expect(summaries).toEqual(Array.from({ length: PROCESSES }, () => ({ calls: CALLS_EACH, failed: 0 })));

  // The sandbox answers 429 to the 101st request within any 10 s: none means the window was
  // never exceeded; and each call was sent once (nothing had to be retried).
  const counts = sandbox.control.counts();
  const byStatus: Record<string, number> = {};
  for (const statuses of Object.values(counts.byRoute)) {
    for (const [status, n] of Object.entries(statuses)) byStatus[status] = (byStatus[status] ?? 0) + n;
  }
  expect(byStatus).toEqual({ '200': PROCESSES * CALLS_EACH });
  expect(counts.total).toBe(PROCESSES * CALLS_EACH);

  // The day's usage is one row per portal, counted by all three: exactly what the sandbox saw.
  const opened = openDatabase(testDb.config);
  try {
    const rows = await opened.db.selectFrom('hubspot_daily_usage').selectAll().where('portal_id', '=', portalId).execute();
    expect(rows.reduce((sum, row) => sum + Number(row.calls), 0)).toBe(counts.total);
    expect(rows.reduce((sum, row) => sum + Number(row.rate_limited), 0)).toBe(0);
  } finally {
    await opened.close();
  }
});
