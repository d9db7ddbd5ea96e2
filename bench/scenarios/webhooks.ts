// Webhooks in: how long after a HubSpot user's edit returns the new value is in hubsync's local
// record, with the sandbox's HubSpot app delivering its signed webhooks to hubsync and the
// `sync.webhook` job reading the records (no poll: the poll interval is set to a day). The
// service is `hubsync serve` as a real child process on its embedded SQLite default, connected
// through the app (OAuth 2); the sandbox (HubSpot) runs in this process with the tier's limits
// and latency.
//
//   set-up    N contacts seeded in HubSpot (lifecycle stage customer) and brought in by a
//             Reconcile now with two-way sync on, so every edit changes a linked customer;
//             then the app's webhook URL is pointed at hubsync;
//   edits     `PATCH /crm/v3/objects/contacts/{id}` of `city` (a value unique to each edit)
//             through the API with an unlimited private-app token (people editing in HubSpot
//             do not spend hubsync's budget), open loop at a fixed rate, spread over
//             the N contacts with some repeats (a contact edited again shortly after);
//   deletions then D contacts archived (`DELETE …/contacts/{id}`), open loop;
//   landing   the service's SQLite file is read (read-only) every POLL_MS: an edit landed when
//             the customer's city first showed its value or a later edit's value of the same
//             contact; a deletion when the customer lost its HubSpot id. Latency = that instant
//             − the instant the HubSpot call returned (so it includes the sandbox's gathering of
//             events, WEBHOOK_BATCH_DELAY_MS, as HubSpot's own delivery delay).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { seededRandom, startSandbox, type Tier } from '../../src/sandbox/index.js';
import { runCli, servingAt, type Cli } from '../../test/support/cli-process.js';
import { connectThroughOAuth } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient } from '../../test/support/service.js';
import { formatInt, formatMs, percentiles, type BenchRow, type MachineInfo, type OwnSection, type Percentiles } from '../lib/report.js';
import { sandboxTotals } from './harness.js';

const W = '/api/workspaces/default';
/** How often the bench reads the service's database for landed values. */
const POLL_MS = 20;
/** How long the sandbox gathers events before a delivery (HubSpot batches too). */
const WEBHOOK_BATCH_DELAY_MS = 50;
/** Share of edits that go to a contact edited in the last second or so. */
const REPEAT_SHARE = 0.2;
/** How long everything may take to land after the last call before the scenario fails. */
const DRAIN_TIMEOUT_MS = 60_000;

export interface WebhooksParams {
  /** Edits per second, sent open loop. */
  rate: number;
  seconds: number;
  contacts: number;
  /** Contacts archived after the edits. */
  deletions: number;
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}

export interface WebhooksFigures {
  params: Omit<WebhooksParams, 'log'>;
  edits: number;
  repeats: number;
  achievedRate: number;
  /** HubSpot edit returned → value in the local customer. */
  latencyMs: Percentiles;
  /** HubSpot archive returned → local customer unlinked. */
  deletionMs: Percentiles;
  /** How long hubsync took to answer a delivery (the sandbox's own measure). */
  ackMs: Percentiles;
  deliveries: number;
  eventsDelivered: number;
  /** Deliveries not answered 200. */
  deliveriesRefused: number;
  /** `sync.webhook` jobs that ran. */
  jobs: number;
  /** Batch reads hubsync made (its only HubSpot calls here). */
  batchReads: number;
  /** Every request the sandbox answered meanwhile, the bench's own edits included. */
  sandboxRequests: number;
  rateLimited429: number;
  loadAverage: number;
}

interface Sent {
  contact: number;
  value: string;
  returnedAt: number;
  landedAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stop(cli: Cli): Promise<void> {
  if (cli.child.exitCode !== null) return;
  cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 40_000);
  await cli.exited;
  clearTimeout(timer);
}

/** Sends `work(k)` for k < total at `rate` per second, open loop; resolves when all returned. */
async function openLoop(total: number, rate: number, work: (k: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const wait = started + (k * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(work(k));
  }
  await Promise.all(pending);
  return (performance.now() - started) / 1000;
}

export async function runWebhooks(params: WebhooksParams): Promise<WebhooksFigures> {
  const { rate, seconds, contacts, log } = params;
  const deletions = Math.min(params.deletions, contacts);
  if (!(rate > 0 && seconds > 0 && contacts >= 1)) throw new Error('--hook-rate, --hook-seconds and --hook-contacts must be positive');
  const sandbox = await startSandbox({ tier: params.tier, latencyMs: params.latencyMs, logger: false, webhookBatchDelayMs: WEBHOOK_BATCH_DELAY_MS });
  const dir = mkdtempSync(join(tmpdir(), 'hubsync-webhooks-'));
  let cli: Cli | undefined;
  let local: SQLite.Database | undefined;
  try {
    const { portalId } = sandbox.control.createPortal({ tier: params.tier });
    // The edits stand for people working in HubSpot: they do not spend hubsync's API budget.
    const { token } = sandbox.control.createPrivateAppToken({ portalId, tier: 'unlimited' });
    const redirectUrl = 'http://127.0.0.1/api/oauth/hubspot/callback';
    const app = sandbox.control.createOAuthApp({
      redirectUris: [redirectUrl],
      subscriptions: [{ subscriptionType: 'contact.propertyChange' }, { subscriptionType: 'contact.creation' }, { subscriptionType: 'contact.deletion' }],
    });
    cli = runCli(['serve', '--port', '0'], {
      HUBSYNC_DATA_DIR: dir,
      HUBSYNC_ADMIN_EMAIL: ADMIN_EMAIL,
      HUBSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HUBSPOT_BASE_URL: sandbox.baseUrl,
      HUBSPOT_CLIENT_ID: app.clientId,
      HUBSPOT_CLIENT_SECRET: app.clientSecret,
      HUBSPOT_REDIRECT_URL: redirectUrl,
      HUBSPOT_AUTHORIZE_URL: `${sandbox.baseUrl}/oauth/authorize`,
    });
    const url = (await servingAt(cli)).replace('//localhost:', '//127.0.0.1:');
    const admin = await ApiClient.signIn(url, ADMIN_EMAIL, ADMIN_PASSWORD);
    await connectThroughOAuth(sandbox, url, admin, portalId);
    const settings = await admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440, pushContactsOnChange: false });
    if (settings.status !== 200) throw new Error(`PATCH settings failed: ${settings.status} ${JSON.stringify(settings.body)}`);

    // Set-up: the contacts come in by a reconcile (it pulls first), before any webhook is sent.
    const ids = sandbox.control.seedContacts(portalId, Array.from({ length: contacts }, (_, i) => ({ email: `hook${i}@example.com`, firstname: `Hook${i}`, city: 'Seeded', lifecyclestage: 'customer' })));
    const reconcile = await admin.post<{ id: string }>(`${W}/sync/reconcile`);
    if (reconcile.status !== 202) throw new Error(`Reconcile now failed: ${reconcile.status} ${JSON.stringify(reconcile.body)}`);
    local = new SQLite(join(dir, 'hubsync.sqlite'), { readonly: true });
    const linked = local.prepare('select count(*) as n from customers where hubspot_id is not null and deleted_at is null');
    const setupStarted = Date.now();
    while ((linked.get() as { n: number }).n < contacts) {
      if (Date.now() - setupStarted > 120_000) throw new Error(`only ${(linked.get() as { n: number }).n} of ${contacts} contacts came in`);
      await sleep(100);
    }
    sandbox.control.setWebhooks(app.clientId, { webhookUrl: `${url}/api/hubspot/webhooks` });
    log(`  webhooks: ${formatInt(contacts)} contacts linked; ${formatInt(rate * seconds)} HubSpot edits at ${rate}/s for ${seconds} s, then ${deletions} deletions…`);

    const call = async (method: string, id: string, body?: unknown): Promise<void> => {
      const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/${id}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`${method} contact ${id}: ${res.status}`);
    };

    // Edits, open loop, watched by reading the service's database.
    const random = seededRandom(7);
    const order = Array.from({ length: contacts - deletions }, (_, i) => i + deletions);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const total = Math.max(1, Math.round(rate * seconds));
    const edits: Sent[] = [];
    const recent: number[] = [];
    const inFlight = new Set<number>();
    let cursor = 0;
    let repeats = 0;
    sandbox.control.resetCounts();
    const since = Date.now();
    const watch = watcher(local, ids, edits);
    const sentSeconds = await openLoop(total, rate, async (k) => {
      let contact = -1;
      if (random() < REPEAT_SHARE) {
        const candidates = recent.filter((c) => !inFlight.has(c));
        if (candidates.length > 0) {
          contact = candidates[Math.floor(random() * candidates.length)]!;
          repeats++;
        }
      }
      while (contact < 0 || inFlight.has(contact)) contact = order[cursor++ % order.length]!;
      recent.push(contact);
      if (recent.length > Math.max(5, rate)) recent.shift();
      inFlight.add(contact);
      const edit: Sent = { contact, value: `Hook ${k}`, returnedAt: 0 };
      await call('PATCH', ids[contact]!, { properties: { city: edit.value } });
      edit.returnedAt = Date.now();
      edits.push(edit);
      inFlight.delete(contact);
    });
    await watch.until(() => edits.every((e) => e.landedAt !== undefined), cli);
    const loadAverage = loadavg()[0] ?? 0;

    // Deletions: the first `deletions` contacts, never edited.
    watch.stop();
    const removed: { contact: number; returnedAt: number; landedAt?: number }[] = [];
    const unlinked = local.prepare('select hubspot_id from customers where email_lower = ?');
    const checkRemoved = (): boolean => {
      const now = Date.now();
      for (const r of removed) if (r.landedAt === undefined && (unlinked.get(`hook${r.contact}@example.com`) as { hubspot_id: string | null }).hubspot_id === null) r.landedAt = now;
      return removed.every((r) => r.landedAt !== undefined);
    };
    const removals = setInterval(checkRemoved, POLL_MS);
    await openLoop(deletions, Math.max(1, rate / 2), async (k) => {
      await call('DELETE', ids[k]!);
      removed.push({ contact: k, returnedAt: Date.now() });
    });
    await waitFor(checkRemoved, cli);
    clearInterval(removals);

    const deliveries = sandbox.control.webhookDeliveries().filter((d) => d.at >= since);
    const saw = sandboxTotals(sandbox);
    await stop(cli);
    const jobsDb = new SQLite(join(dir, 'hubsync.sqlite'), { readonly: true });
    const jobs = Number((jobsDb.prepare("select count(*) as n from jobs where queue = 'sync.webhook' and started_at >= ?").get(since) as { n: number }).n);
    jobsDb.close();
    return {
      params: { rate, seconds, contacts, deletions, tier: params.tier, latencyMs: params.latencyMs },
      edits: edits.length,
      repeats,
      achievedRate: edits.length / Math.max(sentSeconds, 1 / rate),
      latencyMs: percentiles(edits.map((e) => Math.max(0, e.landedAt! - e.returnedAt))),
      deletionMs: percentiles(removed.map((r) => Math.max(0, r.landedAt! - r.returnedAt))),
      ackMs: percentiles(deliveries.map((d) => d.durationMs)),
      deliveries: deliveries.length,
      eventsDelivered: deliveries.reduce((sum, d) => sum + d.events, 0),
      deliveriesRefused: deliveries.filter((d) => d.status !== 200).length,
      jobs,
      batchReads: Object.values(saw.byRoute['POST /crm/v3/objects/contacts/batch/read'] ?? {}).reduce((a, b) => a + b, 0),
      sandboxRequests: saw.requests,
      rateLimited429: saw.rateLimited,
      loadAverage,
    };
  } finally {
    local?.close();
    if (cli) await stop(cli);
    rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  }
}

/** Polls until `done`, failing if the service died or it takes longer than DRAIN_TIMEOUT_MS after the last call. */
async function waitFor(done: () => boolean, cli: Cli): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > DRAIN_TIMEOUT_MS) throw new Error(`not everything landed locally ${DRAIN_TIMEOUT_MS / 1000} s after the last HubSpot call`);
    if (cli.child.exitCode !== null) throw new Error(`hubsync serve exited (${cli.child.exitCode}): ${cli.stdout().slice(-1000)}`);
    await sleep(POLL_MS);
  }
}

/**
 * Reads the local cities of the edited contacts every POLL_MS while edits go out: an edit lands
 * the first time its customer shows its value or a later edit's value (a later edit read before
 * an earlier one's job ran carries it too).
 */
function watcher(local: SQLite.Database, ids: readonly string[], edits: readonly Sent[]): { until(done: () => boolean, cli: Cli): Promise<void>; stop(): void } {
  const read = local.prepare('select city from customers where hubspot_id = ?');
  const check = (): void => {
    const now = Date.now();
    const open = new Map<number, Sent[]>();
    for (const e of edits) open.set(e.contact, [...(open.get(e.contact) ?? []), e]);
    for (const [contact, list] of open) {
      if (list.every((e) => e.landedAt !== undefined)) continue;
      const city = (read.get(ids[contact]!) as { city: string | null } | undefined)?.city;
      const at = list.findIndex((e) => e.value === city);
      for (let i = 0; i <= at; i++) list[i]!.landedAt ??= now;
    }
  };
  const timer = setInterval(check, POLL_MS);
  return {
    until: (done, cli) =>
      waitFor(() => {
        check();
        return done();
      }, cli),
    stop: () => clearInterval(timer),
  };
}

const met = (ok: boolean): string => (ok ? 'yes' : '**no**');

/** The scenario's rows and intro for its own section of docs/benchmarks.md. */
export function webhooksSection(f: WebhooksFigures, machine: MachineInfo): OwnSection {
  const { rate, seconds, contacts, deletions, tier, latencyMs } = f.params;
  const name = `${formatInt(f.edits)} HubSpot edits at ${rate}/s for ${seconds} s over ${formatInt(contacts)} linked contacts, then ${deletions} deletions`;
  const ms = (p: Percentiles) => `${formatMs(p.p50)} / ${formatMs(p.p95)} / ${formatMs(p.max)}`;
  const share429 = f.sandboxRequests === 0 ? 0 : f.rateLimited429 / f.sandboxRequests;
  const rows: BenchRow[] = [
    [name, 'edits sent (rate achieved) · of them repeats of a contact edited just before', '', `${formatInt(f.edits)} (${f.achievedRate.toFixed(1)}/s) · ${formatInt(f.repeats)}`, ''],
    [name, 'latency p50 / p95 / max: HubSpot edit returned → value in the local customer', 'p95 ≤ 2 s', ms(f.latencyMs), met(f.latencyMs.p95 <= 2000)],
    [name, 'latency p50 / p95 / max: HubSpot archive returned → local customer unlinked', 'p95 ≤ 2 s', ms(f.deletionMs), met(f.deletionMs.p95 <= 2000)],
    [name, 'delivery answered by hubsync p50 / p95 / max (HubSpot waits 5 s)', '≤ 5 s', ms(f.ackMs), met(f.ackMs.max <= 5000)],
    [name, 'deliveries · events in them · refused', '0 refused', `${formatInt(f.deliveries)} · ${formatInt(f.eventsDelivered)} · ${formatInt(f.deliveriesRefused)}`, met(f.deliveriesRefused === 0)],
    [name, 'sync.webhook jobs · batch reads (hubsync\'s HubSpot calls) · per edit or deletion', '', `${formatInt(f.jobs)} · ${formatInt(f.batchReads)} · ${(f.batchReads / Math.max(1, f.edits + deletions)).toFixed(3)}`, ''],
    [name, '429s received', '< 1 % of calls', `${formatInt(f.rateLimited429)} (${(share429 * 100).toFixed(2)} %)`, met(share429 < 0.01)],
  ];
  const load = f.loadAverage;
  return {
    name: 'webhooks',
    title: '`npm run bench -- --only webhooks`: HubSpot change → local record by webhook',
    intro:
      `\`hubsync serve\` as a child process on its embedded SQLite default, connected through the sandbox's HubSpot app (OAuth 2) with two-way sync on and the poll set to once a day; ` +
      `the sandbox (tier ${tier}, ${latencyMs[0]}–${latencyMs[1]} ms per request, events gathered ${WEBHOOK_BATCH_DELAY_MS} ms before each delivery) in the bench process delivers the app's signed webhooks to \`POST /api/hubspot/webhooks\`. ` +
      `${formatInt(contacts)} contacts are seeded in HubSpot and brought in by a Reconcile now; then a HubSpot user sets \`city\` through the API at ${rate} edits/s for ${seconds} s, open loop ` +
      `(${Math.round(REPEAT_SHARE * 100)} % to a contact edited in the last second or so), and archives ${deletions} contacts. The bench reads the service's SQLite file every ${POLL_MS} ms; ` +
      'an edit counts as landed when its value (or a later one of the same contact) is in the customer, a deletion when the customer lost its HubSpot id. ' +
      'Each delivery is recorded and acknowledged; the `sync.webhook` job then reads the changed records by id (one batch read per 100 records, however many events each had) and merges them. ' +
      `1-minute load average at the end of the edits: ${load.toFixed(1)} on ${machine.cores} cores${load > machine.cores * 0.5 ? ' — the machine was shared with other work, so latencies are pessimistic' : ''}.`,
    rows,
  };
}
