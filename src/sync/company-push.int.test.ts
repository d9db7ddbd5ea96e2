// Organizations pushed as HubSpot companies, and contacts associated with them, through the
// public API against the sandbox over real HTTP, on a real database: batch upserts by hubsync's
// own unique key (a replay creates nothing), the first push matched by domain, Duplicates left
// out, a refused record alone failing, edits and owners, and the contact ↔ company
// associations the contacts push (Primary label, archived when a membership is removed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, inviteMember } from '../../test/support/service.js';
import type { Db } from '../store/index.js';
import { FOREIGN_INDEX_MAX } from './objects/company.adapter.js';

const W = '/api/workspaces/default';
const KEY = 'hubsync_organization_id';
const UPSERT = 'POST /crm/v3/objects/companies/batch/upsert';
const UPDATE = 'POST /crm/v3/objects/companies/batch/update';
const SEARCH = 'POST /crm/v3/objects/companies/search';

interface Org {
  id: string;
  sync: { status: string };
}
interface Attempt {
  recordId: string;
  objectType: string;
  outcome: string;
  message: string | null;
}

let env: SandboxedService;
let db: Db;

const companies = () => env.sandbox.control.listObjects(env.portalId, 'companies');
const companyOf = (organizationId: string) => companies().find((c) => c.properties[KEY] === organizationId);
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const org = async (id: string) => (await env.admin.get<Org & Record<string, unknown>>(`${W}/organizations/${id}`)).body;
const customer = async (id: string) => (await env.admin.get<{ sync: { status: string; lastError: string | null; hubspotId: string | null } }>(`${W}/customers/${id}`)).body;
const attempts = async (runId: unknown, query = '') => (await env.admin.get<{ attempts: Attempt[] }>(`${W}/sync/runs/${String(runId)}/attempts?limit=500${query}`)).body.attempts;

/** The contact's companies in HubSpot with their association type ids, read over the API. */
async function companiesOfContact(contactId: string): Promise<Record<string, number[]>> {
  const response = await fetch(`${env.sandbox.baseUrl}/crm/v4/objects/contacts/${contactId}/associations/companies`, { headers: { authorization: `Bearer ${env.token}` } });
  const body = (await response.json()) as { results: { toObjectId: number; associationTypes: { typeId: number }[] }[] };
  return Object.fromEntries(body.results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.typeId).sort((a, b) => a - b)]));
}

let made = 0;
async function createOrganizations(items: Record<string, unknown>[]): Promise<string[]> {
  items = items.map((item) => ({ externalId: `x${++made}`, ...item }));
  const ids: string[] = [];
  for (let i = 0; i < items.length; i += 1000) {
    const r = await env.admin.post<{ results: { status: string; id: string }[] }>(`${W}/organizations/bulk-upsert`, { organizations: items.slice(i, i + 1000) });
    expect(r.status).toBe(200);
    expect(r.body.results.every((x) => x.status === 'created')).toBe(true);
    ids.push(...r.body.results.map((x) => x.id));
  }
  return ids;
}

async function setCompaniesSync(on: boolean): Promise<void> {
  const r = await env.admin.request('PATCH', `${W}/hubspot/settings`, { syncCompanies: on, pushCompaniesOnChange: false });
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  env = await startSandboxedService();
  db = env.ts.service.context.db;
  await setCompaniesSync(true);
});
afterAll(async () => env?.close());

describe('organizations → companies', () => {
  let ids: string[] = [];

  it('pushes 160 organizations in 2 upserts and 1 search, links the company HubSpot holds by domain (never one keyed to another organization) and leaves a Duplicate out', async () => {
    const [free, foreign] = env.sandbox.control.seedObjects(env.portalId, 'companies', [
      { name: 'Found by domain', domain: 'match.example.com' },
      { name: 'Keyed elsewhere', domain: 'taken.example.com', [KEY]: 'org_of_another_install' },
    ]);
    const items = Array.from({ length: 160 }, (_, i) => ({ externalId: `o${i}`, name: `Firma ${i} Zürich`, domain: `https://www.d${i}.example.com/about`, city: 'Zürich', numberOfEmployees: 10 + i }));
    items[0]!.domain = 'MATCH.example.com';
    items[1]!.domain = 'taken.example.com';
    items[150]!.domain = 'shared.example.com';
    items[151]!.domain = 'www.shared.example.com';
    ids = await createOrganizations(items);
    expect((await org(ids[151]!)).sync.status).toBe('duplicate');
    env.sandbox.control.resetCounts();

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded', processed: 159, created: 158, updated: 1, failed: 0, skipped: 1 });
    expect(calls(UPSERT)).toBe(2);
    // One search reads the portal's few unkeyed companies; each batch matches against them locally.
    expect(calls(SEARCH)).toBe(1);
    expect(calls(UPDATE)).toBe(1);
    // 158 new companies, plus the two that were there.
    expect(companies()).toHaveLength(160);
    expect(companyOf(ids[0]!)!.id).toBe(free);
    expect(companyOf(ids[0]!)!.properties).toMatchObject({ name: 'Firma 0 Zürich', domain: 'match.example.com' });
    expect(companyOf(ids[1]!)!.id).not.toBe(foreign);
    expect(companies().find((c) => c.id === foreign)!.properties[KEY]).toBe('org_of_another_install');
    expect(companyOf(ids[42]!)!.properties).toMatchObject({ name: 'Firma 42 Zürich', domain: 'd42.example.com', city: 'Zürich', numberofemployees: '52' });
    expect(companyOf(ids[151]!)).toBeUndefined();
    expect((await org(ids[151]!)).sync.status).toBe('duplicate');
    for (const id of [ids[0]!, ids[1]!, ids[99]!, ids[159]!]) expect((await org(id)).sync.status).toBe('synced');
  });

  it('a replayed push (the outcome never recorded) creates nothing and leaves every company Synced', async () => {
    // As after a crash between HubSpot's answer and the recording: the companies exist, the rows do not know.
    await db.updateTable('organizations').set({ hubspot_id: null, synced_hash: null, last_attempt_at: null, sync_status: 'not_synced' }).where('sync_status', '=', 'synced').execute();
    env.sandbox.control.resetCounts();
    const replay = await syncNow(env.admin);
    expect(replay).toMatchObject({ status: 'succeeded', processed: 159, created: 0, updated: 159, failed: 0 });
    expect(companies()).toHaveLength(160);
    const pushable = await db.selectFrom('organizations').select('id').where('sync_status', 'in', ['not_synced', 'needs_update', 'error', 'outdated']).execute();
    expect(pushable).toEqual([]);
  });

  it('one refused organization fails alone; an edit makes one Needs update and the next run updates it', async () => {
    const [bad, good] = await createOrganizations([
      { name: 'Bad industry', industry: 'NOT_AN_INDUSTRY' },
      { name: 'Good neighbour', industry: 'COMPUTER_SOFTWARE' },
    ]);
    await env.admin.patch(`${W}/organizations/${ids[7]!}`, { name: 'Renamed 7' });
    expect((await org(ids[7]!)).sync.status).toBe('needs_update');

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded', processed: 3, created: 1, updated: 1, failed: 1 });
    const failed = (await org(bad!)) as unknown as { sync: { status: string; lastError: string } };
    expect(failed.sync.status).toBe('error');
    expect(failed.sync.lastError).toContain('NOT_AN_INDUSTRY');
    expect(companyOf(bad!)).toBeUndefined();
    expect(companyOf(good!)!.properties['industry']).toBe('COMPUTER_SOFTWARE');
    expect((await org(good!)).sync.status).toBe('synced');
    expect(companyOf(ids[7]!)!.properties['name']).toBe('Renamed 7');
    expect((await org(ids[7]!)).sync.status).toBe('synced');
    // Fixed, it goes through.
    await env.admin.patch(`${W}/organizations/${bad!}`, { industry: 'RETAIL' });
    expect(await syncNow(env.admin)).toMatchObject({ processed: 1, created: 1, failed: 0 });
    expect(companyOf(bad!)!.properties['industry']).toBe('RETAIL');
  });

  it("pushes the owner linked to the organization's owner; one with no HubSpot owner is pushed without, with a note", async () => {
    const member = await inviteMember(env.admin, env.ts.url, 'default', { email: 'rep@example.com', role: 'member', password: 'sales-rep-password-1' });
    expect(member).toBeDefined();
    const users = (await env.admin.get<{ users: { id: string; email: string }[] }>(`${W}/users`)).body.users;
    const adminId = users.find((u) => u.email === ADMIN_EMAIL)!.id;
    const repId = users.find((u) => u.email === 'rep@example.com')!.id;
    const owner = env.sandbox.control.addOwner(env.portalId, { email: ADMIN_EMAIL, firstName: 'Ada' });
    await env.admin.post(`${W}/hubspot/owners/refresh`);
    await env.admin.request('PUT', `${W}/hubspot/owners/${owner.id}`, { userId: adminId });
    const [owned, unowned] = await createOrganizations([
      { name: 'Owned', ownerUserId: adminId },
      { name: 'Owner unknown to HubSpot', ownerUserId: repId },
    ]);

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded', processed: 2, created: 2, failed: 0 });
    expect(companyOf(owned!)!.properties['hubspot_owner_id']).toBe(owner.id);
    expect(companyOf(unowned!)!.properties['hubspot_owner_id'] ?? '').toBe('');
    expect((await org(unowned!)).sync.status).toBe('synced');
    const log = await attempts(run['id']);
    expect(log.find((a) => a.recordId === unowned)).toMatchObject({ objectType: 'companies', outcome: 'success', message: expect.stringContaining('linked to no HubSpot owner') });
    expect(log.find((a) => a.recordId === owned)!.message).toBeNull();

    // Unlinking the owner changes what the organization pushes: it reads Needs update at once.
    await env.admin.request('PUT', `${W}/hubspot/owners/${owner.id}`, { userId: null });
    expect((await org(owned!)).sync.status).toBe('needs_update');
    await env.admin.request('PUT', `${W}/hubspot/owners/${owner.id}`, { userId: adminId });
    expect((await org(owned!)).sync.status).toBe('synced');
  });
});

describe('the companies mapping', () => {
  it('offers organization fields with live company properties (not the ones hubsync fills), and a saved change is pushed to every company', async () => {
    const { admin } = env;
    expect((await admin.post(`${W}/custom-fields`, { objectType: 'companies', key: 'tier', label: 'Tier', type: 'text' })).status).toBe(201);
    const property = await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/companies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tier', label: 'Tier', type: 'string', fieldType: 'text', groupName: 'companyinformation' }),
    });
    expect(property.status).toBe(201);
    const listed = await admin.get<{ organizations: Org[] }>(`${W}/organizations?q=Renamed 7&limit=1`);
    const renamed = listed.body.organizations[0]!.id;
    // An unmapped field changes nothing a push would send: it stays Synced.
    await admin.patch(`${W}/organizations/${renamed}`, { custom: { tier: 'gold' } });
    expect((await org(renamed)).sync.status).toBe('synced');

    const view = await admin.get<{ objectType: string; saved: boolean; fields: { field: string; property: string | null }[]; properties: { name: string }[] }>(`${W}/hubspot/mapping?objectType=companies`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ objectType: 'companies', saved: false });
    const suggested = Object.fromEntries(view.body.fields.map((f) => [f.field, f.property]));
    expect(suggested).toMatchObject({ name: 'name', domainKey: 'domain', industry: 'industry', numberOfEmployees: 'numberofemployees', 'custom.tier': 'tier' });
    const offered = new Set(view.body.properties.map((p) => p.name));
    expect(offered.has(KEY) || offered.has('hubspot_owner_id')).toBe(false);
    expect(companyOf(renamed)!.properties['tier'] ?? null).toBeNull();

    const saved = await admin.request('PUT', `${W}/hubspot/mapping?objectType=companies`, { mappings: { ...suggested, city: null } });
    expect(saved.status).toBe(200);
    expect((await org(renamed)).sync.status).toBe('needs_update');
    const run = await syncNow(admin);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 0 });
    expect(companyOf(renamed)!.properties).toMatchObject({ name: 'Renamed 7', tier: 'gold', city: 'Zürich' });
    expect((await org(renamed)).sync.status).toBe('synced');
  });
});

describe('contacts ↔ companies', () => {
  it('associates a contact of a Duplicate organization with the company of the organization holding its domain', async () => {
    const shared = await env.admin.get<{ organizations: Org[] }>(`${W}/organizations?domain=shared.example.com&limit=10`);
    const duplicate = shared.body.organizations.find((o) => o.sync.status === 'duplicate')!;
    const holder = shared.body.organizations.find((o) => o.sync.status === 'synced')!;
    const made = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'dup-member@example.com', organizationIds: [duplicate.id] });

    await syncNow(env.admin);

    const contact = (await customer(made.body.id)).sync;
    expect(contact).toMatchObject({ status: 'synced', lastError: null });
    expect(await companiesOfContact(contact.hubspotId!)).toEqual({ [companyOf(holder.id)!.id]: [1, 279] });
  });

  it('associates each contact with its companies (the primary one labelled), after companies in the same run', async () => {
    const [a, b, later] = await createOrganizations([{ name: 'Alpha', domain: 'alpha.example.com' }, { name: 'Beta' }, { name: 'Later' }]);
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'member@example.com', firstName: 'Mem', organizationIds: [a, b] });
    expect(created.status).toBe(201);
    const lone = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'lone@example.com', organizationIds: [later] });
    // A hash stored before organizations counted in it (an older hubsync) heals on the push.
    await db.updateTable('customers').set({ current_hash: 'stored-by-an-older-version' }).where('id', '=', lone.body.id).execute();

    const run = await syncNow(env.admin);

    expect(run['status']).toBe('succeeded');
    const objects = run['objects'] as { objectType: string; created: number; failed: number }[];
    expect(objects.map((o) => o.objectType)).toEqual(['companies', 'contacts']);
    expect(objects[0]).toMatchObject({ created: 3, failed: 0 });
    expect(objects[1]).toMatchObject({ created: 2, failed: 0 });
    const contact = (await customer(created.body.id)).sync;
    expect(contact.status).toBe('synced');
    expect(await companiesOfContact(contact.hubspotId!)).toEqual({ [companyOf(a!)!.id]: [1, 279], [companyOf(b!)!.id]: [279] });
    expect(Object.keys(await companiesOfContact((await customer(lone.body.id)).sync.hubspotId!))).toEqual([companyOf(later!)!.id]);
    expect((await customer(lone.body.id)).sync.status).toBe('synced');
  });

  it('a membership change makes the contact Needs update; its push archives the removed association and moves the Primary label, leaving others alone', async () => {
    const [a, b, c] = await createOrganizations([{ name: 'One' }, { name: 'Two' }, { name: 'Three' }]);
    const made = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'mover@example.com', organizationIds: [a, b, c] });
    await syncNow(env.admin);
    const hubspotId = (await customer(made.body.id)).sync.hubspotId!;
    // An association someone made in HubSpot: hubsync never archives it.
    const [manual] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Made by hand' }]);
    await fetch(`${env.sandbox.baseUrl}/crm/v4/objects/contacts/${hubspotId}/associations/default/companies/${manual!}`, { method: 'PUT', headers: { authorization: `Bearer ${env.token}` } });

    expect((await env.admin.delete(`${W}/organizations/${c!}/customers/${made.body.id}`)).status).toBe(204);
    expect((await customer(made.body.id)).sync.status).toBe('needs_update');
    expect((await env.admin.request('PUT', `${W}/organizations/${b!}/customers/${made.body.id}`, { primary: true })).status).toBe(204);
    env.sandbox.control.resetCounts();

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    expect((await customer(made.body.id)).sync.status).toBe('synced');
    expect(await companiesOfContact(hubspotId)).toEqual({ [companyOf(a!)!.id]: [279], [companyOf(b!)!.id]: [1, 279], [manual!]: [279] });
    // Only the changes were sent: one label moved (archive label + create), one association archived.
    expect(calls('POST /crm/v4/associations/contacts/companies/batch/labels/archive')).toBe(1);
    expect(calls('POST /crm/v4/associations/contacts/companies/batch/archive')).toBe(1);
    expect(calls('POST /crm/v4/associations/contacts/companies/batch/create')).toBe(1);

    // Deleting an organization takes it from its members: their contacts lose that association.
    expect((await env.admin.delete(`${W}/organizations/${a!}`)).status).toBe(204);
    expect((await customer(made.body.id)).sync.status).toBe('needs_update');
    await syncNow(env.admin);
    expect(await companiesOfContact(hubspotId)).toEqual({ [companyOf(b!)!.id]: [1, 279], [manual!]: [279] });
    expect((await customer(made.body.id)).sync.status).toBe('synced');
  });

  it('a contact whose company is not in HubSpot yet fails with a clear message and is associated once it is; with companies sync off, organizations are ignored until it is on', async () => {
    const [refused] = await createOrganizations([{ name: 'Refused Co', industry: 'NOT_AN_INDUSTRY' }]);
    const made = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'waiting@example.com', organizationIds: [refused] });

    const run = await syncNow(env.admin);

    const waiting = (await customer(made.body.id)).sync;
    expect(waiting.status).toBe('outdated');
    expect(waiting.lastError).toContain('Its company "Refused Co" is not in HubSpot yet');
    expect((await attempts(run['id'], '&outcome=error')).map((a) => a.recordId).sort()).toEqual([made.body.id, refused!].sort());

    await env.admin.patch(`${W}/organizations/${refused!}`, { industry: 'RETAIL' });
    await syncNow(env.admin);
    expect((await customer(made.body.id)).sync.status).toBe('synced');
    expect(Object.keys(await companiesOfContact(waiting.hubspotId!))).toEqual([companyOf(refused!)!.id]);

    await setCompaniesSync(false);
    const [unpushed] = await createOrganizations([{ name: 'Pushed later' }]);
    const other = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'nocompanies@example.com', organizationIds: [unpushed] });
    const off = await syncNow(env.admin);
    expect((off['objects'] as { objectType: string }[]).map((o) => o.objectType)).toEqual(['contacts']);
    expect((await customer(other.body.id)).sync).toMatchObject({ status: 'synced', lastError: null });
    expect(companyOf(unpushed!)).toBeUndefined();

    // Companies turned on: the contacts pushed meanwhile are sent again, with their companies.
    await setCompaniesSync(true);
    expect((await customer(other.body.id)).sync.status).toBe('needs_update');
    await syncNow(env.admin);
    const contact = (await customer(other.body.id)).sync;
    expect(contact.status).toBe('synced');
    expect(await companiesOfContact(contact.hubspotId!)).toEqual({ [companyOf(unpushed!)!.id]: [1, 279] });
  });
  it('with more unkeyed companies than it reads at once, searches per batch and still links by domain', async () => {
    const many = Array.from({ length: FOREIGN_INDEX_MAX + 1 }, (_, i) => ({ name: `Made in HubSpot ${i}`, domain: `hs${i}.example.net` }));
    const seeded = env.sandbox.control.seedObjects(env.portalId, 'companies', many);
    const before = companies().length;
    const mine = await createOrganizations(Array.from({ length: 150 }, (_, i) => ({ externalId: `many${i}`, name: `Many ${i}`, domain: i === 7 ? 'hs1234.example.net' : `many${i}.example.org` })));
    env.sandbox.control.resetCounts();

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded', processed: 150, created: 149, updated: 1, failed: 0 });
    // The probe (too many to read), then one search per batch of 100.
    expect(calls(SEARCH)).toBe(1 + 2);
    expect(companyOf(mine[7]!)!.id).toBe(seeded[1234]);
    expect(companies()).toHaveLength(before + 149);
  });
});
