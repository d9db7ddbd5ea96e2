// The sign-in throttle's rules, on a manual clock: growing per-pair delays, another address
// unaffected, a looser per-address brake, the per-account guard, and the memory bound.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/index.js';
import { backoffDelayMs, DEFAULT_LOGIN_THROTTLE, LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';

const owner = (address: string) => ({ account: 'owner@example.com', address });

/** Fails one attempt, first waiting out whatever delay it owes (an attacker being patient). */
function failPatiently(throttle: LoginThrottle, clock: ManualClock, attempt: { account: string; address: string }) {
  clock.advance(throttle.retryAfterMs(attempt));
  throttle.recordFailure(attempt);
}

describe('per account-and-address pair', () => {
  it('lets five failures through, then makes each further attempt wait twice as long as the one before, up to the cap', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    const waits: number[] = [];
    for (let i = 0; i < 16; i++) {
      waits.push(throttle.retryAfterMs(owner('198.51.100.7')));
      failPatiently(throttle, clock, owner('198.51.100.7'));
    }
    expect(waits.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 1_000]);
    expect(waits.slice(6, 10)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(Math.max(...waits)).toBe(DEFAULT_LOGIN_THROTTLE.pair.maxDelayMs);
  });

  it('does not delay the owner at another address after 20 failures for their account from the first', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    for (let i = 0; i < 20; i++) failPatiently(throttle, clock, owner('203.0.113.66'));
    expect(throttle.retryAfterMs(owner('203.0.113.66'))).toBeGreaterThan(0);
    expect(throttle.retryAfterMs(owner('192.0.2.10'))).toBe(0);
  });

  it('forgives the pair on success', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    for (let i = 0; i < 7; i++) failPatiently(throttle, clock, owner('192.0.2.10'));
    clock.advance(throttle.retryAfterMs(owner('192.0.2.10')));
    throttle.recordSuccess(owner('192.0.2.10'));
    throttle.recordFailure(owner('192.0.2.10'));
    expect(throttle.retryAfterMs(owner('192.0.2.10'))).toBe(0);
  });
});

describe('per account: many addresses failing for one account', () => {
  it('takes away the free failures of every address that has failed for it, but never delays a clean address', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    // A botnet: 25 addresses, one failure each — below the per-pair free allowance.
    for (let i = 0; i < 25; i++) throttle.recordFailure(owner(`10.0.0.${i}`));
    // The account is now hot: an address that failed once must wait before its next try...
    expect(throttle.retryAfterMs(owner('10.0.0.3'))).toBe(2_000);
    // ...while the owner's clean address is not delayed at all.
    expect(throttle.retryAfterMs(owner('192.0.2.10'))).toBe(0);
  });

  it('below the threshold, single failures from several addresses delay nobody', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    for (let i = 0; i < 10; i++) throttle.recordFailure(owner(`10.0.0.${i}`));
    expect(throttle.retryAfterMs(owner('10.0.0.3'))).toBe(0);
  });
});

describe('per address: one address guessing across many accounts', () => {
  it('slows the address after 50 failures, by at most a minute — it never locks it out', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    for (let i = 0; i < 50; i++) throttle.recordFailure({ account: `user${i}@example.com`, address: '203.0.113.9' });
    const fresh = { account: 'someone-else@example.com', address: '203.0.113.9' };
    expect(throttle.retryAfterMs(fresh)).toBe(1_000);
    for (let i = 0; i < 200; i++) failPatiently(throttle, clock, { account: `more${i}@example.com`, address: '203.0.113.9' });
    expect(throttle.retryAfterMs(fresh)).toBe(60_000);
    clock.advance(60_000);
    expect(throttle.retryAfterMs(fresh)).toBe(0);
  });
});

describe('memory', () => {
  it('keeps at most maxEntries keys per guard however many emails and addresses an attacker rotates', () => {
    const clock = new ManualClock();
    const options: LoginThrottleOptions = { ...DEFAULT_LOGIN_THROTTLE, maxEntries: 100 };
    const throttle = new LoginThrottle(clock, options);
    for (let i = 0; i < 5_000; i++) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      throttle.recordFailure({ account: `rotating${i}@example.com`, address });
      throttle.recordLinkTokenFailure(address);
    }
    expect(throttle.sizes).toEqual({ pairs: 100, addresses: 100, accounts: 100, linkTokens: 100 });
  });

  it('forgets a pair a day after its last failure', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    for (let i = 0; i < 8; i++) failPatiently(throttle, clock, owner('192.0.2.10'));
    clock.advance(DEFAULT_LOGIN_THROTTLE.pair.forgetAfterMs + 1);
    throttle.recordFailure(owner('192.0.2.10'));
    expect(throttle.retryAfterMs(owner('192.0.2.10'))).toBe(0);
  });
});

it('backoffDelayMs: free failures, doubling, cap', () => {
  const rule = { freeFailures: 2, baseDelayMs: 100, maxDelayMs: 1_000 };
  expect([0, 1, 2, 3, 4, 5, 6, 1_000].map((n) => backoffDelayMs(n, rule))).toEqual([0, 0, 100, 200, 400, 800, 1_000, 1_000]);
});
