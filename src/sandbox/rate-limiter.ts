// HubSpot's request limits as pure bookkeeping over a caller-supplied "now": a rolling 10 s
// burst window per private-app token (or per OAuth app and portal), a daily count per portal
// (private apps only) and CRM search's 5 requests per second per portal. It also produces the
// X-HubSpot-RateLimit-* headers, which differ for search and for OAuth apps.

import type { RateProfile } from './types.js';

export const BURST_WINDOW_MS = 10_000;
export const SEARCH_PER_SECOND = 5;

export interface ProfileLimits {
  /** Requests per 10 s rolling window; Infinity for unlimited. */
  burst: number;
  /** Requests per day per portal; undefined when the profile has no daily limit (OAuth). */
  daily: number | undefined;
}

/**
 * Limits per profile (HUBSPOT-API.md "Limits"). `boosted` is a Professional account with the
 * API limit increase add-on: 250 per 10 s and 625,000 + 1,000,000 a day.
 */
export const PROFILES: Record<RateProfile, ProfileLimits> = {
  free: { burst: 100, daily: 250_000 },
  pro: { burst: 190, daily: 625_000 },
  enterprise: { burst: 190, daily: 1_000_000 },
  boosted: { burst: 250, daily: 1_625_000 },
  oauth: { burst: 110, daily: undefined },
  unlimited: { burst: Infinity, daily: undefined },
};

export interface RateRequest {
  /** Whose burst window this request uses: a private-app token, or `oauth:<appId>:<portalId>`. */
  burstKey: string;
  portalId: number;
  profile: RateProfile;
  /** The portal's daily limit; undefined for OAuth calls and unlimited portals. */
  dailyLimit: number | undefined;
  search: boolean;
}

export type RateVerdict =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; policy: 'burst' | 'daily' | 'search'; retryAfterSeconds: number; headers: Record<string, string> };

const DAY_MS = 86_400_000;

export class RateLimiter {
  readonly #burst = new Map<string, number[]>();
  readonly #search = new Map<number, number[]>();
  readonly #daily = new Map<number, { day: number; count: number }>();

  /** Decides on one request and, when allowed, counts it. */
  take(req: RateRequest, now: number): RateVerdict {
    const limits = PROFILES[req.profile];
    const daily = this.#dailyEntry(req.portalId, now);
    const dailyHeaders = (used: number): Record<string, string> =>
      req.dailyLimit === undefined
        ? {}
        : {
            'x-hubspot-ratelimit-daily': String(req.dailyLimit),
            'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, req.dailyLimit - used)),
          };

    if (req.dailyLimit !== undefined && daily.count >= req.dailyLimit) {
      const retry = Math.ceil((daily.day * DAY_MS + DAY_MS - now) / 1000);
      return { allowed: false, policy: 'daily', retryAfterSeconds: retry, headers: dailyHeaders(daily.count) };
    }

    if (req.search) {
      const times = prune(this.#search, req.portalId, now - 1000);
      if (req.profile !== 'unlimited' && times.length >= SEARCH_PER_SECOND) {
        const retry = Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000));
        return { allowed: false, policy: 'search', retryAfterSeconds: retry, headers: dailyHeaders(daily.count) };
      }
      times.push(now);
      if (req.dailyLimit !== undefined) daily.count++;
      return { allowed: true, headers: dailyHeaders(daily.count) };
    }

    if (limits.burst === Infinity) {
      if (req.dailyLimit !== undefined) daily.count++;
      return { allowed: true, headers: dailyHeaders(daily.count) };
    }
    const times = prune(this.#burst, req.burstKey, now - BURST_WINDOW_MS);
    const secondly = Math.floor(limits.burst / 10);
    const burstHeaders = (used: number): Record<string, string> => {
      let inLastSecond = 0;
      for (let i = times.length - 1; i >= 0 && times[i]! > now - 1000; i--) inLastSecond++;
      return {
        'x-hubspot-ratelimit-max': String(limits.burst),
        'x-hubspot-ratelimit-remaining': String(Math.max(0, limits.burst - used)),
        'x-hubspot-ratelimit-interval-milliseconds': String(BURST_WINDOW_MS),
        'x-hubspot-ratelimit-secondly': String(secondly),
        'x-hubspot-ratelimit-secondly-remaining': String(Math.max(0, secondly - inLastSecond)),
      };
    };
    if (times.length >= limits.burst) {
      const retry = Math.max(1, Math.ceil((times[0]! + BURST_WINDOW_MS - now) / 1000));
      return {
        allowed: false,
        policy: 'burst',
        retryAfterSeconds: retry,
        headers: { ...burstHeaders(times.length), ...dailyHeaders(daily.count) },
      };
    }
    times.push(now);
    if (req.dailyLimit !== undefined) daily.count++;
    return { allowed: true, headers: { ...burstHeaders(times.length), ...dailyHeaders(daily.count) } };
  }

  /** Requests counted against a portal's daily limit today. */
  dailyUsed(portalId: number, now: number): number {
    return this.#dailyEntry(portalId, now).count;
  }

  /** Marks `count` requests as already made today (lets tests reach the daily limit quickly). */
  consumeDaily(portalId: number, count: number, now: number): void {
    this.#dailyEntry(portalId, now).count += count;
  }

  reset(): void {
    this.#burst.clear();
    this.#search.clear();
    this.#daily.clear();
  }

  #dailyEntry(portalId: number, now: number): { day: number; count: number } {
    // The daily limit resets at midnight UTC (HubSpot uses the account's time zone).
    const day = Math.floor(now / DAY_MS);
    let entry = this.#daily.get(portalId);
    if (!entry || entry.day !== day) {
      entry = { day, count: 0 };
      this.#daily.set(portalId, entry);
    }
    return entry;
  }
}

function prune<K>(map: Map<K, number[]>, key: K, cutoff: number): number[] {
  let times = map.get(key);
  if (!times) {
    times = [];
    map.set(key, times);
  }
  let drop = 0;
  while (drop < times.length && times[drop]! <= cutoff) drop++;
  if (drop > 0) times.splice(0, drop);
  return times;
}
