// The every-object push: N organizations, N customers (each a member of one organization), N
// deals (each with two customers and the organization of the first) and N activities (one per
// customer, on its deal) are loaded through the bulk APIs; companies, deals and activities are
// turned on, the deal stage mapped; then one Sync now pushes companies, contacts, deals and
// notes with their associations. Figures: records/s, calls per record (associations included),
// and the request rate against the tier's ceiling.
import type { Tier } from '../../src/sandbox/index.js';
import type { ApiClient } from '../../test/support/service.js';
import { sandboxTotals, startRig, syncNow, type RunResult } from './harness.js';

export interface ObjectsParams {
  /** Organizations, customers, deals and activities: this many of each. */
  records: number;
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}

export interface ObjectsFigures {
  records: number;
  loadMs: number;
  run: RunResult;
  /** The run's summary per object type. */
  objects: { objectType: string; processed: number; created: number; failed: number }[];
  sandboxRequests: number;
  rateLimited429: number;
  /** Requests by route, for the calls-per-record breakdown. */
  byRoute: Record<string, number>;
  inHubSpot: { companies: number; contacts: number; deals: number; notes: number };
  /** When each type's first and last attempt were recorded, from the run's sync log (ms). */
  typeTimes: { objectType: string; seconds: number }[];
  /** Deals whose associations in the sandbox are exactly their two contacts and one company (sampled). */
  dealsLinkedAsLocally: { checked: number; right: number };
}

const W = '/api/workspaces/default';

async function bulk(admin: ApiClient, path: string, key: string, items: readonly Record<string, unknown>[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < items.length; i += 1000) {
    const response = await admin.post<{ failed: number; results: { externalId?: string; id?: string; status: string }[] }>(`${W}/${path}`, { [key]: items.slice(i, i + 1000) });
    if (response.status !== 200 || response.body.failed > 0) throw new Error(`${path} failed: ${response.status} ${JSON.stringify(response.body).slice(0, 500)}`);
    for (const result of response.body.results) if (result.externalId && result.id) ids.set(result.externalId, result.id);
  }
  return ids;
}

export async function runObjects(params: ObjectsParams): Promise<ObjectsFigures> {
  const rig = await startRig({ tier: params.tier, latencyMs: params.latencyMs });
  try {
    const n = params.records;
    const { admin } = rig;
    const settings = await admin.patch(`${W}/hubspot/settings`, { syncCompanies: true, syncDeals: true, syncActivities: true, pushContactsOnChange: false, pushCompaniesOnChange: false });
    if (settings.status !== 200) throw new Error(`settings: ${settings.status} ${JSON.stringify(settings.body)}`);
    const loadStarted = performance.now();
    const orgs = await bulk(
      admin,
      'organizations/bulk-upsert',
      'organizations',
      Array.from({ length: n }, (_, i) => ({ externalId: `o-${i}`, name: `Firma ${i} Zürich`, domain: `firma${i}.example.com`, city: `City ${i % 500}` })),
    );
    const customers = await bulk(
      admin,
      'customers/bulk-upsert',
      'customers',
      Array.from({ length: n }, (_, i) => ({ externalId: `c-${i}`, email: `c${i}@example.com`, firstName: `First${i % 997}`, lastName: `Last${i % 1009}`, organizationIds: [orgs.get(`o-${i}`)] })),
    );
    const deals = await bulk(
      admin,
      'deals/bulk-upsert',
      'deals',
      Array.from({ length: n }, (_, i) => ({
        externalId: `d-${i}`,
        name: `Renewal ${i}`,
        amount: String(1000 + (i % 9000)),
        currency: 'EUR',
        pipeline: 'default',
        stage: 'qualified',
        customerIds: [customers.get(`c-${i}`), customers.get(`c-${(i + 1) % n}`)],
        organizationId: orgs.get(`o-${i}`),
      })),
    );
    for (let i = 0; i < n; i += 1000) {
      const activities = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        externalId: `a-${i + k}`,
        type: 'event_attended',
        occurredAt: new Date(Date.UTC(2026, 10, 1) + (i + k) * 1000).toISOString(),
        title: `Attended Summit ${i + k}`,
        details: 'Keynote and two workshops ✓',
        customerId: customers.get(`c-${i + k}`),
        dealId: deals.get(`d-${i + k}`),
      }));
      const response = await admin.post<{ failed: number }>(`${W}/activities/bulk`, { activities });
      if (response.status !== 200 || response.body.failed > 0) throw new Error(`activities failed: ${response.status} ${JSON.stringify(response.body).slice(0, 500)}`);
    }
    const loadMs = performance.now() - loadStarted;
    const stages = await admin.get<{ pipelines: { id: string; stages: { id: string }[] }[] }>(`${W}/hubspot/deal-stages`);
    const pipeline = stages.body.pipelines?.[0];
    if (!pipeline) throw new Error(`deal stages: ${stages.status} ${JSON.stringify(stages.body).slice(0, 300)}`);
    const mapped = await admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'qualified', hubspotPipelineId: pipeline.id, hubspotStageId: pipeline.stages[1]!.id }] });
    if (mapped.status !== 200) throw new Error(`deal stage mapping: ${mapped.status} ${JSON.stringify(mapped.body).slice(0, 300)}`);
    params.log(`  objects: ${n} each of organizations, customers, deals, activities loaded in ${(loadMs / 1000).toFixed(1)} s; Sync now…`);

    rig.sandbox.control.resetCounts();
    const run = await syncNow(admin, 500);
    if (run.status !== 'succeeded') throw new Error(`objects push ended ${run.status}: ${run.error ?? ''}`);
    const totals = sandboxTotals(rig.sandbox);
    const byRoute = Object.fromEntries(Object.entries(totals.byRoute).map(([route, statuses]) => [route, Object.values(statuses).reduce((a, b) => a + b, 0)]));
    const summary = await admin.get<{ objects?: { objectType: string; processed: number; created: number; failed: number }[] }>(`${W}/sync/runs/${(await admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs?limit=1`)).body.runs[0]!.id}`);
    const spans = await rig.ts.service.database.db
      .selectFrom('sync_attempts')
      .select(['object_type', (eb) => eb.fn.min('at').as('first'), (eb) => eb.fn.max('at').as('last')])
      .groupBy('object_type')
      .execute();
    const typeTimes = spans.map((t) => ({ objectType: t.object_type, seconds: (Number(t.last) - Number(t.first)) / 1000 }));
    params.log(`  objects: first to last attempt per type: ${typeTimes.map((t) => `${t.objectType} ${t.seconds.toFixed(1)} s`).join(' · ')}`);
    const count = (type: string) => rig.sandbox.control.listObjects(rig.portalId, type).length;
    const inHubSpot = { companies: count('companies'), contacts: count('contacts'), deals: count('deals'), notes: count('notes') };

    // Every 97th deal: its associations in the sandbox are exactly its two contacts and its company.
    const hubspotIdOf = async (path: string, id: string) => (await admin.get<{ sync: { hubspotId: string | null } }>(`${W}/${path}/${id}`)).body.sync.hubspotId;
    let checked = 0;
    let right = 0;
    for (let i = 0; i < n; i += 97) {
      checked++;
      const dealId = await hubspotIdOf('deals', deals.get(`d-${i}`)!);
      const contactIds = [await hubspotIdOf('customers', customers.get(`c-${i}`)!), await hubspotIdOf('customers', customers.get(`c-${(i + 1) % n}`)!)].sort();
      const companyId = await hubspotIdOf('organizations', orgs.get(`o-${i}`)!);
      const linked = (to: string) =>
        rig.sandbox.control
          .associationsOf(rig.portalId, 'deals', dealId ?? '', to)
          .map((a) => a.id)
          .sort();
      if (dealId && JSON.stringify(linked('contacts')) === JSON.stringify(contactIds) && JSON.stringify(linked('companies')) === JSON.stringify([companyId])) right++;
    }
    params.log(`  objects: ${run.processed} pushed in ${(run.wallMs / 1000).toFixed(1)} s, ${run.apiCalls} calls, ${totals.rateLimited} × 429`);
    if (run.failed > 0) {
      // What went wrong is worth more than the count: the first few messages of the sync log.
      const runId = (await admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs?limit=1`)).body.runs[0]!.id;
      const errors = await admin.get<{ attempts: { objectType: string; message: string | null }[] }>(`${W}/sync/runs/${runId}/attempts?outcome=error&limit=3`);
      for (const attempt of errors.body.attempts) params.log(`  failed ${attempt.objectType}: ${attempt.message ?? ''}`);
    }
    return { records: n, loadMs, run, objects: summary.body.objects ?? [], typeTimes, sandboxRequests: totals.requests, rateLimited429: totals.rateLimited, byRoute, inHubSpot, dealsLinkedAsLocally: { checked, right } };
  } finally {
    await rig.close();
  }
}
