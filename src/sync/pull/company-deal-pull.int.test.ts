// The companies and deals pull against the sandbox over real HTTP, on the test database (SQLite
// or PostgreSQL): HubSpot's new companies and deals come in (linked by hubsync's key or a
// company's domain instead of duplicated), edits made on one side only, a field edited on both
// sides (the later edit wins, the other is recorded), a HubSpot stage no local stage is mapped
// to, a replayed page, the echo of hubsync's own push, and a type that is switched off.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { PullEngine } from './pull-engine.js';

const W = '/api/workspaces/default';
const ORG_KEY = 'hubsync_organization_id';
const DEAL_KEY = 'hubsync_deal_id';
const JUNE_30 = '2026-06-30';

let env: SandboxedService;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  // Runs go in this process and no job worker polls: each test drives its own pulls.
  env = await startSandboxedService({ jobs: { inlineRuns: true, work: false } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterEach(async () => env?.close());

const settings = async (patch: Record<string, unknown>) => expect((await env.admin.patch(`${W}/hubspot/settings`, patch)).status).toBe(200);
const pull = async () => (await new PullEngine({ db, clock: env.ts.service.context.clock, gateway: env.ts.service.context.hubspot, overlapMs: 1_000 }).pull(workspaceId))!;
const calls = (prefix: string) =>
  Object.entries(env.sandbox.control.counts().byRoute)
    .filter(([route]) => route.includes(prefix))
    .reduce((sum, [, byStatus]) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
/**
 * Sync now once more: the last run is aged past the window in which a Sync now with nothing
 * pending since gets that run back, so this one really plans and pushes.
 */
async function syncNowAgain(): Promise<Record<string, unknown>> {
  await db.updateTable('sync_runs').set({ finished_at: 0 }).where('workspace_id', '=', workspaceId).execute();
  return syncNow(env.admin);
}
/** Makes hubsync's unique key property in HubSpot, as its first push of the type would. */
async function keyProperty(type: 'companies' | 'deals', name: string): Promise<void> {
  const client = await env.ts.service.context.hubspot.clientFor(workspaceId);
  await client.properties.ensureUnique(type, { name, label: name, description: 'hubsync key' });
}

/** Writes to HubSpot over its API, as a person working in HubSpot would. */
async function hubspotWrite(method: 'POST' | 'PATCH', path: string, properties: Record<string, string>): Promise<string> {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/${path}`, { method, headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties }) });
  expect(res.status, await res.clone().text()).toBe(method === 'POST' ? 201 : 200);
  return ((await res.json()) as { id: string }).id;
}
const inHubSpot = (type: 'companies' | 'deals', id: string) => env.sandbox.control.getObject(env.portalId, type, id).properties;

const organizations = () => db.selectFrom('organizations').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).orderBy('created_at').execute();
const organization = async (id: string) => db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const deals = () => db.selectFrom('deals').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).orderBy('created_at').execute();
const deal = async (id: string) => db.selectFrom('deals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const byLink = async (table: 'organizations' | 'deals', hubspotId: string) => db.selectFrom(table).selectAll().where('hubspot_id', '=', hubspotId).executeTakeFirstOrThrow();
const conflicts = () => db.selectFrom('sync_conflicts').selectAll().orderBy('field').execute();
const pending = () => db.selectFrom('pending_changes').selectAll().execute();

async function createOrganization(body: Record<string, unknown>): Promise<string> {
  const made = await env.admin.post<{ id: string }>(`${W}/organizations`, body);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body.id;
}
async function createDeal(body: Record<string, unknown>): Promise<string> {
  const made = await env.admin.post<{ id: string }>(`${W}/deals`, body);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body.id;
}
async function mapStages(): Promise<void> {
  const saved = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, {
    mappings: [
      { pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' },
      { pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' },
    ],
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
}

describe('companies pull', () => {
  it('brings in a company created in HubSpot, and links the ones keyed to a local organization or holding its domain instead of duplicating them', async () => {
    await settings({ syncCompanies: true, pushCompaniesOnChange: false });
    // An organization whose push created its company but died before recording the link: HubSpot holds its key.
    const keyed = await createOrganization({ name: 'Keyed AG', city: 'Bern' });
    await keyProperty('companies', ORG_KEY);
    const keyedCompany = await hubspotWrite('POST', 'companies', { name: 'Keyed AG', city: 'Bern', [ORG_KEY]: keyed });
    // An organization never pushed, with the domain of a company someone made in HubSpot later.
    const byDomain = await createOrganization({ name: 'Beta', domain: 'https://beta.io/' });
    const betaCompany = await hubspotWrite('POST', 'companies', { name: 'Beta GmbH', domain: 'www.Beta.io', city: 'Basel' });
    const newCompany = await hubspotWrite('POST', 'companies', { name: 'Acme', domain: 'www.Acme.com', city: 'Zug', numberofemployees: '25', annualrevenue: '1250000.50' });
    await settings({ twoWay: true });

    const summary = await pull();
    // The name both sides hold differently, never agreed on: a conflict, HubSpot's being later.
    expect(summary).toMatchObject({ created: 1, linked: 2, conflicts: 1, problems: [] });
    const local = await organizations();
    expect(local).toHaveLength(3);
    expect(await organization(keyed)).toMatchObject({ hubspot_id: keyedCompany, name: 'Keyed AG', city: 'Bern' });
    expect(await organization(keyed)).toMatchObject({ sync_status: 'needs_update' });
    // Linked: the blank city filled from HubSpot, the domain kept in its local spelling (the same key).
    expect(await organization(byDomain)).toMatchObject({ hubspot_id: betaCompany, name: 'Beta GmbH', city: 'Basel', domain: 'https://beta.io/' });
    expect((await conflicts()).map((c) => [c.object_type, c.record_id, c.field, c.local_value, c.hubspot_value, c.winner])).toEqual([['companies', byDomain, 'name', 'Beta', 'Beta GmbH', 'hubspot']]);
    const acme = await byLink('organizations', newCompany);
    expect(acme).toMatchObject({ name: 'Acme', domain: 'www.Acme.com', domain_key: 'acme.com', city: 'Zug', number_of_employees: 25, annual_revenue: '1250000.50', sync_status: 'synced' });
    expect(JSON.parse(acme.synced_values!)).toMatchObject({ name: 'Acme', domain: 'acme.com', city: 'Zug' });
    expect(await pending()).toEqual([]);

    // The push sends the two linked ones what HubSpot lacks (the key: both sides agree on the
    // domain, whatever its spelling); it creates nothing.
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 0, updated: 2 });
    expect(env.sandbox.control.listObjects(env.portalId, 'companies')).toHaveLength(3);
    expect(inHubSpot('companies', betaCompany)).toMatchObject({ name: 'Beta GmbH', domain: 'www.Beta.io', [ORG_KEY]: byDomain });
    expect((await organizations()).map((o) => o.sync_status)).toEqual(['synced', 'synced', 'synced']);
  });

  it('applies an edit made on either side alone, decides a field edited on both by the later edit, and changes nothing when a page is read again', async () => {
    await settings({ syncCompanies: true, twoWay: true });
    const id = await createOrganization({ name: 'Both AG', domain: 'both.ch', city: 'Bern', phone: '+41 1', industry: 'BANKING' });
    expect(await syncNow(env.admin)).toMatchObject({ created: 1 });
    const hubspotId = (await organization(id)).hubspot_id!;
    await pull();

    // HubSpot alone changed the city: taken locally, still Synced, nothing to push back (the
    // on-change push is on: the organization's own creation is what waits in the set).
    await hubspotWrite('PATCH', `companies/${hubspotId}`, { city: 'Basel' });
    const waiting = await pending();
    expect(await pull()).toMatchObject({ updated: 1, conflicts: 0 });
    expect(await organization(id)).toMatchObject({ city: 'Basel', sync_status: 'synced' });
    expect(await pending()).toEqual(waiting);

    // Both sides: the name locally then in HubSpot (HubSpot's is later); the phone in HubSpot then locally.
    await env.admin.patch(`${W}/organizations/${id}`, { name: 'Both AG (local)' });
    await tick();
    await hubspotWrite('PATCH', `companies/${hubspotId}`, { name: 'Both AG (HubSpot)', phone: '+41 2 (HubSpot)' });
    await tick();
    await env.admin.patch(`${W}/organizations/${id}`, { phone: '+41 3 (local)', industry: 'ACCOUNTING' });
    const summary = await pull();
    expect(summary.conflicts).toBe(2);
    expect(await organization(id)).toMatchObject({ name: 'Both AG (HubSpot)', phone: '+41 3 (local)', industry: 'ACCOUNTING', sync_status: 'needs_update' });
    expect((await conflicts()).map((c) => [c.object_type, c.record_id, c.field, c.local_value, c.hubspot_value, c.winner, c.run_id])).toEqual([
      ['companies', id, 'name', 'Both AG (local)', 'Both AG (HubSpot)', 'hubspot', summary.runId],
      ['companies', id, 'phone', '+41 3 (local)', '+41 2 (HubSpot)', 'local', summary.runId],
    ]);
    const listed = await env.admin.get<{ conflicts: { field: string; winner: string }[] }>(`${W}/organizations/${id}/conflicts`);
    expect(listed.body.conflicts.map((c) => [c.field, c.winner]).sort()).toEqual([['name', 'hubspot'], ['phone', 'local']]);

    // The same changes read again (the checkpoint moved back past them): nothing is written.
    const before = await organization(id);
    await db.updateTable('sync_checkpoints').set({ last_modified_ms: 0, ids_at_ms: '[]' }).where('object_type', '=', 'companies').execute();
    const again = await pull();
    expect(again.pulled).toBeGreaterThanOrEqual(1);
    expect(again).toMatchObject({ updated: 0, created: 0, linked: 0, conflicts: 0 });
    expect((await organization(id)).version).toBe(before.version);

    // The local side (the won phone, the industry changed only here) is pushed by the next run.
    expect(await syncNowAgain()).toMatchObject({ updated: 1 });
    expect(inHubSpot('companies', hubspotId)).toMatchObject({ name: 'Both AG (HubSpot)', phone: '+41 3 (local)', industry: 'ACCOUNTING', city: 'Basel' });
    expect((await organization(id)).sync_status).toBe('synced');
  });

  it("does nothing with hubsync's own push coming back, and pushes nothing back", async () => {
    await settings({ syncCompanies: true });
    const id = await createOrganization({ name: 'Echo AG', domain: 'https://www.Echo.ch/about', city: 'Chur', numberOfEmployees: 12, annualRevenue: '300000.00', lifecycleStage: 'customer' });
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 1 });
    const pushed = await organization(id);
    // The push stored what HubSpot accepted as the base, in the same write as its success.
    expect(JSON.parse(pushed.synced_values!)).toMatchObject({ name: 'Echo AG', domain: 'echo.ch', city: 'Chur', numberofemployees: '12', annualrevenue: '300000.00', [ORG_KEY]: id });
    await settings({ twoWay: true });
    const summary = await pull();
    expect(summary.pulled).toBeGreaterThanOrEqual(1);
    expect(summary).toMatchObject({ updated: 0, created: 0, linked: 0, conflicts: 0, problems: [] });
    expect(await organization(id)).toMatchObject({ version: pushed.version, updated_at: pushed.updated_at, sync_status: 'synced' });
    expect(await syncNowAgain()).toMatchObject({ status: 'succeeded', processed: 0 });
  });
});

describe('deals pull', () => {
  it('brings in a deal created in HubSpot with its stage mapped back and its values converted, and links one keyed to a local deal', async () => {
    await settings({ syncDeals: true });
    await mapStages();
    // A deal whose push created it in HubSpot but died before recording the link: HubSpot holds its key.
    const keyed = await createDeal({ name: 'Keyed', stage: 'proposal', amount: '10' });
    await keyProperty('deals', DEAL_KEY);
    const keyedDeal = await hubspotWrite('POST', 'deals', { dealname: 'Keyed', amount: '10', pipeline: 'default', dealstage: 'presentationscheduled', [DEAL_KEY]: keyed });
    const ownerId = env.sandbox.control.addOwner(env.portalId, { email: 'seller@example.com', firstName: 'Sel' }).id;
    const made = await hubspotWrite('POST', 'deals', {
      hubspot_owner_id: ownerId,
      dealname: 'Big one',
      amount: '1500.50',
      deal_currency_code: 'EUR',
      closedate: String(Date.parse(`${JUNE_30}T00:00:00Z`)),
      pipeline: 'default',
      dealstage: 'closedwon',
    });
    await settings({ twoWay: true });

    const summary = await pull();
    // An owner no local user stands for is reported on the deal, which still comes in.
    expect(summary).toMatchObject({ created: 1, linked: 1, problems: [{ objectType: 'deals', hubspotId: made, field: 'ownerUserId', message: expect.stringContaining(`HubSpot's owner "${ownerId}"`) }] });
    expect(await deals()).toHaveLength(2);
    expect(await deal(keyed)).toMatchObject({ hubspot_id: keyedDeal, name: 'Keyed', stage: 'proposal', sync_status: 'needs_update' });
    const big = await byLink('deals', made);
    expect(big).toMatchObject({ name: 'Big one', amount: '1500.50', currency: 'EUR', close_date: JUNE_30, pipeline: 'default', stage: 'won', sync_status: 'synced' });
    expect(await pending()).toEqual([]);
    // HubSpot already holds what the new deal would push: the run sends only the relinked one.
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 0, updated: 1 });
    expect(env.sandbox.control.listObjects(env.portalId, 'deals')).toHaveLength(2);
    // An edit here sends that field alone: the HubSpot owner no local user stands for stays.
    expect((await env.admin.patch(`${W}/deals/${big.id}`, { amount: '1600' })).status).toBe(200);
    expect(await syncNowAgain()).toMatchObject({ status: 'succeeded', updated: 1 });
    expect(inHubSpot('deals', made)).toMatchObject({ amount: '1600', hubspot_owner_id: ownerId, dealstage: 'closedwon' });
  });

  it('reports a HubSpot stage no local stage is mapped to on the deal, which keeps its stage', async () => {
    await settings({ syncDeals: true });
    await mapStages();
    const id = await createDeal({ name: 'Moving', stage: 'proposal' });
    expect(await syncNow(env.admin)).toMatchObject({ created: 1 });
    const hubspotId = (await deal(id)).hubspot_id!;
    const lost = await hubspotWrite('POST', 'deals', { dealname: 'Lost one', pipeline: 'default', dealstage: 'closedlost' });
    await settings({ twoWay: true });
    const unmapped = { objectType: 'deals', field: 'stage', message: expect.stringMatching(/^HubSpot's deal stage "closedlost" \(pipeline "default"\) is mapped to no local stage/) as string };
    // A new deal in an unmapped stage comes in without one, and says why.
    expect((await pull()).problems).toEqual([{ ...unmapped, hubspotId: lost }]);
    expect(await byLink('deals', lost)).toMatchObject({ name: 'Lost one', stage: null });

    await hubspotWrite('PATCH', `deals/${hubspotId}`, { dealstage: 'closedlost', dealname: 'Moving (HubSpot)' });
    const summary = await pull();
    expect(summary.problems.filter((p) => p.hubspotId === hubspotId)).toEqual([
      { ...unmapped, hubspotId },
    ]);
    // The other field is taken; the stage stays, and the deal does not claim to match HubSpot.
    expect(await deal(id)).toMatchObject({ name: 'Moving (HubSpot)', stage: 'proposal', sync_status: 'needs_update' });

    // Once the stage is mapped, the next pull takes it.
    const remapped = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, {
      mappings: [
        { pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' },
        { pipeline: 'default', stage: 'lost', hubspotPipelineId: 'default', hubspotStageId: 'closedlost' },
      ],
    });
    expect(remapped.status).toBe(200);
    await db.updateTable('sync_checkpoints').set({ last_modified_ms: 0, ids_at_ms: '[]' }).where('object_type', '=', 'deals').execute();
    expect((await pull()).problems).toEqual([]);
    expect(await deal(id)).toMatchObject({ stage: 'lost' });
    expect(await byLink('deals', lost)).toMatchObject({ stage: 'lost' });
  });

  it('applies an edit made on either side alone, decides a field edited on both by the later edit, and changes nothing when a page is read again', async () => {
    await settings({ syncDeals: true, twoWay: true });
    await mapStages();
    const id = await createDeal({ name: 'Both', amount: '100.00', closeDate: JUNE_30, currency: 'CHF', stage: 'proposal' });
    expect(await syncNow(env.admin)).toMatchObject({ created: 1 });
    const hubspotId = (await deal(id)).hubspot_id!;
    await pull();

    // HubSpot alone moved the stage and the close date: taken locally, still Synced.
    await hubspotWrite('PATCH', `deals/${hubspotId}`, { dealstage: 'closedwon', closedate: '2026-07-15T00:00:00Z' });
    expect(await pull()).toMatchObject({ updated: 1, conflicts: 0 });
    expect(await deal(id)).toMatchObject({ stage: 'won', close_date: '2026-07-15', sync_status: 'synced' });
    expect(await pending()).toEqual([]);

    // Both sides: the amount locally then in HubSpot (HubSpot's is later); the name in HubSpot then locally.
    await env.admin.patch(`${W}/deals/${id}`, { amount: '200' });
    await tick();
    await hubspotWrite('PATCH', `deals/${hubspotId}`, { amount: '300', dealname: 'Both (HubSpot)' });
    await tick();
    await env.admin.patch(`${W}/deals/${id}`, { name: 'Both (local)' });
    const summary = await pull();
    expect(summary.conflicts).toBe(2);
    expect(await deal(id)).toMatchObject({ amount: '300', name: 'Both (local)', sync_status: 'needs_update' });
    expect((await conflicts()).map((c) => [c.object_type, c.field, c.property, c.local_value, c.hubspot_value, c.winner])).toEqual([
      ['deals', 'amount', 'amount', '200', '300', 'hubspot'],
      ['deals', 'name', 'dealname', 'Both (local)', 'Both (HubSpot)', 'local'],
    ]);
    const listed = await env.admin.get<{ conflicts: { field: string; winner: string }[] }>(`${W}/deals/${id}/conflicts`);
    expect(listed.body.conflicts.map((c) => [c.field, c.winner]).sort()).toEqual([['amount', 'hubspot'], ['name', 'local']]);

    const before = await deal(id);
    await db.updateTable('sync_checkpoints').set({ last_modified_ms: 0, ids_at_ms: '[]' }).where('object_type', '=', 'deals').execute();
    expect(await pull()).toMatchObject({ updated: 0, created: 0, linked: 0, conflicts: 0 });
    expect((await deal(id)).version).toBe(before.version);

    expect(await syncNowAgain()).toMatchObject({ updated: 1 });
    expect(inHubSpot('deals', hubspotId)).toMatchObject({ dealname: 'Both (local)', amount: '300', dealstage: 'closedwon' });
    expect((await deal(id)).sync_status).toBe('synced');
  });

  it("does nothing with hubsync's own push coming back (HubSpot's spelling of the close date and amount), and pushes nothing back", async () => {
    await settings({ syncDeals: true });
    await mapStages();
    const id = await createDeal({ name: 'Echo', amount: '1250.50', currency: 'usd', closeDate: JUNE_30, stage: 'won' });
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 1 });
    const pushed = await deal(id);
    expect(inHubSpot('deals', pushed.hubspot_id!)).toMatchObject({ closedate: `${JUNE_30}T00:00:00.000Z`, amount: '1250.50' });
    expect(JSON.parse(pushed.synced_values!)).toMatchObject({ dealname: 'Echo', closedate: String(Date.parse(`${JUNE_30}T00:00:00Z`)), dealstage: 'closedwon', [DEAL_KEY]: id });
    await settings({ twoWay: true });
    const summary = await pull();
    expect(summary.pulled).toBeGreaterThanOrEqual(1);
    expect(summary).toMatchObject({ updated: 0, created: 0, linked: 0, conflicts: 0, problems: [] });
    expect(await deal(id)).toMatchObject({ version: pushed.version, updated_at: pushed.updated_at, sync_status: 'synced' });
    expect(await syncNowAgain()).toMatchObject({ status: 'succeeded', processed: 0 });
  });
});

describe('pulled types', () => {
  it('pulls companies and deals only while each is switched on, each with its own checkpoint', async () => {
    await hubspotWrite('POST', 'companies', { name: 'Off Co', domain: 'off.example' });
    await hubspotWrite('POST', 'deals', { dealname: 'Off deal', pipeline: 'default', dealstage: 'closedwon' });
    await settings({ twoWay: true });
    const before = calls('/objects/companies') + calls('/objects/deals');
    await pull();
    expect(calls('/objects/companies') + calls('/objects/deals')).toBe(before);
    expect(await organizations()).toEqual([]);
    expect(await deals()).toEqual([]);
    expect((await db.selectFrom('sync_checkpoints').select('object_type').execute()).map((c) => c.object_type)).toEqual(['contacts']);

    await settings({ syncCompanies: true });
    expect(await pull()).toMatchObject({ created: 1 });
    expect((await organizations()).map((o) => o.name)).toEqual(['Off Co']);
    expect(calls('/objects/deals')).toBe(before - 1);
    expect((await db.selectFrom('sync_checkpoints').select('object_type').orderBy('object_type').execute()).map((c) => c.object_type)).toEqual(['companies', 'contacts']);
  });
});
