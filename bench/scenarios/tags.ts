// A tag on many customers (issue 16's check): N customers are loaded and pushed once (linked
// to their contacts), the `hubsync_tags` property and a list for the tag are turned on, then the
// tag is applied through the bulk API (1,000 per call) with the service running as in
// production (on-change push off: one Sync now pushes the tags; the `tags.lists` job flushes
// the list on its own wake-ups). Figures: contact batch calls against ⌈N/100⌉ + 2, list
// membership calls against ⌈N/100,000⌉ per flush, and how long until HubSpot holds it all.
import type { Tier } from '../../src/sandbox/index.js';
import { LIST_MEMBERSHIP_BATCH } from '../../src/sync/index.js';
import type { BenchRow as Row, OwnSection } from '../lib/report.js';
import { formatInt, formatMs } from '../lib/report.js';
import { bulkUpsert, customerAt, sandboxTotals, startRig, syncNow, type RunResult } from './harness.js';

export interface TagsParams {
  customers: number;
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}

export interface TagsFigures {
  customers: number;
  tier: Tier;
  latencyMs: [number, number];
  applyMs: number;
  push: RunResult;
  /** From the first bulk apply until the list held every contact (the tags.lists job's work included). */
  listFullMs: number;
  contactBatches: number;
  membershipCalls: number;
  otherCalls: number;
  rateLimited429: number;
  contactsTagged: number;
  listMembers: number;
}

const W = '/api/workspaces/default';
const KEY = 'bench_campaign';

export async function runTags(params: TagsParams): Promise<TagsFigures> {
  const rig = await startRig({ tier: params.tier, latencyMs: params.latencyMs });
  try {
    const n = params.customers;
    const { admin, sandbox } = rig;
    const ok = (what: string, res: { status: number; body: unknown }, status = 200) => {
      if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    };
    ok('settings', await admin.patch(`${W}/hubspot/settings`, { pushContactsOnChange: false }));
    const refused = await bulkUpsert(admin, Array.from({ length: n }, (_, i) => customerAt(i, 't')));
    if (refused > 0) throw new Error(`${refused} customers refused`);
    const first = await syncNow(admin, 200);
    if (first.status !== 'succeeded') throw new Error(`first push ended ${first.status}: ${first.error ?? ''}`);
    ok('property', await admin.request('PUT', `${W}/tags/property`, { enabled: true }));
    ok('tag', await admin.post(`${W}/tags`, { key: KEY, label: 'Bench campaign' }), 201);
    ok('list', await admin.patch(`${W}/tags/${KEY}`, { list: { enabled: true } }));
    const ids = (await rig.ts.service.database.db.selectFrom('customers').select('id').execute()).map((r) => r.id);
    params.log(`  tags-10k: ${formatInt(n)} customers linked; applying ${KEY}…`);

    sandbox.control.resetCounts();
    const started = performance.now();
    for (let i = 0; i < ids.length; i += 1000) ok('apply', await admin.post(`${W}/tags/apply`, { customerIds: ids.slice(i, i + 1000), add: [KEY] }));
    const applyMs = performance.now() - started;
    const push = await syncNow(admin, 200);
    if (push.status !== 'succeeded') throw new Error(`tag push ended ${push.status}: ${push.error ?? ''}`);
    const listIdOf = () => rig.ts.service.database.db.selectFrom('tag_definitions').select('list_id').where('key', '=', KEY).executeTakeFirst();
    let listMembers = 0;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const row = await listIdOf();
      if (row?.list_id) {
        const res = await fetch(`${sandbox.baseUrl}/crm/v3/lists/${row.list_id}`, { headers: { authorization: `Bearer ${rig.token}` } });
        listMembers = Number(((await res.json()) as { list?: { size?: number } }).list?.size ?? 0);
        if (listMembers >= n) break;
      }
      if (Date.now() > deadline) throw new Error(`the list holds ${listMembers} of ${n} after 5 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const listFullMs = performance.now() - started;
    const totals = sandboxTotals(sandbox);
    const calls = (route: string) => Object.values(totals.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
    const contactBatches = calls('POST /crm/v3/objects/contacts/batch/update') + calls('POST /crm/v3/objects/contacts/batch/upsert');
    const membershipCalls = calls('PUT /crm/v3/lists/{listId}/memberships/add');
    // The list reads of the wait above are the bench's own, not hubsync's.
    const ownReads = calls('GET /crm/v3/lists/{listId}');
    const contactsTagged = sandbox.control.listObjects(rig.portalId, 'contacts').filter((c) => String(c.properties['hubsync_tags'] ?? '').split(';').includes(KEY)).length;
    params.log(`  tags-10k: ${contactBatches} contact batches, ${membershipCalls} membership calls, list full after ${formatMs(listFullMs)}`);
    return {
      customers: n,
      tier: params.tier,
      latencyMs: params.latencyMs,
      applyMs,
      push,
      listFullMs,
      contactBatches,
      membershipCalls,
      otherCalls: totals.requests - contactBatches - membershipCalls - ownReads,
      rateLimited429: totals.rateLimited,
      contactsTagged,
      listMembers,
    };
  } finally {
    await rig.close();
  }
}

const met = (ok: boolean): string => (ok ? 'yes' : '**no**');

/** The tags scenario's own docs section. */
export function tagsSection(f: TagsFigures): OwnSection {
  const name = `${formatInt(f.customers)} customers, one tag`;
  const batchGoal = Math.ceil(f.customers / 100) + 2;
  const rows: Row[] = [
    [name, `bulk apply, ${Math.ceil(f.customers / 1000)} calls of 1,000`, '', formatMs(f.applyMs), ''],
    [name, 'Sync now of the tagged contacts: wall · updated · failed', `${formatInt(f.customers)} · 0`, `${formatMs(f.push.wallMs)} · ${formatInt(f.push.updated)} · ${formatInt(f.push.failed)}`, met(f.push.updated === f.customers && f.push.failed === 0)],
    [name, 'contact batch calls (hubsync_tags)', `≤ ⌈n/100⌉ + 2 = ${formatInt(batchGoal)}`, formatInt(f.contactBatches), met(f.contactBatches <= batchGoal)],
    [name, `list membership calls (≤ ${formatInt(LIST_MEMBERSHIP_BATCH)} ids each)`, `⌈n/${formatInt(LIST_MEMBERSHIP_BATCH)}⌉ = ${Math.ceil(f.customers / LIST_MEMBERSHIP_BATCH)} per flush of the tags.lists job`, formatInt(f.membershipCalls), ''],
    [name, 'other calls (property options, finding or making the list, the run\'s reads)', 'a few', formatInt(f.otherCalls), met(f.otherCalls <= 10)],
    [name, 'first apply → the list holds every contact', '', formatMs(f.listFullMs), ''],
    [name, 'contacts with the tag in hubsync_tags · list members', `${formatInt(f.customers)} · ${formatInt(f.customers)}`, `${formatInt(f.contactsTagged)} · ${formatInt(f.listMembers)}`, met(f.contactsTagged === f.customers && f.listMembers === f.customers)],
    [name, '429s received', '0', formatInt(f.rateLimited429), met(f.rateLimited429 === 0)],
  ];
  return {
    name: 'tags-10k',
    title: '`npm run bench -- --only tags-10k`: a tag applied to many customers',
    intro:
      `Tier ${f.tier}, latency ${f.latencyMs[0]}–${f.latencyMs[1]} ms per request, SQLite. ${formatInt(f.customers)} customers are loaded and pushed once; ` +
      'the hubsync_tags property and a list for the tag are on; the tag is applied through POST …/tags/apply (1,000 ids per call) with the service\'s jobs running; one Sync now ' +
      'pushes the tags and the tags.lists job flushes the list on its own wake-ups (so a burst spread over several seconds can take more than one membership call). ' +
      'Calls are every request the sandbox answered from the first apply until the list was full.',
    rows,
  };
}
