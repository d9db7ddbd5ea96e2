// Webhooks out over real HTTP on a real database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres): an endpoint registered through the API (its secret answered once),
// a Sync now against the sandbox whose run.finished and customer.synced events reach a real
// receiver on 127.0.0.1 signed with the endpoint's secret, a receiver down then up getting every
// event once (retries driven with a manual clock), giving up after the last attempt, a replay,
// a conflict a two-way run decided told as conflict.resolved, and the URL guard refusing private
// addresses when the instance does not allow them.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey, ManualClock, parseSecretKey, SecretBox } from '../lib/index.js';
import { resealAll } from '../store/index.js';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';
import { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { deliverDueWebhooks, MAX_ATTEMPTS, recordWebhookEvents, verifyWebhookSignature, type DeliveryDeps } from './index.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
let receiver: WebhookReceiver;
let hookUrl: string;
let clock: ManualClock;
let deps: DeliveryDeps;

beforeAll(async () => {
  // Jobs not worked here: the test drives delivery itself with its own clock.
  env = await startSandboxedService({ env: { HUBSYNC_WEBHOOKS_ALLOW_PRIVATE: 'on' }, jobs: { work: false, inlineRuns: true } });
  receiver = new WebhookReceiver();
  hookUrl = await receiver.start();
  // An hour ahead of the service's own clock: what the service records is due for it.
  clock = new ManualClock(Date.now() + 3600_000);
  deps = { db: env.ts.service.database.db, clock, secrets: env.ts.service.context.secrets, allowPrivate: true, random: () => 0.5 };
}, 60_000);
afterAll(async () => {
  await env?.close();
  await receiver?.close();
});

const workspaceId = async () => (await env.ts.service.database.db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastResponseMs: number | null;
  lastError: string | null;
  replayOf: string | null;
}

describe('endpoints and signed deliveries', () => {
  let endpointId: string;
  let secret: string;

  it('answers the secret once at creation, never in later answers, and stores it sealed', async () => {
    const created = await env.admin.post<{ id: string; secret: string; events: string[]; enabled: boolean }>(`${W}/webhook-endpoints`, { url: hookUrl, events: ['run.finished', 'customer.synced', 'customer.sync_failed'], description: 'Host app' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body).toMatchObject({ events: ['run.finished', 'customer.synced', 'customer.sync_failed'], enabled: true });
    endpointId = created.body.id;
    secret = created.body.secret;
    const list = await env.admin.get(`${W}/webhook-endpoints`);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain('secret');
    const patched = await env.admin.patch(`${W}/webhook-endpoints/${endpointId}`, { description: 'Host app (prod)' });
    expect(patched.status).toBe(200);
    expect(JSON.stringify(patched.body)).not.toContain(secret);
    const row = await env.ts.service.database.db.selectFrom('webhook_endpoints').select('secret_enc').where('id', '=', endpointId).executeTakeFirstOrThrow();
    expect(row.secret_enc).not.toContain(secret);
    expect(env.ts.service.context.secrets.decrypt(row.secret_enc)).toBe(secret);
  });

  it('refuses members and unknown event types', async () => {
    const member = await inviteMember(env.admin, env.ts.url, 'default', { email: 'member@example.com', role: 'member', password: 'member-password-123' });
    expect((await member.get(`${W}/webhook-endpoints`)).status).toBe(403);
    const bad = await env.admin.post<{ error: { code: string } }>(`${W}/webhook-endpoints`, { url: hookUrl, events: ['customer.deleted'] });
    expect(bad.status).toBe(400);
  });

  it('delivers a Sync now’s run.finished and customer.synced events, signed with the endpoint’s secret', async () => {
    for (const email of ['ada@example.com', 'bo@example.com']) expect((await env.admin.post(`${W}/customers`, { email, firstName: 'X' })).status).toBe(201);
    const run = await syncNow(env.admin);
    expect(run['status']).toBe('succeeded');
    const { attempted } = await deliverDueWebhooks(deps);
    expect(attempted).toBe(3);
    const types = receiver.received.map((r) => r.event.type).sort();
    expect(types).toEqual(['customer.synced', 'customer.synced', 'run.finished']);
    for (const { headers, body, event } of receiver.received) {
      const header = String(headers['hubsync-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
      // The documented recipe, computed here independently of the module's own helper.
      expect(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')).toBe(v1);
      expect(verifyWebhookSignature(header, secret, body, Number(t))).toBe(true);
      expect(verifyWebhookSignature(header, 'whsec_wrong', body, Number(t))).toBe(false);
      expect(headers['hubsync-event']).toBe(event.type);
      expect(headers['hubsync-event-id']).toBe(event.id);
    }
    const finished = receiver.received.find((r) => r.event.type === 'run.finished')!.event;
    expect(finished.data).toMatchObject({ runId: run['id'], status: 'succeeded', created: 2 });
    const synced = receiver.received.filter((r) => r.event.type === 'customer.synced').map((r) => r.event.data['hubspotId']);
    expect(synced.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);

    const deliveries = await env.admin.get<{ deliveries: Delivery[] }>(`${W}/webhook-endpoints/${endpointId}/deliveries`);
    expect(deliveries.body.deliveries).toHaveLength(3);
    for (const d of deliveries.body.deliveries) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, nextAttemptAt: null, lastError: null });
      expect(d.lastResponseMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('replays a delivery as a new one with the same event id and body', async () => {
    const before = receiver.received.length;
    const [latest] = (await env.admin.get<{ deliveries: Delivery[] }>(`${W}/webhook-endpoints/${endpointId}/deliveries?limit=1`)).body.deliveries;
    const replay = await env.admin.post<Delivery>(`${W}/webhook-endpoints/${endpointId}/deliveries/${latest!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ status: 'pending', attempts: 0, replayOf: latest!.id, eventId: latest!.eventId });
    expect((await deliverDueWebhooks(deps)).attempted).toBe(1);
    expect(receiver.received).toHaveLength(before + 1);
    expect(receiver.received.at(-1)!.event.id).toBe(latest!.eventId);
    expect((await env.admin.post(`${W}/webhook-endpoints/${endpointId}/deliveries/whd_nope/replay`)).status).toBe(404);
  });

  it('with the receiver down then up, delivers every event once, on the backoff schedule', async () => {
    const start = receiver.received.length;
    receiver.status = 503;
    const ws = await workspaceId();
    await recordWebhookEvents(deps.db, clock, ws, [1, 2, 3].map((n) => ({ type: 'run.finished' as const, data: { n } })));
    expect((await deliverDueWebhooks(deps)).attempted).toBe(3);
    let list = (await env.admin.get<{ deliveries: Delivery[] }>(`${W}/webhook-endpoints/${endpointId}/deliveries?limit=3`)).body.deliveries;
    for (const d of list) {
      expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503 });
      expect(d.lastError).toContain('HTTP 503');
      // 1 minute (the jitter is 1.0 with random() = 0.5).
      expect(Date.parse(d.nextAttemptAt!)).toBe(clock.now() + 60_000);
    }
    // Nothing is due before the next attempt.
    clock.advance(30_000);
    expect((await deliverDueWebhooks(deps)).attempted).toBe(0);
    clock.advance(31_000);
    expect((await deliverDueWebhooks(deps)).attempted).toBe(3);
    expect(receiver.refused).toBe(6);
    receiver.status = 200;
    clock.advance(2 * 60_000 + 1_000);
    expect((await deliverDueWebhooks(deps)).attempted).toBe(3);
    clock.advance(24 * 3600_000);
    expect((await deliverDueWebhooks(deps)).attempted).toBe(0);
    const late = receiver.received.slice(start).map((r) => r.event.data['n']).sort();
    expect(late).toEqual([1, 2, 3]);
    list = (await env.admin.get<{ deliveries: Delivery[] }>(`${W}/webhook-endpoints/${endpointId}/deliveries?limit=3`)).body.deliveries;
    for (const d of list) expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, nextAttemptAt: null });
  });

  it('gives a delivery up as failed after the last attempt, about a day later', async () => {
    receiver.status = 500;
    const ws = await workspaceId();
    const first = clock.now();
    await recordWebhookEvents(deps.db, clock, ws, [{ type: 'run.finished', data: { doomed: true } }]);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      expect((await deliverDueWebhooks(deps)).attempted).toBe(1);
      clock.advance(5 * 3600_000);
    }
    const [d] = (await env.admin.get<{ deliveries: Delivery[] }>(`${W}/webhook-endpoints/${endpointId}/deliveries?limit=1`)).body.deliveries;
    expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, nextAttemptAt: null, lastStatusCode: 500 });
    expect((await deliverDueWebhooks(deps)).attempted).toBe(0);
    receiver.status = 200;
    // The schedule itself (without the test's generous steps): 1 min doubling, capped at 4 h.
    const { nextAttemptDelayMs } = await import('./delivery.js');
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => nextAttemptDelayMs(i + 1, () => 0.5)).reduce((a, b) => a + b, 0);
    expect(total / 3600_000).toBeGreaterThan(20);
    expect(total / 3600_000).toBeLessThan(30);
    expect(first).toBeLessThan(clock.now());
  });

  it('tells of a Merge as record.merged to an endpoint subscribed to it only', async () => {
    const other = await env.admin.post<{ id: string; secret: string }>(`${W}/webhook-endpoints`, { url: hookUrl, events: ['record.merged'] });
    expect(other.status).toBe(201);
    const a = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'cy@example.com', firstName: 'Cy' })).body.id;
    const b = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'cy.old@example.com', firstName: 'Cyril' })).body.id;
    expect((await env.admin.post(`${W}/customers/${a}/merge`, { otherId: b })).status).toBe(200);
    const before = receiver.received.length;
    expect((await deliverDueWebhooks(deps)).attempted).toBe(1);
    const [merged] = receiver.received.slice(before);
    expect(merged!.event).toMatchObject({ type: 'record.merged', data: { recordType: 'customer', survivorId: a, secondaryId: b } });
    expect(verifyWebhookSignature(String(merged!.headers['hubsync-signature']), other.body.secret, merged!.body, Math.floor(clock.now() / 1000))).toBe(true);
  });

  it('tells of records a two-way Sync now pulled from HubSpot as record.pulled', async () => {
    const pulled = await env.admin.post<{ id: string }>(`${W}/webhook-endpoints`, { url: hookUrl, events: ['record.pulled'] });
    expect(pulled.status).toBe(201);
    env.sandbox.control.seedContacts(env.portalId, [{ email: 'from-hubspot@example.com', firstname: 'Hu', lifecyclestage: 'customer' }]);
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
    const run = await syncNow(env.admin);
    expect(run['status']).toBe('succeeded');
    const before = receiver.received.length;
    await deliverDueWebhooks(deps);
    const events = receiver.received.slice(before).filter((r) => r.event.type === 'record.pulled').map((r) => r.event.data);
    const local = await env.ts.service.database.db.selectFrom('customers').select(['id', 'hubspot_id']).where('email_lower', '=', 'from-hubspot@example.com').executeTakeFirstOrThrow();
    expect(events).toContainEqual({ objectType: 'contacts', recordId: local.id, hubspotId: local.hubspot_id, operation: 'create', runId: run['id'] });
  });

  it('tells of a conflict a two-way Sync now decided as conflict.resolved, with both values and the winner', async () => {
    const watcher = await env.admin.post<{ id: string; secret: string }>(`${W}/webhook-endpoints`, { url: hookUrl, events: ['conflict.resolved'] });
    expect(watcher.status).toBe(201);
    const customer = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'both-sides@example.com', firstName: 'Before' })).body.id;
    expect((await syncNow(env.admin))['status']).toBe('succeeded');
    const db = env.ts.service.database.db;
    const hubspotId = (await db.selectFrom('customers').select('hubspot_id').where('id', '=', customer).executeTakeFirstOrThrow()).hubspot_id!;
    // Both sides change the first name, HubSpot last: HubSpot's value wins.
    expect((await env.admin.patch(`${W}/customers/${customer}`, { firstName: 'Local edit' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const patched = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${hubspotId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { firstname: 'HubSpot edit' } }),
    });
    expect(patched.status).toBe(200);
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', inbound: { conflicts: 1 } });
    const conflict = await db.selectFrom('sync_conflicts').select('id').where('record_id', '=', customer).executeTakeFirstOrThrow();
    const before = receiver.received.length;
    await deliverDueWebhooks(deps);
    const told = receiver.received.slice(before).filter((r) => r.event.type === 'conflict.resolved');
    expect(told.map((r) => r.event.data)).toEqual([
      { conflictId: conflict.id, objectType: 'contacts', recordId: customer, hubspotId, field: 'firstName', property: 'firstname', localValue: 'Local edit', hubspotValue: 'HubSpot edit', winner: 'hubspot', runId: run['id'] },
    ]);
    expect(verifyWebhookSignature(String(told[0]!.headers['hubsync-signature']), watcher.body.secret, told[0]!.body, Math.floor(clock.now() / 1000))).toBe(true);
  });

  it('tells once of HubSpot refusing the connection’s token as connection.failed (this test runs last: the sandbox forgets everything)', async () => {
    const watcher = await env.admin.post<{ id: string }>(`${W}/webhook-endpoints`, { url: hookUrl, events: ['connection.failed'] });
    expect(watcher.status).toBe(201);
    expect((await env.admin.post(`${W}/customers`, { email: 'late@example.com' })).status).toBe(201);
    env.sandbox.control.reset();
    expect((await syncNow(env.admin))['status']).toBe('failed');
    expect((await env.admin.get<{ status: string }>(`${W}/hubspot/connection`)).body.status).toBe('token_invalid');
    // A second refused run does not tell it again.
    await syncNow(env.admin).catch(() => undefined);
    const before = receiver.received.length;
    await deliverDueWebhooks(deps);
    const failed = receiver.received.slice(before).filter((r) => r.event.type === 'connection.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.event.data).toMatchObject({ status: 'token_invalid', method: 'private_app', portalId: env.portalId });
  });

  it('prunes finished deliveries after 30 days', async () => {
    const db = env.ts.service.database.db;
    const finished = () => db.selectFrom('webhook_deliveries').select('id').where('status', 'in', ['delivered', 'failed']).execute();
    expect((await finished()).length).toBeGreaterThan(5);
    // The oldest rows are about 4 days old on the test's clock by now.
    clock.advance(20 * 24 * 3600_000);
    await deliverDueWebhooks(deps);
    expect((await finished()).length).toBeGreaterThan(5);
    clock.advance(20 * 24 * 3600_000);
    await deliverDueWebhooks(deps);
    expect(await finished()).toEqual([]);
  });

  it('deletes an endpoint with its deliveries', async () => {
    expect((await env.admin.request('DELETE', `${W}/webhook-endpoints/${endpointId}`)).status).toBe(204);
    expect((await env.admin.get(`${W}/webhook-endpoints/${endpointId}/deliveries`)).status).toBe(404);
    const left = await env.ts.service.database.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).execute();
    expect(left).toEqual([]);
  });
});

describe('URL guard without HUBSYNC_WEBHOOKS_ALLOW_PRIVATE', () => {
  let ts: TestService;
  let admin: ApiClient;
  beforeAll(async () => {
    ts = await startTestService();
    admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => ts?.close());

  it.each([
    ['http://127.0.0.1:9/hooks', 'private-address'],
    ['http://localhost:9/hooks', 'private-address'],
    ['http://10.1.2.3/hooks', 'private-address'],
    ['http://192.168.1.20/hooks', 'private-address'],
    ['http://169.254.169.254/latest/meta-data', 'private-address'],
    ['http://[::1]:9/hooks', 'private-address'],
    ['http://[fe80::1]/hooks', 'private-address'],
    ['http://[::ffff:127.0.0.1]/hooks', 'private-address'],
    ['ftp://example.com/hooks', 'scheme'],
    ['not a url', 'invalid'],
  ])('refuses %s (%s)', async (url, reason) => {
    const answer = await admin.post<{ error: { code: string; details: { reason: string } } }>('/api/workspaces/default/webhook-endpoints', { url, events: ['run.finished'] });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('WEBHOOK_URL_REFUSED');
    expect(answer.body.error.details.reason).toBe(reason);
  });

  it('refuses a private delivery target even if one got stored (checked again at delivery)', async () => {
    const ws = (await ts.service.database.db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
    const secrets = ts.service.context.secrets;
    await ts.service.database.db.insertInto('webhook_endpoints').values({ id: 'whe_private', workspace_id: ws, url: 'http://127.0.0.1:9/hooks', description: null, events: '["run.finished"]', secret_enc: secrets.encrypt('whsec_x'), enabled: 1, created_at: Date.now(), updated_at: Date.now() }).execute();
    const clock = new ManualClock(Date.now());
    await recordWebhookEvents(ts.service.database.db, clock, ws, [{ type: 'run.finished', data: {} }]);
    expect((await deliverDueWebhooks({ db: ts.service.database.db, clock, secrets, allowPrivate: false })).attempted).toBe(1);
    const row = await ts.service.database.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', 'whe_private').executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.last_error).toContain('private address');
  });

  it('has its signing secrets re-sealed by a key rotation (rotate-secret)', async () => {
    const db = ts.service.database.db;
    const oldBox = ts.service.context.secrets;
    const newBox = new SecretBox(parseSecretKey(generateSecretKey()));
    const { resealed } = await resealAll(db, (sealed) => newBox.encrypt(oldBox.decrypt(sealed)));
    expect(resealed['webhook_endpoints.secret_enc']).toBe(1);
    const row = await db.selectFrom('webhook_endpoints').select('secret_enc').where('id', '=', 'whe_private').executeTakeFirstOrThrow();
    expect(newBox.decrypt(row.secret_enc)).toBe('whsec_x');
  });
});
