// Merges made in HubSpot, end to end on the test database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres) against the sandbox over HTTP: contacts merged in HubSpot (two, and
// three with one merged twice), each local side holding its own deals and activities, found by
// the next pull and by `contact.merge` webhooks; companies likewise. After it: one live local
// record linked to the new HubSpot id, every reference on it, the others soft-deleted and
// recorded (record_merges, audit trail), nothing created in HubSpot, and an edit waiting to be
// pushed on a merged-away record pushed from the survivor; a deal of the merged-away record
// pushed again stays associated with the merged contact; a new customer holding an additional
// email of another customer's contact is not pushed into it. Each merge found in HubSpot reaches a
// webhooks-out endpoint as `record.merged` (source `hubspot`), as a local merge does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectThroughOAuth, startSandboxedService, syncNow, type SandboxedService } from '../../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';

const W = '/api/workspaces/default';

let env: SandboxedService;
let db: Db;
let workspaceId: string;
afterEach(async () => env?.close());

async function start(options: { webhooks?: boolean; env?: Record<string, string> } = {}): Promise<void> {
  env = await startSandboxedService({
    ...(options.webhooks ? { oauth: { subscriptions: [{ subscriptionType: 'contact.merge' }, { subscriptionType: 'company.merge' }] }, sandbox: { webhookBatchDelayMs: 20 } } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440, syncCompanies: true })).status).toBe(200);
}

async function hubspot(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

const mergeInHubSpot = async (type: 'contacts' | 'companies', primaryObjectId: string, objectIdToMerge: string) =>
  (await hubspot('POST', `/crm/v3/objects/${type}/merge`, { primaryObjectId, objectIdToMerge }))['id'] as string;
const pull = () => env.ts.service.context.pull.pull(workspaceId);
const live = (table: 'customers' | 'organizations') => db.selectFrom(table).selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).execute();
const row = (table: 'customers' | 'organizations', id: string) => db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Contacts made in HubSpot and pulled in, linked; each local customer gets its own deal and activity. */
async function linkedCustomersWithReferences(...emails: string[]): Promise<{ hubspotIds: string[]; customerIds: string[]; dealIds: string[]; activityIds: string[] }> {
  const hubspotIds = env.sandbox.control.seedContacts(env.portalId, emails.map((email, i) => ({ email, firstname: `First${i}`, lifecyclestage: 'customer' })));
  await pull();
  const customerIds: string[] = [];
  const dealIds: string[] = [];
  const activityIds: string[] = [];
  for (const id of hubspotIds) {
    const customer = await db.selectFrom('customers').select('id').where('hubspot_id', '=', id).executeTakeFirstOrThrow();
    customerIds.push(customer.id);
    dealIds.push((await env.admin.post<{ id: string }>(`${W}/deals`, { name: `Deal of ${id}`, customerIds: [customer.id] })).body.id);
    activityIds.push((await env.admin.post<{ id: string }>(`${W}/activities`, { type: 'other', occurredAt: '2026-01-15T10:00:00Z', title: `Call ${id}`, customerId: customer.id })).body.id);
  }
  return { hubspotIds, customerIds, dealIds, activityIds };
}

async function expectAllOn(survivorId: string, refs: { dealIds: string[]; activityIds: string[] }): Promise<void> {
  for (const deal of refs.dealIds) expect((await env.admin.get<{ customerIds: string[] }>(`${W}/deals/${deal}`)).body.customerIds).toEqual([survivorId]);
  for (const activity of refs.activityIds) expect((await env.admin.get<{ customerId: string }>(`${W}/activities/${activity}`)).body.customerId).toBe(survivorId);
}

describe('contacts merged in HubSpot, found by the pull', () => {
  it('two: one local customer linked to the new id, with both sides’ deals and activities; nothing created in HubSpot', async () => {
    await start();
    const refs = await linkedCustomersWithReferences('primary@example.com', 'secondary@example.com');
    const newId = await mergeInHubSpot('contacts', refs.hubspotIds[0]!, refs.hubspotIds[1]!);
    expect(newId).not.toBe(refs.hubspotIds[0]);
    await pull();

    const customers = await live('customers');
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ id: refs.customerIds[0], hubspot_id: newId, email: 'primary@example.com' });
    expect(await row('customers', refs.customerIds[1]!)).toMatchObject({ hubspot_id: null });
    expect((await row('customers', refs.customerIds[1]!)).deleted_at).not.toBeNull();
    await expectAllOn(refs.customerIds[0]!, refs);
    const merges = await db.selectFrom('record_merges').selectAll().execute();
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ record_type: 'customers', survivor_id: refs.customerIds[0], secondary_id: refs.customerIds[1], source: 'hubspot', merged_hubspot_id: newId, actor_label: 'HubSpot merge' });
    const audit = await env.admin.get<{ entries: { details: Record<string, unknown> }[] }>(`${W}/audit-log?action=customer.merged`);
    expect(audit.body.entries.map((e) => [e.details['survivorId'], e.details['secondaryId']])).toEqual([[refs.customerIds[0], refs.customerIds[1]]]);

    // A pull again and a full run change nothing and create nothing in HubSpot.
    await pull();
    expect(await live('customers')).toHaveLength(1);
    const run = await syncNow(env.admin);
    expect(run['status']).toBe('succeeded');
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => c.id)).toEqual([newId]);
    expect(await db.selectFrom('record_merges').select('id').execute()).toHaveLength(1);
  });

  it('three, one merged twice: all three local customers become one (the record whose email HubSpot kept), linked to the last id', async () => {
    await start();
    const refs = await linkedCustomersWithReferences('a@example.com', 'b@example.com', 'c@example.com');
    const first = await mergeInHubSpot('contacts', refs.hubspotIds[1]!, refs.hubspotIds[2]!);
    const second = await mergeInHubSpot('contacts', first, refs.hubspotIds[0]!);
    await pull();
    const customers = await live('customers');
    expect(customers).toHaveLength(1);
    // The primary of the last merge kept b's email: the record linked to b survives.
    expect(customers[0]).toMatchObject({ id: refs.customerIds[1], hubspot_id: second, email: 'b@example.com' });
    await expectAllOn(refs.customerIds[1]!, refs);
    const merges = await db.selectFrom('record_merges').select(['survivor_id', 'secondary_id']).orderBy('secondary_id').execute();
    expect(merges).toEqual(
      [refs.customerIds[0], refs.customerIds[2]].sort().map((secondary) => ({ survivor_id: refs.customerIds[1], secondary_id: secondary })),
    );
    await syncNow(env.admin);
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => c.id)).toEqual([second]);
  });

  it('a merged-away customer an admin restores is not pushed into the merged contact (which still answers to its email) until its email changes', async () => {
    await start();
    const refs = await linkedCustomersWithReferences('kept@example.com', 'restored@example.com');
    const newId = await mergeInHubSpot('contacts', refs.hubspotIds[0]!, refs.hubspotIds[1]!);
    await pull();
    const merge = (await env.admin.get<{ merges: { id: string; secondaryId: string }[] }>(`${W}/merges`)).body.merges.find((m) => m.secondaryId === refs.customerIds[1])!;
    expect((await env.admin.post(`${W}/merges/${merge.id}/restore`)).status).toBe(200);
    const before = env.sandbox.control.getObject(env.portalId, 'contacts', newId).properties;
    expect(before).toMatchObject({ email: 'kept@example.com', firstname: 'First0' });

    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', created: 0, failed: 1 });
    // The merged contact is untouched and stays the survivor's alone; the restored customer says why it waits.
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', newId).properties).toMatchObject({ email: 'kept@example.com', firstname: 'First0' });
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => c.id)).toEqual([newId]);
    expect((await live('customers')).map((c) => [c.id, c.hubspot_id]).sort()).toEqual([[refs.customerIds[0], newId], [refs.customerIds[1], null]].sort());
    const restored = await row('customers', refs.customerIds[1]!);
    expect(restored).toMatchObject({ email: 'restored@example.com', sync_status: 'error' });
    expect(restored.sync_error).toContain(`HubSpot merged this customer's contact into contact ${newId}`);
    await pull();
    expect((await row('customers', refs.customerIds[0]!)).email).toBe('kept@example.com');

    // With another email it is a person of its own: created in HubSpot, linked.
    expect((await env.admin.patch(`${W}/customers/${refs.customerIds[1]}`, { email: 'restored.new@example.com' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 1, failed: 0 });
    const created = (await row('customers', refs.customerIds[1]!)).hubspot_id!;
    expect(created).not.toBe(newId);
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', created).properties['email']).toBe('restored.new@example.com');
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', newId).properties['email']).toBe('kept@example.com');
  });

  it('a deal of the merged-away customer keeps its association with the merged contact when it is pushed again', async () => {
    await start();
    expect((await env.admin.patch(`${W}/hubspot/settings`, { syncDeals: true })).status).toBe(200);
    const mappings = [{ pipeline: 'default', stage: 'open', hubspotPipelineId: 'default', hubspotStageId: 'appointmentscheduled' }];
    expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings })).status).toBe(200);
    const refs = await linkedCustomersWithReferences('deal.kept@example.com', 'deal.merged@example.com');
    for (const deal of refs.dealIds) expect((await env.admin.patch(`${W}/deals/${deal}`, { stage: 'open' })).status).toBe(200);
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', failed: 0 });
    const dealHubSpotId = async (id: string) => (await db.selectFrom('deals').select('hubspot_id').where('id', '=', id).executeTakeFirstOrThrow()).hubspot_id!;
    const [keptDeal, movedDeal] = [await dealHubSpotId(refs.dealIds[0]!), await dealHubSpotId(refs.dealIds[1]!)];
    const contactsOf = (deal: string) => env.sandbox.control.associationsOf(env.portalId, 'deals', deal, 'contacts').map((a) => a.id);
    expect(contactsOf(movedDeal)).toEqual([refs.hubspotIds[1]]);
    const newId = await mergeInHubSpot('contacts', refs.hubspotIds[0]!, refs.hubspotIds[1]!);
    await pull();
    expect(contactsOf(movedDeal)).toEqual([newId]);

    for (const deal of refs.dealIds) expect((await env.admin.patch(`${W}/deals/${deal}`, { amount: '1234' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(contactsOf(movedDeal)).toEqual([newId]);
    expect(contactsOf(keptDeal)).toEqual([newId]);
    expect(env.sandbox.control.getObject(env.portalId, 'deals', movedDeal).properties['amount']).toBe('1234');
  });

  it('an edit waiting to be pushed on the merged-away customer is pushed from the survivor', async () => {
    await start();
    const refs = await linkedCustomersWithReferences('keep@example.com', 'edited@example.com');
    // The edit stays local (on-change push is off in tests) until the next run.
    await new Promise((r) => setTimeout(r, 5));
    expect((await env.admin.patch(`${W}/customers/${refs.customerIds[1]}`, { city: 'Valencia' })).status).toBe(200);
    const newId = await mergeInHubSpot('contacts', refs.hubspotIds[0]!, refs.hubspotIds[1]!);
    await pull();
    expect((await live('customers')).map((c) => [c.id, c.city])).toEqual([[refs.customerIds[0], 'Valencia']]);
    await syncNow(env.admin);
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', newId).properties['city']).toBe('Valencia');
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(1);
  });

  it('companies: one organization, with both sides’ members', async () => {
    await start();
    const [c1, c2] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Acme', domain: 'acme.example' }, { name: 'Acme Inc', domain: 'acme-inc.example' }]);
    await pull();
    const orgOf = async (id: string) => (await db.selectFrom('organizations').select('id').where('hubspot_id', '=', id).executeTakeFirstOrThrow()).id;
    const [o1, o2] = [await orgOf(c1!), await orgOf(c2!)];
    const m1 = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'm1@example.com', organizationIds: [o1] })).body.id;
    const m2 = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'm2@example.com', organizationIds: [o2] })).body.id;
    const newId = await mergeInHubSpot('companies', c1!, c2!);
    await pull();
    expect((await live('organizations')).map((o) => o.hubspot_id)).toEqual([newId]);
    expect((await live('organizations'))[0]!.id).toBe(o1);
    const members = await env.admin.get<{ customerIds: string[] }>(`${W}/organizations/${o1}`);
    expect(members.body.customerIds.sort()).toEqual([m1, m2].sort());
    expect(env.sandbox.control.listObjects(env.portalId, 'companies').map((c) => c.id)).toEqual([newId]);
  });
});

describe('a contact’s additional emails', () => {
  it('a local customer holding one of them is the same person: linked, not imported again', async () => {
    await start();
    const local = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'alias@example.com', firstName: 'Local' })).body.id;
    const [main, alias] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'main@example.com', lifecyclestage: 'customer' }, { email: 'alias@example.com', lifecyclestage: 'customer' }]);
    const merged = await mergeInHubSpot('contacts', main!, alias!);
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', merged).properties['hs_additional_emails']).toBe('alias@example.com');
    await pull();
    expect((await live('customers')).map((c) => [c.id, c.hubspot_id])).toEqual([[local, merged]]);
  });

  it('a new customer holding an additional email of another customer’s contact is not pushed into that contact (Error, with the reason) until its email changes', async () => {
    await start();
    const [main, alias] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'owner@example.com', firstname: 'Owner', lifecyclestage: 'customer' }, { email: 'old.address@example.com', lifecyclestage: 'customer' }]);
    const merged = await mergeInHubSpot('contacts', main!, alias!);
    await pull();
    const [owner] = await live('customers');
    expect(owner).toMatchObject({ hubspot_id: merged, email: 'owner@example.com' });

    // Made here afterwards with the address HubSpot keeps on the owner's contact: upserted by email, it would land there.
    const newcomer = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'Old.Address@example.com', firstName: 'Newcomer' })).body.id;
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 0, failed: 1 });
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', merged).properties).toMatchObject({ email: 'owner@example.com', firstname: 'Owner' });
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => c.id)).toEqual([merged]);
    const refused = await row('customers', newcomer);
    expect(refused).toMatchObject({ hubspot_id: null, sync_status: 'error' });
    expect(refused.sync_error).toContain(`HubSpot contact ${merged} (customer ${owner!.id}) has Old.Address@example.com as an additional email`);

    // With another email it is a person of its own: created in HubSpot, linked.
    expect((await env.admin.patch(`${W}/customers/${newcomer}`, { email: 'newcomer@example.com' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 1, failed: 0 });
    const created = (await row('customers', newcomer)).hubspot_id!;
    expect(created).not.toBe(merged);
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', merged).properties['email']).toBe('owner@example.com');
  });
});

describe('merges in HubSpot, told by webhooks', () => {
  it('contact.merge: the job reads the new id and merges the local customers', async () => {
    await start({ webhooks: true });
    const refs = await linkedCustomersWithReferences('hook1@example.com', 'hook2@example.com');
    const newId = await mergeInHubSpot('contacts', refs.hubspotIds[1]!, refs.hubspotIds[0]!);
    await expect.poll(async () => (await live('customers')).map((c) => c.hubspot_id), { timeout: 10_000 }).toEqual([newId]);
    // The primary was hook2's contact: its customer survives.
    expect((await live('customers'))[0]!.id).toBe(refs.customerIds[1]);
    await expectAllOn(refs.customerIds[1]!, refs);
    // No pull ran since the merge (the poll waits a day): the delivery brought it.
    expect(await db.selectFrom('record_merges').select('source').execute()).toEqual([{ source: 'hubspot' }]);
    const delivered = env.sandbox.control.webhookDeliveries();
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((d) => d.status === 200)).toBe(true);
  });

});

describe('merges in HubSpot, told by webhooks: companies', () => {
  it('company.merge: one organization, with both sides’ members', async () => {
    // Companies are synced before connecting, so the app is granted their scopes.
    env = await startSandboxedService({ oauth: { subscriptions: [{ subscriptionType: 'company.merge' }] }, sandbox: { webhookBatchDelayMs: 20 }, connect: false });
    db = env.ts.service.database.db;
    workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
    expect((await env.admin.patch(`${W}/hubspot/settings`, { syncCompanies: true })).status).toBe(200);
    await connectThroughOAuth(env.sandbox, env.ts.url, env.admin, env.portalId);
    env.sandbox.control.setWebhooks(env.app!.clientId, { webhookUrl: `${env.ts.url}/api/hubspot/webhooks` });
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440 })).status).toBe(200);
    const [c1, c2] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Hooli', domain: 'hooli.example' }, { name: 'Hooli XYZ', domain: 'hooli-xyz.example' }]);
    await pull();
    const orgOf = async (id: string) => (await db.selectFrom('organizations').select('id').where('hubspot_id', '=', id).executeTakeFirstOrThrow()).id;
    const [o1, o2] = [await orgOf(c1!), await orgOf(c2!)];
    const m2 = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'hooli@example.com', organizationIds: [o2] })).body.id;
    const newId = await mergeInHubSpot('companies', c2!, c1!);
    await expect.poll(async () => (await live('organizations')).map((o) => o.hubspot_id), { timeout: 10_000 }).toEqual([newId]);
    // The primary was c2: its organization survives, with its member.
    expect((await live('organizations'))[0]!.id).toBe(o2);
    expect((await db.selectFrom('organizations').select('deleted_at').where('id', '=', o1).executeTakeFirstOrThrow()).deleted_at).not.toBeNull();
    expect((await env.admin.get<{ customerIds: string[] }>(`${W}/organizations/${o2}`)).body.customerIds).toEqual([m2]);
  });
});

describe('merges in HubSpot, told by webhooks: three contacts', () => {
  it('one merged twice: each contact.merge is read and all three become one', async () => {
    await start({ webhooks: true });
    const refs = await linkedCustomersWithReferences('w1@example.com', 'w2@example.com', 'w3@example.com');
    const first = await mergeInHubSpot('contacts', refs.hubspotIds[0]!, refs.hubspotIds[1]!);
    const second = await mergeInHubSpot('contacts', first, refs.hubspotIds[2]!);
    await expect.poll(async () => (await live('customers')).map((c) => c.hubspot_id), { timeout: 10_000 }).toEqual([second]);
    expect((await live('customers'))[0]!.id).toBe(refs.customerIds[0]);
    await expectAllOn(refs.customerIds[0]!, refs);
    await expect.poll(async () => (await db.selectFrom('record_merges').select('secondary_id').orderBy('secondary_id').execute()).map((m) => m.secondary_id), { timeout: 10_000 }).toEqual(
      [refs.customerIds[1]!, refs.customerIds[2]!].sort(),
    );
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => c.id)).toEqual([second]);
  });
});

describe('the Merge action on two linked organizations', () => {
  it('merges the companies in HubSpot and links the survivor to the new id', async () => {
    await start();
    const [c1, c2] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Umbrella', domain: 'umbrella.example' }, { name: 'Umbrella Corp', domain: 'umbrella-corp.example' }]);
    await pull();
    const orgOf = async (id: string) => (await db.selectFrom('organizations').select('id').where('hubspot_id', '=', id).executeTakeFirstOrThrow()).id;
    const [o1, o2] = [await orgOf(c1!), await orgOf(c2!)];
    const merged = await env.admin.post<{ id: string; sync: { hubspotId: string } }>(`${W}/organizations/${o1}/merge`, { otherId: o2 });
    expect(merged.status).toBe(200);
    const companies = env.sandbox.control.listObjects(env.portalId, 'companies');
    expect(companies).toHaveLength(1);
    expect(merged.body.sync.hubspotId).toBe(companies[0]!.id);
    expect(companies[0]!.properties['name']).toBe('Umbrella');
    await pull();
    expect((await live('organizations')).map((o) => o.id)).toEqual([o1]);
  });
});

describe('the Merge action on two linked customers', () => {
  it('merges them in HubSpot too and links the survivor to the new id', async () => {
    await start();
    const refs = await linkedCustomersWithReferences('local1@example.com', 'local2@example.com');
    const merged = await env.admin.post<{ id: string; sync: { hubspotId: string } }>(`${W}/customers/${refs.customerIds[1]}/merge`, { otherId: refs.customerIds[0] });
    expect(merged.status).toBe(200);
    const contacts = env.sandbox.control.listObjects(env.portalId, 'contacts');
    expect(contacts).toHaveLength(1);
    const newId = contacts[0]!.id;
    expect(merged.body).toMatchObject({ id: refs.customerIds[1], sync: { hubspotId: newId } });
    // HubSpot kept the primary's (the survivor's) email; both old ids resolve to the new record.
    expect(contacts[0]!.properties['email']).toBe('local2@example.com');
    for (const old of refs.hubspotIds) expect((await hubspot('GET', `/crm/v3/objects/contacts/${old}`))['id']).toBe(newId);
    expect(String(env.sandbox.control.getObject(env.portalId, 'contacts', newId).properties['hs_merged_object_ids']).split(';').sort()).toEqual([...refs.hubspotIds].sort());
    await expectAllOn(refs.customerIds[1]!, refs);
    // The next pull (which reads the merged record) and a run find nothing more to merge or create.
    await pull();
    await syncNow(env.admin);
    expect(await live('customers')).toHaveLength(1);
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(1);
    expect(await db.selectFrom('record_merges').select('merged_hubspot_id').execute()).toEqual([{ merged_hubspot_id: newId }]);
  });

  it('when HubSpot refuses, nothing is merged here either', async () => {
    await start();
    const refs = await linkedCustomersWithReferences('refused1@example.com', 'refused2@example.com');
    // Archived in HubSpot behind hubsync's back: HubSpot cannot find it to merge.
    await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${refs.hubspotIds[1]}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.token}` } });
    const refused = await env.admin.post(`${W}/customers/${refs.customerIds[0]}/merge`, { otherId: refs.customerIds[1] });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: { code: 'HUBSPOT_MERGE_REFUSED' } });
    expect(await live('customers')).toHaveLength(2);
    expect(await db.selectFrom('record_merges').select('id').execute()).toEqual([]);
  });
});

/** A webhooks-out receiver on 127.0.0.1 (the service's delivery job posts to it), registered for `record.merged`. */
async function mergedEventsReceiver(): Promise<{ events: { type: string; data: Record<string, unknown> }[]; close(): Promise<void> }> {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      events.push(JSON.parse(body) as { type: string; data: Record<string, unknown> });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  expect((await env.admin.post(`${W}/webhook-endpoints`, { url, events: ['record.merged'] })).status).toBe(201);
  return { events, close: () => new Promise((r) => server.close(() => r())) };
}

describe('merges in HubSpot, told to the host app as record.merged', () => {
  const allowPrivate = { HUBSYNC_WEBHOOKS_ALLOW_PRIVATE: 'on' };

  it('found by the pull: one event per record merged away (contacts and companies), source hubspot, with the new HubSpot id', async () => {
    await start({ env: allowPrivate });
    const receiver = await mergedEventsReceiver();
    try {
      const refs = await linkedCustomersWithReferences('ev1@example.com', 'ev2@example.com', 'ev3@example.com');
      const [c1, c2] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Initech', domain: 'initech.example' }, { name: 'Initech Ltd', domain: 'initech-ltd.example' }]);
      await pull();
      const orgOf = async (id: string) => (await db.selectFrom('organizations').select('id').where('hubspot_id', '=', id).executeTakeFirstOrThrow()).id;
      const [o1, o2] = [await orgOf(c1!), await orgOf(c2!)];
      const first = await mergeInHubSpot('contacts', refs.hubspotIds[0]!, refs.hubspotIds[1]!);
      const newId = await mergeInHubSpot('contacts', first, refs.hubspotIds[2]!);
      const newCompanyId = await mergeInHubSpot('companies', c2!, c1!);
      expect(receiver.events).toEqual([]);
      await pull();
      const merges = await db.selectFrom('record_merges').select(['id', 'record_type', 'survivor_id', 'secondary_id']).execute();
      expect(merges).toHaveLength(3);
      await expect.poll(() => receiver.events.length, { timeout: 10_000 }).toBe(3);
      const bySecondary = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a['secondaryId']).localeCompare(String(b['secondaryId']));
      const told: Record<string, unknown>[] = receiver.events.map((e) => ({ type: e.type, ...e.data })).sort(bySecondary);
      const expected = merges
        .map((m) => ({
          type: 'record.merged',
          mergeId: m.id,
          recordType: m.record_type === 'customers' ? 'customer' : 'organization',
          survivorId: m.survivor_id,
          secondaryId: m.secondary_id,
          source: 'hubspot',
          hubspotId: m.record_type === 'customers' ? newId : newCompanyId,
          fieldsTaken: expect.any(Array),
        }))
        .sort(bySecondary);
      expect(told).toEqual(expected);
      expect(told.filter((e) => e.recordType === 'customer').map((e) => e.survivorId)).toEqual([refs.customerIds[0], refs.customerIds[0]]);
      expect(told.filter((e) => e.recordType === 'organization').map((e) => [e.survivorId, e.secondaryId])).toEqual([[o2, o1]]);
      // A second pull finds nothing left to merge and tells nothing more.
      await pull();
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.events).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('told by a contact.merge webhook: the merge its job applies is told too', async () => {
    await start({ webhooks: true, env: allowPrivate });
    const receiver = await mergedEventsReceiver();
    try {
      const refs = await linkedCustomersWithReferences('evhook1@example.com', 'evhook2@example.com');
      const newId = await mergeInHubSpot('contacts', refs.hubspotIds[1]!, refs.hubspotIds[0]!);
      // No pull: the poll waits a day, the webhook's job applies the merge.
      await expect.poll(() => receiver.events.length, { timeout: 10_000 }).toBe(1);
      const merge = await db.selectFrom('record_merges').select('id').executeTakeFirstOrThrow();
      expect(receiver.events[0]).toEqual({
        id: expect.any(String),
        type: 'record.merged',
        createdAt: expect.any(String),
        workspaceId,
        data: { mergeId: merge.id, recordType: 'customer', survivorId: refs.customerIds[1], secondaryId: refs.customerIds[0], source: 'hubspot', hubspotId: newId, fieldsTaken: expect.any(Array) },
      });
      expect((await live('customers')).map((c) => [c.id, c.hubspot_id])).toEqual([[refs.customerIds[1], newId]]);
    } finally {
      await receiver.close();
    }
  });
});
