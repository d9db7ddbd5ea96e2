// What the Users and API keys pages rely on, over real HTTP: the last admin cannot be demoted or
// removed (409 LAST_ADMIN), an admin's password reset link (one-time, 24 hours, the password
// policy, every session of the account ends, only for people whose every workspace the admin
// administers), and an API key's "last used" (recorded when it authenticates, at most once a minute).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
let ts: TestService;
let admin: ApiClient;
const clock = new ManualClock(Date.UTC(2026, 6, 1));

interface Reset {
  id: string;
  userId: string;
  email: string;
  expiresAt: string;
  token: string;
  url: string;
}

async function userId(email: string): Promise<string> {
  const users = await admin.get<{ users: { id: string; email: string }[] }>(`${W}/users`);
  const found = users.body.users.find((u) => u.email === email);
  if (!found) throw new Error(`no member ${email}`);
  return found.id;
}

beforeAll(async () => {
  ts = await startTestService({ clock });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => ts?.close());

describe('the last admin', () => {
  it('cannot be demoted or removed (409 LAST_ADMIN); once another admin exists, can', async () => {
    const me = await userId(ADMIN_EMAIL);
    const demote = await admin.patch(`${W}/users/${me}`, { role: 'member' });
    expect(demote.status).toBe(409);
    expect(demote.body).toMatchObject({ error: { code: 'LAST_ADMIN' } });
    const remove = await admin.delete(`${W}/users/${me}`);
    expect(remove.status).toBe(409);
    expect(remove.body).toMatchObject({ error: { code: 'LAST_ADMIN' } });

    await inviteMember(admin, ts.url, 'default', { email: 'second@example.com', role: 'member', password: 'second-admin-pass-1' });
    const second = await userId('second@example.com');
    expect((await admin.patch(`${W}/users/${second}`, { role: 'admin' })).status).toBe(200);
    // Two admins: the second may be demoted again, and then the rule holds once more.
    expect((await admin.patch(`${W}/users/${second}`, { role: 'member' })).status).toBe(200);
    expect((await admin.patch(`${W}/users/${me}`, { role: 'member' })).body).toMatchObject({ error: { code: 'LAST_ADMIN' } });
    expect((await admin.delete(`${W}/users/${second}`)).status).toBe(204);
    expect((await admin.get<{ users: { email: string }[] }>(`${W}/users`)).body.users.map((u) => u.email)).not.toContain('second@example.com');
  });
});

describe('password reset links', () => {
  it('sets a new password once, ends every session of the account, and is audited without the token', async () => {
    const old = await inviteMember(admin, ts.url, 'default', { email: 'rita@example.com', role: 'member', password: 'rita-old-password-1', name: 'Rita' });
    const elsewhere = await ApiClient.signIn(ts.url, 'rita@example.com', 'rita-old-password-1');
    const rita = await userId('rita@example.com');
    const made = await admin.post<Reset>(`${W}/users/${rita}/password-reset`);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ userId: rita, email: 'rita@example.com' });
    expect(made.body.url).toBe(`${ts.config.publicUrl}/password-reset#token=${made.body.token}`);
    expect(Date.parse(made.body.expiresAt) - clock.now()).toBe(24 * 3600_000);

    const done = await new ApiClient(ts.url).post('/api/password-resets/accept', { token: made.body.token, password: 'rita-new-password-2' });
    expect(done.status).toBe(204);
    expect((await old.get('/api/auth/me')).status).toBe(401);
    expect((await elsewhere.get('/api/auth/me')).status).toBe(401);
    expect((await new ApiClient(ts.url).post('/api/auth/login', { email: 'rita@example.com', password: 'rita-old-password-1' })).status).toBe(401);
    expect((await new ApiClient(ts.url).post('/api/auth/login', { email: 'rita@example.com', password: 'rita-new-password-2' })).status).toBe(200);

    const again = await new ApiClient(ts.url).post('/api/password-resets/accept', { token: made.body.token, password: 'rita-third-password-3' });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: { code: 'PASSWORD_RESET_INVALID' } });
    expect((await new ApiClient(ts.url).post('/api/auth/login', { email: 'rita@example.com', password: 'rita-new-password-2' })).status).toBe(200);

    const log = await admin.get<{ entries: { action: string; target: { id: string } | null }[] }>(`${W}/audit-log?action=user.password_reset`);
    expect(log.body.entries.map((e) => e.action).sort()).toEqual(['user.password_reset', 'user.password_reset_created']);
    expect(log.body.entries.every((e) => e.target?.id === rita)).toBe(true);
    expect(JSON.stringify(log.body)).not.toContain(made.body.token);
  });

  it('refuses a password the policy refuses (VALIDATION_FAILED on password) and keeps the link working', async () => {
    const rita = await userId('rita@example.com');
    const made = await admin.post<Reset>(`${W}/users/${rita}/password-reset`);
    for (const [password, message] of [
      ['short-1', /at least 10/],
      ['Password123', /too common/],
      ['rita@example.com', /email/],
    ] as const) {
      const refused = await new ApiClient(ts.url).post('/api/password-resets/accept', { token: made.body.token, password });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'password' } } });
      expect((refused.body as { error: { message: string } }).error.message).toMatch(message);
    }
    expect((await new ApiClient(ts.url).post('/api/password-resets/accept', { token: made.body.token, password: 'rita-fourth-password-4' })).status).toBe(204);
  });

  it('expires after 24 hours, and a newer link replaces an older one', async () => {
    const rita = await userId('rita@example.com');
    const first = await admin.post<Reset>(`${W}/users/${rita}/password-reset`);
    const second = await admin.post<Reset>(`${W}/users/${rita}/password-reset`);
    const replaced = await new ApiClient(ts.url).post('/api/password-resets/accept', { token: first.body.token, password: 'rita-fifth-password-5' });
    expect(replaced.body).toMatchObject({ error: { code: 'PASSWORD_RESET_INVALID' } });
    clock.advance(24 * 3600_000);
    const expired = await new ApiClient(ts.url).post('/api/password-resets/accept', { token: second.body.token, password: 'rita-fifth-password-5' });
    expect(expired.status).toBe(404);
    expect(expired.body).toMatchObject({ error: { code: 'PASSWORD_RESET_INVALID' } });
    const unknown = await new ApiClient(ts.url).post('/api/password-resets/accept', { token: 'not-a-token', password: 'rita-fifth-password-5' });
    expect(unknown.body).toMatchObject({ error: { code: 'PASSWORD_RESET_INVALID' } });
    admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  });

  it('is for admins (members and API keys get the 403 envelope) and for members of this workspace only', async () => {
    const rita = await userId('rita@example.com');
    const member = await ApiClient.signIn(ts.url, 'rita@example.com', 'rita-fourth-password-4');
    const byMember = await member.post(`${W}/users/${rita}/password-reset`);
    expect(byMember.status).toBe(403);
    expect(byMember.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const key = await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'reset-probe' });
    const byKey = await new ApiClient(ts.url, key.body.key).post(`${W}/users/${rita}/password-reset`);
    expect(byKey.status).toBe(403);
    expect(byKey.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await admin.post(`${W}/users/usr_nobody/password-reset`)).status).toBe(404);
  });

  it('is refused for someone also in a workspace the admin does not administer, and for an instance admin', async () => {
    // Olivia administers her own workspace and is a plain member here: Dana, an admin here only,
    // may not reset Olivia's password (it would give Dana Olivia's workspace too).
    await inviteMember(admin, ts.url, 'default', { email: 'dana@example.com', role: 'admin', password: 'dana-admin-pass-1' });
    const olivia = await inviteMember(admin, ts.url, 'default', { email: 'olivia@example.com', role: 'member', password: 'olivia-pass-word-1' });
    expect((await admin.post('/api/workspaces', { slug: 'olivias', name: 'Olivia’s' })).status).toBe(201);
    const invited = await admin.post<{ token: string }>('/api/workspaces/olivias/invitations', { email: 'olivia@example.com', role: 'admin' });
    expect((await olivia.post('/api/invitations/accept', { token: invited.body.token })).status).toBe(200);
    const dana = await ApiClient.signIn(ts.url, 'dana@example.com', 'dana-admin-pass-1');
    const refused = await dana.post(`${W}/users/${await userId('olivia@example.com')}/password-reset`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const instanceAdmin = await dana.post(`${W}/users/${await userId(ADMIN_EMAIL)}/password-reset`);
    expect(instanceAdmin.status).toBe(403);
    // The admin of both workspaces (the instance admin) may.
    expect((await admin.post(`${W}/users/${await userId('olivia@example.com')}/password-reset`)).status).toBe(201);
  });
});

describe('API keys', () => {
  it('names who created a key, and records when it was last used at most once a minute', async () => {
    const created = await admin.post<{ id: string; key: string }>(`${W}/api-keys`, { name: 'shop' });
    type Listed = { apiKeys: { id: string; lastUsedAt: string | null; createdBy: { email: string } | null }[] };
    const lastUsed = async () => (await admin.get<Listed>(`${W}/api-keys`)).body.apiKeys.find((k) => k.id === created.body.id)!;
    expect(await lastUsed()).toMatchObject({ lastUsedAt: null, createdBy: { email: ADMIN_EMAIL } });

    const host = new ApiClient(ts.url, created.body.key);
    const first = clock.now();
    expect((await host.get(`${W}/customers`)).status).toBe(200);
    await expect.poll(async () => (await lastUsed()).lastUsedAt).toBe(new Date(first).toISOString());

    clock.advance(30_000);
    expect((await host.get(`${W}/customers`)).status).toBe(200);
    // The touch runs beside the request: give it time to land if it (wrongly) were to.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await lastUsed()).lastUsedAt).toBe(new Date(first).toISOString());

    clock.advance(31_000);
    expect((await host.get(`${W}/customers`)).status).toBe(200);
    await expect.poll(async () => (await lastUsed()).lastUsedAt).toBe(new Date(clock.now()).toISOString());

    expect((await admin.delete(`${W}/api-keys/${created.body.id}`)).status).toBe(204);
    const refused = await host.get(`${W}/customers`);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });
});
