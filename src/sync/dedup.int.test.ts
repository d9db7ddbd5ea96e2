// Automatic de-duplication, end to end on the test database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres) against the sandbox over HTTP, the service and the sandbox sharing
// one clock the test moves: the same person created in HubSpot (pulled in, as a webhook would)
// and in hubsync within the window becomes one record after one reconcile, the older canonical,
// recorded (record_merges, source `dedup`) and named in the audit trail — a local record that is
// the older survives and takes the link; five minutes apart, or
// with the window at 0, both stay (the local one Duplicate). A linked record's email changed on
// either side keeps one link to the same HubSpot contact.
import { afterEach, describe, expect, it } from 'vitest';
import { ShiftedClock } from '../../test/support/shifted-clock.js';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../store/index.js';
import { RECENT_RUN_MS } from './push-run.js';

const W = '/api/workspaces/default';

let env: SandboxedService;
let db: Db;
let clock: ShiftedClock;
let workspaceId: string;
afterEach(async () => env?.close());

async function start(settings: Record<string, unknown> = {}): Promise<void> {
  clock = new ShiftedClock();
  env = await startSandboxedService({ clock, sandbox: { clock } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440, ...settings })).status).toBe(200);
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

const pull = () => env.ts.service.context.pull.pull(workspaceId);
const liveCustomers = () => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).orderBy('created_at').execute();
/** Another Sync now later than the one just made (a Sync now right after one answers with it). */
const syncAgain = () => {
  clock.advance(RECENT_RUN_MS + 1);
  return syncNow(env.admin);
};
const hubspotContacts = () => env.sandbox.control.listObjects(env.portalId, 'contacts');

/** A contact created in HubSpot and pulled in (as its creation webhook would), then the same email created here `gapMs` later. */
async function createdOnBothSides(gapMs: number, email = 'same@example.com'): Promise<{ hubspotId: string; pulledId: string; localId: string }> {
  const hubspotId = (await hubspot('POST', '/crm/v3/objects/contacts', { properties: { email, firstname: 'Hub', phone: '+1 555 0100', lifecyclestage: 'customer' } }))['id'] as string;
  await pull();
  const pulled = await db.selectFrom('customers').select('id').where('hubspot_id', '=', hubspotId).executeTakeFirstOrThrow();
  clock.advance(gapMs);
  const local = await env.admin.post<{ id: string; sync: { status: string } }>(`${W}/customers`, { email: email.replace(/^./, (c) => c.toUpperCase()), firstName: 'Local', city: 'Lyon' });
  expect(local.status).toBe(201);
  return { hubspotId, pulledId: pulled.id, localId: local.body.id };
}

describe('the same person created on both sides', () => {
  it('within 5 s: one local and one HubSpot record after one reconcile, the older canonical, the merge recorded and audited', async () => {
    await start();
    const { hubspotId, pulledId, localId } = await createdOnBothSides(3_000);
    expect((await db.selectFrom('customers').select('sync_status').where('id', '=', localId).executeTakeFirstOrThrow()).sync_status).toBe('duplicate');

    const run = await syncNow(env.admin);
    expect(run['status']).toBe('succeeded');

    const live = await liveCustomers();
    expect(live).toHaveLength(1);
    // The HubSpot contact is the older: the record pulled from it survives; the local copy's values fill what it lacked.
    expect(live[0]).toMatchObject({ id: pulledId, hubspot_id: hubspotId, first_name: 'Hub', city: 'Lyon' });
    const merged = await db.selectFrom('customers').selectAll().where('id', '=', localId).executeTakeFirstOrThrow();
    expect(merged.deleted_at).not.toBeNull();
    expect(hubspotContacts()).toHaveLength(1);
    expect(hubspotContacts()[0]!.properties['city']).toBe('Lyon');

    const merges = await db.selectFrom('record_merges').selectAll().execute();
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ record_type: 'customers', survivor_id: pulledId, secondary_id: localId, source: 'dedup', actor_label: 'De-duplication', merged_hubspot_id: hubspotId });
    const audit = await env.admin.get<{ entries: { target: { id: string }; details: Record<string, unknown> }[] }>(`${W}/audit-log?action=customer.merged`);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]!.details).toMatchObject({ survivorId: pulledId, secondaryId: localId, source: 'dedup' });

    // The merges API lists it (the response schema knows the source).
    const listed = await env.admin.get<Record<string, unknown>>(`${W}/merges?recordId=${pulledId}`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain('"source":"dedup"');
    // A second reconcile finds nothing more to merge.
    await syncAgain();
    expect(await db.selectFrom('record_merges').selectAll().execute()).toHaveLength(1);
  });

  it('the local record older: it survives, takes the HubSpot link, and the push updates that contact (not a new one)', async () => {
    await start();
    // Created here first under a mistyped email, so the pull does not link it; corrected 4 s later.
    const local = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'sme@example.com', firstName: 'Local' });
    clock.advance(2_000);
    const hubspotId = (await hubspot('POST', '/crm/v3/objects/contacts', { properties: { email: 'same@example.com', firstname: 'Hub', phone: '+1 555 0100', lifecyclestage: 'customer' } }))['id'] as string;
    await pull();
    const pulled = await db.selectFrom('customers').select('id').where('hubspot_id', '=', hubspotId).executeTakeFirstOrThrow();
    clock.advance(2_000);
    expect((await env.admin.patch(`${W}/customers/${local.body.id}`, { email: 'same@example.com' })).status).toBe(200);

    await syncNow(env.admin);
    const live = await liveCustomers();
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ id: local.body.id, hubspot_id: hubspotId, first_name: 'Local', phone: '+1 555 0100' });
    expect((await db.selectFrom('customers').select('deleted_at').where('id', '=', pulled.id).executeTakeFirstOrThrow()).deleted_at).not.toBeNull();
    expect(await db.selectFrom('record_merges').selectAll().execute()).toMatchObject([{ survivor_id: local.body.id, secondary_id: pulled.id, source: 'dedup', merged_hubspot_id: hubspotId }]);
    const contacts = hubspotContacts();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ id: hubspotId });
    expect(contacts[0]!.properties['firstname']).toBe('Local');
  });

  it('here first, HubSpot 3 s later, nothing pulled between: the reconcile links them, the older (local) canonical; five minutes apart, the later change wins', async () => {
    await start();
    const made = async (email: string, gapMs: number) => {
      const local = await env.admin.post<{ id: string }>(`${W}/customers`, { email, firstName: 'Local', city: 'Lyon' });
      clock.advance(gapMs);
      const hubspotId = (await hubspot('POST', '/crm/v3/objects/contacts', { properties: { email, firstname: 'Hub', phone: '+1 555 0100', lifecyclestage: 'customer' } }))['id'] as string;
      return { localId: local.body.id, hubspotId };
    };
    const close = await made('close@example.com', 3_000);
    const apart = await made('apart@example.com', 5 * 60_000);
    await syncAgain();
    expect(await liveCustomers()).toMatchObject([
      { id: close.localId, hubspot_id: close.hubspotId, first_name: 'Local', city: 'Lyon', phone: '+1 555 0100' },
      { id: apart.localId, hubspot_id: apart.hubspotId, first_name: 'Hub', city: 'Lyon', phone: '+1 555 0100' },
    ]);
    expect(env.sandbox.control.getObject(env.portalId, 'contacts', close.hubspotId).properties).toMatchObject({ firstname: 'Local', city: 'Lyon' });
    expect(hubspotContacts()).toHaveLength(2);
    const conflicts = await db.selectFrom('sync_conflicts').select(['record_id', 'field', 'winner']).orderBy('record_id').execute();
    expect(conflicts).toEqual(expect.arrayContaining([{ record_id: close.localId, field: 'firstName', winner: 'local' }, { record_id: apart.localId, field: 'firstName', winner: 'hubspot' }]));
  });

  it('five minutes apart: not merged, the local copy stays a Duplicate for an admin', async () => {
    await start();
    const { pulledId, localId } = await createdOnBothSides(5 * 60_000);
    await syncNow(env.admin);
    expect((await liveCustomers()).map((c) => c.id)).toEqual([pulledId, localId]);
    expect((await db.selectFrom('customers').select('sync_status').where('id', '=', localId).executeTakeFirstOrThrow()).sync_status).toBe('duplicate');
    expect(await db.selectFrom('record_merges').selectAll().execute()).toHaveLength(0);
    expect(hubspotContacts()).toHaveLength(1);
  });

  it('with the window at 0: off, nothing is merged', async () => {
    await start({ dedupWindowSeconds: 0 });
    const { pulledId, localId } = await createdOnBothSides(1_000);
    await syncNow(env.admin);
    expect((await liveCustomers()).map((c) => c.id)).toEqual([pulledId, localId]);
    expect(await db.selectFrom('record_merges').selectAll().execute()).toHaveLength(0);
  });
});

describe('the local copy’s references', () => {
  it('its deal moves to the survivor and reads Synced once the reconcile pushed it; the next reconcile sends nothing', async () => {
    await start({ syncDeals: true });
    const mapped = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' }] });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(200);
    const { hubspotId, pulledId, localId } = await createdOnBothSides(2_000);
    const deal = (await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'Onboarding', pipeline: 'default', stage: 'proposal', customerIds: [localId] })).body.id;

    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect((await env.admin.get<{ customerIds: string[] }>(`${W}/deals/${deal}`)).body.customerIds).toEqual([pulledId]);
    const row = await db.selectFrom('deals').select(['hubspot_id', 'sync_status']).where('id', '=', deal).executeTakeFirstOrThrow();
    // Its links name the survivor now: the status compares what was pushed with that, not with the merged-away copy.
    expect(row.sync_status).toBe('synced');
    expect(env.sandbox.control.associationsOf(env.portalId, 'deals', row.hubspot_id!, 'contacts').map((a) => a.id)).toEqual([hubspotId]);
    expect(await syncAgain()).toMatchObject({ status: 'succeeded', created: 0, updated: 0, failed: 0 });
  });
});

describe('only recent records are looked at', () => {
  it('an old pair (created 3 s apart an hour before the first pass) is left alone; fresh pairs are merged, also one made after a pass, longer than the window ago', async () => {
    await start();
    const old = await createdOnBothSides(3_000, 'old@example.com');
    clock.advance(60 * 60_000);
    const fresh = await createdOnBothSides(2_000, 'fresh@example.com');

    await syncNow(env.admin);
    const merges = () => db.selectFrom('record_merges').select(['survivor_id', 'secondary_id', 'source']).orderBy('merged_at').execute();
    expect(await merges()).toEqual([{ survivor_id: fresh.pulledId, secondary_id: fresh.localId, source: 'dedup' }]);
    const stillLive = async (id: string) => (await db.selectFrom('customers').select(['deleted_at', 'sync_status']).where('id', '=', id).executeTakeFirstOrThrow());
    expect(await stillLive(old.pulledId)).toMatchObject({ deleted_at: null });
    expect(await stillLive(old.localId)).toMatchObject({ deleted_at: null, sync_status: 'duplicate' });

    // Ten minutes later (the window is a minute): a pair made since the last pass is merged by the next one.
    clock.advance(10 * 60_000);
    const later = await createdOnBothSides(1_000, 'later@example.com');
    clock.advance(5 * 60_000);
    await syncAgain();
    expect(await merges()).toEqual([
      { survivor_id: fresh.pulledId, secondary_id: fresh.localId, source: 'dedup' },
      { survivor_id: later.pulledId, secondary_id: later.localId, source: 'dedup' },
    ]);
    expect(await stillLive(old.localId)).toMatchObject({ deleted_at: null, sync_status: 'duplicate' });
  });
});

describe("a linked record's email changed", () => {
  it('here: the push updates the same HubSpot contact (linked by id), no new contact', async () => {
    await start();
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'old@example.com', firstName: 'Ann' });
    await syncNow(env.admin);
    const linked = (await db.selectFrom('customers').select('hubspot_id').where('id', '=', created.body.id).executeTakeFirstOrThrow()).hubspot_id!;
    expect(linked).not.toBeNull();
    expect((await env.admin.patch(`${W}/customers/${created.body.id}`, { email: 'new@example.com' })).status).toBe(200);
    await syncAgain();
    const contacts = hubspotContacts();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ id: linked });
    expect(contacts[0]!.properties['email']).toBe('new@example.com');
    expect(await liveCustomers()).toMatchObject([{ id: created.body.id, hubspot_id: linked, email: 'new@example.com' }]);
  });

  it('in HubSpot: the pull updates the same local customer, no new customer', async () => {
    await start();
    const hubspotId = (await hubspot('POST', '/crm/v3/objects/contacts', { properties: { email: 'old@example.com', firstname: 'Bob', lifecyclestage: 'customer' } }))['id'] as string;
    await syncNow(env.admin);
    const [customer] = await liveCustomers();
    expect(customer).toMatchObject({ hubspot_id: hubspotId, email: 'old@example.com' });
    clock.advance(1_000);
    await hubspot('PATCH', `/crm/v3/objects/contacts/${hubspotId}`, { properties: { email: 'new@example.com' } });
    await syncAgain();
    expect(await liveCustomers()).toMatchObject([{ id: customer!.id, hubspot_id: hubspotId, email: 'new@example.com' }]);
    expect(hubspotContacts()).toHaveLength(1);
  });
});
