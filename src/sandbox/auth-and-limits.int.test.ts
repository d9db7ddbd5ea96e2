import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { startSandbox, type RunningSandbox } from './index.js';
import { sandboxCaller } from './testing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let sb: RunningSandbox;
const clock = new ManualClock();

beforeAll(async () => {
  sb = await startSandbox({ clock });
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.control.reset();
  sb.control.updateSettings({ retryAfter: false });
});

describe('authentication and scopes', () => {
  it('answers 401 INVALID_AUTHENTICATION for unknown or missing tokens', async () => {
    for (const token of ['pat-na1-unknown', undefined]) {
      const res = await sandboxCaller(sb.baseUrl, token)('GET', '/crm/v3/objects/contacts');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', correlationId: res.headers.get('x-hubspot-correlation-id') });
      expect(res.headers.get('x-hubspot-auth-failure')).toBe('401 Unauthorized');
    }
  });

  it('answers 403 MISSING_SCOPES naming the scope that is missing', async () => {
    const t = sb.control.createPrivateAppToken({ scopes: ['crm.objects.contacts.read'] });
    const call = sandboxCaller(sb.baseUrl, t.token);
    expect((await call('GET', '/crm/v3/objects/contacts')).status).toBe(200);
    const res = await call('GET', '/crm/v3/objects/deals');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      status: 'error',
      message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      correlationId: res.headers.get('x-hubspot-correlation-id'),
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.objects.deals.read'] } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
      category: 'MISSING_SCOPES',
    });
    const write = await call('POST', '/crm/v3/objects/contacts', { properties: {} });
    expect(write.status).toBe(403);
    expect((await call('GET', '/crm/v3/lists/1')).status).toBe(403);
  });

  it('introspects a private-app token and describes the account', async () => {
    const t = sb.control.createPrivateAppToken({ scopes: ['crm.objects.contacts.read', 'oauth'] });
    const anon = sandboxCaller(sb.baseUrl);
    const info = await anon('POST', '/oauth/v2/private-apps/get/access-token-info', { tokenKey: t.token });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ hubId: t.portalId, scopes: ['crm.objects.contacts.read', 'oauth'], appId: expect.any(Number) as number, userId: expect.any(Number) as number });
    expect((await anon('POST', '/oauth/v2/private-apps/get/access-token-info', { tokenKey: 'pat-na1-nope' })).status).toBe(401);
    const details = await sandboxCaller(sb.baseUrl, t.token)('GET', '/account-info/v3/details');
    expect(details.body).toMatchObject({ portalId: t.portalId, accountType: 'STANDARD', timeZone: expect.any(String) as string, companyCurrency: 'USD', uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' });
  });

  it('puts a uuid correlation id on every response, including 404s and control calls', async () => {
    const anon = sandboxCaller(sb.baseUrl);
    for (const path of ['/nope', '/_sandbox/counts', '/crm/v3/objects/contacts']) {
      expect((await anon('GET', path)).headers.get('x-hubspot-correlation-id')).toMatch(UUID);
    }
  });
});

describe('rate limits', () => {
  it('enforces the free burst of 100 per rolling 10 s with HubSpot headers and 429 body', async () => {
    const t = sb.control.createPrivateAppToken({ tier: 'free' });
    const call = sandboxCaller(sb.baseUrl, t.token);
    const first = await call('GET', '/crm/v3/objects/contacts');
    expect(Object.fromEntries([...first.headers].filter(([k]) => k.startsWith('x-hubspot-ratelimit')))).toEqual({
      'x-hubspot-ratelimit-daily': '250000',
      'x-hubspot-ratelimit-daily-remaining': '249999',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': '100',
      'x-hubspot-ratelimit-remaining': '99',
      'x-hubspot-ratelimit-secondly': '10',
      'x-hubspot-ratelimit-secondly-remaining': '9',
    });
    clock.advance(2000);
    for (let i = 0; i < 99; i++) await call('GET', '/crm/v3/objects/contacts');
    const limited = await call('GET', '/crm/v3/objects/contacts');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      correlationId: limited.headers.get('x-hubspot-correlation-id'),
    });
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBeNull();
    clock.advance(8001);
    const afterFirstLeaves = await call('GET', '/crm/v3/objects/contacts');
    expect(afterFirstLeaves.status).toBe(200);
    expect((await call('GET', '/crm/v3/objects/contacts')).status).toBe(429);
    clock.advance(2000);
    expect((await call('GET', '/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('counts the burst per token, and sends Retry-After only when asked', async () => {
    sb.control.updateSettings({ retryAfter: true });
    const a = sb.control.createPrivateAppToken({ tier: 'free' });
    const b = sb.control.createPrivateAppToken({ portalId: a.portalId, tier: 'free' });
    const callA = sandboxCaller(sb.baseUrl, a.token);
    for (let i = 0; i < 100; i++) await callA('GET', '/account-info/v3/details');
    const limited = await callA('GET', '/account-info/v3/details');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await sandboxCaller(sb.baseUrl, b.token)('GET', '/account-info/v3/details')).status).toBe(200);
  });

  it('applies the daily limit per portal with the DAILY body', async () => {
    const t = sb.control.createPrivateAppToken({ tier: 'pro' });
    sb.control.consumeDailyQuota(t.portalId, 625_000 - 1);
    const call = sandboxCaller(sb.baseUrl, t.token);
    const last = await call('GET', '/account-info/v3/details');
    expect(last.status).toBe(200);
    expect(last.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    const refused = await call('GET', '/account-info/v3/details');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' });
    clock.advance(86_400_000);
    expect((await call('GET', '/account-info/v3/details')).status).toBe(200);
  });

  it('uses each tier profile: enterprise daily 1,000,000, boosted burst 250, unlimited without headers', async () => {
    const ent = await sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ tier: 'enterprise' }).token)('GET', '/account-info/v3/details');
    expect([ent.headers.get('x-hubspot-ratelimit-max'), ent.headers.get('x-hubspot-ratelimit-daily')]).toEqual(['190', '1000000']);
    const boosted = await sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ tier: 'boosted' }).token)('GET', '/account-info/v3/details');
    expect([boosted.headers.get('x-hubspot-ratelimit-max'), boosted.headers.get('x-hubspot-ratelimit-daily')]).toEqual(['250', '1625000']);
    const unl = await sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ tier: 'unlimited' }).token)('GET', '/account-info/v3/details');
    expect(unl.headers.get('x-hubspot-ratelimit-max')).toBeNull();
  });

  it('changes a tier at run time', async () => {
    const t = sb.control.createPrivateAppToken({ tier: 'free' });
    sb.control.setTier(t.token, 'enterprise');
    const res = await sandboxCaller(sb.baseUrl, t.token)('GET', '/account-info/v3/details');
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('190');
    sb.control.setTier(t.portalId, 'free');
    const again = await sandboxCaller(sb.baseUrl, t.token)('GET', '/account-info/v3/details');
    expect([again.headers.get('x-hubspot-ratelimit-max'), again.headers.get('x-hubspot-ratelimit-daily')]).toEqual(['100', '250000']);
  });

  it('limits search to 5 per second per portal with its own 429 and only daily headers', async () => {
    const t = sb.control.createPrivateAppToken({ tier: 'pro' });
    const call = sandboxCaller(sb.baseUrl, t.token);
    clock.advance(1000);
    for (let i = 0; i < 5; i++) {
      const ok = await call('POST', '/crm/v3/objects/contacts/search', {});
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-hubspot-ratelimit-max')).toBeNull();
      expect(ok.headers.get('x-hubspot-ratelimit-daily')).toBe('625000');
    }
    const limited = await call('POST', '/crm/v3/objects/contacts/search', {});
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ status: 'error', message: 'You have reached your secondly limit.', correlationId: limited.headers.get('x-hubspot-correlation-id'), category: 'RATE_LIMITS' });
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    expect((await call('GET', '/crm/v3/objects/contacts')).status).toBe(200);
    clock.advance(1000);
    expect((await call('POST', '/crm/v3/objects/contacts/search', {})).status).toBe(200);
  });
});
