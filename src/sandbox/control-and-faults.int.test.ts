import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/index.js';
import { startSandbox, seededRandom, type ObjectWithHistory } from './index.js';
import { sandboxCaller, useSandbox } from './testing.js';

const sb = useSandbox({ random: seededRandom(42), hangMs: 2000 }, (control) => {
  control.setFaults({});
  control.setLatency(undefined);
});
const { call } = sb;

describe('control API over HTTP', () => {
  it('creates portals, tokens and apps, seeds and lists records, and resets', async () => {
    const portal = await sb.anon<{ portalId: number }>('POST', '/_sandbox/portals', { tier: 'free' });
    expect(portal.status).toBe(201);
    const token = await sb.anon<{ token: string; scopes: string[] }>('POST', '/_sandbox/tokens', { portalId: portal.body.portalId });
    expect(token.body.token).toMatch(/^pat-na1-/);
    expect(token.body.scopes).toContain('crm.objects.contacts.write');
    const app = await sb.anon('POST', '/_sandbox/oauth-apps', { redirectUris: ['http://localhost/cb'] });
    expect(app.body).toMatchObject({ clientId: expect.any(String) as string, clientSecret: expect.any(String) as string, appId: expect.any(Number) as number });
    const seeded = await sb.anon<{ ids: string[] }>('POST', `/_sandbox/portals/${portal.body.portalId}/objects/contacts`, { records: [{ email: 'seed@example.com', firstname: 'S' }] });
    expect(seeded.body.ids).toHaveLength(1);
    const api = sandboxCaller(sb.baseUrl, token.body.token);
    expect((await api<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/contacts/${seeded.body.ids[0]!}`)).body.properties['firstname']).toBe('S');
    const listed = await sb.anon<{ results: { properties: Record<string, string> }[] }>('GET', `/_sandbox/portals/${portal.body.portalId}/objects/contacts`);
    expect(listed.body.results[0]!.properties['email']).toBe('seed@example.com');
    expect((await sb.anon('POST', '/_sandbox/reset', {})).status).toBe(204);
    expect((await api('GET', '/crm/v3/objects/contacts')).status).toBe(401);
  });

  it('counts requests per route template and status', async () => {
    const c = await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'n@example.com' } });
    await call('GET', `/crm/v3/objects/contacts/${c.body.id}`);
    await call('GET', '/crm/v3/objects/contacts/123456');
    await call('POST', '/crm/v3/objects/CONTACT/batch/upsert', { inputs: [] });
    const counts = (await sb.anon<{ total: number; byRoute: Record<string, Record<string, number>> }>('GET', '/_sandbox/counts')).body;
    expect(counts.byRoute).toEqual({
      'POST /crm/v3/objects/contacts': { '201': 1 },
      'GET /crm/v3/objects/contacts/{id}': { '200': 1, '404': 1 },
      'POST /crm/v3/objects/contacts/batch/upsert': { '400': 1 },
    });
    expect(counts.total).toBe(4);
    await sb.anon('DELETE', '/_sandbox/counts', undefined, { 'content-type': 'application/json' });
    expect(sb.control.counts()).toEqual({ total: 0, byRoute: {}, peakInFlight: 0, byPortal: {} });
  });

  it('counts calls per portal, and records accepted writes with their records and time window when asked', async () => {
    const a = sb.control.createPortal({ tier: 'unlimited' });
    const b = sb.control.createPortal({ tier: 'unlimited' });
    const callA = sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ portalId: a.portalId }).token);
    const callB = sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ portalId: b.portalId }).token);
    sb.control.recordWrites();
    sb.control.setLatency(30);
    const before = Date.now();
    const upserted = await callA<{ results: { id: string }[] }>('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { idProperty: 'email', id: 'w1@example.com', properties: { email: 'w1@example.com' } },
        { idProperty: 'email', id: 'w2@example.com', properties: { email: 'w2@example.com' } },
      ],
    });
    const after = Date.now();
    const created = await callB<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'w3@example.com' } });
    await callB('GET', `/crm/v3/objects/contacts/${created.body.id}`);
    await callB('POST', '/crm/v3/objects/contacts/search', { filterGroups: [] });
    await callB('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: created.body.id }], properties: ['email'] });
    await callB('POST', '/crm/v3/objects/contacts', { properties: { email: 'not an email' } });
    sb.control.setLatency(undefined);

    expect(sb.control.counts().byPortal).toEqual({
      [String(a.portalId)]: { total: 1, byStatus: { '200': 1 } },
      [String(b.portalId)]: { total: 5, byStatus: { '201': 1, '200': 3, '400': 1 } },
    });
    // Reads (batch reads too), searches and refused writes are not writes.
    const writes = sb.control.writes();
    expect(writes.map((w) => ({ portalId: w.portalId, objectType: w.objectType, ids: w.ids }))).toEqual([
      { portalId: a.portalId, objectType: 'contacts', ids: upserted.body.results.map((r) => r.id) },
      { portalId: b.portalId, objectType: 'contacts', ids: [created.body.id] },
    ]);
    // The window starts when the request arrived (before the injected latency) and ends at the answer.
    const first = writes[0]!;
    expect(first.startedAt).toBeGreaterThanOrEqual(before - 1);
    expect(first.endedAt - first.startedAt).toBeGreaterThanOrEqual(29);
    expect(first.endedAt).toBeLessThanOrEqual(after + 1);
    sb.control.resetCounts();
    expect(sb.control.writes()).toEqual([]);
    sb.control.recordWrites(false);
    await callA('POST', '/crm/v3/objects/contacts', { properties: { email: 'w4@example.com' } });
    expect(sb.control.writes()).toEqual([]);
  });

  it('changes faults, latency, search lag and settings at run time', async () => {
    const res = await sb.anon<Record<string, unknown>>('PUT', '/_sandbox/settings', { faults: { '503': 1 }, latencyMs: [1, 2], searchLagMs: 5, retryAfter: true });
    expect(res.body).toMatchObject({ faults: { '503': 1 }, latencyMs: [1, 2], searchLagMs: 5, retryAfter: true });
    expect((await call('GET', '/crm/v3/objects/contacts')).status).toBe(503);
    await sb.anon('PUT', '/_sandbox/faults', {});
    expect((await call('GET', '/crm/v3/objects/contacts')).status).toBe(200);
    expect((await sb.anon('PUT', '/_sandbox/faults', { teapot: 1 })).status).toBe(400);
    await sb.anon('PUT', '/_sandbox/settings', { latencyMs: null, searchLagMs: 0, retryAfter: false });
  });
});

describe('reading one record with its history', () => {
  it('tells when each write landed, without counting the read as an API call', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    const timed = await startSandbox({ clock });
    try {
      const { token, portalId } = timed.control.createPrivateAppToken({ tier: 'unlimited' });
      const api = sandboxCaller(timed.baseUrl, token);
      const created = await api<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'h@example.com', city: 'Bern' } });
      clock.advance(1_234);
      await api('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, { properties: { city: 'Basel' } });
      clock.advance(5);
      await api('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: created.body.id, properties: { city: 'Chur' } }] });
      timed.control.resetCounts();

      const read = await sandboxCaller(timed.baseUrl)<ObjectWithHistory>('GET', `/_sandbox/portals/${portalId}/objects/contacts/${created.body.id}?propertiesWithHistory=city,firstname`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: created.body.id, archived: false, properties: { email: 'h@example.com', city: 'Chur' } });
      expect(read.body.propertiesWithHistory).toEqual({
        city: [
          { value: 'Chur', timestamp: '2026-06-01T12:00:01.239Z', sourceType: 'INTEGRATION' },
          { value: 'Basel', timestamp: '2026-06-01T12:00:01.234Z', sourceType: 'INTEGRATION' },
          { value: 'Bern', timestamp: '2026-06-01T12:00:00.000Z', sourceType: 'INTEGRATION' },
        ],
        firstname: [],
      });
      // The in-process twin answers the same, and without the query no history is listed.
      expect(timed.control.getObject(portalId, 'contacts', created.body.id, { propertiesWithHistory: ['city', 'firstname'] })).toEqual(read.body);
      expect(timed.control.getObject(portalId, 'contacts', created.body.id).propertiesWithHistory).toEqual({});
      expect(timed.control.counts().total).toBe(0);
    } finally {
      await timed.close();
    }
  });
});

describe('fault injection', () => {
  it('injects each status fault with HubSpot-shaped bodies', async () => {
    for (const status of ['429', '500', '502', '503', '504'] as const) {
      sb.control.setFaults({ [status]: 1 });
      const res = await call('GET', '/crm/v3/objects/contacts');
      expect(res.status).toBe(Number(status));
      expect(res.body).toMatchObject({ status: 'error', correlationId: res.headers.get('x-hubspot-correlation-id') });
      if (status === '429') expect(res.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    }
  });

  it('drops connections and hangs requests until the client gives up', async () => {
    sb.control.setFaults({ drop: 1 });
    await expect(call('GET', '/crm/v3/objects/contacts')).rejects.toThrow();
    sb.control.setFaults({ timeout: 1 });
    const started = Date.now();
    await expect(fetch(`${sb.baseUrl}/crm/v3/objects/contacts`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sb.control.counts().byRoute['GET /crm/v3/objects/contacts']).toMatchObject({ drop: 1, timeout: 1 });
  });

  it('hits a fault rate close to the asked probability with a seeded source', async () => {
    sb.control.setFaults({ '500': 0.3 });
    let failures = 0;
    for (let i = 0; i < 200; i++) if ((await call('GET', '/account-info/v3/details')).status === 500) failures++;
    expect(failures).toBeGreaterThan(40);
    expect(failures).toBeLessThan(80);
  });

  it('adds latency', async () => {
    sb.control.setLatency(60);
    const started = Date.now();
    await call('GET', '/crm/v3/objects/contacts');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('reports the most API requests it answered at once, leaving control calls out', async () => {
    sb.control.setLatency(80);
    sb.control.resetCounts();
    await Promise.all([1, 2, 3].map(() => call('GET', '/crm/v3/objects/contacts')));
    await call('GET', '/crm/v3/objects/contacts');
    await Promise.all([sb.anon('GET', '/_sandbox/counts'), sb.anon('GET', '/_sandbox/counts')]);
    expect(sb.control.counts()).toMatchObject({ total: 4, peakInFlight: 3 });
  });

  it('never faults the control API', async () => {
    sb.control.setFaults({ '500': 1 });
    expect((await sb.anon('GET', '/_sandbox/counts')).status).toBe(200);
  });
});

describe('control API switch', () => {
  it('answers 404 under /_sandbox when controlApi is false', async () => {
    const closed = await startSandbox({ controlApi: false, privateAppTokens: [{ token: 'pat-na1-fixed' }] });
    try {
      expect((await sandboxCaller(closed.baseUrl)('GET', '/_sandbox/counts')).status).toBe(404);
      expect((await sandboxCaller(closed.baseUrl, 'pat-na1-fixed')('GET', '/crm/v3/objects/contacts')).status).toBe(200);
      expect(closed.privateAppTokens[0]!.token).toBe('pat-na1-fixed');
    } finally {
      await closed.close();
    }
  });
});
