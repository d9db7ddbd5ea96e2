// The control API (/_sandbox/…) has no authentication: it is for local use. So a web page the
// developer visits must not be able to drive it with a form post or a "simple" cross-site
// fetch (unsafe requests need Content-Type: application/json, which such requests cannot
// send without a CORS preflight the sandbox never grants), and every input is checked, with
// 400s that name the field, in the control API's own error shape.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './index.js';
import { sandboxCaller, type SandboxCall } from './testing.js';

let sb: RunningSandbox;
let control: SandboxCall;

beforeAll(async () => {
  sb = await startSandbox();
  control = sandboxCaller(sb.baseUrl);
});
afterAll(() => sb.close());
beforeEach(() => sb.control.reset());

describe('unsafe control requests need application/json', () => {
  it('refuses a reset sent as a form, as text or with no Content-Type, and keeps the state', async () => {
    const { token } = sb.control.createPrivateAppToken({});
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'text/plain' }, { 'content-type': 'multipart/form-data; boundary=x' }]) {
      const res = await control('POST', '/_sandbox/reset', 'a=1', headers);
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: `Content-Type ${headers['content-type'].split(';')[0]!} is not supported here; send application/json.` } });
    }
    const bare = await control('POST', '/_sandbox/reset');
    expect(bare.status).toBe(415);
    expect(bare.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type (none) is not supported here; send application/json.' } });
    expect((await control('DELETE', '/_sandbox/counts')).status).toBe(415);
    expect((await control('PUT', '/_sandbox/faults', 'drop=1', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await sandboxCaller(sb.baseUrl, token)('GET', '/crm/v3/objects/contacts')).status).toBe(200);
    expect(sb.control.settings()).toMatchObject({ faults: {} });
  });

  it('still answers reads without a Content-Type and resets with JSON', async () => {
    expect((await control('GET', '/_sandbox/counts')).status).toBe(200);
    expect((await control('POST', '/_sandbox/reset', {})).status).toBe(204);
    expect((await control('DELETE', '/_sandbox/counts', undefined, { 'content-type': 'application/json' })).status).toBe(204);
  });
});

describe('control inputs', () => {
  const refused = async (method: string, path: string, body: unknown): Promise<{ status: number; error: { code: string; message: string } }> => {
    const res = await control<{ error: { code: string; message: string } }>(method, path, body);
    return { status: res.status, error: res.body.error };
  };

  it('answers 400 INVALID_REQUEST naming the field for values of the wrong type', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/_sandbox/portals', { portalId: 'abc' }, 'portalId: '],
      ['POST', '/_sandbox/portals', { portalId: -1 }, 'portalId: '],
      ['POST', '/_sandbox/portals', { portalId: 1.5 }, 'portalId: '],
      ['POST', '/_sandbox/portals', { tier: 'gold' }, 'tier: '],
      ['POST', '/_sandbox/portals', { portalid: 5 }, 'body: '],
      ['POST', '/_sandbox/tokens', { scopes: 'crm.objects.contacts.read' }, 'scopes: '],
      ['POST', '/_sandbox/tokens', { token: 'pat-na1-a\nb' }, 'token: '],
      ['POST', '/_sandbox/oauth-apps', { redirectUris: ['not a url'] }, 'redirectUris.0: '],
      ['POST', '/_sandbox/oauth-apps', { redirectUris: ['http://localhost/cb'], subscriptions: [{ subscriptionType: 'contact.teleport' }] }, 'subscriptions.0.subscriptionType: '],
      ['PUT', '/_sandbox/settings', { retryAfter: 'yes' }, 'retryAfter: '],
      ['PUT', '/_sandbox/settings', { faults: { '500': 2 } }, 'faults.500: '],
      ['PUT', '/_sandbox/latency', { latencyMs: '5' }, 'latencyMs: '],
      ['PUT', '/_sandbox/search-lag', {}, 'searchLagMs: '],
      ['PUT', '/_sandbox/tier', { tier: 'pro' }, 'body: give either a token or a portalId'],
    ];
    for (const [method, path, body, prefix] of cases) {
      const res = await refused(method, path, body);
      expect({ path, body, status: res.status, code: res.error.code }).toEqual({ path, body, status: 400, code: 'INVALID_REQUEST' });
      expect(res.error.message.startsWith(prefix)).toBe(true);
    }
    expect(sb.control.settings()).toMatchObject({ retryAfter: false, searchLagMs: 0, faults: {} });
    expect((await control<{ results: unknown[] }>('GET', '/_sandbox/portals')).body.results).toEqual([]);
  });

  it('checks portal ids in paths and seeded values, and answers unknown portals in its own shape', async () => {
    const { portalId } = sb.control.createPortal();
    expect(await refused('POST', '/_sandbox/portals/abc/objects/contacts', { records: [] })).toMatchObject({ status: 400, error: { code: 'INVALID_REQUEST' } });
    expect(await refused('POST', `/_sandbox/portals/${portalId}/objects/contacts`, { records: [{ firstname: { a: 1 } }] })).toMatchObject({ status: 400, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^records\.0\.firstname: /) as string } });
    expect(await refused('POST', `/_sandbox/portals/${portalId}/daily-usage`, { count: -1 })).toMatchObject({ status: 400, error: { code: 'INVALID_REQUEST' } });
    expect(await refused('GET', '/_sandbox/portals/123/objects/contacts', undefined)).toEqual({ status: 404, error: { code: 'UNKNOWN_PORTAL', message: 'Portal 123 does not exist in this sandbox.' } });
    expect(await refused('PUT', '/_sandbox/tier', { portalId: 123, tier: 'pro' })).toMatchObject({ status: 404, error: { code: 'UNKNOWN_PORTAL' } });
    expect(await refused('GET', `/_sandbox/portals/${portalId}/objects/contacts/12ab`, undefined)).toMatchObject({ status: 400, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^id: /) as string } });
    expect(await refused('GET', `/_sandbox/portals/${portalId}/objects/contacts/1?propertiesWithHistory=city;drop`, undefined)).toMatchObject({ status: 400, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^propertiesWithHistory\.0: /) as string } });
    expect(await refused('GET', `/_sandbox/portals/${portalId}/objects/contacts/1?history=city`, undefined)).toMatchObject({ status: 400, error: { code: 'INVALID_REQUEST' } });
    expect(await refused('GET', `/_sandbox/portals/${portalId}/objects/widgets/1`, undefined)).toMatchObject({ status: 400, error: { code: 'INVALID_OBJECT_TYPE' } });
    expect(await refused('GET', `/_sandbox/portals/${portalId}/objects/contacts/999`, undefined)).toEqual({ status: 404, error: { code: 'UNKNOWN_OBJECT', message: `No contacts record with id 999 in portal ${portalId}.` } });
    expect(() => sb.control.createPortal({ portalId: Number.NaN })).toThrow('portalId must be a positive whole number, got NaN.');
  });

  it('answers bodies that are not JSON objects in its own shape', async () => {
    expect(await refused('PUT', '/_sandbox/settings', [])).toEqual({ status: 400, error: { code: 'INVALID_JSON', message: 'Invalid input JSON: the request body must be an object, not an array.' } });
    const res = await control<{ error: { code: string } }>('PUT', '/_sandbox/settings', '{"retryAfter":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });
});

describe('portal ids', () => {
  it('numbers new portals from 40000001, as the docs say, again after a reset', async () => {
    expect((await control<{ portalId: number }>('POST', '/_sandbox/portals', {})).body.portalId).toBe(40_000_001);
    expect((await control<{ portalId: number }>('POST', '/_sandbox/tokens', {})).body.portalId).toBe(40_000_002);
    expect((await control<{ portalId: number }>('POST', '/_sandbox/portals', { portalId: '7' })).body.portalId).toBe(7);
    await control('POST', '/_sandbox/reset', {});
    expect(sb.control.createPortal().portalId).toBe(40_000_001);
  });
});
