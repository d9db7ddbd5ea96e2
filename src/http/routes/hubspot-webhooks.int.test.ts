// POST /api/hubspot/webhooks over real HTTP, on the test database (SQLite or PostgreSQL), with the
// workspace connected through the sandbox's HubSpot app (OAuth 2). Deliveries are signed here,
// from HubSpot's description, independently of the service's check. A refused delivery must
// change nothing: no row recorded, no HubSpot read, the local customer as it was — while the
// same change, correctly signed, does reach the customer.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../../test/support/sandboxed.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestService } from '../../../test/support/service.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { WEBHOOK_BODY_LIMIT_BYTES } from './hubspot-webhooks.routes.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
let db: Db;
let workspaceId: string;
let hookUrl: string;
let secret: string;
let contactId: string;
let customerId: string;

function sign(key: string, url: string, body: string | Buffer, timestamp: string): string {
  return createHmac('sha256', key).update(`POST${url}`).update(body).update(timestamp).digest('base64');
}

interface DeliveryOptions {
  key?: string;
  timestamp?: number;
  /** The URL signed (default: the one called). */
  signedUrl?: string;
  headers?: Record<string, string>;
  omit?: ('signature' | 'timestamp')[];
}

async function deliver(body: string | Buffer, options: DeliveryOptions = {}, url = hookUrl): Promise<{ status: number; body: Record<string, unknown> }> {
  const timestamp = String(options.timestamp ?? Date.now());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-hubspot-signature-v3': sign(options.key ?? secret, options.signedUrl ?? url, body, timestamp),
    'x-hubspot-request-timestamp': timestamp,
    ...options.headers,
  };
  if (options.omit?.includes('signature')) delete headers['x-hubspot-signature-v3'];
  if (options.omit?.includes('timestamp')) delete headers['x-hubspot-request-timestamp'];
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const event = (objectId: string | number, subscriptionType = 'contact.propertyChange', extra: Record<string, unknown> = {}) => ({
  eventId: 1,
  subscriptionId: 1,
  portalId: env.portalId,
  appId: env.app!.appId,
  occurredAt: Date.now(),
  subscriptionType,
  attemptNumber: 0,
  objectId: Number(objectId),
  changeSource: 'CRM_UI',
  ...extra,
});
const batchReads = () => Object.values(env.sandbox.control.counts().byRoute['POST /crm/v3/objects/contacts/batch/read'] ?? {}).reduce((a, b) => a + b, 0);
const firstName = async () => (await db.selectFrom('customers').select('first_name').where('id', '=', customerId).executeTakeFirstOrThrow()).first_name;
const inbound = () => db.selectFrom('inbound_changes').selectAll().execute();
const patchContact = async (properties: Record<string, string>) => {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${contactId}`, { method: 'PATCH', headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties }) });
  expect(res.status).toBe(200);
};

beforeAll(async () => {
  // The app has no subscriptions: only the deliveries made here arrive.
  env = await startSandboxedService({ oauth: { subscriptions: [] } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  hookUrl = `${env.ts.url}/api/hubspot/webhooks`;
  secret = env.app!.clientSecret;
  [contactId] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'hook@example.com', firstname: 'Before', lifecyclestage: 'customer' }]) as [string];
  expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440 })).status).toBe(200);
  await env.ts.service.context.pull.pull(workspaceId);
  customerId = (await db.selectFrom('customers').select('id').where('hubspot_id', '=', contactId).executeTakeFirstOrThrow()).id;
});
afterAll(async () => env?.close());

describe('POST /api/hubspot/webhooks', () => {
  it('records a correctly signed delivery at once, and its job brings HubSpot\'s change to the customer', async () => {
    await patchContact({ firstname: 'After' });
    const answer = await deliver(JSON.stringify([event(contactId)]));
    expect(answer).toEqual({ status: 200, body: { events: 1, recorded: 1 } });
    await expect.poll(firstName, { timeout: 10_000 }).toBe('After');
    await expect.poll(async () => (await inbound()).length, { timeout: 10_000 }).toBe(0);
  });

  it('refuses a bad, missing or stale signature with 401 in the error envelope, and changes nothing', async () => {
    await patchContact({ firstname: 'Unverified' });
    const body = JSON.stringify([event(contactId)]);
    const reads = batchReads();
    const sixMinutes = 6 * 60_000;
    const refused = [
      await deliver(body, { key: 'not-the-client-secret' }),
      await deliver(body, { signedUrl: `${hookUrl}?other=1` }),
      await deliver(body, { headers: { 'x-hubspot-signature-v3': sign(secret, hookUrl, `${body} `, String(Date.now())) } }),
      await deliver(body, { omit: ['signature'] }),
      await deliver(body, { omit: ['timestamp'] }),
      await deliver(body, { omit: ['signature', 'timestamp'] }),
      // Correctly signed, but outside the 5 minutes either way (a replay, or a forged future).
      await deliver(body, { timestamp: Date.now() - sixMinutes }),
      await deliver(body, { timestamp: Date.now() + sixMinutes }),
    ];
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 401));
    expect(refused.map((r) => (r.body['error'] as { code: string }).code)).toEqual(refused.map(() => 'WEBHOOK_SIGNATURE_INVALID'));
    expect(refused.map((r) => (r.body['error'] as { details: { reason: string } }).details.reason)).toEqual(['mismatch', 'mismatch', 'mismatch', 'missing', 'missing', 'missing', 'stale', 'stale']);
    // Nothing was recorded or read, and the customer kept its value.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await inbound()).toEqual([]);
    expect(batchReads()).toBe(reads);
    expect(await firstName()).toBe('After');
    // The same change, correctly signed, goes through.
    expect((await deliver(body)).status).toBe(200);
    await expect.poll(firstName, { timeout: 10_000 }).toBe('Unverified');
  });

  it('answers 413 for a body over the limit, announced or chunked, before checking anything, and records nothing', async () => {
    const big = Buffer.alloc(WEBHOOK_BODY_LIMIT_BYTES + 1, 0x20);
    const announced = await deliver(big);
    expect(announced.status).toBe(413);
    expect(announced.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const chunked = await fetch(hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': 'x', 'x-hubspot-request-timestamp': String(Date.now()) },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(WEBHOOK_BODY_LIMIT_BYTES / 4));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await inbound()).toEqual([]);
  });

  it('answers 400 for a correctly signed body that is not a delivery', async () => {
    const cases: [string, string][] = [
      ['{"not": "json"', 'INVALID_JSON'],
      [JSON.stringify({ events: [] }), 'VALIDATION_FAILED'],
      [JSON.stringify([{ ...event(contactId), objectId: 'abc' }]), 'VALIDATION_FAILED'],
      [JSON.stringify([{ ...event(contactId), portalId: undefined }]), 'VALIDATION_FAILED'],
      [JSON.stringify(Array.from({ length: 101 }, () => event(contactId))), 'VALIDATION_FAILED'],
      [JSON.stringify([event(contactId)]).replace('"eventId"', '"__proto__":{"x":1},"eventId"'), 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const answer = await deliver(body);
      expect(answer.status, body.slice(0, 60)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code } });
    }
    expect((await deliver(JSON.stringify([{ ...event(contactId), objectId: 'abc' }]))).body).toMatchObject({ error: { details: { field: '0.objectId' } } });
    expect(await inbound()).toEqual([]);
  });

  it('records a contact merge as a change of the merged record, under its new id', async () => {
    const merge = event(contactId, 'contact.merge', { primaryObjectId: 1, mergedObjectIds: [2], newObjectId: 3 });
    expect(await deliver(JSON.stringify([merge]))).toEqual({ status: 200, body: { events: 1, recorded: 1 } });
    // Its job reads record 3 (src/hubspot/webhooks.test.ts: the new id is the one recorded) and drains the row.
    await expect.poll(async () => (await inbound()).length, { timeout: 10_000 }).toBe(0);
  });

  it('acknowledges and ignores deal merges, association changes, other objects and portals no two-way workspace is connected to', async () => {
    const ignored = [
      event(contactId, 'deal.merge', { primaryObjectId: 1, mergedObjectIds: [2], newObjectId: 3 }),
      event(contactId, 'contact.associationChange'),
      event(contactId, 'ticket.creation'),
      { ...event(contactId), portalId: env.portalId + 1 },
    ];
    expect(await deliver(JSON.stringify(ignored))).toEqual({ status: 200, body: { events: 4, recorded: 0 } });
    expect(await deliver('[]')).toEqual({ status: 200, body: { events: 0, recorded: 0 } });
    expect(await inbound()).toEqual([]);
  });

  it('is in the OpenAPI document, as a route needing no caller', async () => {
    const doc = (await (await fetch(`${env.ts.url}/api/docs/json`)).json()) as { paths: Record<string, { post?: { security?: unknown[] } }> };
    expect(doc.paths['/api/hubspot/webhooks']?.post?.security).toEqual([]);
  });
});

describe('the URL HubSpot signs', () => {
  it('accepts the public URL (HUBSYNC_PUBLIC_URL, behind a proxy) or the one called, and refuses another host', async () => {
    const ts = await startTestService({ env: { HUBSYNC_PUBLIC_URL: 'https://sync.example.com/hubsync/', HUBSPOT_CLIENT_ID: 'app-id', HUBSPOT_CLIENT_SECRET: 'app-secret', HUBSPOT_BASE_URL: 'http://127.0.0.1:9' } });
    try {
      const url = `${ts.url}/api/hubspot/webhooks?source=%40app`;
      const body = JSON.stringify([{ portalId: 5, objectId: 1, subscriptionType: 'contact.creation', occurredAt: Date.now() }]);
      const as = (signedUrl: string) => deliver(body, { key: 'app-secret', signedUrl }, url);
      // HubSpot signs the URL it was given with %40 decoded.
      expect((await as('https://sync.example.com/hubsync/api/hubspot/webhooks?source=@app')).status).toBe(200);
      expect((await as(url.replace('%40', '@'))).status).toBe(200);
      expect((await as('https://sync.example.com/hubsync/api/hubspot/webhooks?source=%40app')).status).toBe(401);
      expect((await as('https://evil.example.com/hubsync/api/hubspot/webhooks?source=@app')).status).toBe(401);
    } finally {
      await ts.close();
    }
  });

  it('refuses every delivery when no HubSpot app is configured', async () => {
    const ts = await startTestService({ env: { HUBSPOT_BASE_URL: 'http://127.0.0.1:9', HUBSYNC_ADMIN_EMAIL: ADMIN_EMAIL, HUBSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    try {
      const url = `${ts.url}/api/hubspot/webhooks`;
      const answer = await deliver('[]', { key: 'anything' }, url);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 'WEBHOOK_SIGNATURE_INVALID' } });
    } finally {
      await ts.close();
    }
  });
});
