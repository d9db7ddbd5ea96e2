// Authorization links over real HTTP against the sandbox's OAuth consent page: an admin creates
// a link, a person with no hubsync session approves in "HubSpot" and the workspace is connected;
// the link then refuses a second use, and expired, revoked and unknown links are refused with
// their own codes. Members cannot manage links, and no answer but the creation shows the token.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
const LINKS = `${W}/hubspot/authorization-links`;
const REDIRECT = 'http://127.0.0.1/api/oauth/hubspot/callback';
let sandbox: RunningSandbox;
let ts: TestService;
let admin: ApiClient;
let member: ApiClient;
let portalId: number;
const logLines: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  ({ portalId } = sandbox.control.createPortal({}));
  const app = sandbox.control.createOAuthApp({ redirectUris: [REDIRECT] });
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  ts = await startTestService({
    logStream,
    env: {
      HUBSYNC_PUBLIC_URL: 'https://hubsync.example.test',
      HUBSPOT_BASE_URL: sandbox.baseUrl,
      HUBSPOT_CLIENT_ID: app.clientId,
      HUBSPOT_CLIENT_SECRET: app.clientSecret,
      HUBSPOT_REDIRECT_URL: REDIRECT,
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

/** An anonymous caller: no cookie, no API key (the person holding the link). */
const anonymous = () => new ApiClient(ts.url);

async function createLink(body?: unknown): Promise<{ id: string; token: string; url: string; expiresAt: string }> {
  const created = await admin.request('POST', LINKS, body);
  expect(created.status).toBe(201);
  const url = new URL(created.body.url);
  return { id: created.body.id, url: created.body.url, expiresAt: created.body.expiresAt, token: new URLSearchParams(url.hash.slice(1)).get('token')! };
}

/**
 * Follows HubSpot's consent as a browser would: opens the authorize URL, submits the page's own
 * form with Approve, and opens the redirect on hubsync. Returns hubsync's redirect target.
 */
async function approveInSandbox(authorizeUrl: string): Promise<string> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(match[1]!, match[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))));
  const portal = /<option value="(\d+)">/.exec(html)?.[1];
  expect(portal).toBe(String(portalId));
  form.set('portal_id', portal!);
  form.set('decision', 'approve');
  const approved = await fetch(new URL('/oauth/authorize', authorizeUrl), { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
  expect(approved.status).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  // The registered redirect names 127.0.0.1 without the test service's port.
  const callback = await fetch(`${ts.url}${back.pathname}${back.search}`, { redirect: 'manual' });
  expect(callback.status).toBe(302);
  return callback.headers.get('location')!;
}

async function linkStatus(id: string): Promise<Record<string, unknown>> {
  const list = await admin.get<{ links: Record<string, unknown>[] }>(LINKS);
  return list.body.links.find((l) => l['id'] === id)!;
}

describe('authorization links', () => {
  it('connects the workspace for a person without a hubsync account, once', async () => {
    expect((await admin.get(`${W}/hubspot/connection`)).body['status']).toBe('not_connected');
    const link = await createLink();
    expect(link.url).toMatch(/^https:\/\/hubsync\.example\.test\/authorize#token=/);
    // Seven days unless the admin chooses.
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600_000);

    const person = anonymous();
    const resolved = await person.post('/api/authorization-links/resolve', { token: link.token });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ workspace: { name: expect.any(String) as string }, requestedBy: ADMIN_EMAIL, connectedPortalId: null });

    const started = await person.post<{ url: string }>('/api/authorization-links/start', { token: link.token });
    expect(started.status).toBe(200);
    expect(new URL(started.body.url).pathname).toBe('/oauth/authorize');
    const landing = await approveInSandbox(started.body.url);
    expect(landing).toMatch(/^\/authorize\/done\?workspace=/);

    const connection = await admin.get(`${W}/hubspot/connection`);
    expect(connection.body).toMatchObject({ status: 'connected', method: 'oauth', portalId });
    expect(await linkStatus(link.id)).toMatchObject({ status: 'used', portalId, usedAt: expect.any(String) as string });

    // Single use: resolving or starting again is refused with a stable code.
    const again = await person.post('/api/authorization-links/start', { token: link.token });
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ error: { code: 'AUTHORIZATION_LINK_USED' } });
    expect((await person.post('/api/authorization-links/resolve', { token: link.token })).body).toMatchObject({ error: { code: 'AUTHORIZATION_LINK_USED' } });
    // A used link cannot be revoked (disconnect instead).
    expect((await admin.delete(`${LINKS}/${link.id}`)).status).toBe(409);

    const actions = (await admin.get<{ entries: { action: string; actor: { label: string } }[] }>(`${W}/audit-log`)).body.entries;
    expect(actions.map((e) => e.action)).toEqual(expect.arrayContaining(['hubspot.authorization_link.created', 'hubspot.authorization_link.used', 'hubspot.connected']));
    expect(actions.find((e) => e.action === 'hubspot.authorization_link.used')!.actor.label).toContain('(authorization link)');
  });

  it('refuses the second of two approvals started from one link', async () => {
    const link = await createLink({ expiresInHours: 1 });
    const person = anonymous();
    const first = (await person.post<{ url: string }>('/api/authorization-links/start', { token: link.token })).body.url;
    const second = (await person.post<{ url: string }>('/api/authorization-links/start', { token: link.token })).body.url;
    expect(await approveInSandbox(first)).toMatch(/^\/authorize\/done\?workspace=/);
    const refused = new URL(await approveInSandbox(second), 'http://x');
    expect(refused.pathname).toBe('/authorize/done');
    expect(refused.searchParams.get('code')).toBe('AUTHORIZATION_LINK_USED');
  });

  it('refuses an expired link, also when it expired after the person pressed Approve', async () => {
    const link = await createLink({ expiresInHours: 1 });
    const person = anonymous();
    const started = (await person.post<{ url: string }>('/api/authorization-links/start', { token: link.token })).body.url;
    await ts.service.database.db.updateTable('authorization_links').set({ expires_at: Date.now() - 1000 }).where('id', '=', link.id).execute();

    const refused = new URL(await approveInSandbox(started), 'http://x');
    expect(refused.searchParams.get('code')).toBe('AUTHORIZATION_LINK_EXPIRED');
    const again = await person.post('/api/authorization-links/start', { token: link.token });
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ error: { code: 'AUTHORIZATION_LINK_EXPIRED' } });
    expect(await linkStatus(link.id)).toMatchObject({ status: 'expired', usedAt: null });
  });

  it('refuses a revoked link, and one revoked after the person pressed Approve', async () => {
    const link = await createLink();
    const person = anonymous();
    const started = (await person.post<{ url: string }>('/api/authorization-links/start', { token: link.token })).body.url;
    expect((await admin.delete(`${LINKS}/${link.id}`)).status).toBe(204);
    // Revoking twice changes nothing.
    expect((await admin.delete(`${LINKS}/${link.id}`)).status).toBe(204);

    const refused = new URL(await approveInSandbox(started), 'http://x');
    expect(refused.searchParams.get('code')).toBe('AUTHORIZATION_LINK_REVOKED');
    const resolved = await person.post('/api/authorization-links/resolve', { token: link.token });
    expect(resolved.status).toBe(410);
    expect(resolved.body).toMatchObject({ error: { code: 'AUTHORIZATION_LINK_REVOKED' } });
    expect(await linkStatus(link.id)).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) as string });
    const revokedEntries = (await admin.get<{ entries: { action: string; target: { id: string } | null }[] }>(`${W}/audit-log`)).body.entries.filter((e) => e.action === 'hubspot.authorization_link.revoked');
    expect(revokedEntries.map((e) => e.target?.id)).toEqual([link.id]);
  });

  it('refuses an unknown token and validates its input', async () => {
    const person = anonymous();
    const unknown = await person.post('/api/authorization-links/resolve', { token: 'not-a-real-token' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'AUTHORIZATION_LINK_NOT_FOUND' } });
    expect((await person.post('/api/authorization-links/start', { token: 'not-a-real-token' })).body).toMatchObject({ error: { code: 'AUTHORIZATION_LINK_NOT_FOUND' } });
    expect((await person.post('/api/authorization-links/start', {})).body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    for (const expiresInHours of [0, 721, 1.5, '24']) {
      const refused = await admin.request('POST', LINKS, { expiresInHours });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const thirtyDays = await createLink({ expiresInHours: 720 });
    expect(Date.parse(thirtyDays.expiresAt) - Date.now()).toBeGreaterThan(720 * 3600_000 - 60_000);
  });

  it('lets only admins manage links, and never shows a token again', async () => {
    const link = await createLink({ expiresInHours: 24 });
    expect((await member.request('POST', LINKS, {})).status).toBe(403);
    expect((await member.get(LINKS)).status).toBe(403);
    expect((await member.delete(`${LINKS}/${link.id}`)).status).toBe(403);
    expect((await anonymous().get(LINKS)).status).toBe(401);
    expect((await admin.delete(`${LINKS}/azl_unknown`)).status).toBe(404);

    const list = await admin.get<{ links: Record<string, unknown>[] }>(LINKS);
    expect(list.status).toBe(200);
    expect(list.body.links[0]).toMatchObject({ id: link.id, status: 'active', createdBy: ADMIN_EMAIL });
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(link.token);
    expect(listed).not.toContain('url');
    // Stored as a hash only, and never written to the log.
    const stored = await ts.service.database.db.selectFrom('authorization_links').selectAll().where('id', '=', link.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(link.token);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.some((l) => l.includes(link.token))).toBe(false);
  });
});

describe('authorization links without OAuth', () => {
  it('refuses to create a link with OAUTH_NOT_CONFIGURED', async () => {
    const plain = await startTestService();
    try {
      const signedIn = await ApiClient.signIn(plain.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      const refused = await signedIn.request('POST', LINKS, {});
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: { code: 'OAUTH_NOT_CONFIGURED' } });
      expect((await signedIn.get<{ links: unknown[] }>(LINKS)).body.links).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
