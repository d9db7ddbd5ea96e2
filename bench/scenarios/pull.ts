// The pull scenarios (two-way sync), against the real service and the sandbox over HTTP:
//   initial-pull  N contacts in the portal, a two-way workspace's first Reconcile now: the pull
//                 lists them (100 a page) from the lowest id while id-range searches (200 a page)
//                 read from the highest, and imports them; records/s against the list ceiling
//                 (100 records × the tier's request rate) and against what list and search
//                 together allow;
//   two-way       N linked, synced contacts (set up by such an initial pull), then a share changed
//                 on each side and a smaller share on both (a conflict per record): one Reconcile
//                 now pulls, resolves and pushes; API calls against what the changes need, and
//                 both sides checked to hold the most recent value of every changed field.
// The service is `hubsync serve` in a child process, so its work (SQLite is synchronous) never
// delays the sandbox's answers or starts its simulated latency late, as with a remote HubSpot.
// The sandbox's clock runs an hour behind while the contacts are seeded, then catches up: the
// seeded contacts are as old to the pull as a real portal's, not inside its 2-minute overlap
// (which would read them all again).
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Tier } from '../../src/sandbox/index.js';
import { ShiftedClock } from '../../test/support/shifted-clock.js';
import { formatInt, formatMs, type BenchRow, type OwnSection } from '../lib/report.js';
import { sandboxTotals, startServeRig, syncNow, type RunResult, type ServeRig } from './harness.js';

const W = '/api/workspaces/default';
const LIST_PAGE = 100;
const SEARCH_PAGE = 200;
/** HubSpot's search budget: requests per second per portal. */
const SEARCHES_PER_SECOND = 5;
const HISTORY_BATCH = 50;
const UPDATE_BATCH = 100;
/** How old the seeded contacts are when the first pull reads them. */
const SEED_AGE_MS = 3_600_000;
/**
 * The two-way goal's allowance beyond the changes: history is read per search page, so conflicts
 * spread over pages take up to a call more per page after the first; or a last search comes back empty.
 */
const TWO_WAY_CONSTANT = 2;

export interface PullParams {
  records: number;
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}

/** Calls the sandbox answered, by route (all statuses). */
type RouteCounts = Record<string, number>;

export interface InitialPullFigures {
  records: number;
  seedMs: number;
  run: RunResult;
  recordsPerSecond: number;
  byRoute: RouteCounts;
  requests: number;
  rateLimited429: number;
  /** Local customers afterwards: all · linked · Synced. */
  customers: { all: number; linked: number; synced: number };
}

export interface TwoWayFigures {
  records: number;
  setupMs: number;
  changedLocal: number;
  changedRemote: number;
  conflicts: number;
  run: RunResult;
  byRoute: RouteCounts;
  requests: number;
  rateLimited429: number;
  /** Changed records whose field holds the most recent value on both sides. */
  converged: { checked: number; right: number; wrong: string[] };
  conflictsRecorded: number;
  notSynced: number;
}

const met = (ok: boolean): string => (ok ? 'yes' : '**no**');
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

function byRoute(rig: ServeRig): { byRoute: RouteCounts; requests: number; rateLimited: number } {
  const totals = sandboxTotals(rig.sandbox);
  return { byRoute: Object.fromEntries(Object.entries(totals.byRoute).map(([route, statuses]) => [route, Object.values(statuses).reduce((a, b) => a + b, 0)])), requests: totals.requests, rateLimited: totals.rateLimited };
}

/** A rig with two-way sync on (nothing else running on its own: no schedule, no poll, no on-change push) and N contacts in the portal, an hour old. */
async function twoWayRig(params: PullParams): Promise<{ rig: ServeRig; hubspotIds: string[]; seedMs: number }> {
  const clock = new ShiftedClock(-SEED_AGE_MS);
  const rig = await startServeRig({ tier: params.tier, latencyMs: params.latencyMs, prefix: 'pull', sandboxClock: clock });
  const settings = await rig.admin.patch(`${W}/hubspot/settings`, { twoWay: true, reconcileSchedule: null, pollIntervalMinutes: 1440, pushContactsOnChange: false });
  if (settings.status !== 200) throw new Error(`settings: ${settings.status} ${JSON.stringify(settings.body)}`);
  const started = performance.now();
  const hubspotIds: string[] = [];
  for (let i = 0; i < params.records; i += 5_000) {
    const chunk = Array.from({ length: Math.min(5_000, params.records - i) }, (_, k) => {
      const n = i + k;
      return { email: `p${n}@example.com`, firstname: `First${n % 997}`, lastname: `Last${n % 1009}`, city: `City ${n % 500}`, phone: `+41 44 ${String(n).padStart(7, '0')}`, lifecyclestage: n % 2 === 0 ? 'customer' : 'subscriber' };
    });
    hubspotIds.push(...rig.sandbox.control.seedContacts(rig.portalId, chunk));
  }
  clock.advance(SEED_AGE_MS);
  return { rig, hubspotIds, seedMs: performance.now() - started };
}

/** Reads the service's SQLite file (read-only, beside the running service). */
function query<T>(rig: ServeRig, sqlText: string, ...params: unknown[]): T[] {
  const db = new SQLite(join(rig.dir, 'hubsync.sqlite'), { readonly: true });
  try {
    return db.prepare(sqlText).all(...params) as T[];
  } finally {
    db.close();
  }
}

function localCounts(rig: ServeRig): { all: number; linked: number; synced: number } {
  const [row] = query<{ all: number; linked: number; synced: number | null }>(
    rig,
    "select count(*) as \"all\", count(hubspot_id) as linked, sum(sync_status = 'synced') as synced from customers where deleted_at is null",
  );
  return { all: row!.all, linked: row!.linked, synced: row!.synced ?? 0 };
}

export async function runInitialPull(params: PullParams): Promise<InitialPullFigures> {
  const { rig, seedMs } = await twoWayRig(params);
  try {
    params.log(`  initial-pull: ${formatInt(params.records)} contacts seeded in ${formatMs(seedMs)}; Reconcile now…`);
    rig.sandbox.control.resetCounts();
    const run = await syncNow(rig.admin, 200, 'reconcile');
    if (run.status !== 'succeeded') throw new Error(`initial pull ended ${run.status}: ${run.error ?? ''}`);
    const totals = byRoute(rig);
    const customers = localCounts(rig);
    if (customers.all !== params.records || customers.synced !== params.records) throw new Error(`initial pull: ${JSON.stringify(customers)} of ${params.records}`);
    const figures: InitialPullFigures = {
      records: params.records,
      seedMs,
      run,
      recordsPerSecond: params.records / (run.wallMs / 1000),
      byRoute: totals.byRoute,
      requests: totals.requests,
      rateLimited429: totals.rateLimited,
      customers,
    };
    params.log(`  initial-pull: ${formatInt(params.records)} pulled in ${formatMs(run.wallMs)} (${formatInt(figures.recordsPerSecond)} rec/s), ${totals.requests} calls, ${totals.rateLimited} × 429`);
    return figures;
  } finally {
    await rig.close();
  }
}

async function batchUpdate(rig: ServeRig, updates: readonly { id: string; properties: Record<string, string> }[]): Promise<void> {
  for (let i = 0; i < updates.length; i += UPDATE_BATCH) {
    const response = await fetch(`${rig.sandbox.baseUrl}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: updates.slice(i, i + UPDATE_BATCH) }),
    });
    if (response.status !== 200) throw new Error(`HubSpot edit failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
}

/** Which records change where: evenly spread over the ids, every k-th on both sides (half of those last in HubSpot). */
interface Plan {
  localOnly: number[];
  remoteOnly: number[];
  /** Changed in HubSpot first, then locally: the local value wins. */
  bothLocalLast: number[];
  /** Changed locally first, then in HubSpot: HubSpot's value wins. */
  bothRemoteLast: number[];
}

function plan(records: number, changedShare: number, bothShare: number): Plan {
  const both = Math.max(2, Math.round(records * bothShare));
  const oneSide = Math.max(1, Math.round(records * changedShare) - both);
  const total = both + 2 * oneSide;
  const p: Plan = { localOnly: [], remoteOnly: [], bothLocalLast: [], bothRemoteLast: [] };
  // Every `step`-th slot is a conflict; the others alternate local and remote.
  const step = Math.max(2, Math.floor(total / both));
  for (let k = 0, conflicts = 0, side = 0; k < total; k++) {
    const index = Math.floor((k * records) / total);
    if (k % step === 0 && conflicts < both) (conflicts++ % 2 === 0 ? p.bothLocalLast : p.bothRemoteLast).push(index);
    else if (side++ % 2 === 0 && p.localOnly.length < oneSide) p.localOnly.push(index);
    else if (p.remoteOnly.length < oneSide) p.remoteOnly.push(index);
    else p.localOnly.push(index);
  }
  return p;
}

export async function runTwoWay(params: PullParams & { changedShare: number; bothShare: number }): Promise<TwoWayFigures> {
  const setupStarted = performance.now();
  const { rig, hubspotIds } = await twoWayRig(params);
  try {
    const initial = await syncNow(rig.admin, 200, 'reconcile');
    if (initial.status !== 'succeeded') throw new Error(`two-way set-up (initial pull) ended ${initial.status}: ${initial.error ?? ''}`);
    const links = query<{ id: string; hubspot_id: string }>(rig, 'select id, hubspot_id from customers where hubspot_id is not null');
    const localId = new Map(links.map((r) => [r.hubspot_id!, r.id]));
    if (localId.size !== params.records) throw new Error(`two-way set-up: ${localId.size} of ${params.records} linked`);
    const setupMs = performance.now() - setupStarted;
    params.log(`  two-way: ${formatInt(params.records)} linked and synced in ${formatMs(setupMs)} (set-up); editing…`);

    // The edits: HubSpot first for the remote-only records and the conflicts the local side wins,
    // then every local edit, then HubSpot again for the conflicts HubSpot wins.
    const p = plan(params.records, params.changedShare, params.bothShare);
    const remote = (i: number) => ({ id: hubspotIds[i]!, properties: { city: `Remote ${i}` } });
    await batchUpdate(rig, [...p.remoteOnly, ...p.bothLocalLast].sort((a, b) => a - b).map(remote));
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const i of [...p.localOnly, ...p.bothLocalLast, ...p.bothRemoteLast].sort((a, b) => a - b)) {
      const response = await rig.admin.patch(`${W}/customers/${localId.get(hubspotIds[i]!)!}`, { city: `Local ${i}` });
      if (response.status !== 200) throw new Error(`local edit failed: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    await batchUpdate(rig, p.bothRemoteLast.map(remote));

    rig.sandbox.control.resetCounts();
    const run = await syncNow(rig.admin, 100, 'reconcile');
    if (run.status !== 'succeeded') throw new Error(`two-way reconcile ended ${run.status}: ${run.error ?? ''}`);
    const totals = byRoute(rig);

    // Every changed field holds its most recent value, here and in HubSpot.
    const expected = new Map<number, string>([
      ...p.localOnly.map((i): [number, string] => [i, `Local ${i}`]),
      ...p.bothLocalLast.map((i): [number, string] => [i, `Local ${i}`]),
      ...p.remoteOnly.map((i): [number, string] => [i, `Remote ${i}`]),
      ...p.bothRemoteLast.map((i): [number, string] => [i, `Remote ${i}`]),
    ]);
    const cities = new Map(query<{ hubspot_id: string; city: string | null }>(rig, 'select hubspot_id, city from customers where hubspot_id is not null').map((r) => [r.hubspot_id, r.city]));
    const wrong: string[] = [];
    for (const [i, value] of expected) {
      const id = hubspotIds[i]!;
      const there = rig.sandbox.control.getObject(rig.portalId, 'contacts', id).properties['city'];
      if (cities.get(id) !== value || there !== value) wrong.push(`#${i}: wanted ${value}, local ${cities.get(id) ?? '∅'}, HubSpot ${there ?? '∅'}`);
    }
    const conflictsRecorded = query<{ n: number }>(rig, 'select count(*) as n from sync_conflicts')[0]!.n;
    const counts = localCounts(rig);
    const conflicts = p.bothLocalLast.length + p.bothRemoteLast.length;
    const figures: TwoWayFigures = {
      records: params.records,
      setupMs,
      changedLocal: p.localOnly.length + conflicts,
      changedRemote: p.remoteOnly.length + conflicts,
      conflicts,
      run,
      byRoute: totals.byRoute,
      requests: totals.requests,
      rateLimited429: totals.rateLimited,
      converged: { checked: expected.size, right: expected.size - wrong.length, wrong: wrong.slice(0, 5) },
      conflictsRecorded,
      notSynced: counts.all - counts.synced,
    };
    params.log(`  two-way: reconcile in ${formatMs(run.wallMs)}, ${totals.requests} calls (${Object.entries(totals.byRoute).map(([r, n]) => `${r} ${n}`).join(' · ')})`);
    if (wrong.length > 0) throw new Error(`two-way: ${wrong.length} of ${expected.size} changed records did not converge, e.g. ${wrong.slice(0, 3).join('; ')}`);
    if (figures.notSynced > 0) throw new Error(`two-way: ${figures.notSynced} customers not Synced after the reconcile`);
    return figures;
  } finally {
    await rig.close();
  }
}

function routeText(routes: RouteCounts): string {
  return Object.entries(routes)
    .sort((a, b) => b[1] - a[1])
    .map(([route, n]) => `${route} ${formatInt(n)}`)
    .join(' · ');
}

/** The initial pull's docs section; `requestsPerSecond` is the tier's burst rate (undefined when unlimited). */
export function initialPullSection(p: { tier: Tier; latencyMs: [number, number] }, f: InitialPullFigures, requestsPerSecond: number | undefined): OwnSection {
  const name = `${formatInt(f.records)} contacts`;
  const ceiling = requestsPerSecond === undefined ? undefined : LIST_PAGE * requestsPerSecond;
  const ratio = ceiling === undefined ? undefined : f.recordsPerSecond / ceiling;
  const lists = f.byRoute['GET /crm/v3/objects/contacts'] ?? 0;
  const searches = f.byRoute['POST /crm/v3/objects/contacts/search'] ?? 0;
  // One list request at a time (each cursor comes from the page before): a page per round trip.
  const meanLatency = (p.latencyMs[0] + p.latencyMs[1]) / 2;
  const chainBound = meanLatency === 0 ? undefined : (LIST_PAGE * 1000) / meanLatency;
  // Beside it, searches at the portal's search budget, a full page each.
  const splitBound = chainBound === undefined ? undefined : chainBound + SEARCH_PAGE * SEARCHES_PER_SECOND;
  const pageCalls = Math.ceil(f.records / LIST_PAGE) + 1;
  const rows: BenchRow[] = [
    [name, 'seed the portal (sandbox control, set-up)', '', formatMs(f.seedMs), ''],
    [name, 'Reconcile now → run ended (the pull; nothing left to push)', '', `${formatMs(f.run.wallMs)} · pushed ${formatInt(f.run.processed)}`, ''],
    [name, 'records / s', ceiling === undefined ? '' : `≥ ${formatInt(ceiling * 0.9)}`, formatInt(f.recordsPerSecond), ceiling === undefined ? '' : met(f.recordsPerSecond >= ceiling * 0.9)],
    [
      name,
      ceiling === undefined ? 'ratio to the list ceiling' : `ratio to the list ceiling (${LIST_PAGE} records × ${requestsPerSecond} req/s = ${formatInt(ceiling)} rec/s)`,
      '≥ 90 %',
      ratio === undefined ? 'n/a (no burst limit)' : pct(ratio),
      ratio === undefined ? '' : met(ratio >= 0.9),
    ],
    [
      name,
      'ratio to one cursor chain (a page per mean round trip)',
      '',
      chainBound === undefined ? 'n/a (no latency)' : `${pct(f.recordsPerSecond / chainBound)} of ${formatInt(chainBound)} rec/s (${meanLatency} ms)`,
      '',
    ],
    [
      name,
      'ratio to list + search (a list page per mean round trip + 200 records × 5 searches/s)',
      '',
      splitBound === undefined ? 'n/a (no latency)' : `${pct(f.recordsPerSecond / splitBound)} of ${formatInt(splitBound)} rec/s${ceiling === undefined ? '' : ` (${pct(splitBound / ceiling)} of the list ceiling)`}`,
      '',
    ],
    // A search page holds 200, so the calls stay under a plain listing's (the archived contacts are listed once after the pull: one page, none archived here).
    [name, 'list calls · searches · all calls', `≤ ${formatInt(pageCalls)} (a plain listing + the archived listing)`, `${formatInt(lists)} · ${formatInt(searches)} · ${formatInt(f.requests)}`, met(f.requests <= pageCalls + 1)],
    [name, 'calls by route', '', routeText(f.byRoute), ''],
    [name, '429s received', '< 1 % of calls', `${formatInt(f.rateLimited429)} (${pct(f.rateLimited429 / Math.max(1, f.requests))})`, met(f.rateLimited429 / Math.max(1, f.requests) < 0.01)],
    [name, 'customers afterwards: all · linked · Synced', `${formatInt(f.records)} each`, `${formatInt(f.customers.all)} · ${formatInt(f.customers.linked)} · ${formatInt(f.customers.synced)}`, met(f.customers.synced === f.records && f.customers.linked === f.records)],
  ];
  return {
    name: 'initial-pull',
    title: '`npm run bench -- --only initial-pull`: a two-way workspace\'s initial pull',
    intro:
      `Tier ${p.tier}, latency ${p.latencyMs[0]}–${p.latencyMs[1]} ms per request. \`hubsync serve\` runs as a child process on its embedded SQLite default, the sandbox in the bench process. ` +
      `${formatInt(f.records)} contacts (customers and subscribers, so all are imported), an hour old by the sandbox's clock, are seeded in the portal; ` +
      'two-way sync is turned on and Reconcile now is sent: its run pulls first, then finds nothing to push. The pull lists from the lowest id (the list API, 100 a page) while, after 5 pages, id-range searches read down from the highest id (200 a page, up to 5 in flight within the search budget) until the two meet; ' +
      'each page is applied with its checkpoint in one transaction, requests going out while pages are applied. The clock runs from the request until the run has ended. ' +
      'The list API\'s cursor comes from the page before, so one list request is in flight at a time (a page per round trip), and search has its own 5 requests/s: together they cannot reach 90 % of the list ceiling.',
    rows,
  };
}

/** The incremental two-way reconcile's docs section. */
export function twoWaySection(p: { tier: Tier; latencyMs: [number, number] }, f: TwoWayFigures): OwnSection {
  const name = `${formatInt(f.records)} linked: ${formatInt(f.changedLocal)} changed here, ${formatInt(f.changedRemote)} in HubSpot, ${formatInt(f.conflicts)} of them on both sides`;
  const searches = Math.ceil(f.changedRemote / SEARCH_PAGE);
  const history = Math.ceil(f.conflicts / HISTORY_BATCH);
  const updates = Math.ceil(f.changedLocal / LIST_PAGE);
  const goal = searches + history + updates + TWO_WAY_CONSTANT;
  const rows: BenchRow[] = [
    [name, 'set-up: seed, initial pull (Reconcile now), the edits', '', formatMs(f.setupMs), ''],
    [name, 'Reconcile now → run ended (pull, conflicts, push)', '', formatMs(f.run.wallMs), ''],
    [
      name,
      'API calls',
      `≤ ⌈${formatInt(f.changedRemote)}/${SEARCH_PAGE}⌉ + ⌈${formatInt(f.conflicts)}/${HISTORY_BATCH}⌉ + ⌈${formatInt(f.changedLocal)}/${LIST_PAGE}⌉ + ${TWO_WAY_CONSTANT} = ${goal}`,
      formatInt(f.requests),
      met(f.requests <= goal),
    ],
    [name, 'calls by route', '', routeText(f.byRoute), ''],
    [name, 'records pushed · conflicts recorded', `≤ ${formatInt(f.changedLocal)} · ${formatInt(f.conflicts)}`, `${formatInt(f.run.processed)} · ${formatInt(f.conflictsRecorded)}`, met(f.run.processed <= f.changedLocal && f.conflictsRecorded === f.conflicts)],
    [name, 'changed records holding the most recent value on both sides', 'all', `${formatInt(f.converged.right)} of ${formatInt(f.converged.checked)}`, met(f.converged.right === f.converged.checked)],
    [name, 'customers not Synced afterwards', '0', formatInt(f.notSynced), met(f.notSynced === 0)],
    [name, '429s received', '0', formatInt(f.rateLimited429), met(f.rateLimited429 === 0)],
  ];
  return {
    name: 'two-way',
    title: '`npm run bench -- --only two-way`: an incremental two-way reconcile',
    intro:
      `Tier ${p.tier}, latency ${p.latencyMs[0]}–${p.latencyMs[1]} ms per request. \`hubsync serve\` runs as a child process on its embedded SQLite default, the sandbox in the bench process. ` +
      `${formatInt(f.records)} contacts, an hour old, are seeded in the portal and pulled by a first Reconcile now (linked, Synced: the set-up). ` +
      'Then `city` is changed on some records in HubSpot (batch update), on others here (`PATCH …/customers/{id}`), and on some on both sides — half of those last in HubSpot, half last here — ' +
      'and one Reconcile now pulls the changes (search from the checkpoint, 200 a page), reads property history for the conflicts (50 a call, per search page), ' +
      'and pushes what changed here (update by id, 100 a call). Afterwards every changed record must hold its most recent value here and in HubSpot. ' +
      `Calls are every request the sandbox answered during that reconcile; the goal allows ${TWO_WAY_CONSTANT} beyond what the changes need (history is read per search page, so conflicts spread over pages can take a call more per page after the first; or a last search comes back empty).`,
    rows,
  };
}
