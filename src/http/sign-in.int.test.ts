// Sign-in cannot be used to lock people out, over real HTTP: an attacker's failures delay their
// own address only (so do tokens guessed on the public link routes), delays grow, the client address and protocol come from X-Forwarded-* only
// when HUBSYNC_TRUST_PROXY says so, and an unknown email costs the same scrypt verification.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../auth/index.js';
import { ManualClock } from '../lib/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

const ATTACKER = '203.0.113.66';
const OWNER = '192.0.2.10';

async function login(ts: TestService, body: { email: string; password: string }, headers: Record<string, string> = {}) {
  const response = await fetch(`${ts.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: { code: string } }, retryAfter: response.headers.get('retry-after'), setCookie: response.headers.get('set-cookie') };
}

describe('behind a trusted proxy (HUBSYNC_TRUST_PROXY=true)', () => {
  let ts: TestService;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const verified: string[] = [];

  beforeAll(async () => {
    ts = await startTestService({
      env: { HUBSYNC_TRUST_PROXY: 'true' },
      clock,
      // The real scrypt verification, noting which stored hash each sign-in checked.
      verifyPassword: (password, stored) => {
        verified.push(stored);
        return verifyPassword(password, stored);
      },
    });
  });
  afterAll(async () => ts?.close());

  it('lets the owner sign in from their address after 20 failures for their account from another', async () => {
    for (let i = 0; i < 20; i++) {
      // The attacker waits out every delay, so each of the 20 guesses is really tried.
      const wrong = await login(ts, { email: ADMIN_EMAIL, password: `guess-${i}` }, { 'x-forwarded-for': ATTACKER });
      if (wrong.status === 429) {
        clock.advance(Number(wrong.retryAfter) * 1000);
        i--;
        continue;
      }
      expect(wrong.status).toBe(401);
    }
    expect((await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-for': ATTACKER })).status).toBe(429);
    const owner = await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-for': OWNER });
    expect(owner.status).toBe(200);
  });

  it('delays one account-and-address pair with growing waits (429 LOGIN_THROTTLED with Retry-After)', async () => {
    const pair = { email: 'someone@example.com', password: 'wrong-password' };
    const from = { 'x-forwarded-for': '198.51.100.23' };
    for (let i = 0; i < 5; i++) expect((await login(ts, pair, from)).status).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      const throttled = await login(ts, pair, from);
      expect(throttled.status).toBe(429);
      expect(throttled.body.error?.code).toBe('LOGIN_THROTTLED');
      waits.push(Number(throttled.retryAfter));
      clock.advance(Number(throttled.retryAfter) * 1000);
      expect((await login(ts, pair, from)).status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
  });

  it('reads X-Forwarded-Proto: the session cookie is Secure when the proxy says https', async () => {
    const secure = await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-for': OWNER, 'x-forwarded-proto': 'https' });
    expect(secure.status).toBe(200);
    expect(secure.setCookie).toMatch(/;\s*Secure/i);
    const plain = await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-for': OWNER });
    expect(plain.setCookie).not.toMatch(/;\s*Secure/i);
  });

  it('brakes guessing link tokens per address on every public link route, before the token is looked up', async () => {
    const GUESSER = '203.0.113.99';
    const post = async (path: string, body: unknown, address: string) => {
      const response = await fetch(`${ts.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify(body) });
      return { status: response.status, code: ((await response.json()) as { error?: { code: string } }).error?.code, retryAfter: response.headers.get('retry-after') };
    };
    const guesses = [
      (i: number, from: string) => post('/api/authorization-links/resolve', { token: `guess-${i}` }, from),
      (i: number, from: string) => post('/api/authorization-links/start', { token: `guess-${i}` }, from),
      (i: number, from: string) => post('/api/password-resets/accept', { token: `guess-${i}`, password: 'a-new-password-1' }, from),
      (i: number, from: string) => post('/api/invitations/accept', { token: `guess-${i}`, name: 'Guess', password: 'a-new-password-1' }, from),
    ];
    const codes = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) {
      const refused = await guesses[i % guesses.length]!(i, GUESSER);
      expect(refused.status).toBe(404);
      codes.add(refused.code);
    }
    expect([...codes].sort()).toEqual(['AUTHORIZATION_LINK_NOT_FOUND', 'INVITATION_INVALID', 'PASSWORD_RESET_INVALID']);

    // A real invitation: refused from the guessing address while it owes a wait, accepted from another.
    const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const invited = await admin.request('POST', '/api/workspaces/default/invitations', { email: 'link-brake@example.com', role: 'member' });
    expect(invited.status).toBe(201);
    const accept = { token: invited.body.token as string, name: 'Linda Brake', password: 'a-new-password-1' };
    const braked = await post('/api/invitations/accept', accept, GUESSER);
    expect(braked).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: '1' });
    for (const guess of guesses) expect((await guess(99, GUESSER)).status).toBe(429);
    expect((await guesses[0]!(100, '198.51.100.77')).code).toBe('AUTHORIZATION_LINK_NOT_FOUND');

    // The waits grow while the guessing goes on, and end when waited out.
    clock.advance(1_000);
    expect((await guesses[0]!(101, GUESSER)).code).toBe('AUTHORIZATION_LINK_NOT_FOUND');
    expect(await post('/api/invitations/accept', accept, GUESSER)).toMatchObject({ status: 429, retryAfter: '2' });
    clock.advance(2_000);
    expect((await post('/api/invitations/accept', accept, GUESSER)).status).toBe(200);
  });

  it('verifies an unknown email against the dummy hash, a known one against its own', async () => {
    verified.length = 0;
    expect((await login(ts, { email: 'nobody-here@example.com', password: 'some-password' }, { 'x-forwarded-for': '198.51.100.50' })).status).toBe(401);
    expect((await login(ts, { email: ADMIN_EMAIL, password: 'not-the-password' }, { 'x-forwarded-for': '198.51.100.50' })).status).toBe(401);
    expect(verified).toHaveLength(2);
    expect(verified[0]).toBe(DUMMY_PASSWORD_HASH);
    expect(verified[1]).not.toBe(DUMMY_PASSWORD_HASH);
    expect(verified[1]).toMatch(/^scrypt\$16384\$8\$1\$/);
  });
});

describe('without a trusted proxy (the default)', () => {
  let ts: TestService;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));

  beforeAll(async () => {
    ts = await startTestService({ clock });
  });
  afterAll(async () => ts?.close());

  it('ignores X-Forwarded-For: a client cannot pick a fresh address to escape its delay', async () => {
    for (let i = 0; i < 5; i++) expect((await login(ts, { email: ADMIN_EMAIL, password: `guess-${i}` }, { 'x-forwarded-for': ATTACKER })).status).toBe(401);
    const claimed = await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-for': OWNER });
    expect(claimed.status).toBe(429);
    // Waiting the delay out is enough: nothing is locked.
    clock.advance(Number(claimed.retryAfter) * 1000);
    expect((await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-for': OWNER })).status).toBe(200);
  });

  it('ignores X-Forwarded-Proto', async () => {
    const response = await login(ts, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(response.status).toBe(200);
    expect(response.setCookie).not.toMatch(/;\s*Secure/i);
  });
});
