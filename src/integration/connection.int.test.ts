// Connecting a workspace to HubSpot against the sandbox over real HTTP: private-app tokens,
// missing scopes, HubSpot's own messages, reveal/disconnect permissions, encryption at rest,
// no token in any log line or response, and OAuth with short-lived access tokens.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';
import { TEST_DB_KIND } from '../../test/support/database.js';

const W = '/api/workspaces/default';
let sandbox: RunningSandbox;
let ts: TestService;
let admin: ApiClient;
let member: ApiClient;
const logLines: string[] = [];
const responses: string[] = [];

async function call(client: ApiClient, method: string, path: string, body?: unknown) {
  const r = await client.request(method, path, body);
  responses.push(JSON.stringify(r.body ?? ''));
  return r;
}

beforeAll(async () => {
  sandbox = await startSandbox({ accessTokenTtlSeconds: 5 });
  const app = sandbox.control.createOAuthApp({ redirectUris: ['http://127.0.0.1/api/oauth/hubspot/callback'] });
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  ts = await startTestService({
    logStream,
    env: {
      HUBSPOT_BASE_URL: sandbox.baseUrl,
      HUBSPOT_CLIENT_ID: app.clientId,
      HUBSPOT_CLIENT_SECRET: app.clientSecret,
      HUBSPOT_REDIRECT_URL: 'http://127.0.0.1/api/oauth/hubspot/callback',
      HUBSPOT_AUTHORIZE_URL: `${sandbox.baseUrl}/oauth/authorize`,
    },
  });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  member = await inviteMember(admin, ts.url, 'default', { email: 'member@example.com', role: 'member', password: 'member-password-1' });
});
afterAll(async () => {
  await ts?.close();
  await sandbox?.close();
});

describe('private-app token', () => {
  it('names exactly the missing scope', async () => {
    const { token } = sandbox.control.createPrivateAppToken({ scopes: ['crm.objects.contacts.read', 'crm.schemas.contacts.read'] });
    const r = await call(admin, 'PUT', `${W}/hubspot/connection`, { accessToken: token });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ error: { code: 'HUBSPOT_MISSING_SCOPES', details: { missingScopes: ['crm.objects.contacts.write'] } } });
    expect(r.body.error.message).toContain('crm.objects.contacts.write');
  });

  it("shows HubSpot's own message for an unknown token", async () => {
    const r = await call(admin, 'PUT', `${W}/hubspot/connection`, { accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('HUBSPOT_REJECTED');
    expect(r.body.error.message.length).toBeGreaterThan(10);
    expect((await call(admin, 'GET', `${W}/hubspot/connection`)).body.status).toBe('not_connected');
  });

  it('connects with a valid token, stores it encrypted, reveals it only to admins, and disconnects', async () => {
    const { token, portalId } = sandbox.control.createPrivateAppToken({ scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'] });
    const connected = await call(admin, 'PUT', `${W}/hubspot/connection`, { accessToken: token });
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ status: 'connected', method: 'private_app', portalId, missingOptionalScopes: ['crm.schemas.contacts.write'] });
    expect(JSON.stringify(connected.body)).not.toContain(token);

    if (TEST_DB_KIND === 'sqlite' && ts.db.config.kind === 'sqlite') {
      const file = ts.db.config.file;
      const bytes = Buffer.concat([readFileSync(file), ...['-wal'].map((s) => { try { return readFileSync(file + s); } catch { return Buffer.alloc(0); } })]);
      expect(bytes.includes(Buffer.from(token))).toBe(false);
    }
    const row = await ts.service.database.db.selectFrom('hubspot_connections').select('secret_enc').executeTakeFirstOrThrow();
    expect(row.secret_enc).not.toContain(token);

    expect((await call(member, 'GET', `${W}/hubspot/connection`)).body.status).toBe('connected');
    expect((await call(member, 'POST', `${W}/hubspot/connection/reveal`)).status).toBe(403);
    expect((await call(member, 'DELETE', `${W}/hubspot/connection`)).status).toBe(403);
    expect((await call(member, 'PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(403);

    const revealed = await admin.post<{ accessToken: string }>(`${W}/hubspot/connection/reveal`);
    expect(revealed.body.accessToken).toBe(token);

    expect((await call(admin, 'DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    expect((await call(admin, 'GET', `${W}/hubspot/connection`)).body.status).toBe('not_connected');
    const auditLog = await call(admin, 'GET', `${W}/audit-log`);
    expect(auditLog.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['hubspot.connected', 'hubspot.token_revealed', 'hubspot.disconnected']));

    // The token appears nowhere but in the explicit reveal.
    expect(responses.some((r) => r.includes(token))).toBe(false);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.some((l) => l.includes(token))).toBe(false);
  });
});

describe('OAuth 2', () => {
  it('connects through the authorization link, refreshes 5-second tokens without failing a call, once for 20 concurrent calls, and flags a revoked refresh token', async () => {
    const started = await call(admin, 'POST', `${W}/hubspot/oauth/start`);
    const url = new URL(started.body.url);
    expect(url.pathname).toBe('/oauth/authorize');
    const state = url.searchParams.get('state')!;
    const clientId = url.searchParams.get('client_id')!;
    const { portalId } = sandbox.control.createPortal({});
    const { code } = sandbox.control.authorize({ clientId, portalId, redirectUri: url.searchParams.get('redirect_uri')!, scopes: url.searchParams.get('scope')!.split(' ') });

    const callback = await fetch(`${ts.url}/api/oauth/hubspot/callback?code=${code}&state=${encodeURIComponent(state)}`, { redirect: 'manual' });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toContain('connected=oauth');
    // The state is single use.
    const replay = await fetch(`${ts.url}/api/oauth/hubspot/callback?code=${code}&state=${encodeURIComponent(state)}`, { redirect: 'manual' });
    expect(replay.headers.get('location')).toContain('oauthError');

    const connection = await call(admin, 'GET', `${W}/hubspot/connection`);
    expect(connection.body).toMatchObject({ status: 'connected', method: 'oauth', portalId });

    // Calls spanning three token lifetimes all succeed.
    const deadline = Date.now() + 12_000;
    let calls = 0;
    while (Date.now() < deadline) {
      const r = await call(admin, 'GET', `${W}/hubspot/mapping?refresh=true`);
      expect(r.status).toBe(200);
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(calls).toBeGreaterThan(10);

    // 20 concurrent calls just after expiry cause exactly one refresh.
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    sandbox.control.resetCounts();
    const results = await Promise.all(Array.from({ length: 20 }, () => admin.get(`${W}/hubspot/mapping?refresh=true`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const tokenCalls = Object.values(sandbox.control.counts().byRoute['POST /oauth/v1/token'] ?? {}).reduce((a, b) => a + b, 0);
    expect(tokenCalls).toBe(1);

    // Revoke the refresh token at HubSpot: the next refresh fails and the status says so.
    const refreshToken = await admin.post<{ accessToken: string }>(`${W}/hubspot/connection/reveal`);
    const revoke = await fetch(`${sandbox.baseUrl}/oauth/v1/refresh-tokens/${refreshToken.body.accessToken}`, { method: 'DELETE' });
    expect(revoke.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    const failed = await call(admin, 'GET', `${W}/hubspot/mapping?refresh=true`);
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const after = await call(admin, 'GET', `${W}/hubspot/connection`);
    expect(after.body.status).toBe('reconnect_needed');
    expect(logLines.some((l) => l.includes(refreshToken.body.accessToken))).toBe(false);
  }, 60_000);
});
