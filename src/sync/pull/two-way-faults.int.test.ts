// Issue 14's "How we will check", in one scenario under HubSpot misbehaving: the sandbox, over
// real HTTP, answers 5 % of the calls with a 5xx and 2 % with a 429 (a seeded draw, so a run
// replays), and shows a change to search only 2 s after it was made. Through the running service
// (Reconcile now, its jobs, the webhook route of a HubSpot app connection) on the test database:
//   - the same field edited on both sides, at times the test sets (one shared clock moved ahead
//     between the edits): the later edit wins on both sides, the other is recorded as overridden;
//   - different fields edited on each side: both kept;
//   - records created on one side only: they appear on the other;
//   - lifecycle stages moving into the filter (imported) and out of it (stays linked, follows);
//   - webhooks with good, bad and stale signatures: the bad and stale are refused (401) and change
//     nothing, the good one brings HubSpot's change in;
// then both sides hold the most recent value of every field, with no duplicates and no lost edit,
// and the reconcile of the now idle workspace spends at most 2 calls per object type (the
// sandbox's request log). The HubSpot edits made just before a reconcile are not searchable yet
// when it runs (the 2 s lag is real): the reconcile after it, 10 s later, brings them in.
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../../test/support/sandboxed.js';
import { ShiftedClock } from '../../../test/support/shifted-clock.js';
import { seededRandom } from '../../sandbox/index.js';
import type { Db } from '../../store/index.js';

const W = '/api/workspaces/default';
const MINUTE = 60_000;
const SEARCH_LAG_MS = 2_000;
/** 5 % 5xx and 2 % 429. */
const FAULTS = { '500': 0.02, '502': 0.01, '503': 0.01, '504': 0.01, '429': 0.02 } as const;

let env: SandboxedService;
let clock: ShiftedClock;
let db: Db;

beforeEach(async () => {
  clock = new ShiftedClock();
  env = await startSandboxedService({ sandbox: { clock, random: seededRandom(14), searchLagMs: SEARCH_LAG_MS }, clock, oauth: { subscriptions: [] } });
  db = env.ts.service.database.db;
});
afterEach(async () => env?.close());

const customers = () => db.selectFrom('customers').selectAll().where('deleted_at', 'is', null).orderBy('id').execute();
const byEmail = async (email: string) => (await customers()).find((c) => c.email_lower === email);
const contacts = () => env.sandbox.control.listObjects(env.portalId, 'contacts');
const contactByEmail = (email: string) => contacts().find((c) => c.properties['email'] === email);

async function hubspot(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  // A person in HubSpot: their calls meet the same faults, and they try again.
  for (;;) {
    const res = await fetch(`${env.sandbox.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status < 300) return (await res.json()) as Record<string, unknown>;
    if (res.status !== 429 && res.status < 500) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  }
}
const patchContact = (email: string, properties: Record<string, string>) => hubspot('PATCH', `/crm/v3/objects/contacts/${contactByEmail(email)!.id}`, { properties });

async function patchCustomer(email: string, values: Record<string, unknown>): Promise<void> {
  const res = await env.admin.patch(`${W}/customers/${(await byEmail(email))!.id}`, values);
  expect(res.status).toBe(200);
}

async function reconcile(): Promise<Record<string, unknown>> {
  const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
  expect(started.status).toBe(202);
  return waitForRun(env.admin, started.body.id, runEnded);
}

function signedDelivery(body: string, options: { key?: string; timestamp?: number } = {}): Promise<Response> {
  const url = `${env.ts.url}/api/hubspot/webhooks`;
  const timestamp = String(options.timestamp ?? clock.now());
  const signature = createHmac('sha256', options.key ?? env.app!.clientSecret).update(`POST${url}`).update(body).update(timestamp).digest('base64');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp }, body });
}

/** Calls per object type from the sandbox's request log (`POST /crm/v3/objects/contacts/search` → contacts). */
function callsByType(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, statuses] of Object.entries(env.sandbox.control.counts().byRoute)) {
    const type = /\/objects\/([a-z0-9-]+)/.exec(route)?.[1] ?? route;
    out[type] = (out[type] ?? 0) + Object.values(statuses).reduce((a, b) => a + b, 0);
  }
  return out;
}

it('converges both sides to the most recent value of every field under 5xx, 429 and search lag, with no duplicate and no lost edit; the idle reconcile then spends ≤ 2 calls per type', async () => {
  // Only the reconciles and webhooks of this test reach HubSpot: no schedule, no poll, no on-change push.
  const settings = await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pushContactsOnChange: false, reconcileSchedule: null, pollIntervalMinutes: 1440 });
  expect(settings.status).toBe(200);
  env.sandbox.control.seedContacts(env.portalId, [
    ...Array.from({ length: 8 }, (_, i) => ({ email: `hub${i}@example.com`, firstname: `Hub${i}`, lastname: 'Remote', city: 'Bern', lifecyclestage: 'customer' })),
    ...Array.from({ length: 3 }, (_, i) => ({ email: `lead${i}@example.com`, firstname: `Lead${i}`, lifecyclestage: 'lead' })),
    ...Array.from({ length: 4 }, (_, i) => ({ email: `shared${i}@example.com`, firstname: `Shared${i}`, lastname: 'Both', city: 'Basel', lifecyclestage: 'customer' })),
  ]);
  const bulk = await env.admin.post<{ failed: number }>(`${W}/customers/bulk-upsert`, {
    customers: [
      ...Array.from({ length: 8 }, (_, i) => ({ externalId: `l${i}`, email: `local${i}@example.com`, firstName: `Local${i}`, lastName: 'Here', city: 'Chur', lifecycleStage: 'customer' })),
      ...Array.from({ length: 4 }, (_, i) => ({ externalId: `s${i}`, email: `shared${i}@example.com`, firstName: `Shared${i}`, lastName: 'Both', city: 'Basel', lifecycleStage: 'customer' })),
    ],
  });
  expect(bulk.body.failed).toBe(0);
  env.sandbox.control.setFaults(FAULTS);

  // The first reconcile: HubSpot's customers come in (not the leads), the shared emails are linked, the local ones pushed.
  clock.advance(10 * MINUTE);
  expect(await reconcile()).toMatchObject({ status: 'succeeded', failed: 0 });
  expect((await customers()).map((c) => c.email_lower).sort()).toEqual(
    [...Array.from({ length: 8 }, (_, i) => [`hub${i}@example.com`, `local${i}@example.com`]).flat(), ...Array.from({ length: 4 }, (_, i) => `shared${i}@example.com`)].sort(),
  );
  expect(contacts()).toHaveLength(8 + 3 + 4 + 8);

  // The same field on both sides, the times set by the clock: local first then HubSpot a minute
  // later (HubSpot wins), and the other way round (local wins).
  clock.advance(10 * MINUTE);
  await patchCustomer('shared0@example.com', { firstName: 'Older local' });
  await patchCustomer('shared1@example.com', { city: 'Newer local' });
  await patchCustomer('shared3@example.com', { lastName: 'Older local' });
  await patchContact('shared1@example.com', { city: 'Older HubSpot' });
  clock.advance(MINUTE);
  await patchContact('shared0@example.com', { firstname: 'Newer HubSpot' });
  await patchCustomer('shared1@example.com', { city: 'Newest local' });
  clock.advance(MINUTE);
  // Different fields on each side: both kept.
  await patchCustomer('shared2@example.com', { city: 'Lugano' });
  await patchContact('shared2@example.com', { lastname: 'Remote edit' });
  await patchCustomer('hub0@example.com', { firstName: 'Edited here' });
  await patchContact('local0@example.com', { city: 'Edited there' });

  // Webhooks: a bad and a stale signature change nothing; the good one brings HubSpot's change in.
  clock.advance(MINUTE);
  await patchContact('hub1@example.com', { firstname: 'Via webhook' });
  const event = JSON.stringify([
    { eventId: 1, subscriptionId: 1, portalId: env.portalId, appId: env.app!.appId, occurredAt: clock.now(), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(contactByEmail('hub1@example.com')!.id), propertyName: 'firstname', propertyValue: 'Via webhook', changeSource: 'CRM_UI' },
  ]);
  const bad = await signedDelivery(event, { key: 'not-the-client-secret' });
  const stale = await signedDelivery(event, { timestamp: clock.now() - 10 * MINUTE });
  expect([bad.status, stale.status]).toEqual([401, 401]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await db.selectFrom('inbound_changes').selectAll().execute()).toEqual([]);
  expect((await byEmail('hub1@example.com'))!.first_name).toBe('Hub1');
  expect((await signedDelivery(event)).status).toBe(200);
  await expect.poll(async () => (await byEmail('hub1@example.com'))!.first_name, { timeout: 20_000, interval: 100 }).toBe('Via webhook');

  // Made just before the reconcile: HubSpot's search does not show these yet.
  clock.advance(MINUTE);
  await hubspot('POST', '/crm/v3/objects/contacts', { properties: { email: 'new-remote@example.com', firstname: 'New', lastname: 'Remote', lifecyclestage: 'customer' } });
  const created = await env.admin.post(`${W}/customers`, { email: 'new-local@example.com', firstName: 'New', lastName: 'Local', lifecycleStage: 'customer' });
  expect(created.status).toBe(201);
  await patchContact('lead0@example.com', { lifecyclestage: 'customer' });
  await patchContact('hub2@example.com', { lifecyclestage: 'evangelist' });
  await patchContact('shared3@example.com', { firstname: 'Late HubSpot', lastname: 'Late HubSpot' });

  expect(await reconcile()).toMatchObject({ status: 'succeeded', failed: 0 });
  // Ten seconds later (on the clock both sides share: past the search lag, and past the 10 s in
  // which a second Reconcile now joins the run that just succeeded) the search shows the last
  // edits: the next reconcile brings them in.
  clock.advance(10_000);
  expect(await reconcile()).toMatchObject({ status: 'succeeded', failed: 0 });

  // Every field holds its most recent value, on both sides.
  const expected: Record<string, Record<string, string>> = {
    'shared0@example.com': { firstname: 'Newer HubSpot', lastname: 'Both', city: 'Basel' },
    'shared1@example.com': { firstname: 'Shared1', city: 'Newest local' },
    'shared2@example.com': { lastname: 'Remote edit', city: 'Lugano' },
    'shared3@example.com': { firstname: 'Late HubSpot', lastname: 'Late HubSpot' },
    'hub0@example.com': { firstname: 'Edited here', lastname: 'Remote' },
    'hub1@example.com': { firstname: 'Via webhook' },
    'hub2@example.com': { firstname: 'Hub2', lifecyclestage: 'evangelist' },
    'local0@example.com': { firstname: 'Local0', city: 'Edited there' },
    'new-remote@example.com': { firstname: 'New', lastname: 'Remote' },
    'new-local@example.com': { firstname: 'New', lastname: 'Local' },
    'lead0@example.com': { firstname: 'Lead0', lifecyclestage: 'customer' },
  };
  const local = await customers();
  const remote = contacts().filter((c) => !c.archived);
  const localValues = (c: (typeof local)[number]): Record<string, string> => ({
    email: c.email_lower ?? '',
    firstname: c.first_name ?? '',
    lastname: c.last_name ?? '',
    city: c.city ?? '',
    lifecyclestage: c.lifecycle_stage ?? '',
  });
  for (const [email, values] of Object.entries(expected)) {
    expect({ email, ...localValues((await byEmail(email))!) }).toMatchObject({ email, ...values });
    expect({ email, ...contactByEmail(email)!.properties }).toMatchObject({ email, ...values });
  }
  // Both sides agree on every linked customer, field by field, and all are Synced.
  const remoteById = new Map(remote.map((c) => [c.id, c.properties]));
  const differing = local.flatMap((c) => {
    const p = remoteById.get(c.hubspot_id ?? '');
    const mine = localValues(c);
    return p && Object.entries(mine).every(([k, v]) => (p[k] ?? '') === v) ? [] : [[c.email_lower, mine, p]];
  });
  expect(differing).toEqual([]);
  expect(local.filter((c) => c.sync_status !== 'synced').map((c) => [c.email_lower, c.sync_status])).toEqual([]);
  // No duplicates: one customer per email here, one contact per email in HubSpot, and the leads still out.
  expect(new Set(local.map((c) => c.email_lower)).size).toBe(local.length);
  expect(new Set(remote.map((c) => c.properties['email'])).size).toBe(remote.length);
  expect(local).toHaveLength(8 + 8 + 4 + 2 + 1);
  expect(remote).toHaveLength(8 + 3 + 4 + 8 + 2);
  expect(local.some((c) => c.email_lower === 'lead1@example.com' || c.email_lower === 'lead2@example.com')).toBe(false);
  // The overridden values are on record: HubSpot's older city and the local older first name.
  const conflicts = await db.selectFrom('sync_conflicts').select(['field', 'local_value', 'hubspot_value', 'winner']).orderBy('field').execute();
  expect(conflicts).toEqual(
    expect.arrayContaining([
      { field: 'firstName', local_value: 'Older local', hubspot_value: 'Newer HubSpot', winner: 'hubspot' },
      { field: 'city', local_value: 'Newest local', hubspot_value: 'Older HubSpot', winner: 'local' },
    ]),
  );

  // HubSpot did misbehave along the way (the seeded draw): 5xx and 429 answers were given.
  const statuses = env.sandbox.control.counts().byPortal[String(env.portalId)]!.byStatus;
  expect(statuses['429'] ?? 0).toBeGreaterThan(0);
  expect(['500', '502', '503', '504'].reduce((sum, code) => sum + (statuses[code] ?? 0), 0)).toBeGreaterThan(0);

  // Idle: nothing changes any more; the next reconcile spends at most 2 calls per type.
  clock.advance(10 * MINUTE);
  env.sandbox.control.resetCounts();
  expect(await reconcile()).toMatchObject({ status: 'succeeded', processed: 0, created: 0, updated: 0 });
  // Besides the CRM calls, at most the OAuth access token renewed (the shared clock went past its
  // 30 minutes): a call of the connection, not of an object type.
  const { 'POST /oauth/v1/token': tokenRenewals = 0, ...calls } = callsByType();
  expect(tokenRenewals).toBeLessThanOrEqual(1);
  expect(Object.keys(calls)).toEqual(['contacts']);
  expect(calls['contacts']).toBeLessThanOrEqual(2);
}, 60_000);
