import { describe, expect, it } from 'vitest';
import { classifyOutcome, decideRetry, type AttemptOutcome, type RetryInput } from './retry-policy.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const burstBody = {
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c93e06a4-7d61-4c3e-b63f-edf486fc6e90',
  policyName: 'TEN_SECONDLY_ROLLING',
  groupName: 'publicapi:hapikey-api-calls-ten-secondly:6748263',
};
const recordedBurstHeaders = {
  'x-hubspot-ratelimit-daily': '250000',
  'x-hubspot-ratelimit-daily-remaining': '248577',
  'x-hubspot-ratelimit-interval-milliseconds': '10000',
  'x-hubspot-ratelimit-max': '100',
  'x-hubspot-ratelimit-remaining': '0',
};

function response(status: number, body: unknown = {}, headers: Record<string, string> = {}): AttemptOutcome {
  return { kind: 'response', status, headers, body };
}

function decide(outcome: AttemptOutcome, overrides: Partial<RetryInput> = {}) {
  return decideRetry({ attempt: 1, outcome, idempotent: true, now: NOW, random: () => 0.5, ...overrides });
}

describe('decideRetry', () => {
  it('does not retry a success', () => {
    expect(decide(response(200))).toMatchObject({ retry: false, reason: 'success', waitMs: 0 });
    expect(decide(response(207)).classification.kind).toBe('success');
  });

  it('waits the rate-limit interval after a burst 429 without Retry-After', () => {
    const decision = decide(response(429, burstBody, recordedBurstHeaders));
    expect(decision).toMatchObject({ retry: true, reason: 'rate-limited:TEN_SECONDLY_ROLLING', waitMs: 10_000 });
    expect(decision.classification.code).toBe('HUBSPOT_RATE_LIMITED');
  });

  it('honours Retry-After on a burst 429, in seconds or as a date', () => {
    expect(decide(response(429, burstBody, { 'retry-after': '3' })).waitMs).toBe(3_000);
    const date = new Date(NOW + 4_000).toUTCString();
    expect(decide(response(429, burstBody, { 'retry-after': date })).waitMs).toBe(4_000);
  });

  it('falls back to 10 s for a 429 with neither Retry-After nor interval header', () => {
    expect(decide(response(429, { message: 'slow down' })).waitMs).toBe(10_000);
  });

  it('waits about a second after the search secondly 429 (no policyName)', () => {
    const body = { status: 'error', message: 'You have reached your secondly limit.', category: 'RATE_LIMITS' };
    expect(decide(response(429, body))).toMatchObject({ retry: true, reason: 'rate-limited:SECONDLY', waitMs: 1_000 });
  });

  it('never retries the daily limit in-run', () => {
    const body = { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' };
    const decision = decide(response(429, body));
    expect(decision.retry).toBe(false);
    expect(decision.classification).toMatchObject({ kind: 'permanent', code: 'HUBSPOT_DAILY_LIMIT_REACHED', rateLimit: 'DAILY' });
  });

  it('retries a rate-limited create because HubSpot did not apply it', () => {
    expect(decide(response(429, burstBody), { idempotent: false }).retry).toBe(true);
  });

  it.each([500, 502, 503, 504, 521, 522, 523, 524])('retries %i with exponential backoff and jitter', (status) => {
    const decision = decide(response(status), { attempt: 3, random: () => 0 });
    // base 500 ms doubled twice = 2000 ceiling; equal jitter with random 0 → half of it.
    expect(decision).toMatchObject({ retry: true, reason: `server-error:${status}`, waitMs: 1_000 });
    expect(decision.classification.code).toBe('HUBSPOT_UNAVAILABLE');
  });

  it('grows the backoff per attempt and caps it', () => {
    const waits = [1, 2, 3, 4, 5].map((attempt) => decide(response(503), { attempt, random: () => 0.999999, settings: { maxAttempts: 10 } }).waitMs);
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    expect(decide(response(503), { attempt: 9, random: () => 1, settings: { maxAttempts: 10 } }).waitMs).toBe(30_000);
  });

  it('waits at least 2 s after 423 Locked', () => {
    expect(decide(response(423), { random: () => 0 })).toMatchObject({ retry: true, reason: 'locked', waitMs: 2_000 });
  });

  it('stops after maxAttempts and keeps the failure retryable', () => {
    const decision = decide(response(503), { attempt: 6 });
    expect(decision).toMatchObject({ retry: false, reason: 'server-error:503:attempts-exhausted' });
    expect(decision.classification.kind).toBe('retryable');
  });

  it('retries timeouts and connection resets of idempotent requests', () => {
    expect(decide({ kind: 'timeout' })).toMatchObject({ retry: true, reason: 'timeout' });
    expect(decide({ kind: 'network', code: 'ECONNRESET' })).toMatchObject({ retry: true, reason: 'network:ECONNRESET' });
    expect(decide({ kind: 'network', code: 'UND_ERR_SOCKET' }).retry).toBe(true);
  });

  it('does not resend a create after a timeout, reset or 5xx, and flags maybeApplied', () => {
    for (const outcome of [{ kind: 'timeout' } as const, { kind: 'network', code: 'ECONNRESET' } as const, response(502)]) {
      const decision = decide(outcome, { idempotent: false });
      expect(decision.retry).toBe(false);
      expect(decision.maybeApplied).toBe(true);
    }
  });

  it('resends a create when the connection was refused (it never reached HubSpot)', () => {
    const decision = decide({ kind: 'network', code: 'ECONNREFUSED' }, { idempotent: false });
    expect(decision).toMatchObject({ retry: true, maybeApplied: false });
  });

  it('gives up when Retry-After is longer than the in-run bound', () => {
    expect(decide(response(503, {}, { 'retry-after': '3600' })).retry).toBe(false);
  });

  it('treats 4xx as permanent', () => {
    for (const status of [400, 401, 403, 404, 409, 405]) expect(decide(response(status)).retry).toBe(false);
  });
});

describe('classifyOutcome', () => {
  it.each([
    [400, { category: 'VALIDATION_ERROR' }, 'HUBSPOT_VALIDATION_ERROR'],
    [400, { message: 'bad' }, 'HUBSPOT_BAD_REQUEST'],
    [400, { error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' }, 'HUBSPOT_OAUTH_INVALID_GRANT'],
    [401, { category: 'INVALID_AUTHENTICATION' }, 'HUBSPOT_UNAUTHORIZED'],
    [401, { category: 'EXPIRED_AUTHENTICATION' }, 'HUBSPOT_TOKEN_EXPIRED'],
    [403, { category: 'MISSING_SCOPES' }, 'HUBSPOT_MISSING_SCOPES'],
    [403, {}, 'HUBSPOT_FORBIDDEN'],
    [404, { category: 'OBJECT_NOT_FOUND' }, 'HUBSPOT_NOT_FOUND'],
    [409, { category: 'CONFLICT' }, 'HUBSPOT_CONFLICT'],
    [501, {}, 'HUBSPOT_UNAVAILABLE'],
  ])('maps %i %j to %s', (status, body, code) => {
    expect(classifyOutcome(response(status, body)).code).toBe(code);
  });

  it('marks an unlisted 5xx permanent', () => {
    expect(classifyOutcome(response(501)).kind).toBe('permanent');
  });
});
