// HubSpot's associations, owners and Closed Won deals coming in through the pull, against the
// sandbox over real HTTP, on the test database (SQLite or PostgreSQL): contact ↔ company as a
// customer's organizations (the Primary label as its primary one), deal ↔ contact and deal ↔
// company as the deal's customers and organization — one v4 batch read per kind for a page —
// nothing pushed back, a removal in HubSpot removing the link, a link made here kept for the
// push; `hubspot_owner_id` as the local user linked to that owner (an unknown owner reported,
// the record still in); a deal moved to a won stage of a custom pipeline bringing its contact in
// although the contact's lifecycle stage is outside the import filter, with its company.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { PullEngine } from './pull-engine.js';

const W = '/api/workspaces/default';

let env: SandboxedService;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  env = await startSandboxedService({ jobs: { inlineRuns: true, work: false } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterEach(async () => env?.close());

const settings = async (patch: Record<string, unknown>) => expect((await env.admin.patch(`${W}/hubspot/settings`, patch)).status).toBe(200);
const pull = async () => (await new PullEngine({ db, clock: env.ts.service.context.clock, gateway: env.ts.service.context.hubspot, overlapMs: 1_000 }).pull(workspaceId))!;
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const ASSOC_READ = (from: string, to: string) => `POST /crm/v4/associations/${from}/${to}/batch/read`;
/** Every association read, create and archive so far, by route. */
const associationCalls = () =>
  Object.fromEntries(
    Object.entries(env.sandbox.control.counts().byRoute)
      .filter(([route]) => route.includes('/crm/v4/'))
      .map(([route, byStatus]) => [route, Object.values(byStatus).reduce((a, b) => a + b, 0)]),
  );

/** What a HubSpot user does, through the API with the portal's private-app token. */
async function hubspot(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}
const to = (id: string, ...typeIds: number[]) => ({ to: { id }, types: typeIds.map((associationTypeId) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId })) });
async function create(type: 'contacts' | 'companies' | 'deals', properties: Record<string, string>, associations: unknown[] = []): Promise<string> {
  return String((await hubspot('POST', `/crm/v3/objects/${type}`, { properties, associations }))['id']);
}

const byLink = (table: 'customers' | 'organizations' | 'deals', hubspotId: string) => db.selectFrom(table).selectAll().where('workspace_id', '=', workspaceId).where('hubspot_id', '=', hubspotId).executeTakeFirst();
async function memberships(customerId: string): Promise<{ org: string; primary: number }[]> {
  const rows = await db.selectFrom('customer_organizations as l').innerJoin('organizations as o', 'o.id', 'l.organization_id').select(['o.hubspot_id', 'l.is_primary']).where('l.customer_id', '=', customerId).execute();
  return rows.map((r) => ({ org: r.hubspot_id!, primary: r.is_primary })).sort((a, b) => (a.org < b.org ? -1 : 1));
}
async function dealContacts(dealId: string): Promise<string[]> {
  const rows = await db.selectFrom('deal_customers as l').innerJoin('customers as c', 'c.id', 'l.customer_id').select('c.hubspot_id').where('l.deal_id', '=', dealId).execute();
  return rows.map((r) => r.hubspot_id!).sort();
}
async function mapStages(mappings: { pipeline: string; stage: string; hubspotPipelineId: string; hubspotStageId: string }[]): Promise<void> {
  const saved = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
}

describe('associations in', () => {
  it("brings a contact's companies and a deal's contacts and company in as links, one batch read per kind, and pushes nothing back", async () => {
    await settings({ syncCompanies: true, syncDeals: true });
    await mapStages([{ pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' }]);
    const acme = await create('companies', { name: 'Acme', domain: 'acme.example' });
    const beta = await create('companies', { name: 'Beta', domain: 'beta.example' });
    // Ann: Acme with the Primary label, Beta unlabelled; Ben: no company.
    const ann = await create('contacts', { email: 'ann@example.com', firstname: 'Ann', lifecyclestage: 'customer' }, [to(acme, 279, 1), to(beta, 279)]);
    const ben = await create('contacts', { email: 'ben@example.com', firstname: 'Ben', lifecyclestage: 'customer' });
    const deal = await create('deals', { dealname: 'Rollout', pipeline: 'default', dealstage: 'presentationscheduled' }, [to(ann, 3), to(ben, 3), to(acme, 341, 5)]);
    await settings({ twoWay: true });

    const summary = await pull();
    expect(summary).toMatchObject({ created: 5, problems: [] });
    const customer = (await byLink('customers', ann))!;
    expect(await memberships(customer.id)).toEqual([
      { org: acme, primary: 1 },
      { org: beta, primary: 0 },
    ].sort((a, b) => (a.org < b.org ? -1 : 1)));
    const local = (await byLink('deals', deal))!;
    expect(await dealContacts(local.id)).toEqual([ann, ben].sort());
    expect(local.organization_id).toBe((await byLink('organizations', acme))!.id);
    // Both sides hold the same: everything reads Synced.
    for (const table of ['customers', 'organizations', 'deals'] as const) {
      expect((await db.selectFrom(table).select(['hubspot_id', 'sync_status']).execute()).filter((r) => r.sync_status !== 'synced')).toEqual([]);
    }
    // One read per kind for the page: contact → company, deal → contact, deal → company.
    expect(associationCalls()).toEqual({ [ASSOC_READ('contacts', 'companies')]: 1, [ASSOC_READ('deals', 'contacts')]: 1, [ASSOC_READ('deals', 'companies')]: 1 });

    // Nothing comes back as a push: no record sent, no association made or archived.
    env.sandbox.control.resetCounts();
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 0, updated: 0, failed: 0 });
    expect(Object.keys(associationCalls()).filter((route) => !route.endsWith('/batch/read'))).toEqual([]);
  });

  it('unlinks what HubSpot unassociated, keeps a link made here for the push, and follows a Primary label moved in HubSpot', async () => {
    await settings({ syncCompanies: true, syncDeals: true });
    const acme = await create('companies', { name: 'Acme', domain: 'acme.example' });
    const beta = await create('companies', { name: 'Beta', domain: 'beta.example' });
    const gamma = await create('companies', { name: 'Gamma', domain: 'gamma.example' });
    const ann = await create('contacts', { email: 'ann@example.com', firstname: 'Ann', lifecyclestage: 'customer' }, [to(acme, 279, 1), to(beta, 279)]);
    await settings({ twoWay: true });
    await pull();
    const customer = (await byLink('customers', ann))!;
    const gammaOrg = (await byLink('organizations', gamma))!;

    // Here: Ann joins Gamma (it waits for the push). In HubSpot: Ann and Beta unassociated.
    expect((await env.admin.request('PUT', `${W}/organizations/${gammaOrg.id}/customers/${customer.id}`, {})).status).toBe(204);
    await hubspot('POST', '/crm/v4/associations/contacts/companies/batch/archive', { inputs: [{ from: { id: ann }, to: [{ id: beta }] }] });
    // An association change alone moves no modification time: an edit of Ann's brings her into the next pull.
    await hubspot('PATCH', `/crm/v3/objects/contacts/${ann}`, { properties: { firstname: 'Anna' } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pull();
    expect(await memberships(customer.id)).toEqual([{ org: acme, primary: 1 }, { org: gamma, primary: 0 }].sort((a, b) => (a.org < b.org ? -1 : 1)));
    expect((await byLink('customers', ann))!).toMatchObject({ first_name: 'Anna', sync_status: 'needs_update' });
    // The push associates Gamma and leaves the rest as HubSpot has it.
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(env.sandbox.control.associationsOf(env.portalId, 'contacts', ann, 'companies').map((a) => a.id).sort()).toEqual([acme, gamma].sort());
    expect((await byLink('customers', ann))!.sync_status).toBe('synced');

    // HubSpot moves the Primary label to Gamma: Gamma becomes the primary organization here.
    await hubspot('PUT', `/crm/v4/objects/contacts/${ann}/associations/companies/${gamma}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    await hubspot('PATCH', `/crm/v3/objects/contacts/${ann}`, { properties: { firstname: 'Annie' } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    env.sandbox.control.resetCounts();
    await pull();
    expect(await memberships(customer.id)).toEqual([{ org: acme, primary: 0 }, { org: gamma, primary: 1 }].sort((a, b) => (a.org < b.org ? -1 : 1)));
    expect((await byLink('customers', ann))!.sync_status).toBe('synced');
    expect(calls(ASSOC_READ('contacts', 'companies'))).toBe(1);
  });
});

describe('owners in', () => {
  it("links a pulled record to the local user HubSpot's owner is linked to, and reports an owner no user stands for without failing the record", async () => {
    await settings({ syncDeals: true });
    await mapStages([{ pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' }]);
    const seller = env.sandbox.control.addOwner(env.portalId, { email: 'seller@example.com', firstName: 'Sel' });
    const stranger = env.sandbox.control.addOwner(env.portalId, { email: 'stranger@example.com', firstName: 'Stran' });
    expect((await env.admin.post(`${W}/hubspot/owners/refresh`)).status).toBe(200);
    const adminId = (await env.admin.get<{ users: { id: string }[] }>(`${W}/users`)).body.users[0]!.id;
    expect((await env.admin.request('PUT', `${W}/hubspot/owners/${seller.id}`, { userId: adminId })).status).toBe(200);
    const owned = await create('contacts', { email: 'owned@example.com', lifecyclestage: 'customer', hubspot_owner_id: seller.id });
    const strange = await create('contacts', { email: 'strange@example.com', lifecyclestage: 'customer', hubspot_owner_id: stranger.id });
    const deal = await create('deals', { dealname: 'Owned', pipeline: 'default', dealstage: 'presentationscheduled', hubspot_owner_id: seller.id });
    await settings({ twoWay: true });

    const summary = await pull();
    expect(summary.created).toBe(3);
    expect(await byLink('customers', owned)).toMatchObject({ owner_user_id: adminId, sync_status: 'synced' });
    expect(await byLink('deals', deal)).toMatchObject({ owner_user_id: adminId, sync_status: 'synced' });
    expect(await byLink('customers', strange)).toMatchObject({ owner_user_id: null, sync_status: 'synced' });
    expect(summary.problems).toEqual([{ objectType: 'contacts', hubspotId: strange, field: 'ownerUserId', message: expect.stringContaining('is linked to no user here') }]);

    // HubSpot gives the owned contact to the stranger: reported, the local owner stays, HubSpot's is not overwritten.
    await hubspot('PATCH', `/crm/v3/objects/contacts/${owned}`, { properties: { hubspot_owner_id: stranger.id } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await pull()).problems.map((p) => p.hubspotId)).toContain(owned);
    expect((await byLink('customers', owned))!.owner_user_id).toBe(adminId);
    // …and back to the seller, then none: the local owner follows.
    await hubspot('PATCH', `/crm/v3/objects/deals/${deal}`, { properties: { hubspot_owner_id: '' } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pull();
    expect(await byLink('deals', deal)).toMatchObject({ owner_user_id: null, sync_status: 'synced' });
  });
});

describe('Closed Won', () => {
  it('a deal moved to the won stage of a custom pipeline brings in its contact, outside the import filter, with its company', async () => {
    await settings({ syncCompanies: true, syncDeals: true });
    const pipeline = env.sandbox.control.addDealPipeline(env.portalId, {
      label: 'Enterprise',
      stages: [
        { id: 'negotiation', label: 'Negotiation', probability: 0.5 },
        { id: 'signed', label: 'Signed', probability: 1, isClosed: true },
        { id: 'dropped', label: 'Dropped', probability: 0, isClosed: true },
      ],
    });
    await mapStages([
      { pipeline: 'default', stage: 'negotiation', hubspotPipelineId: pipeline.id, hubspotStageId: 'negotiation' },
      { pipeline: 'default', stage: 'won', hubspotPipelineId: pipeline.id, hubspotStageId: 'signed' },
      { pipeline: 'default', stage: 'lost', hubspotPipelineId: pipeline.id, hubspotStageId: 'dropped' },
    ]);
    const lead = await create('contacts', { email: 'lead@example.com', firstname: 'Lee', lifecyclestage: 'lead' });
    const other = await create('contacts', { email: 'other@example.com', firstname: 'Otto', lifecyclestage: 'lead' });
    const deal = await create('deals', { dealname: 'Big', pipeline: pipeline.id, dealstage: 'negotiation' }, [to(lead, 3)]);
    const lost = await create('deals', { dealname: 'Lost', pipeline: pipeline.id, dealstage: 'negotiation' }, [to(other, 3)]);
    await settings({ twoWay: true });

    // The leads stay out (the filter takes customers and subscribers); the deals come in without them.
    expect(await pull()).toMatchObject({ created: 2 });
    expect(await byLink('customers', lead)).toBeUndefined();
    expect(await dealContacts((await byLink('deals', deal))!.id)).toEqual([]);

    // The lead's company (every company comes in with the companies pass; the lead's link to it with the import).
    const company = await create('companies', { name: 'Lead Co', domain: 'leadco.example' });
    await hubspot('PUT', `/crm/v4/objects/contacts/${lead}/associations/default/companies/${company}`);
    // The won deal moves; the lost one is closed too, but not won.
    await hubspot('PATCH', `/crm/v3/objects/deals/${deal}`, { properties: { dealstage: 'signed' } });
    await hubspot('PATCH', `/crm/v3/objects/deals/${lost}`, { properties: { dealstage: 'dropped' } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    env.sandbox.control.resetCounts();
    const summary = await pull();
    expect(summary.problems).toEqual([]);
    const customer = (await byLink('customers', lead))!;
    expect(customer).toMatchObject({ email: 'lead@example.com', first_name: 'Lee', lifecycle_stage: 'lead', sync_status: 'synced' });
    expect(await byLink('customers', other)).toBeUndefined();
    expect(await memberships(customer.id)).toEqual([{ org: company, primary: 0 }]);
    const won = (await byLink('deals', deal))!;
    expect(won).toMatchObject({ stage: 'won', sync_status: 'synced' });
    expect(await dealContacts(won.id)).toEqual([lead]);
    // The pipelines once, the deals' contacts and companies, the lead by id, its companies (the company is here already).
    expect(calls('GET /crm/v3/pipelines/deals')).toBe(1);
    expect(calls(ASSOC_READ('deals', 'contacts'))).toBe(1);
    expect(calls(ASSOC_READ('deals', 'companies'))).toBe(1);
    expect(calls('POST /crm/v3/objects/contacts/batch/read')).toBe(1);
    expect(calls(ASSOC_READ('contacts', 'companies'))).toBe(1);
    expect(calls('POST /crm/v3/objects/companies/batch/read')).toBe(0);

    // From now on an ordinary linked customer: nothing is pushed back, a later pull changes nothing.
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 0, updated: 0, failed: 0 });
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(2);
  });
});
