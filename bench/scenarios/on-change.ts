// On-change latency: how long after a customer edit returns from hubsync's API the new value
// can be read in HubSpot, with the on-change push doing the work (no Sync now). The service is
// `hubsync serve` as a real child process on its embedded SQLite default (web + jobs in one
// process, as an operator runs it); the sandbox (HubSpot) runs in this process with the tier's
// limits and latency.
//
//   set-up    N customers bulk-upserted and pushed by a Sync now (so every edit is an update),
//             then `pushContactsOnChange` switched on;
//   edits     `PATCH …/customers/{id}` of a mapped field (city, a value unique to each edit) at a
//             fixed rate, open loop (each edit is sent at its planned instant whether or not the
//             earlier ones returned), spread over the N customers with some repeats (a customer
//             edited again shortly after, so coalescing is exercised);
//   landing   when the sandbox applied a write is read afterwards from the record's property
//             history (`control.getObject(…, { propertiesWithHistory: ['city'] })`): every
//             version carries the instant the sandbox wrote it, on the same clock as this
//             process. So nothing polls HubSpot or the sandbox while the edits run — the
//             measurement adds no load and no API call — and the latency of an edit is
//             (instant its value, or a later edit's value of the same customer, first landed)
//             − (instant its PATCH returned). An edit superseded before its flush is pushed
//             with the later value (coalescing): it counts as landed when that value did.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { seededRandom, type RunningSandbox, type Tier } from '../../src/sandbox/index.js';
import type { ApiClient } from '../../test/support/service.js';
import { formatInt, formatMs, percentiles, type BenchRow, type MachineInfo, type OwnSection, type Percentiles } from '../lib/report.js';
import { customerAt, sandboxTotals, startServeRig, stopServe, syncNow } from './harness.js';

const W = '/api/workspaces/default';
/** Share of edits that go to a customer edited in the last second or so, instead of the next fresh one. */
const REPEAT_SHARE = 0.2;
/** How long the pushes may take to catch up after the last edit before the scenario fails. */
const DRAIN_TIMEOUT_MS = 120_000;

export interface OnChangeParams {
  /** Edits per second, sent open loop. */
  rate: number;
  seconds: number;
  customers: number;
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}

export interface OnChangeFigures {
  params: Omit<OnChangeParams, 'log'>;
  edits: number;
  /** Edits that went to a customer edited shortly before (the rest go to the next customer in a shuffled order). */
  repeats: number;
  /** Edits actually sent per second, from the first send to the last. */
  achievedRate: number;
  /** From the PATCH returning to its value (or a later one of the same customer) being readable in HubSpot. */
  latencyMs: Percentiles;
  /** The PATCH round trip itself. */
  writeMs: Percentiles;
  /** Edits whose own value never reached HubSpot because a later edit replaced it before its flush (coalesced). */
  coalesced: number;
  /** From the last PATCH returning to every final value being readable. */
  drainMs: number;
  /** Runs with trigger on_change started during the edits (one per batch a flush pushed). */
  onChangeRuns: number;
  /** `sync.flush` jobs that ran during the edits (each drains the pending set in batches). */
  flushJobs: number;
  /** API calls the on-change runs counted. */
  runApiCalls: number;
  /** Every request the sandbox answered from the first edit on, 429s included. */
  sandboxRequests: number;
  rateLimited429: number;
  failedRuns: number;
  /** The machine's 1-minute load average when the last edit returned. */
  loadAverage: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Edit {
  customer: number;
  value: string;
  sentAt: number;
  returnedAt: number;
}

async function onChangeRuns(admin: ApiClient, since: number): Promise<{ count: number; apiCalls: number; failed: number; running: number }> {
  const totals = { count: 0, apiCalls: 0, failed: 0, running: 0 };
  let before: string | undefined;
  for (;;) {
    const page = await admin.get<{ runs: { id: string; trigger: string; status: string; startedAt: string; apiCalls: number }[] }>(`${W}/sync/runs?limit=200${before ? `&before=${before}` : ''}`);
    if (page.status !== 200) throw new Error(`listing runs failed: ${page.status} ${JSON.stringify(page.body)}`);
    for (const run of page.body.runs) {
      if (Date.parse(run.startedAt) < since) return totals;
      if (run.trigger !== 'on_change') continue;
      totals.count++;
      totals.apiCalls += run.apiCalls;
      if (run.status === 'running') totals.running++;
      else if (run.status !== 'succeeded') totals.failed++;
    }
    if (page.body.runs.length < 200) return totals;
    before = page.body.runs.at(-1)!.id;
  }
}

/** The instant each value of `city` first became readable, from the record's history. */
function landings(sandbox: RunningSandbox, portalId: number, hubspotId: string): Map<string, number> {
  const versions = sandbox.control.getObject(portalId, 'contacts', hubspotId, { propertiesWithHistory: ['city'] }).propertiesWithHistory['city'] ?? [];
  const first = new Map<string, number>();
  for (const v of [...versions].reverse()) if (!first.has(v.value)) first.set(v.value, Date.parse(v.timestamp));
  return first;
}

export async function runOnChange(params: OnChangeParams): Promise<OnChangeFigures> {
  const { rate, seconds, customers, log } = params;
  if (!(rate > 0 && seconds > 0 && customers >= 1)) throw new Error('--edit-rate, --edit-seconds and --edit-customers must be positive');
  const rig = await startServeRig({ tier: params.tier, latencyMs: params.latencyMs, prefix: 'on-change' });
  const { sandbox, cli, admin, portalId, dir } = rig;
  try {
    const setOnChange = async (on: boolean) => {
      const r = await admin.patch(`${W}/hubspot/settings`, { pushContactsOnChange: on });
      if (r.status !== 200) throw new Error(`PATCH settings failed: ${r.status} ${JSON.stringify(r.body)}`);
    };

    // Set-up: the customers exist in HubSpot before the first edit, so every edit is an update.
    await setOnChange(false);
    const seed = Array.from({ length: customers }, (_, i) => customerAt(i, 'oc'));
    const ids: string[] = [];
    for (let i = 0; i < seed.length; i += 1000) {
      const r = await admin.post<{ failed: number; results: { id: string }[] }>(`${W}/customers/bulk-upsert`, { customers: seed.slice(i, i + 1000) });
      if (r.status !== 200 || r.body.failed > 0) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      ids.push(...r.body.results.map((x) => x.id));
    }
    const first = await syncNow(admin);
    if (first.status !== 'succeeded' || first.created !== customers) throw new Error(`the first push did not create every customer: ${JSON.stringify(first)}`);
    const hubspotIdByEmail = new Map(sandbox.control.listObjects(portalId, 'contacts').map((c) => [c.properties['email'], c.id]));
    const hubspotIds = seed.map((c) => hubspotIdByEmail.get(c.email)!);
    await setOnChange(true);
    log(`  on-change: ${formatInt(customers)} customers pushed (${formatMs(first.wallMs)}); ${formatInt(rate * seconds)} edits at ${rate}/s for ${seconds} s…`);

    // Edits, open loop: edit k is sent at start + k / rate, whatever is still in flight.
    const random = seededRandom(12);
    const order = Array.from({ length: customers }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const total = Math.max(1, Math.round(rate * seconds));
    const edits: Edit[] = [];
    const inFlight = new Set<number>();
    const recent: number[] = [];
    const pending: Promise<void>[] = [];
    const failures: string[] = [];
    let cursor = 0;
    let repeats = 0;
    sandbox.control.resetCounts();
    const since = Date.now();
    const startedAt = performance.now();
    for (let k = 0; k < total; k++) {
      const due = startedAt + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      // Never two edits of one customer in flight: their order of commit would be unknown.
      let customer = -1;
      if (random() < REPEAT_SHARE) {
        const candidates = recent.filter((c) => !inFlight.has(c));
        if (candidates.length > 0) {
          customer = candidates[Math.floor(random() * candidates.length)]!;
          repeats++;
        }
      }
      while (customer < 0 || inFlight.has(customer)) customer = order[cursor++ % order.length]!;
      recent.push(customer);
      if (recent.length > Math.max(5, rate)) recent.shift();
      inFlight.add(customer);
      const edit: Edit = { customer, value: `On-change ${k}`, sentAt: Date.now(), returnedAt: 0 };
      edits.push(edit);
      pending.push(
        admin.patch(`${W}/customers/${ids[customer]!}`, { city: edit.value }).then(
          (r) => {
            edit.returnedAt = Date.now();
            inFlight.delete(customer);
            if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          },
          (error: unknown) => {
            inFlight.delete(customer);
            failures.push(String(error));
          },
        ),
      );
    }
    await Promise.all(pending);
    const sentSeconds = (performance.now() - startedAt) / 1000;
    if (failures.length > 0) throw new Error(`${failures.length} edits failed, e.g. ${failures[0]}`);
    const lastReturned = Math.max(...edits.map((e) => e.returnedAt));
    const loadAverage = loadavg()[0] ?? 0;

    // Wait until every customer's last value is in HubSpot (in-process reads, no API call).
    const finalValue = new Map<number, string>();
    for (const e of edits) finalValue.set(e.customer, e.value);
    const drainStarted = Date.now();
    for (;;) {
      let missing = 0;
      for (const [customer, value] of finalValue) {
        if (sandbox.control.getObject(portalId, 'contacts', hubspotIds[customer]!).properties['city'] !== value) missing++;
      }
      if (missing === 0) break;
      if (Date.now() - drainStarted > DRAIN_TIMEOUT_MS) throw new Error(`${missing} customers' last edit not in HubSpot ${DRAIN_TIMEOUT_MS / 1000} s after the last edit`);
      if (cli.child.exitCode !== null) throw new Error(`hubsync serve exited (${cli.child.exitCode}): ${cli.stdout().slice(-1000)}`);
      await sleep(200);
    }

    // Latency per edit, from the history of each edited record.
    const byCustomer = new Map<number, Edit[]>();
    for (const e of edits) byCustomer.set(e.customer, [...(byCustomer.get(e.customer) ?? []), e]);
    const latencies: number[] = [];
    let coalesced = 0;
    let drainedAt = 0;
    for (const [customer, list] of byCustomer) {
      const landed = landings(sandbox, portalId, hubspotIds[customer]!);
      // Walking back from the last edit: an edit landed when its value or any later one first did.
      let earliest = Number.POSITIVE_INFINITY;
      for (let i = list.length - 1; i >= 0; i--) {
        const own = landed.get(list[i]!.value);
        if (own === undefined) coalesced++;
        else earliest = Math.min(earliest, own);
        if (!Number.isFinite(earliest)) throw new Error(`edit ${list[i]!.value} never reached HubSpot (history: ${[...landed.keys()].join(', ')})`);
        // A flush that was already reading the pending set may push before the response arrives here.
        latencies.push(Math.max(0, earliest - list[i]!.returnedAt));
      }
      drainedAt = Math.max(drainedAt, landed.get(list.at(-1)!.value)!);
    }

    const runs = await onChangeRuns(admin, since);
    const sandboxSaw = sandboxTotals(sandbox);
    await stopServe(cli);
    const jobsDb = new SQLite(join(dir, 'hubsync.sqlite'), { readonly: true });
    const flushJobs = Number(
      (jobsDb.prepare("select count(*) as n from jobs where queue = 'sync.flush' and started_at >= ?").get(since) as { n: number }).n,
    );
    jobsDb.close();

    return {
      params: { rate, seconds, customers, tier: params.tier, latencyMs: params.latencyMs },
      edits: edits.length,
      repeats,
      achievedRate: edits.length / Math.max(sentSeconds, 1 / rate),
      latencyMs: percentiles(latencies),
      writeMs: percentiles(edits.map((e) => e.returnedAt - e.sentAt)),
      coalesced,
      drainMs: Math.max(0, drainedAt - lastReturned),
      onChangeRuns: runs.count,
      flushJobs,
      runApiCalls: runs.apiCalls,
      sandboxRequests: sandboxSaw.requests,
      rateLimited429: sandboxSaw.rateLimited,
      failedRuns: runs.failed,
      loadAverage,
    };
  } finally {
    await rig.close();
  }
}

const met = (ok: boolean): string => (ok ? 'yes' : '**no**');

/** The scenario's rows and intro for its own section of docs/benchmarks.md. */
export function onChangeSection(f: OnChangeFigures, machine: MachineInfo): OwnSection {
  const { rate, seconds, customers, tier, latencyMs } = f.params;
  const name = `${formatInt(f.edits)} edits at ${rate}/s for ${seconds} s over ${formatInt(customers)} customers`;
  const ms = (p: Percentiles) => `${formatMs(p.p50)} / ${formatMs(p.p95)} / ${formatMs(p.max)}`;
  const callGoal = Math.ceil(f.edits / 100) + f.onChangeRuns;
  const share429 = f.sandboxRequests === 0 ? 0 : f.rateLimited429 / f.sandboxRequests;
  const rows: BenchRow[] = [
    [name, 'edits sent (rate achieved) · of them repeats of a customer edited just before', '', `${formatInt(f.edits)} (${f.achievedRate.toFixed(1)}/s) · ${formatInt(f.repeats)}`, ''],
    [name, 'latency p50 / p95 / max: PATCH returned → value readable in HubSpot', 'p95 ≤ 2 s', ms(f.latencyMs), met(f.latencyMs.p95 <= 2000)],
    [name, 'PATCH …/customers/{id} round trip p50 / p95 / max', '', ms(f.writeMs), ''],
    [name, 'flushes: on_change runs (one batch each) · sync.flush jobs', '', `${formatInt(f.onChangeRuns)} · ${formatInt(f.flushJobs)}`, ''],
    [name, 'edits coalesced (value replaced by a later edit before its batch left)', '', formatInt(f.coalesced), ''],
    [name, 'HubSpot API calls (sandbox saw · the on_change runs counted)', `≤ ⌈${formatInt(f.edits)}/100⌉ + ${formatInt(f.onChangeRuns)} flushes = ${formatInt(callGoal)}`, `${formatInt(f.sandboxRequests)} · ${formatInt(f.runApiCalls)}`, met(f.sandboxRequests <= callGoal)],
    [name, 'API calls per edit', '', (f.sandboxRequests / Math.max(1, f.edits)).toFixed(3), ''],
    [name, '429s received', '< 1 % of calls', `${formatInt(f.rateLimited429)} (${(share429 * 100).toFixed(2)} %)`, met(share429 < 0.01)],
    [name, 'runs failed · catch-up after the last edit returned', '0 failed', `${f.failedRuns} · ${formatMs(f.drainMs)}`, met(f.failedRuns === 0)],
  ];
  const load = f.loadAverage;
  const loaded = load > machine.cores * 0.5;
  return {
    name: 'on-change',
    title: 'On-change push latency',
    intro:
      `\`hubsync serve\` as a child process on its embedded SQLite default, \`pushContactsOnChange\` on; the sandbox (tier ${tier}, ${latencyMs[0]}–${latencyMs[1]} ms per request) in the bench process. ` +
      `${formatInt(customers)} customers are created and pushed by a Sync now first, so every edit is an update; then \`PATCH /api/workspaces/default/customers/{id}\` sets \`city\` (mapped) ` +
      `at ${rate} edits/s for ${seconds} s, open loop, ${Math.round(REPEAT_SHARE * 100)} % of them to a customer edited in the last second or so. ` +
      'When each value landed is read afterwards from the record\'s property history in the sandbox (the instant the sandbox applied the write, same clock as the bench), ' +
      'so nothing polls while the edits run; an edit replaced before its batch left counts as landed when the later value did. ' +
      'Flushes in the call goal are the on_change runs (each pushes one batch of whatever is pending). ' +
      'Where the time goes: while edits keep coming, a `sync.flush` job loops (up to its 20 s slice), each pass pushing what is pending as one batch, ' +
      'so an edit waits for the batch in flight, then rides the next (one sandbox round trip); the 300 ms `FLUSH_DELAY_MS` only delays the first change after a quiet spell. ' +
      `1-minute load average at the end of the edits: ${load.toFixed(1)} on ${machine.cores} cores${loaded ? ' — the machine was shared with other work, so latencies are pessimistic' : ''}.`,
    rows,
  };
}
