// Accounts and workspaces over real HTTP: who may create workspaces, a taken slug answering like
// a malformed one, invitations (same answer whether or not the email has an account, one-time,
// revocable, expiring), accepting them, changing one's password, and who reads the member list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
let ts: TestService;
let admin: ApiClient;
const clock = new ManualClock(Date.UTC(2026, 5, 1));

beforeAll(async () => {
  ts = await startTestService({ clock });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => ts?.close());

interface Created {
  id: string;
  email: string;
  role: string;
  status: string;
  token: string;
  url: string;
  expiresAt: string;
}

describe('creating workspaces', () => {
  it('is an instance admin right: the first admin may, an invited member may not', async () => {
    expect((await admin.post('/api/workspaces', { slug: 'first-admins', name: 'First admin’s' })).status).toBe(201);
    const member = await inviteMember(admin, ts.url, 'default', { email: 'creator@example.com', role: 'admin', password: 'creator-password-1' });
    const refused = await member.post('/api/workspaces', { slug: 'mine', name: 'Mine' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('answers a taken slug exactly like a malformed one', async () => {
    const taken = await admin.post('/api/workspaces', { slug: 'default', name: 'Again' });
    const malformed = await admin.post('/api/workspaces', { slug: 'Not A Slug!', name: 'Bad' });
    const tooShort = await admin.post('/api/workspaces', { slug: 'x', name: 'Short' });
    const tooLong = await admin.post('/api/workspaces', { slug: 'x'.repeat(500), name: 'Long' });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual(malformed.body);
    expect(tooShort.body).toEqual(malformed.body);
    expect(tooLong.body).toEqual(malformed.body);
    expect(malformed.status).toBe(taken.status);
  });
});

describe('invitations', () => {
  it('answers the same whether or not an account exists for the email, and never names the person', async () => {
    // admin@example.com has an account (and creator@ too); fresh@ does not.
    const known = await admin.post<Created>('/api/workspaces/first-admins/invitations', { email: 'creator@example.com', role: 'member' });
    const unknown = await admin.post<Created>('/api/workspaces/first-admins/invitations', { email: 'fresh@example.com', role: 'member' });
    expect(known.status).toBe(201);
    expect(unknown.status).toBe(201);
    expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect(known.body).toMatchObject({ email: 'creator@example.com', role: 'member', status: 'pending' });
    expect(Object.keys(known.body).sort()).toEqual(['createdAt', 'email', 'expiresAt', 'id', 'role', 'status', 'token', 'url']);
    expect(known.body.url).toBe(`${ts.config.publicUrl}/invitations/accept#token=${known.body.token}`);
    expect(Date.parse(known.body.expiresAt) - clock.now()).toBe(7 * 24 * 3600_000);
  });

  it('creates the account of a new invitee (name + password) and signs them in; the link works once', async () => {
    const invited = await admin.post<Created>(`${W}/invitations`, { email: 'Nia.New@Example.com', role: 'member' });
    const invitee = new ApiClient(ts.url);
    const accepted = await invitee.post<{ user: { email: string; name: string }; joined: { slug: string; role: string } }>('/api/invitations/accept', {
      token: invited.body.token,
      name: 'Nia New',
      password: 'lantern-orchard-51',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ email: 'Nia.New@Example.com', name: 'Nia New' });
    expect(accepted.body.joined).toEqual({ slug: 'default', name: 'Default workspace', role: 'member' });
    expect((await invitee.get(`${W}/customers`)).status).toBe(200);
    const again = await new ApiClient(ts.url).post('/api/invitations/accept', { token: invited.body.token, name: 'Someone', password: 'another-password-77' });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: { code: 'INVITATION_INVALID' } });
    const shown = await admin.get<{ status: string }>(`${W}/invitations/${invited.body.id}`);
    expect(shown.body.status).toBe('accepted');
    const log = await admin.get<{ entries: { action: string }[] }>(`${W}/audit-log`);
    expect(log.body.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['invitation.created', 'user.added']));
  });

  it('holds a new account’s password to the policy: length, common passwords, not the email', async () => {
    const invited = await admin.post<Created>(`${W}/invitations`, { email: 'weak@example.com', role: 'member' });
    for (const [password, message] of [
      ['short-1', /at least 10/],
      ['Password123', /too common/],
      ['weak@example.com', /email/],
    ] as const) {
      const refused = await new ApiClient(ts.url).post('/api/invitations/accept', { token: invited.body.token, name: 'Weak', password });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'password' } } });
      expect((refused.body as { error: { message: string } }).error.message).toMatch(message);
    }
    // Refusals do not use the link up.
    expect((await new ApiClient(ts.url).post('/api/invitations/accept', { token: invited.body.token, name: 'Weak', password: 'sturdy-meadow-cable-8' })).status).toBe(200);
  });

  it('needs an existing account’s password (or its session), and never changes that account', async () => {
    await inviteMember(admin, ts.url, 'default', { email: 'olga@example.com', role: 'member', password: 'olga-password-42', name: 'Olga' });
    const invited = await admin.post<Created>('/api/workspaces/first-admins/invitations', { email: 'olga@example.com', role: 'admin' });
    const stranger = new ApiClient(ts.url);
    const noPassword = await stranger.post('/api/invitations/accept', { token: invited.body.token, name: 'Not Olga', password: 'attackers-password-1' });
    expect(noPassword.status).toBe(401);
    expect(noPassword.body).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
    const accepted = await stranger.post<{ user: { name: string }; joined: { role: string } }>('/api/invitations/accept', { token: invited.body.token, password: 'olga-password-42' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user.name).toBe('Olga');
    expect(accepted.body.joined.role).toBe('admin');
    // The account still signs in with its own password only.
    expect((await new ApiClient(ts.url).post('/api/auth/login', { email: 'olga@example.com', password: 'attackers-password-1' })).status).toBe(401);
  });

  it('accepts for the signed-in person when the email matches, and refuses anyone else', async () => {
    const olga = await ApiClient.signIn(ts.url, 'olga@example.com', 'olga-password-42');
    const invited = await admin.post<Created>('/api/workspaces/first-admins/invitations', { email: 'nia.new@example.com', role: 'member' });
    const wrongPerson = await olga.post('/api/invitations/accept', { token: invited.body.token });
    expect(wrongPerson.status).toBe(403);
    const nia = await ApiClient.signIn(ts.url, 'nia.new@example.com', 'lantern-orchard-51');
    const accepted = await nia.post<{ workspaces: { slug: string }[] }>('/api/invitations/accept', { token: invited.body.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.workspaces.map((w) => w.slug).sort()).toEqual(['default', 'first-admins']);
  });

  it('can be revoked, and expires after 7 days; a new invitation replaces a pending one', async () => {
    const first = await admin.post<Created>(`${W}/invitations`, { email: 'late@example.com', role: 'member' });
    const second = await admin.post<Created>(`${W}/invitations`, { email: 'late@example.com', role: 'member' });
    expect((await admin.get<{ status: string }>(`${W}/invitations/${first.body.id}`)).body.status).toBe('revoked');
    const body = (token: string) => ({ token, name: 'Late', password: 'copper-window-tide-4' });
    expect((await new ApiClient(ts.url).post('/api/invitations/accept', body(first.body.token))).status).toBe(404);

    clock.advance(7 * 24 * 3600_000 + 1);
    const expired = await new ApiClient(ts.url).post('/api/invitations/accept', body(second.body.token));
    expect(expired.body).toMatchObject({ error: { code: 'INVITATION_INVALID' } });
    expect((await admin.get<{ status: string }>(`${W}/invitations/${second.body.id}`)).body.status).toBe('expired');

    const third = await admin.post<Created>(`${W}/invitations`, { email: 'late@example.com', role: 'member' });
    expect((await admin.delete(`${W}/invitations/${third.body.id}`)).status).toBe(204);
    const revoked = await new ApiClient(ts.url).post('/api/invitations/accept', body(third.body.token));
    expect(revoked.body).toMatchObject({ error: { code: 'INVITATION_INVALID' } });
    const listed = await admin.get<{ invitations: { id: string; status: string }[] }>(`${W}/invitations`);
    expect(listed.body.invitations.find((i) => i.id === third.body.id)?.status).toBe('revoked');
    expect(JSON.stringify(listed.body)).not.toContain(third.body.token);
    expect((await admin.delete(`${W}/invitations/inv_missing`)).status).toBe(404);
  });

  it('is for admins only, and the old add-by-email route is gone', async () => {
    const member = await ApiClient.signIn(ts.url, 'nia.new@example.com', 'lantern-orchard-51');
    expect((await member.post(`${W}/invitations`, { email: 'x@example.com', role: 'admin' })).status).toBe(403);
    expect((await member.get(`${W}/invitations`)).status).toBe(403);
    const old = await admin.post(`${W}/users`, { email: 'x@example.com', role: 'member', password: 'some-password-99' });
    expect(old.status).toBe(404);
  });
});

describe('the member list', () => {
  it('is for admins: members get 403', async () => {
    const member = await ApiClient.signIn(ts.url, 'nia.new@example.com', 'lantern-orchard-51');
    expect((await member.get(`${W}/users`)).status).toBe(403);
    const listed = await admin.get<{ users: { email: string }[] }>(`${W}/users`);
    expect(listed.status).toBe(200);
    expect(listed.body.users.map((u) => u.email)).toContain('Nia.New@Example.com');
  });
});

describe('changing one’s password', () => {
  it('needs the current password, applies the policy, and signs out the user’s other sessions', async () => {
    const here = await ApiClient.signIn(ts.url, 'olga@example.com', 'olga-password-42');
    const elsewhere = await ApiClient.signIn(ts.url, 'olga@example.com', 'olga-password-42');
    const wrong = await here.post('/api/auth/password', { currentPassword: 'not-it-at-all', newPassword: 'quiet-river-stone-6' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'INVALID_CREDENTIALS', details: { field: 'currentPassword' } } });
    const common = await here.post('/api/auth/password', { currentPassword: 'olga-password-42', newPassword: 'qwertyuiop123' });
    expect(common.status).toBe(400);
    expect(common.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'newPassword' } } });

    expect((await here.post('/api/auth/password', { currentPassword: 'olga-password-42', newPassword: 'quiet-river-stone-6' })).status).toBe(204);
    expect((await here.get('/api/auth/me')).status).toBe(200);
    expect((await elsewhere.get('/api/auth/me')).status).toBe(401);
    expect((await new ApiClient(ts.url).post('/api/auth/login', { email: 'olga@example.com', password: 'olga-password-42' })).status).toBe(401);
    expect((await new ApiClient(ts.url).post('/api/auth/login', { email: 'olga@example.com', password: 'quiet-river-stone-6' })).status).toBe(200);
  });

  it('is for people, not API keys', async () => {
    const key = await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'host' });
    const host = new ApiClient(ts.url, key.body.key);
    expect((await host.post('/api/auth/password', { currentPassword: 'x', newPassword: 'quiet-river-stone-7' })).status).toBe(403);
  });
});

describe('open workspace creation (HUBSYNC_OPEN_WORKSPACE_CREATION=true)', () => {
  let open: TestService;
  beforeAll(async () => {
    open = await startTestService({ env: { HUBSYNC_OPEN_WORKSPACE_CREATION: 'true' } });
  });
  afterAll(async () => open?.close());

  it('lets any signed-in user create a workspace', async () => {
    const openAdmin = await ApiClient.signIn(open.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const member = await inviteMember(openAdmin, open.url, 'default', { email: 'anyone@example.com', role: 'member', password: 'anyone-password-3' });
    const created = await member.post('/api/workspaces', { slug: 'anyones', name: 'Anyone’s' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ slug: 'anyones', name: 'Anyone’s', role: 'admin' });
  });
});
