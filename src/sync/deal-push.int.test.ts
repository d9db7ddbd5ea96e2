// Deals pushed by the push engine with their associations, against the sandbox over real HTTP
// on a real database: created once by their hubsync key with the mapped stage, the linked owner
// and their values; associated to their contacts and (primary) company with one call per kind
// per batch; a second run sends nothing; an edit is one update call per 100 deals; an unlinked
// customer's association is archived; an unmapped stage, an owner without a HubSpot owner and a
// customer not in HubSpot each end as the deal's own message, never blocking its neighbours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization, workspaceIdOf } from '../../test/support/crm-records.js';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, inviteMember } from '../../test/support/service.js';
import type { HubSpotClient } from '../hubspot/index.js';
import type { Db } from '../store/index.js';

const W = '/api/workspaces/default';
const COUNT = 300;
const UPSERT = 'POST /crm/v3/objects/deals/batch/upsert';
const UPDATE = 'POST /crm/v3/objects/deals/batch/update';
const TO_CONTACTS = 'POST /crm/v4/associations/deals/contacts/batch/create';
const TO_COMPANIES = 'POST /crm/v4/associations/deals/companies/batch/create';
const ARCHIVE_CONTACTS = 'POST /crm/v4/associations/deals/contacts/batch/archive';
const ARCHIVE_COMPANIES = 'POST /crm/v4/associations/deals/companies/batch/archive';

interface DealBody {
  id: string;
  sync: { status: string; hubspotId: string | null; lastError: string | null };
}

let env: SandboxedService;
let db: Db;
let workspaceId: string;
let hubspot: HubSpotClient;
let ownerId: string;
/** Local deal id by its index, the HubSpot company id of each organization, the customers' ids. */
const dealIds: string[] = [];
const companyOf = new Map<string, string>();
let customerIds: string[] = [];
let memberId: string;

const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const hubspotDeals = () => env.sandbox.control.listObjects(env.portalId, 'deals');
const deal = async (i: number) => (await env.admin.get<DealBody>(`${W}/deals/${dealIds[i]}`)).body;
const dealInput = (i: number, changes: Record<string, unknown> = {}) => ({
  externalId: `d${i}`,
  name: `Deal ${i} — Zürich ✓`,
  amount: `${1000 + i}.50`,
  currency: 'CHF',
  closeDate: '2026-06-30',
  stage: 'proposal',
  ownerUserId: adminId,
  organizationId: organizationIds[i % organizationIds.length],
  customerIds: [customerIds[2 * i], customerIds[2 * i + 1]],
  ...changes,
});
let adminId: string;
const organizationIds: string[] = [];

/** HubSpot's associations of these HubSpot deals to `toType`, read over HTTP (not counted: read after counting). */
async function associated(toType: 'contacts' | 'companies', hubspotIds: string[]): Promise<Map<string, { to: string; types: number[] }[]>> {
  const read = await hubspot.associations.batchRead('deals', toType, hubspotIds);
  return new Map(read.results.map((r) => [String(r.from.id), r.to.map((t) => ({ to: String(t.toObjectId), types: t.associationTypes.map((a) => a.typeId).sort((a, b) => a - b) }))]));
}

beforeAll(async () => {
  env = await startSandboxedService();
  db = env.ts.service.database.db;
  workspaceId = await workspaceIdOf(db, 'default');
  hubspot = await env.ts.service.context.hubspot.clientFor(workspaceId);
  adminId = (await db.selectFrom('users').select('id').where('email', '=', ADMIN_EMAIL).executeTakeFirstOrThrow()).id;
  expect((await env.admin.patch(`${W}/hubspot/settings`, { syncDeals: true, syncCompanies: true })).status).toBe(200);
  // The admin is a HubSpot owner, linked by email; a second member is linked to none.
  ownerId = env.sandbox.control.addOwner(env.portalId, { email: ADMIN_EMAIL, firstName: 'Ada' }).id;
  expect((await env.admin.post(`${W}/hubspot/owners/refresh`)).status).toBe(200);
  expect((await env.admin.post(`${W}/hubspot/owners/link-suggested`)).status).toBe(200);
  await inviteMember(env.admin, env.ts.url, 'default', { email: 'rep@example.com', role: 'member', password: 'rep-password-123' });
  memberId = (await db.selectFrom('users').select('id').where('email', '=', 'rep@example.com').executeTakeFirstOrThrow()).id;
  // Two local stages, mapped by the admin.
  const mapped = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, {
    mappings: [
      { pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' },
      { pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' },
    ],
  });
  expect(mapped.status).toBe(200);
  // Organizations already linked to HubSpot companies (the companies adapter is not on this
  // branch: the companies are made in HubSpot and the link stored as a push would store it).
  const companies = env.sandbox.control.seedObjects(env.portalId, 'companies', Array.from({ length: 10 }, (_, i) => ({ name: `Firma ${i}` })));
  for (const [i, companyId] of companies.entries()) {
    const id = await insertOrganization(db, workspaceId, `Firma ${i}`);
    await db.updateTable('organizations').set({ hubspot_id: companyId, sync_status: 'synced' }).where('id', '=', id).execute();
    organizationIds.push(id);
    companyOf.set(id, companyId);
  }
  // Two customers per deal; the push of this run creates their contacts before the deals.
  const customers = Array.from({ length: 2 * COUNT }, (_, i) => ({ externalId: `c${i}`, email: `buyer${i}@example.com`, firstName: `Buyer ${i}` }));
  expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
  customerIds = (await db.selectFrom('customers').select(['id', 'external_id']).where('workspace_id', '=', workspaceId).execute())
    .sort((a, b) => Number(a.external_id!.slice(1)) - Number(b.external_id!.slice(1)))
    .map((c) => c.id);
  const created = await env.admin.post<{ failed: number }>(`${W}/deals/bulk-upsert`, { deals: Array.from({ length: COUNT }, (_, i) => dealInput(i)) });
  expect(created.body.failed).toBe(0);
  const rows = await db.selectFrom('deals').select(['id', 'external_id']).where('workspace_id', '=', workspaceId).execute();
  for (const row of rows) dealIds[Number(row.external_id!.slice(1))] = row.id;
}, 60_000);
afterAll(async () => env?.close());

describe('pushing deals', () => {
  it('creates each deal once with its stage, owner and values, associated to its 2 contacts and its primary company, 3 calls per 100 deals', async () => {
    env.sandbox.control.resetCounts();
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    const objects = run['objects'] as { objectType: string; created: number; failed: number }[];
    expect(objects.find((o) => o.objectType === 'deals')).toMatchObject({ created: COUNT, failed: 0 });

    const deals = hubspotDeals();
    expect(deals).toHaveLength(COUNT);
    const byKey = new Map(deals.map((d) => [String(d.properties['hubsync_deal_id']), d]));
    expect(byKey.size).toBe(COUNT);
    const sample = byKey.get(dealIds[7]!)!;
    expect(sample.properties).toMatchObject({
      dealname: 'Deal 7 — Zürich ✓',
      amount: '1007.50',
      deal_currency_code: 'CHF',
      pipeline: 'default',
      dealstage: 'presentationscheduled',
      hubspot_owner_id: ownerId,
    });
    expect(sample.properties['closedate']).toBe('2026-06-30T00:00:00.000Z');
    expect(await deal(7)).toMatchObject({ sync: { status: 'synced', hubspotId: sample.id, lastError: null } });

    // One upsert and one association call per kind for each batch of 100, plus the key property made once.
    const batches = Math.ceil(COUNT / 100);
    expect([calls(UPSERT), calls(TO_CONTACTS), calls(TO_COMPANIES)]).toEqual([batches, batches, batches]);
    expect(calls('POST /crm/v3/properties/deals')).toBe(1);
    expect((calls(UPSERT) + calls(TO_CONTACTS) + calls(TO_COMPANIES)) / COUNT).toBeLessThanOrEqual(0.03);

    // Every deal holds exactly its two contacts and its company, as primary (HubSpot adds 341).
    const contacts = new Map(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => [String(c.properties['email']), c.id]));
    expect(contacts.size).toBe(2 * COUNT);
    const hubspotIdOf = (i: number) => byKey.get(dealIds[i]!)!.id;
    const sampleIds = [0, 7, 150, COUNT - 1].map(hubspotIdOf);
    const toContacts = await associated('contacts', sampleIds);
    const toCompanies = await associated('companies', sampleIds);
    for (const i of [0, 7, 150, COUNT - 1]) {
      expect(toContacts.get(hubspotIdOf(i))!.map((a) => a.to).sort()).toEqual([contacts.get(`buyer${2 * i}@example.com`), contacts.get(`buyer${2 * i + 1}@example.com`)].sort());
      expect(toContacts.get(hubspotIdOf(i))!.every((a) => a.types.includes(3))).toBe(true);
      expect(toCompanies.get(hubspotIdOf(i))).toEqual([{ to: companyOf.get(organizationIds[i % 10]!), types: [5, 341] }]);
    }
  });

  it('sends nothing on a second run: no deal, no association call', async () => {
    env.sandbox.control.resetCounts();
    // Nothing is pending, so Sync now answers with the run that just finished instead of starting one.
    const latest = (await env.admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs`)).body.runs[0]!;
    const again = await env.admin.post<{ id: string; status: string }>(`${W}/sync/runs`);
    expect([again.status, again.body.id, again.body.status]).toEqual([200, latest.id, 'succeeded']);
    expect(await db.selectFrom('deals').select('id').where('sync_status', '!=', 'synced').execute()).toEqual([]);
    expect(calls(UPSERT) + calls(UPDATE) + calls(TO_CONTACTS) + calls(TO_COMPANIES) + calls(ARCHIVE_CONTACTS)).toBe(0);
    expect(hubspotDeals()).toHaveLength(COUNT);
  });

  it('updates 100 edited deals with one call, and archives the association of an unlinked customer', async () => {
    const edited = await env.admin.post<{ failed: number }>(`${W}/deals/bulk-upsert`, { deals: Array.from({ length: 100 }, (_, i) => dealInput(i, { stage: 'won' })) });
    expect(edited.body.failed).toBe(0);
    expect((await deal(3)).sync.status).toBe('needs_update');
    expect((await deal(100)).sync.status).toBe('synced');
    env.sandbox.control.resetCounts();
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', processed: 100, updated: 100, failed: 0 });
    expect([calls(UPDATE), calls(UPSERT), calls(TO_CONTACTS), calls(TO_COMPANIES)]).toEqual([1, 0, 0, 0]);
    const hubspotId = (await deal(3)).sync.hubspotId!;
    expect(env.sandbox.control.getObject(env.portalId, 'deals', hubspotId).properties['dealstage']).toBe('closedwon');
    expect((await deal(3)).sync.status).toBe('synced');

    // Unlinking a customer archives only that association.
    const unlinkedContact = (await db.selectFrom('customers').select('hubspot_id').where('id', '=', customerIds[6]!).executeTakeFirstOrThrow()).hubspot_id!;
    const keptContact = (await db.selectFrom('customers').select('hubspot_id').where('id', '=', customerIds[7]!).executeTakeFirstOrThrow()).hubspot_id!;
    expect((await env.admin.request('DELETE', `${W}/deals/${dealIds[3]}/customers/${customerIds[6]}`)).status).toBe(200);
    expect((await deal(3)).sync.status).toBe('needs_update');
    env.sandbox.control.resetCounts();
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, updated: 1, failed: 0 });
    expect([calls(ARCHIVE_CONTACTS), calls(TO_CONTACTS), calls(TO_COMPANIES)]).toEqual([1, 0, 0]);
    expect((await associated('contacts', [hubspotId])).get(hubspotId)!.map((a) => a.to)).toEqual([keptContact]);
    expect(unlinkedContact).not.toBe(keptContact);
    expect((await deal(3)).sync.status).toBe('synced');
  });

  it('refuses a deal whose stage is not mapped, naming the stage and the Deal stages tab, while its neighbours go through', async () => {
    await env.admin.patch(`${W}/deals/${dealIds[10]}`, { stage: 'negotiation' });
    await env.admin.patch(`${W}/deals/${dealIds[11]}`, { name: 'Deal 11, renamed' });
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', processed: 2, updated: 1, failed: 1 });
    const refused = await deal(10);
    expect(refused.sync).toMatchObject({ status: 'outdated', lastError: expect.stringContaining('Stage "negotiation" (pipeline "default") is not mapped') });
    expect(refused.sync.lastError).toContain('Deal stages tab');
    // HubSpot still holds the stage it had: nothing was sent for it.
    expect(env.sandbox.control.getObject(env.portalId, 'deals', refused.sync.hubspotId!).properties['dealstage']).toBe('closedwon');
    expect(env.sandbox.control.getObject(env.portalId, 'deals', (await deal(11)).sync.hubspotId!).properties['dealname']).toBe('Deal 11, renamed');

    // Mapping the stage makes its deals Needs update at once; the next run sends it.
    const view = (await env.admin.get<{ stages: { pipeline: string; stage: string; mapping: unknown }[] }>(`${W}/hubspot/deal-stages`)).body;
    const mappings = view.stages.flatMap((s) => (s.mapping ? [{ pipeline: s.pipeline, stage: s.stage, ...(s.mapping as object) }] : []));
    expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [...mappings, { pipeline: 'default', stage: 'negotiation', hubspotPipelineId: 'default', hubspotStageId: 'contractsent' }] })).status).toBe(200);
    expect((await deal(10)).sync.status).toBe('outdated');
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, updated: 1, failed: 0 });
    expect(env.sandbox.control.getObject(env.portalId, 'deals', refused.sync.hubspotId!).properties['dealstage']).toBe('contractsent');

    // Remapping a stage in use makes exactly its deals Needs update.
    const remapped = [...mappings.filter((m) => m.stage !== 'won'), { pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedlost' }, { pipeline: 'default', stage: 'negotiation', hubspotPipelineId: 'default', hubspotStageId: 'contractsent' }];
    expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: remapped })).status).toBe(200);
    expect([(await deal(0)).sync.status, (await deal(10)).sync.status, (await deal(150)).sync.status]).toEqual(['needs_update', 'synced', 'synced']);
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', updated: 99, failed: 0 });
  });

  it('pushes a deal whose owner has no HubSpot owner without one (noted in the sync log), and refreshes it once the owner is linked', async () => {
    await env.admin.patch(`${W}/deals/${dealIds[20]}`, { ownerUserId: memberId });
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', processed: 1, updated: 1, failed: 0 });
    const pushed = await deal(20);
    expect(pushed.sync.status).toBe('synced');
    const attempts = (await env.admin.get<{ attempts: { recordId: string; outcome: string; message: string | null }[] }>(`${W}/sync/runs/${String(run['id'])}/attempts`)).body.attempts;
    expect(attempts.find((a) => a.recordId === dealIds[20])).toMatchObject({ outcome: 'success', message: expect.stringContaining('linked to no HubSpot owner') });
    // Left out, not cleared: HubSpot keeps the owner it had.
    expect(env.sandbox.control.getObject(env.portalId, 'deals', pushed.sync.hubspotId!).properties['hubspot_owner_id']).toBe(ownerId);

    const repOwner = env.sandbox.control.addOwner(env.portalId, { email: 'rep@example.com', firstName: 'Rep' }).id;
    expect((await env.admin.post(`${W}/hubspot/owners/refresh`)).status).toBe(200);
    expect((await env.admin.request('PUT', `${W}/hubspot/owners/${repOwner}`, { userId: memberId })).status).toBe(200);
    expect((await deal(20)).sync.status).toBe('needs_update');
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, updated: 1, failed: 0 });
    expect(env.sandbox.control.getObject(env.portalId, 'deals', pushed.sync.hubspotId!).properties['hubspot_owner_id']).toBe(repOwner);
  });

  it('fails a deal whose customer is not in HubSpot with a clear message, keeping its HubSpot deal, and retries it next run', async () => {
    const noEmail = (await env.admin.post<{ id: string }>(`${W}/customers`, { firstName: 'Nomail' })).body.id;
    expect((await env.admin.request('PUT', `${W}/deals/${dealIds[30]}/customers/${noEmail}`)).status).toBe(200);
    const before = (await deal(30)).sync.hubspotId;
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', failed: 1 });
    const failed = await deal(30);
    expect(failed.sync).toMatchObject({ status: 'outdated', hubspotId: before, lastError: expect.stringContaining(`customer ${noEmail} is not in HubSpot (its status is No email)`) });
    // Its other associations stay as they were; unlinking the customer lets it through.
    expect((await env.admin.request('DELETE', `${W}/deals/${dealIds[30]}/customers/${noEmail}`)).status).toBe(200);
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, failed: 0 });
    expect((await deal(30)).sync).toMatchObject({ status: 'synced', hubspotId: before, lastError: null });
    expect(hubspotDeals()).toHaveLength(COUNT);
  });

  it('moves a deal to another organization: the old company association archived, the new one primary; with companies off the organization is ignored', async () => {
    const hubspotId = (await deal(40)).sync.hubspotId!;
    expect((await env.admin.patch(`${W}/deals/${dealIds[40]}`, { organizationId: organizationIds[3] })).status).toBe(200);
    env.sandbox.control.resetCounts();
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, updated: 1, failed: 0 });
    expect([calls(ARCHIVE_COMPANIES), calls(TO_COMPANIES), calls(TO_CONTACTS), calls(ARCHIVE_CONTACTS)]).toEqual([1, 1, 0, 0]);
    expect((await associated('companies', [hubspotId])).get(hubspotId)).toEqual([{ to: companyOf.get(organizationIds[3]!), types: [5, 341] }]);

    // Companies off: a new organization is not associated, and the company hubsync made stays.
    expect((await env.admin.patch(`${W}/hubspot/settings`, { syncCompanies: false })).status).toBe(200);
    expect((await env.admin.patch(`${W}/deals/${dealIds[40]}`, { organizationId: organizationIds[4] })).status).toBe(200);
    env.sandbox.control.resetCounts();
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, updated: 1, failed: 0 });
    expect([calls(ARCHIVE_COMPANIES), calls(TO_COMPANIES)]).toEqual([0, 0]);
    expect((await associated('companies', [hubspotId])).get(hubspotId)).toEqual([{ to: companyOf.get(organizationIds[3]!), types: [5, 341] }]);
    expect((await deal(40)).sync.status).toBe('synced');
  });
});
