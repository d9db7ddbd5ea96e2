// Per-field directions and "push only what changed", through the API against the sandbox over
// real HTTP, on the test database (SQLite or PostgreSQL): the mapping API's directions and their
// validation, a Pull only field never pushed and not in the hash, a Push only field never
// pulled, a HubSpot edit to one field kept when the push of a local edit to another comes
// before any pull, and an update with nothing changed costing no call — for contacts, companies
// and deals alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { SYSTEM_ACTOR } from '../audit/index.js';
import { findWorkspaceBySlug, type Db } from '../store/index.js';
import { PullEngine } from './pull/index.js';

const W = '/api/workspaces/default';

interface MappingView {
  fields: { field: string; property: string | null; direction: string; locked: boolean }[];
  saved: boolean;
}
type Entry = string | null | { property: string | null; direction?: unknown };

let env: SandboxedService;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  // Runs go in this process and no job worker polls: nothing pulls but a test's own pull and a
  // Sync now of a two-way workspace (which pulls first).
  env = await startSandboxedService({ jobs: { inlineRuns: true, work: false } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterEach(async () => env?.close());

const pull = () => new PullEngine({ db, clock: env.ts.service.context.clock, gateway: env.ts.service.context.hubspot, overlapMs: 1_000 }).pull(workspaceId);
const settings = async (patch: Record<string, unknown>) => expect((await env.admin.patch(`${W}/hubspot/settings`, patch)).status).toBe(200);
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const hubspot = (type: string, id: string) => env.sandbox.control.getObject(env.portalId, type, id).properties;
const patchInHubSpot = async (type: string, id: string, properties: Record<string, string>) => {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/${type}/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties }) });
  expect(res.status).toBe(200);
};
const row = (table: 'customers' | 'organizations' | 'deals', id: string) => db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Saves the type's mapping as it is now with `changes` over it (the API takes the whole mapping). */
async function saveMapping(changes: Record<string, Entry>, objectType = 'contacts') {
  const view = await env.admin.get<MappingView>(`${W}/hubspot/mapping?objectType=${objectType}`);
  const mappings: Record<string, Entry> = Object.fromEntries(view.body.fields.map((f) => [f.field, { property: f.property, direction: f.direction }]));
  return env.admin.request<MappingView>('PUT', `${W}/hubspot/mapping?objectType=${objectType}`, { mappings: { ...mappings, ...changes } });
}

async function newCustomer(values: Record<string, unknown>): Promise<string> {
  const made = await env.admin.post<{ id: string }>(`${W}/customers`, values);
  expect(made.status).toBe(201);
  return made.body.id;
}
/** Sync now, also when it answers with the run that just ended because nothing became pending since. */
async function syncAgain(): Promise<Record<string, unknown>> {
  const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
  return started.status === 200 ? started.body : syncNow(env.admin);
}
const editCustomer = async (id: string, patch: Record<string, unknown>) => expect((await env.admin.patch(`${W}/customers/${id}`, patch)).status).toBe(200);

describe('field directions', () => {
  it('shows each field\'s direction, saves it, refuses a bad one naming the field, keeps email both ways, and audits a change', async () => {
    const first = await env.admin.get<MappingView>(`${W}/hubspot/mapping`);
    expect(first.body.fields.every((f) => f.direction === 'both')).toBe(true);

    const sideways = await saveMapping({ phone: { property: 'phone', direction: 'sideways' } });
    expect(sideways.status).toBe(400);
    expect(sideways.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'phone' } } });
    expect(JSON.stringify(sideways.body)).toContain('both, push, pull');
    const notText = await saveMapping({ city: { property: 'city', direction: 7 } });
    expect(notText.status).toBe(400);
    expect(notText.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'mappings.city' } } });
    for (const direction of ['pull', 'push']) {
      const email = await saveMapping({ email: { property: 'email', direction } });
      expect(email.status).toBe(422);
      expect(email.body).toMatchObject({ error: { code: 'EMAIL_MAPPING_LOCKED', details: { field: 'email' } } });
    }
    // Nothing refused was saved.
    expect((await env.admin.get<MappingView>(`${W}/hubspot/mapping`)).body.saved).toBe(false);

    // A plain property still means both ways.
    const saved = await saveMapping({ phone: { property: 'phone', direction: 'pull' }, city: { property: 'city', direction: 'push' }, firstName: 'firstname' });
    expect(saved.status).toBe(200);
    const directions = () => env.admin.get<MappingView>(`${W}/hubspot/mapping`).then((r) => Object.fromEntries(r.body.fields.map((f) => [f.field, f.direction])));
    expect(await directions()).toMatchObject({ email: 'both', firstName: 'both', phone: 'pull', city: 'push', lastName: 'both' });
    const audit = await db.selectFrom('audit_log').select('details').where('action', '=', 'hubspot.mapping_saved').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const changes = (JSON.parse(audit.details) as { changes: { field: string }[] }).changes;
    expect(changes.filter((c) => c.field === 'phone' || c.field === 'city')).toEqual([
      { field: 'phone', from: 'phone', to: 'phone', direction: { from: 'both', to: 'pull' } },
      { field: 'city', from: 'city', to: 'city', direction: { from: 'both', to: 'push' } },
    ].sort((a, b) => changes.findIndex((c) => c.field === a.field) - changes.findIndex((c) => c.field === b.field)));

    // Saving it again changes nothing; setting phone back to both ways is one change.
    await saveMapping({ phone: { property: 'phone', direction: 'both' } });
    const back = await db.selectFrom('audit_log').select('details').where('action', '=', 'hubspot.mapping_saved').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(back.details)).toMatchObject({ changes: [{ field: 'phone', direction: { from: 'pull', to: 'both' } }] });
    expect(await directions()).toMatchObject({ phone: 'both', city: 'push' });

    // Every object type has its own directions.
    await settings({ syncCompanies: true });
    expect((await saveMapping({ phone: { property: 'phone', direction: 'pull' } }, 'companies')).status).toBe(200);
    const companies = await env.admin.get<MappingView>(`${W}/hubspot/mapping?objectType=companies`);
    expect(companies.body.fields.find((f) => f.field === 'phone')).toMatchObject({ property: 'phone', direction: 'pull' });
    expect(await directions()).toMatchObject({ phone: 'both' });
  });

  it('never pushes a Pull only field, and editing it leaves the customer Synced', async () => {
    expect((await saveMapping({ phone: { property: 'phone', direction: 'pull' } })).status).toBe(200);
    const id = await newCustomer({ email: 'pia@example.com', firstName: 'Pia', phone: '+41 44 111 11 11' });
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 1 });
    const hubspotId = (await row('customers', id)).hubspot_id!;
    expect(hubspot('contacts', hubspotId)).toMatchObject({ email: 'pia@example.com', firstname: 'Pia' });
    expect(hubspot('contacts', hubspotId)['phone'] ?? null).toBeNull();

    await editCustomer(id, { phone: '+41 44 222 22 22' });
    expect((await row('customers', id)).sync_status).toBe('synced');
    env.sandbox.control.resetCounts();
    await syncAgain();
    expect(env.sandbox.control.counts().total).toBe(0);

    // A phone set in HubSpot survives a push of another field.
    await patchInHubSpot('contacts', hubspotId, { phone: '+41 44 333 33 33' });
    await editCustomer(id, { firstName: 'Pia M.' });
    expect((await row('customers', id)).sync_status).toBe('needs_update');
    expect(await syncNow(env.admin)).toMatchObject({ updated: 1, failed: 0 });
    expect(hubspot('contacts', hubspotId)).toMatchObject({ firstname: 'Pia M.', phone: '+41 44 333 33 33' });
    expect((await row('customers', id)).sync_status).toBe('synced');
  });

  it('never pulls a Push only field: not written, not a conflict, and a pulled contact\'s value there is not cleared', async () => {
    expect((await saveMapping({ city: { property: 'city', direction: 'push' } })).status).toBe(200);
    const id = await newCustomer({ email: 'pat@example.com', firstName: 'Pat', city: 'Bern', lifecycleStage: 'customer' });
    await syncNow(env.admin);
    const hubspotId = (await row('customers', id)).hubspot_id!;
    await settings({ twoWay: true });

    await patchInHubSpot('contacts', hubspotId, { city: 'Basel', firstname: 'Pat (HubSpot)' });
    expect(await pull()).toMatchObject({ updated: 1, conflicts: 0 });
    expect(await row('customers', id)).toMatchObject({ first_name: 'Pat (HubSpot)', city: 'Bern' });

    // Both sides change it: no conflict; the push sends the local value.
    await editCustomer(id, { city: 'Chur' });
    await patchInHubSpot('contacts', hubspotId, { city: 'Genf' });
    expect(await pull()).toMatchObject({ conflicts: 0 });
    expect(await db.selectFrom('sync_conflicts').selectAll().execute()).toEqual([]);
    expect(await row('customers', id)).toMatchObject({ city: 'Chur', sync_status: 'needs_update' });
    expect(await syncNow(env.admin)).toMatchObject({ updated: 1, failed: 0 });
    expect(hubspot('contacts', hubspotId)['city']).toBe('Chur');

    // A contact made in HubSpot comes in without its city, and the push leaves HubSpot's alone.
    const [newId] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'luz@example.com', firstname: 'Luz', city: 'Luzern', lifecyclestage: 'customer' }]);
    expect(await pull()).toMatchObject({ created: 1 });
    const luz = await db.selectFrom('customers').selectAll().where('email_lower', '=', 'luz@example.com').executeTakeFirstOrThrow();
    expect(luz).toMatchObject({ first_name: 'Luz', city: null, sync_status: 'synced' });
    await syncAgain();
    expect(hubspot('contacts', newId!)['city']).toBe('Luzern');
  });

  it('keeps HubSpot\'s edit to one field when the push of a local edit to another runs before any pull (two-way on; one-way overwrites it)', async () => {
    const oneWay = await newCustomer({ email: 'one@example.com', firstName: 'One', city: 'Bern' });
    const twoWay = await newCustomer({ email: 'two@example.com', firstName: 'Two', city: 'Bern' });
    await syncNow(env.admin);
    const [oneId, twoId] = [(await row('customers', oneWay)).hubspot_id!, (await row('customers', twoWay)).hubspot_id!];

    // One-way: the push sends every mapped property, HubSpot's first name is overwritten.
    await patchInHubSpot('contacts', oneId, { firstname: 'One (HubSpot)' });
    await editCustomer(oneWay, { city: 'Basel' });
    expect(await syncNow(env.admin)).toMatchObject({ updated: 1 });
    expect(hubspot('contacts', oneId)).toMatchObject({ firstname: 'One', city: 'Basel' });

    await settings({ twoWay: true });
    await patchInHubSpot('contacts', twoId, { firstname: 'Two (HubSpot)' });
    await editCustomer(twoWay, { city: 'Basel' });
    // Pushed without a pull first (as an on-change push whose flush found nothing to pull yet).
    expect(await env.ts.service.context.push.pushRecords('contacts', workspaceId, [twoWay], SYSTEM_ACTOR)).toMatchObject({ updated: 1, failed: 0 });
    expect(hubspot('contacts', twoId)).toMatchObject({ firstname: 'Two (HubSpot)', city: 'Basel' });
    const pushed = await row('customers', twoWay);
    expect(pushed.sync_status).toBe('synced');
    // The base took what was sent and kept what was agreed for the rest.
    expect(JSON.parse(pushed.synced_values!)).toMatchObject({ firstname: 'Two', city: 'Basel', email: 'two@example.com' });

    // The next pull brings HubSpot's first name in as a plain HubSpot change.
    expect(await pull()).toMatchObject({ conflicts: 0 });
    expect(await row('customers', twoWay)).toMatchObject({ first_name: 'Two (HubSpot)', city: 'Basel', sync_status: 'synced' });

    // A contact deleted in HubSpot is made again with everything, not only the changed field.
    const deleted = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${twoId}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.token}` } });
    expect(deleted.status).toBe(204);
    await editCustomer(twoWay, { city: 'Chur' });
    expect(await syncNow(env.admin)).toMatchObject({ processed: 1, created: 1, failed: 0 });
    const again = await row('customers', twoWay);
    expect(again.hubspot_id).not.toBe(twoId);
    expect(hubspot('contacts', again.hubspot_id!)).toMatchObject({ email: 'two@example.com', firstname: 'Two (HubSpot)', city: 'Chur' });
  });

  it('makes no call for an update with nothing that differs from the base, and the customer ends Synced', async () => {
    await settings({ twoWay: true });
    const id = await newCustomer({ email: 'zed@example.com', firstName: 'Zed', phone: '+41 44 555 55 55' });
    await syncNow(env.admin);
    // Phone turned Pull only: what the customer pushes (its hash) changed, nothing in it differs from HubSpot.
    expect((await saveMapping({ phone: { property: 'phone', direction: 'pull' } })).status).toBe(200);
    expect((await row('customers', id)).sync_status).toBe('needs_update');
    env.sandbox.control.resetCounts();
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', updated: 1, failed: 0 });
    expect(calls('POST /crm/v3/objects/contacts/batch/update') + calls('POST /crm/v3/objects/contacts/batch/upsert')).toBe(0);
    expect((await row('customers', id)).sync_status).toBe('synced');
    const attempts = await env.admin.get<{ attempts: { recordId: string; operation: string; outcome: string }[] }>(`${W}/sync/runs/${String(run['id'])}/attempts?direction=push`);
    expect(attempts.body.attempts).toEqual([expect.objectContaining({ recordId: id, operation: 'update', outcome: 'success' })]);
  });

  it('sends only what changed for companies and deals too, and leaves their Pull only fields out', async () => {
    await settings({ syncCompanies: true, syncDeals: true, twoWay: true });
    const org = await env.admin.post<{ id: string }>(`${W}/organizations`, { name: 'Acme AG', city: 'Bern', phone: '+41 31 000 00 00' });
    expect(org.status).toBe(201);
    const stages = await env.admin.get<{ pipelines: { id: string; stages: { id: string }[] }[] }>(`${W}/hubspot/deal-stages`);
    const pipeline = stages.body.pipelines[0]!;
    expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'new', hubspotPipelineId: pipeline.id, hubspotStageId: pipeline.stages[0]!.id }] })).status).toBe(200);
    const deal = await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'Rollout', amount: '1000', stage: 'new' });
    expect(deal.status).toBe(201);
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 2, failed: 0 });
    const companyId = (await row('organizations', org.body.id)).hubspot_id!;
    const dealId = (await row('deals', deal.body.id)).hubspot_id!;
    expect(JSON.parse((await row('organizations', org.body.id)).synced_values!)).toMatchObject({ name: 'Acme AG', city: 'Bern' });
    expect(JSON.parse((await row('deals', deal.body.id)).synced_values!)).toMatchObject({ dealname: 'Rollout', amount: '1000' });

    await patchInHubSpot('companies', companyId, { name: 'Acme (HubSpot)' });
    await patchInHubSpot('deals', dealId, { amount: '2000' });
    expect((await env.admin.patch(`${W}/organizations/${org.body.id}`, { city: 'Basel' })).status).toBe(200);
    expect((await env.admin.patch(`${W}/deals/${deal.body.id}`, { name: 'Rollout 2' })).status).toBe(200);
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', updated: 2, failed: 0 });
    expect(hubspot('companies', companyId)).toMatchObject({ name: 'Acme (HubSpot)', city: 'Basel' });
    expect(hubspot('deals', dealId)).toMatchObject({ dealname: 'Rollout 2', amount: '2000' });

    // A Pull only company field: not sent, and the update it causes costs no call.
    await patchInHubSpot('companies', companyId, { phone: '+41 31 999 99 99' });
    expect((await saveMapping({ phone: { property: 'phone', direction: 'pull' } }, 'companies')).status).toBe(200);
    expect((await env.admin.patch(`${W}/organizations/${org.body.id}`, { phone: '+41 31 111 11 11' })).status).toBe(200);
    env.sandbox.control.resetCounts();
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', updated: 1, failed: 0 });
    expect(calls('POST /crm/v3/objects/companies/batch/update')).toBe(0);
    expect(hubspot('companies', companyId)['phone']).toBe('+41 31 999 99 99');
    expect((await row('organizations', org.body.id)).sync_status).toBe('synced');
  });
});
