import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateRequest } from './rate-limiter.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const privateApp = (over: Partial<RateRequest> = {}): RateRequest => ({ burstKey: 'pat', portalId: 1, profile: 'free', dailyLimit: 250_000, search: false, ...over });

describe('rate limiter', () => {
  it('allows 100 requests per rolling 10 s on the free tier, then refuses until the window rolls', () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 100; i++) expect(rl.take(privateApp(), T0 + i).allowed).toBe(true);
    const refused = rl.take(privateApp(), T0 + 500);
    expect(refused).toMatchObject({ allowed: false, policy: 'burst' });
    expect(rl.take(privateApp(), T0 + 10_000).allowed).toBe(true);
    expect(rl.take(privateApp(), T0 + 10_000).allowed).toBe(false);
    expect(rl.take(privateApp(), T0 + 10_001).allowed).toBe(true);
  });

  it('reports Max, Remaining, Interval, Secondly and Daily headers for private apps', () => {
    const rl = new RateLimiter();
    const v = rl.take(privateApp({ profile: 'pro', dailyLimit: 625_000 }), T0);
    expect(v.headers).toEqual({
      'x-hubspot-ratelimit-max': '190',
      'x-hubspot-ratelimit-remaining': '189',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-secondly': '19',
      'x-hubspot-ratelimit-secondly-remaining': '18',
      'x-hubspot-ratelimit-daily': '625000',
      'x-hubspot-ratelimit-daily-remaining': '624999',
    });
  });

  it('gives OAuth calls 110 per window and no daily headers', () => {
    const rl = new RateLimiter();
    const v = rl.take(privateApp({ profile: 'oauth', dailyLimit: undefined, burstKey: 'oauth:1:1' }), T0);
    expect(v.headers['x-hubspot-ratelimit-max']).toBe('110');
    expect(v.headers['x-hubspot-ratelimit-daily']).toBeUndefined();
  });

  it('limits search to 5 per second per portal with only daily headers', () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 5; i++) {
      const v = rl.take(privateApp({ search: true }), T0 + i);
      expect(v.allowed).toBe(true);
      expect(v.headers['x-hubspot-ratelimit-max']).toBeUndefined();
    }
    expect(rl.take(privateApp({ search: true, burstKey: 'other-token' }), T0 + 10)).toMatchObject({ allowed: false, policy: 'search' });
    expect(rl.take(privateApp({ search: true, portalId: 2 }), T0 + 10).allowed).toBe(true);
    expect(rl.take(privateApp({ search: true }), T0 + 1000).allowed).toBe(true);
  });

  it('stops at the daily limit and resets at midnight UTC', () => {
    const rl = new RateLimiter();
    rl.consumeDaily(1, 250_000, T0);
    expect(rl.take(privateApp(), T0)).toMatchObject({ allowed: false, policy: 'daily' });
    expect(rl.take(privateApp(), Date.UTC(2026, 0, 2)).allowed).toBe(true);
  });

  it('never limits the unlimited profile', () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 1000; i++) expect(rl.take(privateApp({ profile: 'unlimited', dailyLimit: undefined }), T0).allowed).toBe(true);
  });
});
