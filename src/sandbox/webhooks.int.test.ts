import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './index.js';
import { sandboxCaller, type SandboxCall } from './testing.js';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  url: string;
  events: Record<string, unknown>[];
  /** The v3 signature matches the URL as HubSpot signs it. */
  valid: boolean;
  /** The v3 signature matches the URL exactly as it was requested (no decoding). */
  validUndecoded: boolean;
}

// Verification written from HubSpot's description, independent of the sandbox's own code: the
// URI is the full URL called, with these twelve URL-encoded characters decoded (either case).
const HUBSPOT_DECODED: [RegExp, string][] = [
  [/%3A/gi, ':'], [/%2F/gi, '/'], [/%3F/gi, '?'], [/%40/gi, '@'], [/%21/gi, '!'], [/%24/gi, '$'],
  [/%27/gi, "'"], [/%28/gi, '('], [/%29/gi, ')'], [/%2A/gi, '*'], [/%2C/gi, ','], [/%3B/gi, ';'],
];
function verifyV3(secret: string, method: string, uri: string, body: string, timestamp: string, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(method + uri + body + timestamp).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
const hubspotSignedUri = (uri: string) => HUBSPOT_DECODED.reduce((u, [encoded, plain]) => u.replace(encoded, plain), uri);

let sb: RunningSandbox;
let receiver: Server;
let hookUrl: string;
let hookOrigin: string;
let received: Received[] = [];
let failNext = 0;
let secret = '';
let call: SandboxCall;
let app: { clientId: string; clientSecret: string; appId: number };

async function waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting for webhooks');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const signature = String(req.headers['x-hubspot-signature-v3'] ?? '');
      const timestamp = String(req.headers['x-hubspot-request-timestamp'] ?? '');
      const called = `${hookOrigin}${req.url ?? ''}`;
      received.push({
        headers: req.headers,
        raw,
        url: req.url ?? '',
        events: JSON.parse(raw) as Record<string, unknown>[],
        valid: verifyV3(secret, 'POST', hubspotSignedUri(called), raw, timestamp, signature),
        validUndecoded: verifyV3(secret, 'POST', called, raw, timestamp, signature),
      });
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  hookUrl = `${hookOrigin}/hubspot/webhooks?source=test`;
  sb = await startSandbox({ webhookBatchDelayMs: 250, webhookRetryScale: 0.0001 });
});
afterAll(async () => {
  await sb.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  sb.control.reset();
  received = [];
  failNext = 0;
  const { portalId } = sb.control.createPortal();
  app = sb.control.createOAuthApp({
    redirectUris: ['http://localhost/cb'],
    webhookUrl: hookUrl,
    subscriptions: [
      { subscriptionType: 'contact.creation' },
      { subscriptionType: 'contact.propertyChange', propertyName: 'firstname' },
      { subscriptionType: 'contact.deletion' },
      { subscriptionType: 'contact.merge' },
      { subscriptionType: 'contact.associationChange' },
    ],
  });
  secret = app.clientSecret;
  sb.control.authorize({ clientId: app.clientId, portalId });
  call = sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ portalId, tier: 'unlimited' }).token);
});

const all = () => received.flatMap((r) => r.events);

describe('webhooks', () => {
  it('delivers creation, property change, deletion, merge and association events with valid v3 signatures', async () => {
    const a = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'a@example.com', firstname: 'A' } })).body.id;
    const b = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'b@example.com' } })).body.id;
    await call('PATCH', `/crm/v3/objects/contacts/${a}`, { properties: { firstname: 'Ann', lastname: 'ignored' } });
    const company = (await call<{ id: string }>('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme' } })).body.id;
    await call('PUT', `/crm/v4/objects/contacts/${a}/associations/default/companies/${company}`);
    const merged = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: a, objectIdToMerge: b })).body.id;
    await call('DELETE', `/crm/v3/objects/contacts/${merged}`);
    await sb.control.flushWebhooks();
    await waitFor(() => all().some((e) => e['subscriptionType'] === 'contact.deletion'));

    expect(received.every((r) => r.valid)).toBe(true);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(Number(received[0]!.headers['x-hubspot-request-timestamp'])).toBeGreaterThan(0);
    const types = all().map((e) => e['subscriptionType']);
    expect(types.filter((t) => t === 'contact.creation')).toHaveLength(2);
    const changes = all().filter((e) => e['subscriptionType'] === 'contact.propertyChange');
    expect(changes.every((e) => e['propertyName'] === 'firstname')).toBe(true);
    expect(changes.map((e) => e['propertyValue'])).toEqual(['A', 'Ann']);
    expect(all().find((e) => e['subscriptionType'] === 'contact.associationChange')).toMatchObject({
      associationType: 'CONTACT_TO_COMPANY',
      fromObjectId: Number(a),
      toObjectId: Number(company),
      associationRemoved: false,
    });
    expect(all().find((e) => e['subscriptionType'] === 'contact.merge')).toMatchObject({
      primaryObjectId: Number(a),
      mergedObjectIds: [Number(b)],
      newObjectId: Number(merged),
    });
    expect(all().find((e) => e['subscriptionType'] === 'contact.deletion')).toMatchObject({ objectId: Number(merged), appId: app.appId, attemptNumber: 0 });
    expect(all()[0]).toMatchObject({ eventId: expect.any(Number) as number, subscriptionId: expect.any(Number) as number, portalId: expect.any(Number) as number, occurredAt: expect.any(Number) as number, changeSource: 'INTEGRATION' });
  });

  it('signs the URL with the characters HubSpot decodes decoded (either case), and no others', async () => {
    const url = `${hookOrigin}/hubspot/webhooks?next=%2Fa%3Fb&at=user%40example.com&list=a%2Cb%3bc&x=%3a%21%24%27%28%29%2a&keep=%20%25`;
    sb.control.setWebhooks(app.clientId, { webhookUrl: url });
    await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'encoded@example.com' } });
    await sb.control.flushWebhooks();
    await waitFor(() => received.length > 0);
    // The receiver was called at the URL as configured, still encoded.
    expect(received[0]!.url).toBe(url.slice(hookOrigin.length));
    expect(received.every((r) => r.valid)).toBe(true);
    // Signed over the decoded form (`%20` and `%25` are not among HubSpot's twelve, so they stay).
    expect(received.every((r) => r.validUndecoded)).toBe(false);
  });

  it('sends at most 100 events per request', async () => {
    sb.control.setWebhooks(app.clientId, { subscriptions: [{ subscriptionType: 'contact.creation' }] });
    for (let batch = 0; batch < 2; batch++) {
      const inputs = Array.from({ length: 75 }, (_, i) => ({ properties: { email: `c${batch}-${i}@example.com` } }));
      expect((await call('POST', '/crm/v3/objects/contacts/batch/create', { inputs })).status).toBe(201);
    }
    await sb.control.flushWebhooks();
    await waitFor(() => all().length === 150);
    expect(received.map((r) => r.events.length)).toEqual([100, 50]);
    expect(received.every((r) => r.valid)).toBe(true);
  });

  it('retries failed deliveries with a growing attempt number', async () => {
    failNext = 2;
    await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'retry@example.com' } });
    await sb.control.flushWebhooks();
    await waitFor(() => received.length === 3);
    expect(received.map((r) => (r.events[0]!['attemptNumber'] as number))).toEqual([0, 1, 2]);
    expect(received.every((r) => r.valid)).toBe(true);
    await waitFor(() => sb.control.webhookDeliveries().length === 3);
    const deliveries = sb.control.webhookDeliveries();
    expect(deliveries.map((d) => d.status)).toEqual([500, 500, 204]);
  });
});
