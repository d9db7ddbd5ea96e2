// Webhooks in, end to end on the test database (SQLite or PostgreSQL): the sandbox's HubSpot app
// delivers its signed webhooks to the running service, whose `sync.webhook` job reads the
// records and merges them. Also: deliveries signed here to control order and duplicates —
// events coalesce into one read per record, and duplicated, late or out-of-order events converge
// on what HubSpot holds — and a disconnected workspace's events make no HubSpot call.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService, type WebhookSubscriptions } from '../../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { workWebhookJobs } from './webhook-pull.js';

const W = '/api/workspaces/default';
const SUBSCRIPTIONS: WebhookSubscriptions = [{ subscriptionType: 'contact.creation' }, { subscriptionType: 'contact.propertyChange' }, { subscriptionType: 'contact.deletion' }];

let env: SandboxedService;
let db: Db;
let workspaceId: string;
afterEach(async () => env?.close());

async function start(options: { subscriptions?: WebhookSubscriptions; work?: boolean } = {}): Promise<void> {
  env = await startSandboxedService({ oauth: { subscriptions: options.subscriptions ?? SUBSCRIPTIONS }, sandbox: { webhookBatchDelayMs: 20 }, ...(options.work === false ? { jobs: { work: false } } : {}) });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  // No poll while the test runs: whatever arrives, arrives by webhook.
  expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440 })).status).toBe(200);
}

/** What a HubSpot user does, through the API with the portal's private-app token. */
async function hubspot(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBeLessThan(300);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

/** A delivery signed like HubSpot's, with the events given (order and duplicates as they are). */
async function deliver(events: Record<string, unknown>[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = `${env.ts.url}/api/hubspot/webhooks`;
  const body = JSON.stringify(events);
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', env.app!.clientSecret).update(`POST${url}${body}${timestamp}`).digest('base64');
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const event = (objectId: string, subscriptionType: string, occurredAt: number) => ({ eventId: occurredAt, portalId: env.portalId, objectId: Number(objectId), subscriptionType, occurredAt, attemptNumber: 0 });
const byHubSpotId = (id: string) => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('hubspot_id', '=', id).executeTakeFirst();
const byEmail = (email: string) => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('email_lower', '=', email).executeTakeFirst();
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const batchReads = () => calls('POST /crm/v3/objects/contacts/batch/read');
const drained = async () => (await db.selectFrom('inbound_changes').selectAll().execute()).length === 0;

/** Seeds contacts in HubSpot (no webhooks) and pulls them in, linked. */
async function linkedContacts(...emails: string[]): Promise<string[]> {
  const ids = env.sandbox.control.seedContacts(env.portalId, emails.map((email) => ({ email, firstname: 'Seeded', lifecyclestage: 'customer' })));
  await env.ts.service.context.pull.pull(workspaceId);
  for (const id of ids) expect(await byHubSpotId(id)).toBeDefined();
  return ids;
}

describe('webhooks delivered by HubSpot', () => {
  it('bring a HubSpot edit, a new contact and a deletion to the local records', async () => {
    await start();
    const [id] = await linkedContacts('edit@example.com');

    await hubspot('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Edited', city: 'Basel' } });
    await expect.poll(async () => (await byHubSpotId(id!))?.first_name, { timeout: 10_000 }).toBe('Edited');
    expect(await byHubSpotId(id!)).toMatchObject({ city: 'Basel', sync_status: 'synced' });

    const created = await hubspot('POST', '/crm/v3/objects/contacts', { properties: { email: 'new@example.com', firstname: 'New', lifecyclestage: 'customer' } });
    await expect.poll(async () => (await byEmail('new@example.com'))?.hubspot_id, { timeout: 10_000 }).toBe(created['id']);

    await hubspot('DELETE', `/crm/v3/objects/contacts/${id}`);
    await expect.poll(async () => (await byEmail('edit@example.com'))?.hubspot_id, { timeout: 10_000 }).toBeNull();
    // Unlinked, not deleted: what a customer never pushed holds.
    expect(await byEmail('edit@example.com')).toMatchObject({ deleted_at: null, sync_status: 'not_synced', synced_hash: null, synced_values: null, first_name: 'Edited' });
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    // Every delivery was acknowledged.
    expect(env.sandbox.control.webhookDeliveries().every((d) => d.status === 200)).toBe(true);
    // The jobs' reads that changed something are `webhook` runs in the sync log, with what they did.
    const runs = (await env.admin.get<{ runs: { trigger: string; status: string; inbound: Record<string, number> }[] }>(`${W}/sync/runs`)).body.runs;
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.trigger === 'webhook' && r.status === 'succeeded')).toBe(true);
    const total = (count: string) => runs.reduce((sum, r) => sum + r.inbound[count]!, 0);
    expect({ created: total('created'), updated: total('updated'), deletions: total('deletions') }).toEqual({ created: 1, updated: 1, deletions: 1 });
  });

  it('with archiveOnHubSpotDelete, a deletion deletes the local record', async () => {
    await start();
    const [id] = await linkedContacts('gone@example.com');
    expect((await env.admin.patch(`${W}/hubspot/settings`, { archiveOnHubSpotDelete: true })).status).toBe(200);
    await hubspot('DELETE', `/crm/v3/objects/contacts/${id}`);
    await expect.poll(async () => (await byEmail('gone@example.com'))?.deleted_at ?? null, { timeout: 10_000 }).not.toBeNull();
  });
});

describe('deliveries in any order, duplicated', () => {
  it('read each record once per delivery however many events it had, and converge on what HubSpot holds', async () => {
    await start({ subscriptions: [] });
    const [x, y, z] = await linkedContacts('x@example.com', 'y@example.com', 'z@example.com');
    await hubspot('PATCH', `/crm/v3/objects/contacts/${x}`, { properties: { firstname: 'Second' } });
    await hubspot('PATCH', `/crm/v3/objects/contacts/${y}`, { properties: { firstname: 'Why' } });
    const t = Date.now();

    // 60 events for x, newest first then older ones and duplicates, and one for y: one read of two records.
    const reads = batchReads();
    const events = [event(x!, 'contact.propertyChange', t), ...Array.from({ length: 58 }, (_, i) => event(x!, 'contact.propertyChange', t - 1000 + (i % 3))), event(x!, 'contact.creation', t - 5000), event(y!, 'contact.propertyChange', t)];
    expect(await deliver(events)).toEqual({ status: 200, body: { events: 61, recorded: 61 } });
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect(batchReads() - reads).toBe(1);
    expect(await byHubSpotId(x!)).toMatchObject({ first_name: 'Second', sync_status: 'synced' });
    expect(await byHubSpotId(y!)).toMatchObject({ first_name: 'Why' });

    // The same delivery again, and a late event older than everything applied: nothing changes.
    const version = (await byHubSpotId(x!))!.version;
    expect((await deliver(events)).status).toBe(200);
    expect((await deliver([event(x!, 'contact.propertyChange', t - 60_000)])).status).toBe(200);
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect(await byHubSpotId(x!)).toMatchObject({ first_name: 'Second', version, sync_status: 'synced' });

    // A deletion announced after a creation it happened before: the record is still in HubSpot, so it stays linked.
    expect((await deliver([event(z!, 'contact.deletion', t - 10), event(z!, 'contact.creation', t)])).status).toBe(200);
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect((await byEmail('z@example.com'))!.hubspot_id).toBe(z);
    // …and an edit announced after a deletion that really happened: the record reads as gone.
    await hubspot('DELETE', `/crm/v3/objects/contacts/${z}`);
    expect((await deliver([event(z!, 'contact.propertyChange', t + 10)])).status).toBe(200);
    await expect.poll(async () => (await byEmail('z@example.com'))!.hubspot_id, { timeout: 10_000 }).toBeNull();
  });

  it('reads nothing for the deletion of a record no local record is linked to', async () => {
    await start({ subscriptions: [] });
    const reads = batchReads();
    expect(await deliver([event('999999', 'contact.deletion', Date.now())])).toEqual({ status: 200, body: { events: 1, recorded: 1 } });
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect(batchReads()).toBe(reads);
  });
});

describe('workspaces that must not be read', () => {
  it('records nothing for a disconnected workspace, or one with two-way off, and calls HubSpot for neither', async () => {
    await start({ subscriptions: [] });
    const [id] = await linkedContacts('off@example.com');
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: false })).status).toBe(200);
    env.sandbox.control.resetCounts();
    expect(await deliver([event(id!, 'contact.propertyChange', Date.now())])).toEqual({ status: 200, body: { events: 1, recorded: 0 } });
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
    env.sandbox.control.resetCounts();
    expect(await deliver([event(id!, 'contact.propertyChange', Date.now())])).toEqual({ status: 200, body: { events: 1, recorded: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(env.sandbox.control.counts().total).toBe(0);
  });

  it('drops the rows of a workspace disconnected before its job ran, with no HubSpot call', async () => {
    // No worker here: the job waits until this test works it.
    await start({ subscriptions: [], work: false });
    const [id] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'late@example.com', lifecyclestage: 'customer' }]);
    expect(await deliver([event(id!, 'contact.creation', Date.now())])).toEqual({ status: 200, body: { events: 1, recorded: 1 } });
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    env.sandbox.control.resetCounts();
    const { clock, pull, push } = env.ts.service.context;
    await workWebhookJobs({ db, clock, jobs: env.ts.service.jobs, pull, push });
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect(env.sandbox.control.counts().total).toBe(0);
    expect(await byEmail('late@example.com')).toBeUndefined();
  });
});
