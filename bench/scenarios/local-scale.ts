// Local scale: what hubsync itself costs at 1,000,000 customers, HubSpot aside. Runs in a child
// process so its peak RSS is hubsync's alone (the sandbox stays in the parent):
//   load      customers written straight through the customer repository (insertCustomers, in
//             transactions), built like the service builds them and stored as a finished first
//             push leaves them (Synced, hash computed by the sync module) — HTTP would take too long;
//   summary / first page   GET …/sync/summary and GET …/sync/records?limit=50 over HTTP;
//   edit 1 % through POST …/customers/bulk-upsert, then planning: (a) what Sync now does to plan
//             — count by status + page every pushable id — and (b) a full refreshWholeWorkspace
//             (what saving the field mapping does, in one transaction);
//   sync      in a second, freshly started hubsync process on the same database (what
//             `hubsync sync` or a restarted service does): Sync now over HTTP pushes the 1 % to
//             the sandbox; its peak RSS is the sync's, without the bench's own million-row load.
//
// The parent seeds the sandbox with the 1 % (so their HubSpot ids exist) and passes the ids.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCustomer } from '../../src/customers/customer-service.js';
import type { Config } from '../../src/config/index.js';
import { newId, systemClock } from '../../src/lib/index.js';
import { startService } from '../../src/main.js';
import { startSandbox, type Tier } from '../../src/sandbox/index.js';
import { countByStatus, findWorkspaceBySlug, insertCustomers, pageIdsByStatus, type Customer } from '../../src/store/index.js';
import { effectiveMapping, hashProperties, propertiesFor, PUSHABLE_STATUSES, refreshWholeWorkspace } from '../../src/sync/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService } from '../../test/support/service.js';
import { formatInt, rssSampler } from '../lib/report.js';
import { bulkUpsert, customerAt, syncNow, type RunResult } from './harness.js';

export interface LocalScaleFigures {
  customers: number;
  changed: number;
  loadMs: number;
  summaryMs: { first: number; median: number };
  firstPageMs: { first: number; median: number };
  filteredPageMs: { first: number; median: number };
  editMs: number;
  /** Sync now's own planning: count by status + page every pushable id. */
  planPushableMs: number;
  pushable: number;
  /** refreshWholeWorkspace over every customer with 1 % changed. */
  refreshChangedMs: number;
  sync: RunResult;
  /**
   * Peak per phase; `idle` is the RSS after start-up and sign-in, before any customer exists;
   * `syncIdle` and `sync` are the second process's, after start-up and during the Sync now.
   */
  peakRss: { idle: number; load: number; queries: number; refresh: number; syncIdle: number; sync: number };
}

type LoadFigures = Omit<LocalScaleFigures, 'sync' | 'peakRss'> & { peakRss: Omit<LocalScaleFigures['peakRss'], 'sync' | 'syncIdle'>; config: Readonly<Config> };
type SyncFigures = { sync: RunResult; idleRss: number; peakRss: number };

interface ChildInput {
  customers: number;
  changed: number;
  baseUrl: string;
  token: string;
  /** customer index → HubSpot id, for the customers the run will update. */
  seeded: [number, string][];
}

const RESULT_PREFIX = 'LOCAL_SCALE_RESULT ';

async function timeIt<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function repeatTimed(times: number, work: () => Promise<void>): Promise<{ first: number; median: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push((await timeIt(work)).ms);
  const sorted = samples.slice(1).sort((a, b) => a - b);
  return { first: samples[0]!, median: sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : samples[0]! };
}

/**
 * After minutes without a request the server may be closing the idle keep-alive socket just as
 * the next request reuses it (ECONNRESET). An untimed request on an unrelated route, retried,
 * gets a live connection without warming the queries measured next.
 */
async function freshConnection(admin: ApiClient): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.get('/api/workspaces/default/sync/runs?limit=1');
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** The first child's work: load, queries, edit, planning. Leaves the database for the second. */
async function childMain(input: ChildInput): Promise<LoadFigures> {
  const ts = await startTestService({ env: { HUBSPOT_BASE_URL: input.baseUrl } });
  try {
    const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const connected = await admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: input.token });
    if (connected.status !== 200) throw new Error(`connecting HubSpot failed: ${JSON.stringify(connected.body)}`);
    const db = ts.service.database.db;
    const workspace = await findWorkspaceBySlug(db, 'default');
    if (!workspace) throw new Error('no default workspace');

    // Load: built like the service builds them and written through the repository, already in
    // the state a finished first push leaves: linked, with the accepted hash equal to the current
    // one (computed as the sync module computes it), so status Synced. The 1 % that will be
    // edited get the HubSpot ids the parent seeded; the rest get stand-in ids.
    const { mapping } = await effectiveMapping(db, workspace.id);
    const seededIds = new Map(input.seeded);
    const idleRss = process.memoryUsage.rss();
    let rss = rssSampler();
    const load = await timeIt(async () => {
      const chunk = 10_000;
      for (let start = 0; start < input.customers; start += chunk) {
        const now = systemClock.now();
        const batch: Customer[] = [];
        for (let i = start; i < Math.min(input.customers, start + chunk); i++) {
          const built = buildCustomer(workspace.id, { ...customerAt(i) }, [], now, newId('cus'));
          if (!built.ok) throw new Error(`customer ${i}: ${JSON.stringify(built.problems)}`);
          const customer = built.customer;
          const hash = hashProperties(propertiesFor(customer, mapping, new Map()));
          customer.sync = { ...customer.sync, hubspotId: seededIds.get(i) ?? `L${i}`, status: 'synced', syncedHash: hash, syncedAt: now, lastAttemptAt: now };
          batch.push(customer);
        }
        await db.transaction().execute(async (trx) => {
          await insertCustomers(trx, batch);
          // insertCustomers leaves current_hash to the sync module; here it equals the accepted hash
          // (ids are time-ordered, so this batch is every id from its first on).
          await trx.updateTable('customers').set((eb) => ({ current_hash: eb.ref('synced_hash') })).where('workspace_id', '=', workspace.id).where('id', '>=', batch[0]!.id).execute();
        });
      }
    });
    const loadRss = rss.stop();
    const loaded = await countByStatus(db, workspace.id);
    if (loaded.synced !== input.customers) throw new Error(`expected ${input.customers} synced after load, got ${JSON.stringify(loaded)}`);

    await freshConnection(admin);
    rss = rssSampler();
    const summaryMs = await repeatTimed(7, async () => {
      const r = await admin.get('/api/workspaces/default/sync/summary');
      if (r.status !== 200 || r.body['total'] !== input.customers) throw new Error(`summary: ${r.status} ${JSON.stringify(r.body)}`);
    });
    const firstPageMs = await repeatTimed(7, async () => {
      const r = await admin.get<{ records: unknown[] }>('/api/workspaces/default/sync/records?limit=50');
      if (r.status !== 200 || r.body.records.length !== 50) throw new Error(`records: ${r.status}`);
    });

    const edits = input.seeded.map(([index]) => ({ ...customerAt(index), city: 'Moved Town' }));
    await freshConnection(admin);
    const edit = await timeIt(() => bulkUpsert(admin, edits));
    const filteredPageMs = await repeatTimed(7, async () => {
      const r = await admin.get<{ records: unknown[] }>('/api/workspaces/default/sync/records?limit=50&status=needs_update');
      if (r.status !== 200 || r.body.records.length !== Math.min(50, edits.length)) throw new Error(`filtered records: ${r.status}`);
    });
    const plan = await timeIt(async () => {
      const counts = await countByStatus(db, workspace.id);
      let after: string | undefined;
      let pushable = 0;
      for (;;) {
        const ids = await pageIdsByStatus(db, workspace.id, PUSHABLE_STATUSES, after, 100);
        if (ids.length === 0) break;
        pushable += ids.length;
        after = ids.at(-1);
      }
      return { counts, pushable };
    });
    const queriesRss = rss.stop();
    rss = rssSampler();
    const refreshChanged = await timeIt(() => db.transaction().execute((trx) => refreshWholeWorkspace(trx, workspace.id)));
    const refreshRss = rss.stop();

    return {
      customers: input.customers,
      changed: input.seeded.length,
      loadMs: load.ms,
      summaryMs,
      firstPageMs,
      filteredPageMs,
      editMs: edit.ms,
      planPushableMs: plan.ms,
      pushable: plan.value.pushable,
      refreshChangedMs: refreshChanged.ms,
      peakRss: { idle: idleRss, load: loadRss, queries: queriesRss, refresh: refreshRss },
      config: ts.config,
    };
  } finally {
    // The database stays for the sync process; the parent removes it.
    await ts.service.close();
  }
}

/** The second child's work: a fresh service on the loaded database runs Sync now. */
async function syncChildMain(config: Readonly<Config>): Promise<SyncFigures> {
  const service = await startService(config, { logger: false });
  try {
    const admin = await ApiClient.signIn(service.url!, ADMIN_EMAIL, ADMIN_PASSWORD);
    const idleRss = process.memoryUsage.rss();
    const rss = rssSampler();
    const sync = await syncNow(admin);
    const peakRss = rss.stop();
    if (sync.status !== 'succeeded') throw new Error(`sync ended ${sync.status}: ${sync.error ?? ''}`);
    return { sync, idleRss, peakRss };
  } finally {
    await service.close();
  }
}

/** Runs this file as a child with `mode` and returns the object it prints. */
async function runChild<T>(mode: '--child' | '--sync-child', inputFile: string): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), mode, inputFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = output.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) throw new Error(`local-scale child (${mode}) exited ${code}: ${output.slice(-2000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}

/** Starts the sandbox here, the hubsync side in a child process, and returns its figures. */
export async function runLocalScale(params: {
  customers: number;
  changedShare: number;
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}): Promise<LocalScaleFigures> {
  const sandbox = await startSandbox({ tier: params.tier, latencyMs: params.latencyMs, logger: false });
  const dir = mkdtempSync(join(tmpdir(), 'hubsync-local-scale-'));
  try {
    const { portalId } = sandbox.control.createPortal({ tier: params.tier });
    const { token } = sandbox.control.createPrivateAppToken({ portalId });
    const changed = Math.max(1, Math.round(params.customers * params.changedShare));
    const stride = params.customers / changed;
    const indexes = Array.from({ length: changed }, (_, k) => Math.floor(k * stride));
    const ids = sandbox.control.seedContacts(
      portalId,
      indexes.map((i) => ({ email: customerAt(i).email, firstname: customerAt(i).firstName, lastname: customerAt(i).lastName })),
    );
    const input: ChildInput = { customers: params.customers, changed, baseUrl: sandbox.baseUrl, token, seeded: indexes.map((i, k) => [i, ids[k]!]) };
    const inputFile = join(dir, 'input.json');
    writeFileSync(inputFile, JSON.stringify(input));
    const loaded = await runChild<LoadFigures>('--child', inputFile);
    const { config, ...figures } = loaded;
    try {
      const configFile = join(dir, 'config.json');
      writeFileSync(configFile, JSON.stringify(config));
      params.log(`  scale: ${formatInt(params.customers)} loaded and measured; Sync now in a fresh hubsync process…`);
      const synced = await runChild<SyncFigures>('--sync-child', configFile);
      return { ...figures, sync: synced.sync, peakRss: { ...figures.peakRss, syncIdle: synced.idleRss, sync: synced.peakRss } };
    } finally {
      if (config.database.kind === 'sqlite') rmSync(dirname(config.database.file), { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  }
}

const childMode = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href ? process.argv[2] : undefined;
if (childMode === '--child' || childMode === '--sync-child') {
  const input = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as unknown;
  const work = childMode === '--child' ? childMain(input as ChildInput) : syncChildMain(input as Readonly<Config>);
  work.then(
    (figures) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(figures)}\n`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
