import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { startSandbox, type RunningSandbox } from './index.js';
import { sandboxCaller } from './testing.js';

const REDIRECT = 'http://localhost:9999/callback';
let sb: RunningSandbox;
const clock = new ManualClock();
const anon = () => sandboxCaller(sb.baseUrl);

beforeAll(async () => {
  sb = await startSandbox({ clock, accessTokenTtlSeconds: 1800 });
});
afterAll(() => sb.close());
beforeEach(() => sb.control.reset());

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function exchange(fields: Record<string, string>) {
  return anon()<Record<string, unknown>>('POST', '/oauth/v1/token', form(fields), FORM);
}

describe('OAuth authorization code flow', () => {
  it('shows a consent page, redirects with code and state, and issues expiring tokens', async () => {
    const { portalId } = sb.control.createPortal();
    const app = sb.control.createOAuthApp({ redirectUris: [REDIRECT] });
    const query = new URLSearchParams({ client_id: app.clientId, redirect_uri: REDIRECT, scope: 'crm.objects.contacts.read oauth', state: 'xyz' });
    const page = await anon()<string>('GET', `/oauth/authorize?${query.toString()}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain(`<option value="${portalId}">`);
    expect(page.body).toContain('crm.objects.contacts.read');

    const approve = await anon()('POST', '/oauth/authorize', form({ client_id: app.clientId, redirect_uri: REDIRECT, scope: 'crm.objects.contacts.read oauth', state: 'xyz', portal_id: String(portalId), decision: 'approve' }), FORM);
    expect(approve.status).toBe(302);
    const location = new URL(approve.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code')!;

    const tokens = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: REDIRECT, code });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'bearer', expires_in: 1800, access_token: expect.any(String) as string, refresh_token: expect.any(String) as string });
    const access = String(tokens.body['access_token']);

    const api = sandboxCaller(sb.baseUrl, access);
    const ok = await api('GET', '/crm/v3/objects/contacts');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(ok.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
    expect((await api('GET', '/crm/v3/objects/deals')).status).toBe(403);

    const info = await anon()('GET', `/oauth/v1/access-tokens/${access}`);
    expect(info.body).toMatchObject({ token: access, hub_id: portalId, app_id: app.appId, expires_in: 1800, scopes: ['crm.objects.contacts.read', 'oauth'], token_type: 'access' });

    clock.advance(1807_000);
    const expired = await api('GET', '/crm/v3/objects/contacts');
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION', message: 'The OAuth token used to make this call expired 7 second(s) ago.' });

    const refreshed = await exchange({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: String(tokens.body['refresh_token']) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['refresh_token']).toBe(tokens.body['refresh_token']);
    expect((await sandboxCaller(sb.baseUrl, String(refreshed.body['access_token']))('GET', '/crm/v3/objects/contacts')).status).toBe(200);

    const reused = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: REDIRECT, code });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ status: 'BAD_AUTH_CODE' });
  });

  it('redirects with error=access_denied when the person cancels', async () => {
    const { portalId } = sb.control.createPortal();
    const app = sb.control.createOAuthApp({ redirectUris: [REDIRECT] });
    const res = await anon()('POST', '/oauth/authorize', form({ client_id: app.clientId, redirect_uri: REDIRECT, state: 's', portal_id: String(portalId), decision: 'deny' }), FORM);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });

  it('refuses unknown clients and unregistered redirect URIs on the consent page', async () => {
    sb.control.createPortal();
    const app = sb.control.createOAuthApp({ redirectUris: [REDIRECT] });
    expect((await anon()('GET', `/oauth/authorize?client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT)}`)).status).toBe(400);
    expect((await anon()('GET', `/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://evil.test/')}`)).status).toBe(400);
  });

  it('answers HubSpot error codes for bad grants and credentials', async () => {
    const { portalId } = sb.control.createPortal();
    const app = sb.control.createOAuthApp({ redirectUris: [REDIRECT] });
    const base = { client_id: app.clientId, client_secret: app.clientSecret };
    const cases: [Record<string, string>, string][] = [
      [{ ...base, grant_type: 'authorization_code', redirect_uri: REDIRECT, code: 'bogus' }, 'BAD_AUTH_CODE'],
      [{ ...base, grant_type: 'refresh_token', refresh_token: 'bogus' }, 'BAD_REFRESH_TOKEN'],
      [{ ...base, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: 'x' }, 'BAD_CLIENT_SECRET'],
      [{ ...base, client_id: 'nope', grant_type: 'refresh_token', refresh_token: 'x' }, 'BAD_CLIENT_ID'],
      [{ ...base, grant_type: 'password' }, 'BAD_GRANT_TYPE'],
      [{ ...base, grant_type: 'authorization_code', redirect_uri: 'http://other/', code: sb.control.authorize({ clientId: app.clientId, portalId }).code }, 'BAD_REDIRECT_URI'],
    ];
    for (const [fields, status] of cases) {
      const res = await exchange(fields);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status, message: expect.any(String) as string });
    }
    expect((await exchange({ ...base, grant_type: 'refresh_token', refresh_token: 'bogus' })).body['message']).toBe('missing or invalid refresh token');
  });

  it('reads and deletes refresh tokens', async () => {
    const { portalId } = sb.control.createPortal();
    const app = sb.control.createOAuthApp({ redirectUris: [REDIRECT] });
    const { code } = sb.control.authorize({ clientId: app.clientId, portalId, scopes: ['crm.objects.contacts.read'] });
    const tokens = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: REDIRECT, code });
    const refresh = String(tokens.body['refresh_token']);
    const info = await anon()('GET', `/oauth/v1/refresh-tokens/${refresh}`);
    expect(info.body).toMatchObject({ token: refresh, hub_id: portalId, client_id: app.clientId, scopes: ['crm.objects.contacts.read', 'oauth'], token_type: 'refresh' });
    expect((await anon()('DELETE', `/oauth/v1/refresh-tokens/${refresh}`)).status).toBe(204);
    expect((await anon()('GET', `/oauth/v1/refresh-tokens/${refresh}`)).status).toBe(404);
    const again = await exchange({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: refresh });
    expect(again.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });
  });

  it('honours a configured access-token lifetime', async () => {
    sb.control.updateSettings({ accessTokenTtlSeconds: 60 });
    const { portalId } = sb.control.createPortal();
    const app = sb.control.createOAuthApp({ redirectUris: [REDIRECT] });
    const { code } = sb.control.authorize({ clientId: app.clientId, portalId });
    const tokens = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: REDIRECT, code });
    expect(tokens.body['expires_in']).toBe(60);
    clock.advance(61_000);
    const res = await sandboxCaller(sb.baseUrl, String(tokens.body['access_token']))('GET', '/crm/v3/objects/contacts');
    expect(res.body).toMatchObject({ message: 'The OAuth token used to make this call expired 1 second(s) ago.' });
    sb.control.updateSettings({ accessTokenTtlSeconds: 1800 });
  });
});
