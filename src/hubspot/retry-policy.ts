// Decides, for one finished HTTP attempt, whether to try again and how long to wait first.
// Pure: time and randomness come in as arguments, so every branch is unit-tested. This is the
// single place where a HubSpot response is classified as success, retryable or permanent.

import { readErrorBody } from './error-parsing.js';
import type { HubSpotErrorCode } from './errors.js';
import { parseRateLimitHeaders, parseRetryAfterMs, type HeaderMap } from './rate-limit-headers.js';

/** What came back from one HTTP attempt. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; headers: HeaderMap; body: unknown }
  /** The connection failed; `code` is the Node/undici error code (ECONNRESET, UND_ERR_SOCKET …). */
  | { kind: 'network'; code: string }
  /** No complete response within the client's timeout. */
  | { kind: 'timeout' };

/** Which HubSpot limit a 429 reports. `SECONDLY` covers the CRM search 5/s limit. */
export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';

export interface OutcomeClassification {
  kind: 'success' | 'retryable' | 'permanent';
  /** Error code for failures; undefined on success. */
  code?: HubSpotErrorCode;
  /** Set on a 429: which limit was hit. */
  rateLimit?: RateLimitPolicy;
  /**
   * True when HubSpot certainly did not apply the request (429, 423, connection refused),
   * so even a non-idempotent request can be sent again.
   */
  notApplied: boolean;
}

export interface RetrySettings {
  /** Total attempts including the first. */
  maxAttempts: number;
  /** First backoff step for 5xx / network failures; doubles each attempt. */
  baseDelayMs: number;
  /** Backoff cap. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for in-run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_SETTINGS: Readonly<RetrySettings> = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
});

export interface RetryInput {
  /** 1-based number of the attempt that produced `outcome`. */
  attempt: number;
  outcome: AttemptOutcome;
  /** Whether sending the request twice has the same effect as once. */
  idempotent: boolean;
  /** Current time in epoch ms (for `Retry-After` dates). */
  now: number;
  /** Uniform random in [0, 1), injected for jitter. */
  random: () => number;
  settings?: Partial<RetrySettings>;
}

export interface RetryDecision {
  retry: boolean;
  /** Short machine-readable reason, e.g. `rate-limited:TEN_SECONDLY_ROLLING`, `server-error:503`. */
  reason: string;
  /** How long to wait before the next attempt; 0 when not retrying. */
  waitMs: number;
  classification: OutcomeClassification;
  /** A failed non-idempotent request that may nevertheless have been applied. */
  maybeApplied: boolean;
}

const RETRYABLE_SERVER_STATUSES = new Set([500, 502, 503, 504, 521, 522, 523, 524]);

/** Network failures where the request never reached the server. */
const NOT_SENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const DEFAULT_BURST_WAIT_MS = 10_000;
const DEFAULT_SECONDLY_WAIT_MS = 1_000;
const LOCKED_MIN_WAIT_MS = 2_000;

const OAUTH_GRANT_ERRORS = new Set(['BAD_REFRESH_TOKEN', 'BAD_AUTH_CODE', 'BAD_CLIENT_ID', 'BAD_REDIRECT_URI', 'invalid_grant']);

function rateLimitPolicyOf(body: unknown): RateLimitPolicy {
  const { policyName, message = '' } = readErrorBody(body);
  if (policyName === 'DAILY' || /daily limit/i.test(message)) return 'DAILY';
  if (policyName === 'TEN_SECONDLY_ROLLING') return 'TEN_SECONDLY_ROLLING';
  // The CRM search 429 has no policyName, only "You have reached your secondly limit."
  if (policyName === 'SECONDLY' || /your secondly limit/i.test(message)) return 'SECONDLY';
  return 'TEN_SECONDLY_ROLLING';
}

function isOAuthGrantError(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const record = body as Record<string, unknown>;
  return [record.status, record.error].some((v) => typeof v === 'string' && OAUTH_GRANT_ERRORS.has(v));
}

/** Classifies one attempt's outcome. Every response goes through here exactly once. */
export function classifyOutcome(outcome: AttemptOutcome): OutcomeClassification {
  if (outcome.kind === 'timeout') return { kind: 'retryable', code: 'HUBSPOT_TIMEOUT', notApplied: false };
  if (outcome.kind === 'network') {
    return { kind: 'retryable', code: 'HUBSPOT_NETWORK', notApplied: NOT_SENT_NETWORK_CODES.has(outcome.code) };
  }
  const { status, body } = outcome;
  if (status >= 200 && status < 400) return { kind: 'success', notApplied: false };
  if (status === 429) {
    const policy = rateLimitPolicyOf(body);
    return policy === 'DAILY'
      ? { kind: 'permanent', code: 'HUBSPOT_DAILY_LIMIT_REACHED', rateLimit: policy, notApplied: true }
      : { kind: 'retryable', code: 'HUBSPOT_RATE_LIMITED', rateLimit: policy, notApplied: true };
  }
  if (status === 423) return { kind: 'retryable', code: 'HUBSPOT_LOCKED', notApplied: true };
  if (RETRYABLE_SERVER_STATUSES.has(status)) return { kind: 'retryable', code: 'HUBSPOT_UNAVAILABLE', notApplied: false };
  if (status >= 500) return { kind: 'permanent', code: 'HUBSPOT_UNAVAILABLE', notApplied: false };

  const category = readErrorBody(body).category;
  const permanent = (code: HubSpotErrorCode): OutcomeClassification => ({ kind: 'permanent', code, notApplied: true });
  switch (status) {
    case 400:
      if (isOAuthGrantError(body)) return permanent('HUBSPOT_OAUTH_INVALID_GRANT');
      return permanent(category === 'VALIDATION_ERROR' ? 'HUBSPOT_VALIDATION_ERROR' : 'HUBSPOT_BAD_REQUEST');
    case 401:
      return permanent(category === 'EXPIRED_AUTHENTICATION' ? 'HUBSPOT_TOKEN_EXPIRED' : 'HUBSPOT_UNAUTHORIZED');
    case 403:
      return permanent(category === 'MISSING_SCOPES' ? 'HUBSPOT_MISSING_SCOPES' : 'HUBSPOT_FORBIDDEN');
    case 404:
      return permanent('HUBSPOT_NOT_FOUND');
    case 409:
      return permanent('HUBSPOT_CONFLICT');
    default:
      return permanent('HUBSPOT_BAD_REQUEST');
  }
}

/**
 * How long a 429 asks us to stay away: `Retry-After` when present; otherwise the rolling
 * interval for the burst limit (the whole window has then turned over on HubSpot's side too)
 * and one second for the search limit. Shared with the rate governor, which pauses every
 * caller of the portal for the same time.
 */
export function rateLimitWaitMs(policy: RateLimitPolicy, headers: HeaderMap, now: number): number {
  const retryAfterMs = parseRetryAfterMs(headers, now);
  if (retryAfterMs !== undefined) return retryAfterMs;
  if (policy === 'SECONDLY') return DEFAULT_SECONDLY_WAIT_MS;
  return parseRateLimitHeaders(headers).intervalMs ?? DEFAULT_BURST_WAIT_MS;
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
function backoffMs(attempt: number, settings: RetrySettings, random: () => number): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function reasonFor(outcome: AttemptOutcome, classification: OutcomeClassification): string {
  if (outcome.kind === 'timeout') return 'timeout';
  if (outcome.kind === 'network') return `network:${outcome.code}`;
  if (classification.rateLimit !== undefined) return `rate-limited:${classification.rateLimit}`;
  if (classification.kind === 'success') return 'success';
  if (outcome.status === 423) return 'locked';
  if (outcome.status >= 500) return `server-error:${outcome.status}`;
  return `client-error:${outcome.status}`;
}

/**
 * Decides whether to retry after one attempt.
 *
 * - 429 `TEN_SECONDLY_ROLLING`: wait `Retry-After`, else the interval header, else 10 s.
 * - 429 search "secondly": wait `Retry-After`, else 1 s. 429 `DAILY`: never retried in-run.
 * - 500/502/503/504/521–524, timeouts, connection failures: exponential backoff with jitter;
 *   423 waits at least 2 s.
 * - Non-idempotent requests are only re-sent when HubSpot certainly did not apply them;
 *   otherwise the failure is final and `maybeApplied` is set.
 * - Other 4xx are permanent.
 *
 * @example
 * decideRetry({ attempt: 1, idempotent: true, now: Date.now(), random: Math.random,
 *   outcome: { kind: 'response', status: 503, headers: {}, body: null } })
 * // → { retry: true, reason: 'server-error:503', waitMs: 250..500, … }
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const settings: RetrySettings = { ...DEFAULT_RETRY_SETTINGS, ...input.settings };
  const { outcome, attempt } = input;
  const classification = classifyOutcome(outcome);
  const reason = reasonFor(outcome, classification);
  const stop = (why: string, maybeApplied = false): RetryDecision => ({
    retry: false,
    reason: why,
    waitMs: 0,
    classification,
    maybeApplied,
  });

  if (classification.kind === 'success') return stop(reason);
  if (classification.kind === 'permanent') return stop(reason);

  const ambiguous = !classification.notApplied;
  if (!input.idempotent && ambiguous) return stop(`${reason}:not-idempotent`, true);
  if (attempt >= settings.maxAttempts) return stop(`${reason}:attempts-exhausted`, !input.idempotent && ambiguous);

  const headers = outcome.kind === 'response' ? outcome.headers : {};
  const retryAfterMs = parseRetryAfterMs(headers, input.now);
  let waitMs: number;
  if (classification.rateLimit !== undefined) {
    waitMs = rateLimitWaitMs(classification.rateLimit, headers, input.now);
  } else {
    waitMs = Math.max(retryAfterMs ?? 0, backoffMs(attempt, settings, input.random));
    if (outcome.kind === 'response' && outcome.status === 423) waitMs = Math.max(waitMs, LOCKED_MIN_WAIT_MS);
  }
  if (retryAfterMs !== undefined && retryAfterMs > settings.maxRetryAfterMs) {
    return stop(`${reason}:retry-after-too-long`);
  }
  return { retry: true, reason, waitMs, classification, maybeApplied: false };
}
