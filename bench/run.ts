// `npm run bench`: hubsync's benchmarks in one process tree — the HubSpot sandbox with
// HubSpot-like latency and a tier's rate limits, the real service and sync engine — printed as
// a table and written to docs/benchmarks.md (between the bench markers only).
//
//   npm run bench -- [--customers 50000] [--changed 0.01] [--mixed 5000] [--naive 200]
//                    [--naive-concurrency 4] [--scale 1000000] [--tier pro]
//                    [--latency 80-250] [--edit-rate 50] [--edit-seconds 60] [--edit-customers 2000]
//                    [--scale-out-customers 20000] [--objects 50000] [--pull 50000] [--two-way 50000]
//                    [--hook-rate 20] [--hook-seconds 30] [--hook-contacts 2000] [--hook-deletions 50]
//                    [--sync-log 10000000] [--tags 10000]
//                    [--skip naive,scale,…] [--only scale,on-change,scale-out,…] [--no-docs]
//   npm run bench:smoke      seconds-long: tiny sizes, no latency, unlimited tier, no docs
//
// Benchmarks are not tests: nothing here asserts timing; a scenario that throws makes the run
// exit non-zero.
import { TIERS, type Tier } from '../src/sandbox/index.js';
import { type BenchRow as Row, type OwnSection, describeMachine, flag, formatInt, formatMiB, formatMs, machineInfo, markdownTable, numberFlag, textTable, writeDocSection } from './lib/report.js';
import { runNaive, type NaiveFigures } from './scenarios/naive.js';
import { runInitialAndIncremental, runMixed, type IncrementalFigures, type InitialFigures, type MixedFigures } from './scenarios/push.js';
import { runLocalScale, type LocalScaleFigures } from './scenarios/local-scale.js';
import { onChangeSection, runOnChange, type OnChangeFigures } from './scenarios/on-change.js';
import { importMemoryTable, runImportMemoryBench, type ImportMemoryFigures } from './import-memory.js';
import { runScaleOut, type ScaleOutFigures } from './scenarios/scale-out.js';
import { runObjects, type ObjectsFigures } from './scenarios/objects.js';
import { runWebhooks, webhooksSection, type WebhooksFigures } from './scenarios/webhooks.js';
import { runSyncLog, syncLogSection, type SyncLogFigures } from './scenarios/sync-log.js';
import { runTags, tagsSection, type TagsFigures } from './scenarios/tags.js';
import { initialPullSection, runInitialPull, runTwoWay, twoWaySection, type InitialPullFigures, type TwoWayFigures } from './scenarios/pull.js';

const BATCH_SIZE = 100;
const MIB = 2 ** 20;

interface BenchParams {
  smoke: boolean;
  customers: number;
  changedShare: number;
  mixed: number;
  naive: number;
  naiveConcurrency: number;
  scale: number;
  /** New customers in each of the scale-out scenario's four workspaces. */
  scaleOutCustomers: number;
  /** Organizations, customers, deals and activities in the every-object push: this many of each. */
  objects: number;
  /** Contacts in the portal of the initial-pull scenario. */
  pull: number;
  /** Linked contacts in the two-way scenario (1 % changed on each side, 0.2 % on both). */
  twoWay: number;
  tier: Tier;
  latencyMs: [number, number];
  /** On-change latency: edits per second, for how long, over how many customers. */
  editRate: number;
  editSeconds: number;
  editCustomers: number;
  /** Webhooks in: HubSpot edits per second, for how long, over how many contacts; deletions after. */
  hookRate: number;
  hookSeconds: number;
  hookContacts: number;
  hookDeletions: number;
  /** Attempts in the sync-log scenario's log. */
  syncLog: number;
  /** Customers the tags-10k scenario tags. */
  tags: number;
  skip: Set<string>;
  writeDocs: boolean;
}

/** `--skip a,b` leaves those scenarios out; `--only a,b` runs just those. */
function skipped(argv: readonly string[]): Set<string> {
  const only = flag(argv, 'only', '').split(',').filter(Boolean);
  if (only.length === 0) return new Set(flag(argv, 'skip', '').split(',').filter(Boolean));
  return new Set([...SHARED_SECTION_SCENARIOS, ...OWN_SECTION_SCENARIOS, 'import'].filter((name) => !only.includes(name)));
}

/** Scenarios with a docs section of their own, in the order they run. */
const OWN_SECTION_SCENARIOS: string[] = ['on-change', 'scale-out', 'objects', 'webhooks', 'initial-pull', 'two-way', 'sync-log', 'tags-10k'];

function parseParams(argv: readonly string[]): BenchParams {
  const smoke = argv.includes('--smoke');
  const tier = flag(argv, 'tier', smoke ? 'unlimited' : 'pro');
  if (!(TIERS as readonly string[]).includes(tier)) throw new Error(`--tier must be one of ${TIERS.join(', ')}`);
  const latency = flag(argv, 'latency', smoke ? '0-0' : '80-250');
  const match = /^(\d+)(?:-(\d+))?$/.exec(latency);
  if (!match) throw new Error('--latency must look like 80-250 (ms)');
  return {
    smoke,
    customers: numberFlag(argv, 'customers', smoke ? 300 : 50_000),
    changedShare: numberFlag(argv, 'changed', 0.01),
    mixed: numberFlag(argv, 'mixed', smoke ? 200 : 5_000),
    naive: numberFlag(argv, 'naive', smoke ? 20 : 200),
    naiveConcurrency: numberFlag(argv, 'naive-concurrency', 4),
    scale: numberFlag(argv, 'scale', smoke ? 2_000 : 1_000_000),
    scaleOutCustomers: numberFlag(argv, 'scale-out-customers', smoke ? 50 : 20_000),
    objects: numberFlag(argv, 'objects', smoke ? 150 : 50_000),
    pull: numberFlag(argv, 'pull', smoke ? 300 : 50_000),
    twoWay: numberFlag(argv, 'two-way', smoke ? 500 : 50_000),
    tier: tier as Tier,
    latencyMs: [Number(match[1]), Number(match[2] ?? match[1])],
    editRate: numberFlag(argv, 'edit-rate', smoke ? 20 : 50),
    editSeconds: numberFlag(argv, 'edit-seconds', smoke ? 2 : 60),
    editCustomers: numberFlag(argv, 'edit-customers', smoke ? 50 : 2_000),
    hookRate: numberFlag(argv, 'hook-rate', smoke ? 10 : 20),
    hookSeconds: numberFlag(argv, 'hook-seconds', smoke ? 2 : 30),
    hookContacts: numberFlag(argv, 'hook-contacts', smoke ? 50 : 2_000),
    hookDeletions: numberFlag(argv, 'hook-deletions', smoke ? 5 : 50),
    syncLog: numberFlag(argv, 'sync-log', smoke ? 10_000 : 10_000_000),
    tags: numberFlag(argv, 'tags', smoke ? 500 : 10_000),
    skip: skipped(argv),
    writeDocs: !smoke && !argv.includes('--no-docs'),
  };
}

interface Figures {
  initial?: { initial: InitialFigures; incremental: IncrementalFigures };
  mixed?: MixedFigures;
  naive?: NaiveFigures;
  scale?: LocalScaleFigures;
  importMemory?: ImportMemoryFigures;
  onChange?: OnChangeFigures;
  scaleOut?: ScaleOutFigures;
  objects?: ObjectsFigures;
  webhooks?: WebhooksFigures;
  initialPull?: InitialPullFigures;
  twoWay?: TwoWayFigures;
  syncLog?: SyncLogFigures;
  tags?: TagsFigures;
}

/** The scenarios whose rows go into the shared `bench` section. */
const SHARED_SECTION_SCENARIOS = ['initial', 'mixed', 'naive', 'scale'];

const met = (ok: boolean): string => (ok ? 'yes' : '**no**');
const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)} %`;

function buildRows(p: BenchParams, f: Figures): Row[] {
  const rows: Row[] = [];
  const burst = burstFor(p.tier);
  const ceiling = burst === undefined ? undefined : (BATCH_SIZE * burst) / 10;
  if (f.initial) {
    const { initial: i, incremental: inc } = f.initial;
    const name = `Initial push, ${formatInt(i.customers)} new`;
    rows.push([name, 'wall time', '', formatMs(i.run.wallMs), '']);
    rows.push([name, 'records / s', ceiling === undefined ? '' : `≥ ${formatInt(ceiling * 0.95)}`, formatInt(i.recordsPerSecond), ceiling === undefined ? '' : met(i.recordsPerSecond >= ceiling * 0.95)]);
    if (ceiling !== undefined) {
      rows.push([name, `ratio to ceiling (${BATCH_SIZE} × ${(burst ?? 0) / 10} req/s = ${formatInt(ceiling)} rec/s)`, '≥ 95 %', pct(i.recordsPerSecond / ceiling), met(i.recordsPerSecond / ceiling >= 0.95)]);
    }
    rows.push([name, 'API calls (run / sandbox saw)', `≈ ${formatInt(Math.ceil(i.customers / BATCH_SIZE))}`, `${formatInt(i.run.apiCalls)} / ${formatInt(i.sandboxRequests)}`, '']);
    const share429 = i.sandboxRequests === 0 ? 0 : i.rateLimited429 / i.sandboxRequests;
    rows.push([name, '429s received', '< 1 % of calls', `${formatInt(i.rateLimited429)} (${pct(share429, 2)})`, met(share429 < 0.01)]);
    rows.push([name, 'created / failed', '', `${formatInt(i.run.created)} / ${formatInt(i.run.failed)}`, '']);
    rows.push([name, 'peak RSS (bench process: service + sandbox)', '', formatMiB(i.peakRssBytes), '']);
    const incName = `Incremental, ${formatInt(inc.changed)} edited (${pct(p.changedShare, 0)})`;
    const goalCalls = Math.ceil(inc.changed / BATCH_SIZE);
    rows.push([incName, 'API calls (run / sandbox saw)', `≤ ⌈${formatInt(inc.changed)}/100⌉ + 2 = ${goalCalls + 2}`, `${inc.run.apiCalls} / ${inc.sandboxRequests}`, met(inc.sandboxRequests <= goalCalls + 2)]);
    rows.push([incName, 'records pushed', formatInt(inc.changed), formatInt(inc.run.processed), met(inc.run.processed === inc.changed)]);
    rows.push([incName, 'wall time', '', formatMs(inc.run.wallMs), '']);
  }
  if (f.mixed) {
    const m = f.mixed;
    const name = `Mixed, ${formatInt(m.customers)}: ${formatInt(m.existing)} already in HubSpot, ${formatInt(m.invalid)} invalid emails`;
    rows.push([name, 'API calls per record', '', `${m.callsPerRecord.toFixed(4)} (${formatInt(m.run.apiCalls)} calls)`, '']);
    rows.push([name, 'invalid emails refused when saved', formatInt(m.invalid), formatInt(m.refusedOnSave), met(m.refusedOnSave === m.invalid)]);
    rows.push([name, 'created / updated / failed', `${formatInt(m.customers - m.existing - m.invalid)} / ${formatInt(m.existing)} / 0`, `${formatInt(m.run.created)} / ${formatInt(m.run.updated)} / ${formatInt(m.run.failed)}`, met(m.run.failed === 0 && m.run.created + m.run.updated === m.customers - m.invalid)]);
    rows.push([name, 'contacts in HubSpot afterwards', formatInt(m.customers - m.invalid), formatInt(m.contactsInHubSpot), met(m.contactsInHubSpot === m.customers - m.invalid)]);
    rows.push([name, 'wall time · records / s · 429s', '', `${formatMs(m.run.wallMs)} · ${formatInt(m.customers / (m.run.wallMs / 1000))} · ${m.rateLimited429}`, '']);
  }
  if (f.naive) {
    const n = f.naive;
    const name = `Naive baseline, ${formatInt(n.customers)} new (search by email, then POST/PATCH; hubsync client + governor, ${n.concurrency} workers)`;
    rows.push([name, 'records / s', '', n.recordsPerSecond.toFixed(2), '']);
    rows.push([name, 'API calls per record', '', `${n.callsPerRecord.toFixed(2)} (${n.rateLimited429} × 429, ${n.failed} failed)`, '']);
    if (f.initial) {
      const N = f.initial.initial.customers;
      rows.push([name, `extrapolated to ${formatInt(N)} (linear)`, '', formatMs((N / n.recordsPerSecond) * 1000), '']);
      rows.push(['hubsync vs naive', 'speed-up (records / s)', '', `${(f.initial.initial.recordsPerSecond / n.recordsPerSecond).toFixed(1)} ×`, '']);
      rows.push(['hubsync vs naive', 'API calls per record', '', `${(f.initial.initial.run.apiCalls / N).toFixed(3)} vs ${n.callsPerRecord.toFixed(2)}`, '']);
    }
  }
  if (f.scale) {
    const s = f.scale;
    const name = `Local scale, ${formatInt(s.customers)} customers`;
    const atMillion = s.customers >= 1_000_000;
    rows.push([name, 'load as Synced (repository insert + hash, not HTTP; bench set-up)', '', formatMs(s.loadMs), '']);
    rows.push([name, 'GET …/sync/summary (median of 6 after 1 cold)', '≤ 200 ms', `${formatMs(s.summaryMs.median)} (cold ${formatMs(s.summaryMs.first)})`, atMillion ? met(s.summaryMs.median <= 200) : 'n/a (< 1M)']);
    rows.push([name, 'GET …/sync/records?limit=50 (first page)', '≤ 50 ms', `${formatMs(s.firstPageMs.median)} (cold ${formatMs(s.firstPageMs.first)})`, atMillion ? met(s.firstPageMs.median <= 50) : 'n/a (< 1M)']);
    rows.push([name, 'GET …/sync/records?status=needs_update&limit=50', '≤ 50 ms', `${formatMs(s.filteredPageMs.median)} (cold ${formatMs(s.filteredPageMs.first)})`, atMillion ? met(s.filteredPageMs.median <= 50) : 'n/a (< 1M)']);
    rows.push([name, `edit ${formatInt(s.changed)} (1 %) via bulk-upsert`, '', formatMs(s.editMs), '']);
    rows.push([name, `planning, Sync now's way: count by status + page ${formatInt(s.pushable)} pushable ids`, '', formatMs(s.planPushableMs), '']);
    rows.push([name, 'planning, full recompute: refreshWholeWorkspace (1 % changed)', '', formatMs(s.refreshChangedMs), '']);
    rows.push([name, `Sync now of the ${formatInt(s.changed)} changed, in a freshly started hubsync process: wall · calls`, `calls ≤ ${Math.ceil(s.changed / BATCH_SIZE) + 2}`, `${formatMs(s.sync.wallMs)} · ${s.sync.apiCalls} calls, ${s.sync.failed} failed`, met(s.sync.apiCalls <= Math.ceil(s.changed / BATCH_SIZE) + 2 && s.sync.failed === 0)]);
    rows.push([name, 'peak RSS of that process during the Sync now (idle after start-up)', '≤ 300 MiB', `${formatMiB(s.peakRss.sync)} (${formatMiB(s.peakRss.syncIdle)})`, atMillion ? met(s.peakRss.sync <= 300 * MIB) : 'n/a (< 1M)']);
    rows.push([name, 'peak RSS of the loading hubsync process during refreshWholeWorkspace', '', formatMiB(s.peakRss.refresh), '']);
    rows.push([name, 'RSS of the loading hubsync process: idle after start-up · peak while bench loads · peak for queries, edit, planning', '', `${formatMiB(s.peakRss.idle)} · ${formatMiB(s.peakRss.load)} · ${formatMiB(s.peakRss.queries)}`, '']);
  }
  if (f.importMemory) {
    for (const [measure, goal, measured, ok] of importMemoryTable(f.importMemory).rows) rows.push([`CSV import, ${formatInt(f.importMemory.rows)} rows`, measure!, goal!, measured!, ok!]);
  }
  return rows;
}

/** The scale-out scenario's own docs section. */
function scaleOutSection(p: BenchParams, f: ScaleOutFigures): OwnSection {
  const name = `${f.workspaces} × ${formatInt(f.customersPerWorkspace)} new, ${f.workers} workers`;
  const total = f.workspaces * f.customersPerWorkspace;
  const ratio = f.ceiling === undefined ? undefined : f.recordsPerSecond / f.ceiling;
  const share429 = f.sandboxCalls === 0 ? 0 : f.rateLimited429 / f.sandboxCalls;
  const runCalls = f.runs.reduce((sum, r) => sum + r.apiCalls, 0);
  const processed = f.runs.reduce((sum, r) => sum + r.processed, 0);
  const failed = f.runs.reduce((sum, r) => sum + r.failed, 0);
  const cpu = f.cpuSeconds;
  const rows: Row[] = [
    [name, 'bulk-upsert of all customers (4 workspaces at once; set-up)', '', formatMs(f.loadMs), ''],
    [name, 'Sync now in all four → every run ended', '', formatMs(f.pushMs), ''],
    [name, 'aggregate records / s', f.ceiling === undefined ? '' : `≥ ${formatInt(f.ceiling * 0.9)}`, formatInt(f.recordsPerSecond), f.ceiling === undefined ? '' : met(f.recordsPerSecond >= f.ceiling * 0.9)],
    [
      name,
      f.ceiling === undefined ? 'ratio to ceiling' : `ratio to the ceiling (${f.workspaces} portals × ${BATCH_SIZE} records × ${(f.burstPer10s ?? 0) / 10} req/s = ${formatInt(f.ceiling)} rec/s)`,
      '≥ 90 %',
      ratio === undefined ? 'n/a (no burst limit)' : pct(ratio),
      ratio === undefined ? '' : met(ratio >= 0.9),
    ],
    [name, 'first to last write the sandbox accepted', '', `${formatMs(f.firstToLastWriteMs)} (${formatInt(total / (f.firstToLastWriteMs / 1000 || 1))} rec/s)`, ''],
    [
      name,
      `per portal, s after Sync now: job taken by a worker · first write · ${f.burstPer10s === undefined ? '' : `${f.burstPer10s}th write (the window full) · `}last write`,
      '',
      f.timelines.map((t) => [t.jobTaken, t.firstWrite, ...(f.burstPer10s === undefined ? [] : [t.burstWrite ?? Number.NaN]), t.lastWrite].map((x) => x.toFixed(2)).join(' · ')).join(' / '),
      '',
    ],
    [name, 'runs: status · processed · failed', `succeeded · ${formatInt(total)} · 0`, `${[...new Set(f.runs.map((r) => r.status))].join(', ')} · ${formatInt(processed)} · ${formatInt(failed)}`, met(f.runs.every((r) => r.status === 'succeeded') && processed === total && failed === 0)],
    [name, 'contacts in the four portals afterwards', formatInt(total), formatInt(f.contactsInHubSpot), met(f.contactsInHubSpot === total)],
    [name, 'API calls (runs counted / sandbox saw)', `≈ ${formatInt(f.workspaces * Math.ceil(f.customersPerWorkspace / BATCH_SIZE))}`, `${formatInt(runCalls)} / ${formatInt(f.sandboxCalls)}`, ''],
    [name, '429s received', '< 1 % of calls', `${formatInt(f.rateLimited429)} (${pct(share429, 2)})`, met(share429 < 0.01)],
    [
      name,
      'CPU seconds during the push: PostgreSQL backends · workers · web process · bench process (sandbox)',
      '',
      `${cpu.postgres.toFixed(1)} · ${cpu.workers.toFixed(1)} · ${cpu.web.toFixed(1)} · ${cpu.benchProcess.toFixed(1)} (of ${((f.pushMs / 1000) * machineInfo().cores).toFixed(0)} core-seconds)`,
      '',
    ],
  ];
  return {
    name: 'scale-out',
    title: '`npm run bench -- --only scale-out`: scale-out on PostgreSQL',
    intro:
      `Tier ${p.tier}, latency ${p.latencyMs[0]}–${p.latencyMs[1]} ms per request. A fresh PostgreSQL database, \`hubsync serve --web-only\` and ${f.workers} \`hubsync worker\` child processes; ` +
      `${f.workspaces} workspaces, each connected to its own sandbox portal, get ${formatInt(f.customersPerWorkspace)} new customers through bulk-upsert (on-change push off), ` +
      'then Sync now is sent in all of them at once; the clock runs from those requests until every run has ended. The ceiling is computed from the sandbox\'s configured burst limit of the tier.',
    rows,
  };
}

/** The every-object push's own docs section. */
function objectsSection(p: BenchParams, f: ObjectsFigures): OwnSection {
  const name = `${formatInt(f.records)} of each`;
  const seconds = f.run.wallMs / 1000;
  const burst = burstFor(p.tier);
  const rate = burst === undefined ? undefined : burst / 10;
  const pushed = f.objects.filter((o) => o.objectType !== 'contacts').reduce((sum, o) => sum + o.processed, 0);
  const callsPerRecord = f.sandboxRequests / Math.max(1, f.run.processed);
  const callsPerObjectRecord = f.sandboxRequests / Math.max(1, pushed);
  // Searches have a budget of their own (5/s); the burst ceiling is the rest's.
  const searches = Object.entries(f.byRoute).reduce((sum, [route, n]) => (route.endsWith('/search') ? sum + n : sum), 0);
  const requestRate = (f.sandboxRequests - searches) / seconds;
  const routes = Object.entries(f.byRoute)
    .sort((a, b) => b[1] - a[1])
    .map(([route, n]) => `${route} ${formatInt(n)}`)
    .join(' · ');
  const rows: Row[] = [
    [name, 'load through the bulk APIs (set-up)', '', formatMs(f.loadMs), ''],
    [name, 'Sync now → run ended: records pushed (companies, contacts, deals, notes)', '', `${formatInt(f.run.processed)} in ${formatMs(f.run.wallMs)}`, ''],
    ...f.objects.map((o): Row => [name, `${o.objectType}: processed · created · failed`, `${formatInt(f.records)} · ${formatInt(f.records)} · 0`, `${formatInt(o.processed)} · ${formatInt(o.created)} · ${formatInt(o.failed)}`, met(o.processed === f.records && o.created === f.records && o.failed === 0)]),
    [name, 'records / s (all four types)', '', formatInt(f.run.processed / seconds), ''],
    [name, 'first to last attempt of each type', '', f.typeTimes.map((t) => `${t.objectType} ${t.seconds.toFixed(1)} s`).join(' · '), ''],
    [
      name,
      rate === undefined ? 'request rate (searches apart)' : `request rate against the ceiling (${rate} req/s; searches apart, their own 5/s)`,
      '≥ 90 %',
      rate === undefined ? `${requestRate.toFixed(1)} req/s` : `${requestRate.toFixed(1)} req/s (${pct(requestRate / rate)})`,
      rate === undefined ? '' : met(requestRate / rate >= 0.9),
    ],
    [name, 'calls per record, associations and searches included (all four types · per company, deal and note)', '≤ 0.02', `${callsPerRecord.toFixed(5)} · ${callsPerObjectRecord.toFixed(5)}`, met(callsPerRecord <= 0.02)],
    [name, 'calls by route', '', routes, ''],
    [name, '429s received', '< 1 % of calls', `${formatInt(f.rateLimited429)} (${pct(f.rateLimited429 / Math.max(1, f.sandboxRequests), 2)})`, met(f.rateLimited429 / Math.max(1, f.sandboxRequests) < 0.01)],
    [
      name,
      'in HubSpot afterwards: companies · contacts · deals · notes',
      `${formatInt(f.records)} each`,
      `${formatInt(f.inHubSpot.companies)} · ${formatInt(f.inHubSpot.contacts)} · ${formatInt(f.inHubSpot.deals)} · ${formatInt(f.inHubSpot.notes)}`,
      met(Object.values(f.inHubSpot).every((n) => n === f.records)),
    ],
    [name, 'deals linked as locally (2 contacts, 1 company; every 97th checked)', 'all', `${formatInt(f.dealsLinkedAsLocally.right)} of ${formatInt(f.dealsLinkedAsLocally.checked)}`, met(f.dealsLinkedAsLocally.right === f.dealsLinkedAsLocally.checked)],
  ];
  return {
    name: 'objects',
    title: '`npm run bench -- --only objects`: companies, contacts, deals and notes in one run',
    intro:
      `Tier ${p.tier}, latency ${p.latencyMs[0]}–${p.latencyMs[1]} ms per request, SQLite. ${formatInt(f.records)} organizations, as many customers (each a member of one), ` +
      'deals (each with two customers and one organization) and activities (one per customer, on a deal) are loaded through the bulk APIs; companies, deals and activities are turned on and ' +
      'the deal stage mapped; then one Sync now pushes them all with their associations. Calls are every request the sandbox answered during the run.',
    rows,
  };
}

function burstFor(tier: Tier): number | undefined {
  return { free: 100, pro: 190, enterprise: 190, boosted: 250, unlimited: undefined }[tier];
}

async function main(): Promise<void> {
  const p = parseParams(process.argv.slice(2));
  const machine = machineInfo();
  const log = (line: string) => console.log(line);
  const paramText =
    `tier ${p.tier}, latency ${p.latencyMs[0]}–${p.latencyMs[1]} ms per request, initial ${formatInt(p.customers)}, changed ${pct(p.changedShare, 0)}, ` +
    `mixed ${formatInt(p.mixed)}, naive ${formatInt(p.naive)} × ${p.naiveConcurrency} workers, local scale ${formatInt(p.scale)}, ` +
    `on-change ${p.editRate} edits/s × ${p.editSeconds} s over ${formatInt(p.editCustomers)} customers` +
    (p.skip.size > 0 ? `, skipped: ${[...p.skip].join(', ')}` : '');
  log(`hubsync bench${p.smoke ? ' (smoke)' : ''}: ${paramText}`);
  log(describeMachine(machine));
  const started = performance.now();
  const figures: Figures = {};
  const failures: string[] = [];
  const scenario = async (name: string, work: () => Promise<void>) => {
    if (p.skip.has(name)) return;
    log(`\n▶ ${name}`);
    const t = performance.now();
    try {
      await work();
      log(`  done in ${formatMs(performance.now() - t)}`);
    } catch (error) {
      failures.push(name);
      console.error(`  ${name} failed:`, error);
    }
  };
  const push = { tier: p.tier, latencyMs: p.latencyMs, log };
  await scenario('initial', async () => {
    figures.initial = await runInitialAndIncremental({ ...push, customers: p.customers, changedShare: p.changedShare });
  });
  await scenario('mixed', async () => {
    figures.mixed = await runMixed({ ...push, customers: p.mixed, existingShare: 0.3, invalidShare: 0.05 });
  });
  await scenario('naive', async () => {
    figures.naive = await runNaive({ customers: p.naive, concurrency: p.naiveConcurrency, tier: p.tier, latencyMs: p.latencyMs });
  });
  await scenario('scale', async () => {
    figures.scale = await runLocalScale({ customers: p.scale, changedShare: p.changedShare, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  // The 1M import has its own script and docs section; the smoke run checks it still works.
  if (p.smoke) {
    await scenario('import', async () => {
      figures.importMemory = await runImportMemoryBench({ rows: 200 });
      if (figures.importMemory.exitCode !== 0) throw new Error(`hubsync import exited ${figures.importMemory.exitCode}: ${figures.importMemory.summaryLine}`);
    });
  }
  await scenario('on-change', async () => {
    figures.onChange = await runOnChange({ rate: p.editRate, seconds: p.editSeconds, customers: p.editCustomers, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  await scenario('scale-out', async () => {
    figures.scaleOut = await runScaleOut({ customersPerWorkspace: p.scaleOutCustomers, workspaces: 4, workers: 2, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  await scenario('objects', async () => {
    figures.objects = await runObjects({ records: p.objects, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  await scenario('webhooks', async () => {
    figures.webhooks = await runWebhooks({ rate: p.hookRate, seconds: p.hookSeconds, contacts: p.hookContacts, deletions: p.hookDeletions, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  await scenario('initial-pull', async () => {
    figures.initialPull = await runInitialPull({ records: p.pull, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  await scenario('two-way', async () => {
    figures.twoWay = await runTwoWay({ records: p.twoWay, changedShare: p.changedShare, bothShare: 0.002, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  await scenario('sync-log', async () => {
    figures.syncLog = await runSyncLog({ attempts: p.syncLog, log });
  });
  await scenario('tags-10k', async () => {
    figures.tags = await runTags({ customers: p.tags, tier: p.tier, latencyMs: p.latencyMs, log });
  });
  const ownSections: OwnSection[] = [];
  if (figures.onChange) ownSections.push(onChangeSection(figures.onChange, machine));
  if (figures.scaleOut) ownSections.push(scaleOutSection(p, figures.scaleOut));
  if (figures.objects) ownSections.push(objectsSection(p, figures.objects));
  if (figures.webhooks) ownSections.push(webhooksSection(figures.webhooks, machine));
  if (figures.initialPull) {
    const burst = burstFor(p.tier);
    ownSections.push(initialPullSection(p, figures.initialPull, burst === undefined ? undefined : burst / 10));
  }
  if (figures.twoWay) ownSections.push(twoWaySection(p, figures.twoWay));
  if (figures.syncLog) ownSections.push(syncLogSection(figures.syncLog, machine));
  if (figures.tags) ownSections.push(tagsSection(figures.tags));
  const totalMs = performance.now() - started;

  const header = ['scenario', 'measure', 'goal', 'measured', 'met?'];
  const rows = buildRows(p, figures);
  const sharedRan = SHARED_SECTION_SCENARIOS.some((name) => !p.skip.has(name));
  if (sharedRan) log(`\n${textTable(header, rows)}`);
  for (const section of ownSections) log(`\n${section.title}\n${textTable(header, section.rows)}`);
  log(`\ntotal ${formatMs(totalMs)}${failures.length > 0 ? ` · FAILED: ${failures.join(', ')}` : ''}`);

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  if (p.writeDocs && failures.length === 0) {
    for (const section of ownSections) {
      writeDocSection(
        `bench-${section.name}`,
        [`## ${section.title}`, '', describeMachine(machine), '', `${section.intro} Command: \`${command}\`.`, '', markdownTable(header, section.rows)].join('\n'),
      );
      log(`wrote the bench-${section.name} section of docs/benchmarks.md`);
    }
  }
  if (p.writeDocs && failures.length === 0 && sharedRan) {
    writeDocSection(
      'bench',
      [
        '## `npm run bench`',
        '',
        `${describeMachine(machine)} · total ${formatMs(totalMs)}`,
        '',
        `Parameters: ${paramText}. Command: \`${command}\`.`,
        '',
        'The sandbox (in the bench process) answers like HubSpot with the tier\'s burst limit; hubsync is the real service on a temp SQLite file, ' +
          'driven over its HTTP API (bulk-upsert, Sync now, summary, records). "API calls (run)" are the attempts the sync run counted; ' +
          '"sandbox saw" counts every request the sandbox answered meanwhile. Local scale runs the hubsync side in a child process, so its RSS excludes the sandbox.',
        '',
        markdownTable(header, rows),
      ].join('\n'),
    );
    log('wrote the bench section of docs/benchmarks.md');
  }
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
