// Reads HubSpot's rate-limit headers into numbers. Pure; headers arrive lower-cased.

/** Response headers with lower-cased names, one value each. */
export type HeaderMap = Readonly<Record<string, string | undefined>>;

export interface RateLimitHeaders {
  /** `X-HubSpot-RateLimit-Max`: requests allowed per interval (burst limit). */
  max?: number;
  /** `X-HubSpot-RateLimit-Remaining`: requests left in the current interval. */
  remaining?: number;
  /** `X-HubSpot-RateLimit-Interval-Milliseconds`: the rolling window, 10000 in practice. */
  intervalMs?: number;
  /** `X-HubSpot-RateLimit-Daily`: daily limit (private apps only). */
  daily?: number;
  /** `X-HubSpot-RateLimit-Daily-Remaining`. */
  dailyRemaining?: number;
}

function readInt(headers: HeaderMap, name: string): number | undefined {
  const raw = headers[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

export function parseRateLimitHeaders(headers: HeaderMap): RateLimitHeaders {
  const out: RateLimitHeaders = {};
  const max = readInt(headers, 'x-hubspot-ratelimit-max');
  if (max !== undefined && max > 0) out.max = max;
  const remaining = readInt(headers, 'x-hubspot-ratelimit-remaining');
  if (remaining !== undefined) out.remaining = remaining;
  const intervalMs = readInt(headers, 'x-hubspot-ratelimit-interval-milliseconds');
  if (intervalMs !== undefined && intervalMs > 0) out.intervalMs = intervalMs;
  const daily = readInt(headers, 'x-hubspot-ratelimit-daily');
  if (daily !== undefined && daily > 0) out.daily = daily;
  const dailyRemaining = readInt(headers, 'x-hubspot-ratelimit-daily-remaining');
  if (dailyRemaining !== undefined) out.dailyRemaining = dailyRemaining;
  return out;
}

/**
 * `Retry-After` in milliseconds from `now`: either delta-seconds or an HTTP date.
 * Undefined when absent or unreadable. HubSpot's recorded 429s never carry it, but honour it.
 */
export function parseRetryAfterMs(headers: HeaderMap, now: number): number | undefined {
  const raw = headers['retry-after']?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Lower-cases header names and joins repeated values, for headers from any HTTP library. */
export function normalizeHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
