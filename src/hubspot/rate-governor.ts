// Keeps one HubSpot portal under its rate limits for every client in the process.
//
// HubSpot counts requests per portal in a rolling 10-second window (the burst limit), a
// separate 5-per-second budget for CRM search, and a daily total. The governor hands out one
// permit per HTTP attempt:
//
// - Burst and search are rolling windows of slots. A slot is taken when the request is sent
//   and stays busy while in flight; once the response arrives it is held for one more window
//   (plus a small safety margin). HubSpot counted the request somewhere between our send and
//   our receive, so releasing it a full window after *receipt* can never free a slot before
//   HubSpot does, whatever the clock offset between us and them.
// - Response headers keep the model honest: `-Max` and `-Interval-Milliseconds` replace the
//   configured limits, and when `-Remaining` says HubSpot has counted more than we have (other
//   processes share the portal) the difference is booked as extra busy slots. A 429 pauses the
//   lane for the wait the response asks for.
// - The daily count follows `-Daily-Remaining` when present, else it is counted here (the
//   local count resets at UTC midnight). Background calls stop at `1 - dailyReserveFraction` of
//   the limit and fail with `HUBSPOT_DAILY_BUDGET_RESERVED` — failing rather than waiting,
//   because the budget only returns the next day and the job system is the right place to
//   reschedule. Interactive calls may use the rest; at the limit everything fails with
//   `HUBSPOT_DAILY_LIMIT_REACHED` without spending a call.
// - Waiters queue per lane, interactive before background, first come first served within a
//   priority. When a slot frees, exactly as many waiters as there are free slots are woken —
//   never all of them.
//
// All time comes from the injected Clock.

import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { HubSpotApiError, type HubSpotErrorCode } from './errors.js';
import { parseRateLimitHeaders, type HeaderMap } from './rate-limit-headers.js';
import { rateLimitWaitMs, type RateLimitPolicy } from './retry-policy.js';

export type CallPriority = 'background' | 'interactive';
/** `search` is the CRM search endpoints' own 5/s budget; everything else is `standard`. */
export type RateLane = 'standard' | 'search';

export interface RateLimits {
  /** Requests per burst window (`X-HubSpot-RateLimit-Max`). */
  burstMax: number;
  burstWindowMs: number;
  searchMax: number;
  searchWindowMs: number;
  /** Requests per day; null when the app has no daily limit (public OAuth apps). */
  dailyMax: number | null;
}

/** `boosted`: Professional with the API limit increase add-on. */
export type RateLimitTier = 'free' | 'starter' | 'pro' | 'enterprise' | 'boosted' | 'oauth-app';

const SEARCH = { searchMax: 5, searchWindowMs: 1_000 } as const;

/** Limits by HubSpot subscription tier (private apps) and for public OAuth apps. */
export const RATE_LIMIT_TIERS: Readonly<Record<RateLimitTier, Readonly<RateLimits>>> = Object.freeze({
  free: { burstMax: 100, burstWindowMs: 10_000, ...SEARCH, dailyMax: 250_000 },
  starter: { burstMax: 100, burstWindowMs: 10_000, ...SEARCH, dailyMax: 250_000 },
  pro: { burstMax: 190, burstWindowMs: 10_000, ...SEARCH, dailyMax: 625_000 },
  enterprise: { burstMax: 190, burstWindowMs: 10_000, ...SEARCH, dailyMax: 1_000_000 },
  boosted: { burstMax: 250, burstWindowMs: 10_000, ...SEARCH, dailyMax: 1_625_000 },
  'oauth-app': { burstMax: 110, burstWindowMs: 10_000, ...SEARCH, dailyMax: null },
});

export interface AcquireOptions {
  lane?: RateLane;
  priority?: CallPriority;
  signal?: AbortSignal;
}

/** What the governor learns from one finished attempt. */
export interface RateObservation {
  status: number;
  headers: HeaderMap;
  /** Set when the response was a 429, from the retry policy's classification. */
  rateLimit?: RateLimitPolicy;
}

/** One attempt's right to send. Settle it exactly once when the attempt is over. */
export interface RatePermit {
  /** `null` when no response arrived (timeout, network failure). */
  settle(observation: RateObservation | null): void;
}

export interface LaneSnapshot {
  limit: number;
  windowMs: number;
  /** Slots busy now (in flight or within the window). */
  busy: number;
  queued: number;
  pausedUntil: number | null;
}

export interface RateGovernorSnapshot {
  portalId: number | undefined;
  burst: LaneSnapshot;
  search: LaneSnapshot;
  daily: { limit: number | null; used: number; backgroundStopsAt: number | null; exhausted: boolean };
}

/** The interface the client depends on; tests may supply their own. */
export interface RateGovernor {
  acquire(options?: AcquireOptions): Promise<RatePermit>;
  snapshot(): RateGovernorSnapshot;
}

export interface RateGovernorOptions {
  limits: RateLimits;
  clock?: Clock;
  portalId?: number;
  /** Share of the daily limit kept for interactive calls. Default 0.1 (background stops at 90 %). */
  dailyReserveFraction?: number;
  /** Extra time a slot stays busy beyond the window, against timer granularity. Default 50 ms. */
  safetyMarginMs?: number;
}

interface Slot {
  /** Infinity while the request is in flight. */
  expiresAt: number;
}

class RollingWindow {
  #slots: Slot[] = [];
  pausedUntil = 0;

  constructor(
    public limit: number,
    public windowMs: number,
  ) {}

  busy(now: number): number {
    this.#slots = this.#slots.filter((slot) => slot.expiresAt > now);
    return this.#slots.length;
  }

  free(now: number): number {
    if (now < this.pausedUntil) return 0;
    return Math.max(0, this.limit - this.busy(now));
  }

  take(): Slot {
    const slot: Slot = { expiresAt: Number.POSITIVE_INFINITY };
    this.#slots.push(slot);
    return slot;
  }

  book(count: number, expiresAt: number): void {
    for (let i = 0; i < count; i++) this.#slots.push({ expiresAt });
  }

  /** When the next slot frees; undefined when that depends on an in-flight request finishing. */
  nextFreeAt(now: number): number | undefined {
    const busy = this.busy(now);
    let at = now < this.pausedUntil ? this.pausedUntil : now;
    if (busy >= this.limit) {
      const finite = this.#slots
        .map((slot) => slot.expiresAt)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const mustExpire = busy - this.limit + 1;
      const expiry = finite[mustExpire - 1];
      if (expiry === undefined) return undefined;
      at = Math.max(at, expiry);
    }
    return at;
  }

  snapshot(now: number, queued: number): LaneSnapshot {
    return {
      limit: this.limit,
      windowMs: this.windowMs,
      busy: this.busy(now),
      queued,
      pausedUntil: now < this.pausedUntil ? this.pausedUntil : null,
    };
  }
}

function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

interface Waiter {
  priority: CallPriority;
  grant: () => void;
  fail: (error: HubSpotApiError) => void;
}

class WindowedRateGovernor implements RateGovernor {
  readonly #clock: Clock;
  readonly #portalId: number | undefined;
  readonly #reserveFraction: number;
  readonly #marginMs: number;
  readonly #lanes: Record<RateLane, RollingWindow>;
  readonly #queues: Record<RateLane, Waiter[]> = { standard: [], search: [] };
  readonly #armedAt: Record<RateLane, number | null> = { standard: null, search: null };
  #dailyLimit: number | null;
  #dailyUsed = 0;
  #dailyExhausted = false;
  #day: string;

  constructor(options: RateGovernorOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#portalId = options.portalId;
    this.#reserveFraction = options.dailyReserveFraction ?? 0.1;
    this.#marginMs = options.safetyMarginMs ?? 50;
    const { limits } = options;
    this.#lanes = {
      standard: new RollingWindow(limits.burstMax, limits.burstWindowMs),
      search: new RollingWindow(limits.searchMax, limits.searchWindowMs),
    };
    this.#dailyLimit = limits.dailyMax;
    this.#day = utcDay(this.#clock.now());
  }

  acquire(options: AcquireOptions = {}): Promise<RatePermit> {
    const lane = options.lane ?? 'standard';
    const priority = options.priority ?? 'background';
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(this.#abortError(lane));
    return new Promise<RatePermit>((resolve, reject) => {
      const onAbort = (): void => {
        const queue = this.#queues[lane];
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(this.#abortError(lane));
      };
      const waiter: Waiter = {
        priority,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#grant(lane));
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queues[lane].push(waiter);
      this.#pump(lane);
    });
  }

  snapshot(): RateGovernorSnapshot {
    const now = this.#clock.now();
    this.#rollDay(now);
    return {
      portalId: this.#portalId,
      burst: this.#lanes.standard.snapshot(now, this.#queues.standard.length),
      search: this.#lanes.search.snapshot(now, this.#queues.search.length),
      daily: {
        limit: this.#dailyLimit,
        used: this.#dailyUsed,
        backgroundStopsAt: this.#backgroundStopsAt(),
        exhausted: this.#dailyExhausted,
      },
    };
  }

  #abortError(lane: RateLane): HubSpotApiError {
    return new HubSpotApiError({
      code: 'HUBSPOT_ABORTED',
      message: `Aborted while waiting for a ${lane} rate-limit slot`,
      retryable: false,
    });
  }

  #backgroundStopsAt(): number | null {
    return this.#dailyLimit === null ? null : Math.floor(this.#dailyLimit * (1 - this.#reserveFraction));
  }

  #rollDay(now: number): void {
    const day = utcDay(now);
    if (day !== this.#day) {
      this.#day = day;
      this.#dailyUsed = 0;
      this.#dailyExhausted = false;
    }
  }

  #dailyRefusal(priority: CallPriority): HubSpotErrorCode | null {
    if (this.#dailyExhausted) return 'HUBSPOT_DAILY_LIMIT_REACHED';
    if (this.#dailyLimit === null) return null;
    if (this.#dailyUsed >= this.#dailyLimit) return 'HUBSPOT_DAILY_LIMIT_REACHED';
    const stopsAt = this.#backgroundStopsAt();
    if (priority === 'background' && stopsAt !== null && this.#dailyUsed >= stopsAt) {
      return 'HUBSPOT_DAILY_BUDGET_RESERVED';
    }
    return null;
  }

  #nextWaiter(queue: Waiter[]): number {
    const interactive = queue.findIndex((w) => w.priority === 'interactive');
    return interactive >= 0 ? interactive : 0;
  }

  #pump(lane: RateLane): void {
    const queue = this.#queues[lane];
    const window = this.#lanes[lane];
    const now = this.#clock.now();
    this.#rollDay(now);
    while (queue.length > 0) {
      const index = this.#nextWaiter(queue);
      const waiter = queue[index];
      if (waiter === undefined) break;
      const refusal = this.#dailyRefusal(waiter.priority);
      if (refusal !== null) {
        queue.splice(index, 1);
        waiter.fail(this.#dailyError(refusal));
        continue;
      }
      if (window.free(now) <= 0) break;
      queue.splice(index, 1);
      waiter.grant();
    }
    if (queue.length > 0) this.#arm(lane, window.nextFreeAt(now));
  }

  #dailyError(code: HubSpotErrorCode): HubSpotApiError {
    const used = `${this.#dailyUsed}/${this.#dailyLimit ?? '?'}`;
    return code === 'HUBSPOT_DAILY_BUDGET_RESERVED'
      ? new HubSpotApiError({
          code,
          message: `Daily HubSpot API budget is reserved for interactive calls (${used} used)`,
          retryable: false,
        })
      : new HubSpotApiError({ code, message: `Daily HubSpot API limit reached (${used} used)`, retryable: false });
  }

  /** Wakes the lane at `at`. One timer per lane; an earlier need replaces a later one. */
  #arm(lane: RateLane, at: number | undefined): void {
    if (at === undefined) return; // an in-flight request's settle() will pump
    const armed = this.#armedAt[lane];
    if (armed !== null && armed <= at) return;
    this.#armedAt[lane] = at;
    void this.#clock.sleep(at - this.#clock.now()).then(() => {
      if (this.#armedAt[lane] === at) this.#armedAt[lane] = null;
      this.#pump(lane);
    });
  }

  #grant(lane: RateLane): RatePermit {
    const window = this.#lanes[lane];
    const slot = window.take();
    this.#dailyUsed += 1;
    let settled = false;
    return {
      settle: (observation) => {
        if (settled) return;
        settled = true;
        const now = this.#clock.now();
        slot.expiresAt = now + window.windowMs + this.#marginMs;
        if (observation !== null) this.#observe(lane, observation, now);
        this.#pump('standard');
        this.#pump('search');
      },
    };
  }

  #observe(lane: RateLane, observation: RateObservation, now: number): void {
    const headers = parseRateLimitHeaders(observation.headers);
    if (lane === 'standard') {
      const burst = this.#lanes.standard;
      if (headers.max !== undefined) burst.limit = headers.max;
      if (headers.intervalMs !== undefined) burst.windowMs = headers.intervalMs;
      if (headers.remaining !== undefined) {
        const serverBusy = burst.limit - headers.remaining;
        const localBusy = burst.busy(now);
        if (serverBusy > localBusy) burst.book(serverBusy - localBusy, now + burst.windowMs + this.#marginMs);
      }
    }
    if (headers.daily !== undefined) this.#dailyLimit = headers.daily;
    if (headers.dailyRemaining !== undefined && this.#dailyLimit !== null) {
      this.#dailyUsed = Math.max(0, this.#dailyLimit - headers.dailyRemaining);
    }
    if (observation.status === 429 && observation.rateLimit !== undefined) {
      if (observation.rateLimit === 'DAILY') {
        this.#dailyExhausted = true;
        return;
      }
      const paused = observation.rateLimit === 'SECONDLY' ? this.#lanes.search : this.#lanes.standard;
      paused.pausedUntil = Math.max(paused.pausedUntil, now + rateLimitWaitMs(observation.rateLimit, observation.headers, now));
    }
  }
}

/** A governor for one portal. Prefer a registry so all clients of a portal share one. */
export function createRateGovernor(options: RateGovernorOptions): RateGovernor {
  return new WindowedRateGovernor(options);
}

export interface RateGovernorRegistryOptions {
  clock?: Clock;
  dailyReserveFraction?: number;
  safetyMarginMs?: number;
}

export interface RateGovernorRegistry {
  /**
   * The portal's governor, created on first use with the tier's limits. Later calls return the
   * same instance (its limits by then follow the response headers).
   */
  forPortal(portalId: number, tier?: RateLimitTier): RateGovernor;
  get(portalId: number): RateGovernor | undefined;
  snapshots(): RateGovernorSnapshot[];
}

export function createRateGovernorRegistry(options: RateGovernorRegistryOptions = {}): RateGovernorRegistry {
  const governors = new Map<number, RateGovernor>();
  return {
    forPortal(portalId, tier = 'free') {
      let governor = governors.get(portalId);
      if (governor === undefined) {
        governor = createRateGovernor({ ...options, portalId, limits: RATE_LIMIT_TIERS[tier] });
        governors.set(portalId, governor);
      }
      return governor;
    },
    get: (portalId) => governors.get(portalId),
    snapshots: () => [...governors.values()].map((g) => g.snapshot()),
  };
}
