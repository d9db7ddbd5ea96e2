// The every-object crash test: a real `hubsync sync` child process pushing 20,000 organizations,
// 20,000 customers and 20,000 deals (each deal with two customers and one organization) is
// killed with SIGKILL in the middle of the deals; a second run finishes the job. HubSpot then
// holds exactly 20,000 companies and 20,000 deals — none created twice although batches were in
// flight when the process died — and every deal is associated exactly as it is locally.
import { afterAll, expect, it } from 'vitest';
import { until } from '../../test/support/cli-process.js';
import type { ApiClient } from '../../test/support/service.js';
import { startSyncChildRig, type SyncChildRig } from '../../test/support/sync-child.js';
import { OBJECT_ADAPTERS } from './objects/index.js';

const W = '/api/workspaces/default';
const COUNT = 20_000;

let rig: SyncChildRig | undefined;
afterAll(async () => rig?.close());

async function bulk(admin: ApiClient, path: string, key: string, items: Record<string, unknown>[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < items.length; i += 1000) {
    const response = await admin.post<{ failed: number; results: { externalId?: string; id?: string }[] }>(`${W}/${path}`, { [key]: items.slice(i, i + 1000) });
    expect(response.status).toBe(200);
    expect(response.body.failed).toBe(0);
    for (const result of response.body.results) if (result.externalId && result.id) ids.set(result.externalId, result.id);
  }
  return ids;
}

// Runs once the companies adapter is registered (it lands separately from the deals one).
it.runIf(OBJECT_ADAPTERS.some((a) => a.objectType === 'companies'))('a run killed mid-push leaves, after one more run, exactly one company and one deal per record, linked as locally', async () => {
  rig = await startSyncChildRig({ latencyMs: [100, 200], settings: { syncCompanies: true, syncDeals: true, pushContactsOnChange: false, pushCompaniesOnChange: false } });
  const { sandbox, ts, admin, portalId } = rig;
  const stages = await admin.get<{ pipelines: { id: string; stages: { id: string }[] }[] }>(`${W}/hubspot/deal-stages`);
  const pipeline = stages.body.pipelines[0]!;
  expect((await admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'won', hubspotPipelineId: pipeline.id, hubspotStageId: pipeline.stages.at(-2)!.id }] })).status).toBe(200);

  const orgs = await bulk(admin, 'organizations/bulk-upsert', 'organizations', Array.from({ length: COUNT }, (_, i) => ({ externalId: `o-${i}`, name: `Société ${i}`, domain: `societe${i}.example.org` })));
  const customers = await bulk(admin, 'customers/bulk-upsert', 'customers', Array.from({ length: COUNT }, (_, i) => ({ externalId: `c-${i}`, email: `k${i}@example.com`, organizationIds: [orgs.get(`o-${i}`)] })));
  const deals = await bulk(
    admin,
    'deals/bulk-upsert',
    'deals',
    Array.from({ length: COUNT }, (_, i) => ({ externalId: `d-${i}`, name: `Deal ${i}`, amount: '100', pipeline: 'default', stage: 'won', customerIds: [customers.get(`c-${i}`), customers.get(`c-${(i + 1) % COUNT}`)], organizationId: orgs.get(`o-${i}`) })),
  );

  // Killed once the deals are being written: companies and contacts are done, deals half-way.
  const first = rig.runSync();
  await until(() => sandbox.control.listObjects(portalId, 'deals').length >= 4_000, 'deals to be written', first);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(sandbox.control.listObjects(portalId, 'deals').length).toBeLessThan(COUNT);

  const second = rig.runSync();
  expect(await second.exited, second.stdout().slice(-1000)).toBe(0);

  const companies = sandbox.control.listObjects(portalId, 'companies');
  const hubDeals = sandbox.control.listObjects(portalId, 'deals');
  expect(companies).toHaveLength(COUNT);
  expect(hubDeals).toHaveLength(COUNT);
  expect(new Set(companies.map((c) => c.properties['hubsync_organization_id'])).size).toBe(COUNT);
  expect(new Set(hubDeals.map((d) => d.properties['hubsync_deal_id'])).size).toBe(COUNT);

  // Every deal linked as locally: its two customers' contacts and its organization's company.
  const db = ts.service.database.db;
  const link = async (table: 'customers' | 'organizations' | 'deals') => new Map((await db.selectFrom(table).select(['id', 'hubspot_id']).execute()).map((r) => [r.id, r.hubspot_id]));
  const [contactOf, companyOf, dealOf] = [await link('customers'), await link('organizations'), await link('deals')];
  let wrong = 0;
  for (let i = 0; i < COUNT; i++) {
    const dealId = dealOf.get(deals.get(`d-${i}`)!)!;
    const contacts = sandbox.control.associationsOf(portalId, 'deals', dealId, 'contacts').map((a) => a.id).sort();
    const wanted = [contactOf.get(customers.get(`c-${i}`)!)!, contactOf.get(customers.get(`c-${(i + 1) % COUNT}`)!)!].sort();
    const company = sandbox.control.associationsOf(portalId, 'deals', dealId, 'companies').map((a) => a.id);
    if (JSON.stringify(contacts) !== JSON.stringify(wanted) || JSON.stringify(company) !== JSON.stringify([companyOf.get(orgs.get(`o-${i}`)!)])) wrong++;
  }
  expect(wrong).toBe(0);
  const summary = await admin.get<{ objects: { objectType: string; synced: number }[] }>(`${W}/sync/summary`);
  expect(summary.body.objects.map((o) => [o.objectType, o.synced])).toEqual([
    ['companies', COUNT],
    ['contacts', COUNT],
    ['deals', COUNT],
  ]);
}, 600_000);
