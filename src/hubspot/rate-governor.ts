// Keeps one HubSpot portal under its rate limits, for every client and every process calling
// for it.
//
// HubSpot counts requests per portal in a rolling 10-second window (the burst limit), a
// separate 5-per-second budget for CRM search, and a daily total. The governor hands out one
// permit per HTTP attempt; the counting itself lives in a RateLedger (rate-ledger.ts): in
// memory for one process, or in the database so that several processes (`hubsync worker` ×3,
// `hubsync sync` beside `serve`) share one budget per portal.
//
// - Burst and search are rolling windows of slots. A slot is taken when the request is sent
//   and stays busy while in flight; once the response arrives it is held for one more window
//   (plus a small safety margin). HubSpot counted the request somewhere between our send and
//   our receive, so releasing it a full window after *receipt* can never free a slot before
//   HubSpot does, whatever the clock offset between us and them.
// - Response headers keep the model honest: `-Max` and `-Interval-Milliseconds` replace the
//   configured limits, and when `-Remaining` says HubSpot has counted more than the ledger
//   holds (another app shares the portal) the difference is booked as extra busy slots. A 429
//   pauses the lane — in the ledger, so for every process — for the wait the response asks for.
// - The day's calls are counted in the ledger (once per attempt, whichever process made it)
//   and follow `-Daily-Remaining` when HubSpot says more. Background calls stop at
//   `1 - dailyReserveFraction` of the limit and fail with `HUBSPOT_DAILY_BUDGET_RESERVED` —
//   failing rather than waiting, because the budget only returns the next day and the job
//   system is the right place to reschedule. Interactive calls may use the rest; at the limit
//   (or after a DAILY 429, until UTC midnight) everything fails with
//   `HUBSPOT_DAILY_LIMIT_REACHED` without spending a call.
// - Waiters queue per lane, interactive before background, first come first served within a
//   priority. One ledger reservation per lane is under way at a time, asking for as many slots
//   as there are waiters of the next priority; exactly as many waiters as slots granted are
//   woken — never all of them. Priorities order the calls of one process; across processes
//   the ledger serves whoever asks first.
//
// All time comes from the injected Clock.

import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { HubSpotApiError, type HubSpotErrorCode } from './errors.js';
import { parseRateLimitHeaders, type HeaderMap } from './rate-limit-headers.js';
import { createMemoryRateLedger, type RateLane, type RateLedger, type SlotReleaseRequest, type SlotReservation } from './rate-ledger.js';
import { rateLimitWaitMs, type RateLimitPolicy } from './retry-policy.js';

export type CallPriority = 'background' | 'interactive';
export type { RateLane } from './rate-ledger.js';

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
  /**
   * Calls are about to come (a run starts pushing): with a ledger that reserves ahead, reserves
   * up to `count` standard slots now, unless slots are already reserved ahead or a reservation is
   * under way, so the first calls find theirs waiting. Unused, they go back like any spare.
   */
  prime?(count: number): void;
  snapshot(): RateGovernorSnapshot;
  /** Hands slots reserved ahead back to the ledger (on shutdown). */
  close?(): Promise<void>;
}

export interface RateGovernorOptions {
  limits: RateLimits;
  clock?: Clock;
  portalId?: number;
  /** Share of the daily limit kept for interactive calls. Default 0.1 (background stops at 90 %). */
  dailyReserveFraction?: number;
  /** Extra time a slot stays busy beyond the window, against timer granularity. Default 50 ms. */
  safetyMarginMs?: number;
  /**
   * Where the portal's budget is counted. Default: in this process. Pass the database ledger
   * (src/integration) so every process calling for the portal counts in one place.
   */
  ledger?: RateLedger;
  /**
   * How long a slot taken by a process that then died stays busy in a shared ledger. It must
   * outlast any request (client timeout, 30 s by default) plus the window. Default 120 s.
   */
  inFlightLeaseMs?: number;
}

const DEFAULT_IN_FLIGHT_LEASE_MS = 120_000;
/** How long slots reserved ahead are kept without demand before they go back. */
const SPARE_IDLE_MS = 1_000;

/** What this process knows of one lane: limits from the headers, the ledger's last answer. */
class LaneState {
  busy = 0;
  pausedUntil = 0;
  /** A ledger reservation is under way; at most one per lane, so grants stay in queue order. */
  reserving = false;
  /** Something changed while reserving (a new waiter, a settle): pump again afterwards. */
  again = false;
  /** Slots reserved ahead of demand (see RateLedger.prefetch), with the day they were counted on. */
  spare: { slot: string; day: string }[] = [];
  /** An idle-return of the spare slots is scheduled. */
  spareReturnArmed = false;
  /** When a call last asked for a slot of this lane (the spares' idle time counts from it). */
  lastDemandAt = 0;

  constructor(
    public limit: number,
    public windowMs: number,
  ) {}

  snapshot(now: number, queued: number): LaneSnapshot {
    return {
      limit: this.limit,
      windowMs: this.windowMs,
      busy: this.busy,
      queued,
      pausedUntil: now < this.pausedUntil ? this.pausedUntil : null,
    };
  }
}

function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function nextUtcMidnight(epochMs: number): number {
  return (Math.floor(epochMs / 86_400_000) + 1) * 86_400_000;
}

interface Waiter {
  priority: CallPriority;
  grant: (slot: string) => void;
  fail: (error: unknown) => void;
}

class WindowedRateGovernor implements RateGovernor {
  readonly #clock: Clock;
  readonly #ledger: RateLedger;
  readonly #portalId: number | undefined;
  readonly #reserveFraction: number;
  readonly #marginMs: number;
  readonly #leaseMs: number;
  readonly #prefetch: number;
  readonly #lanes: Record<RateLane, LaneState>;
  readonly #queues: Record<RateLane, Waiter[]> = { standard: [], search: [] };
  readonly #armedAt: Record<RateLane, number | null> = { standard: null, search: null };
  #dailyLimit: number | null;
  /** Today's calls as the ledger counts them (every process sharing it). */
  #ledgerDailyUsed = 0;
  /** Today's calls as HubSpot counts them (`-Daily-Remaining`; includes other apps). */
  #serverDailyUsed = 0;
  #dailyExhausted = false;
  #day: string;

  constructor(options: RateGovernorOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#ledger = options.ledger ?? createMemoryRateLedger();
    this.#portalId = options.portalId;
    this.#reserveFraction = options.dailyReserveFraction ?? 0.1;
    this.#marginMs = options.safetyMarginMs ?? 50;
    this.#leaseMs = options.inFlightLeaseMs ?? DEFAULT_IN_FLIGHT_LEASE_MS;
    this.#prefetch = this.#ledger.prefetch ?? 0;
    const { limits } = options;
    this.#lanes = {
      standard: new LaneState(limits.burstMax, limits.burstWindowMs),
      search: new LaneState(limits.searchMax, limits.searchWindowMs),
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
        grant: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#permit(lane, slot));
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#lanes[lane].lastDemandAt = this.#clock.now();
      this.#queues[lane].push(waiter);
      this.#pump(lane);
    });
  }

  prime(count: number): void {
    const lane: RateLane = 'standard';
    const state = this.#lanes[lane];
    const now = this.#clock.now();
    this.#rollDay(now);
    if (this.#prefetch === 0 || count <= 0 || state.reserving || state.spare.length > 0 || now < state.pausedUntil || this.#dailyRefusal('background') !== null) return;
    state.lastDemandAt = now;
    state.reserving = true;
    state.again = false;
    const day = this.#day;
    this.#ledger
      .reserve({ portalId: this.#portalId, lane, count, limit: state.limit, windowMs: state.windowMs, dailyCap: this.#dailyCap('background'), day, now, leaseMs: this.#leaseMs })
      .then(
        (reservation) => this.#reserved(lane, 0, day, reservation),
        () => {
          // Only a head start: the calls reserve for themselves (and meet the error, if it lasts).
          state.reserving = false;
          this.#pump(lane);
        },
      );
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
        used: this.#dailyUsed(),
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

  #dailyUsed(): number {
    return Math.max(this.#ledgerDailyUsed, this.#serverDailyUsed);
  }

  #backgroundStopsAt(): number | null {
    return this.#dailyLimit === null ? null : Math.floor(this.#dailyLimit * (1 - this.#reserveFraction));
  }

  /** The most calls the day may hold once a call of this priority is made. */
  #dailyCap(priority: CallPriority): number | null {
    if (this.#dailyLimit === null) return null;
    const stopsAt = this.#backgroundStopsAt();
    return priority === 'background' && stopsAt !== null ? stopsAt : this.#dailyLimit;
  }

  #rollDay(now: number): void {
    const day = utcDay(now);
    if (day !== this.#day) {
      this.#day = day;
      this.#ledgerDailyUsed = 0;
      this.#serverDailyUsed = 0;
      this.#dailyExhausted = false;
    }
  }

  #dailyRefusal(priority: CallPriority): HubSpotErrorCode | null {
    if (this.#dailyExhausted) return 'HUBSPOT_DAILY_LIMIT_REACHED';
    if (this.#dailyLimit === null) return null;
    const used = this.#dailyUsed();
    if (used >= this.#dailyLimit) return 'HUBSPOT_DAILY_LIMIT_REACHED';
    const stopsAt = this.#backgroundStopsAt();
    if (priority === 'background' && stopsAt !== null && used >= stopsAt) {
      return 'HUBSPOT_DAILY_BUDGET_RESERVED';
    }
    return null;
  }

  #nextWaiter(queue: Waiter[]): number {
    const interactive = queue.findIndex((w) => w.priority === 'interactive');
    return interactive >= 0 ? interactive : 0;
  }

  /**
   * Refuses what the daily budget no longer allows, then asks the ledger for as many slots as
   * there are waiters of the next priority. The answer grants that many waiters, in order.
   */
  #pump(lane: RateLane): void {
    const state = this.#lanes[lane];
    const queue = this.#queues[lane];
    const now = this.#clock.now();
    this.#rollDay(now);
    if (queue.length === 0) {
      this.#returnIdleSpares(lane);
      return;
    }
    if (now < state.pausedUntil && !this.#dailyExhausted) {
      this.#arm(lane, state.pausedUntil);
      return;
    }
    // Slots reserved ahead were counted when reserved: they go first, without asking.
    while (state.spare.length > 0 && queue.length > 0 && !this.#dailyExhausted) {
      const index = this.#nextWaiter(queue);
      const [waiter] = queue.splice(index, 1);
      waiter?.grant(state.spare.shift()!.slot);
    }
    if (state.reserving) {
      state.again = true;
      return;
    }
    for (;;) {
      const index = this.#nextWaiter(queue);
      const waiter = queue[index];
      if (waiter === undefined) {
        this.#returnIdleSpares(lane);
        return;
      }
      const refusal = this.#dailyRefusal(waiter.priority);
      if (refusal === null) break;
      queue.splice(index, 1);
      waiter.fail(this.#dailyError(refusal));
    }
    const priority = queue[this.#nextWaiter(queue)]?.priority ?? 'background';
    const want = queue.filter((w) => w.priority === priority).length;
    state.reserving = true;
    state.again = false;
    const day = this.#day;
    this.#ledger
      .reserve({
        portalId: this.#portalId,
        lane,
        count: want + (lane === 'standard' ? this.#prefetch : 0),
        limit: state.limit,
        windowMs: state.windowMs,
        dailyCap: this.#dailyCap(priority),
        day,
        now,
        leaseMs: this.#leaseMs,
      })
      .then(
        (reservation) => this.#reserved(lane, want, day, reservation),
        (error: unknown) => {
          // The ledger could not be reached (a database fault): the waiting calls fail with it
          // rather than being sent uncounted.
          state.reserving = false;
          for (const waiter of queue.splice(0)) waiter.fail(error);
        },
      );
  }

  #reserved(lane: RateLane, want: number, day: string, reservation: SlotReservation): void {
    const state = this.#lanes[lane];
    state.reserving = false;
    state.busy = reservation.busy;
    if (reservation.pausedUntil !== null) state.pausedUntil = Math.max(state.pausedUntil, reservation.pausedUntil);
    const now = this.#clock.now();
    this.#rollDay(now);
    if (day === this.#day) {
      this.#ledgerDailyUsed = reservation.dailyUsed;
      if (reservation.dailyExhausted) this.#dailyExhausted = true;
    }
    const queue = this.#queues[lane];
    for (const slot of reservation.slots) {
      const index = this.#nextWaiter(queue);
      const waiter = queue[index];
      if (waiter === undefined) {
        // Reserved ahead (or its waiter gave up meanwhile): kept for the next call.
        state.spare.push({ slot, day });
        continue;
      }
      queue.splice(index, 1);
      waiter.grant(slot);
    }
    const head = queue[this.#nextWaiter(queue)];
    if (head === undefined) {
      this.#returnIdleSpares(lane);
      return;
    }
    // Ask again at once when the queue changed meanwhile, when every waiter asked for was served
    // (others of the other priority wait), or when the daily budget now refuses the next one;
    // otherwise when the ledger says a slot frees (or, undefined, when a response arrives).
    if (state.again || reservation.slots.length >= want || this.#dailyRefusal(head.priority) !== null) {
      this.#pump(lane);
      return;
    }
    this.#arm(lane, reservation.retryAt);
  }

  /**
   * Spare slots not wanted for a while (SPARE_IDLE_MS since the last call asked for a slot) go
   * back to the ledger, so they neither hold the window for other processes nor count as calls
   * of the day. Calls that keep coming keep them, even when none happens to wait at the moment
   * the idle time is checked: handing them back and reserving again costs two transactions.
   */
  #returnIdleSpares(lane: RateLane): void {
    const state = this.#lanes[lane];
    if (state.spare.length === 0 || state.spareReturnArmed) return;
    state.spareReturnArmed = true;
    const check = (): void => {
      const idleFor = this.#clock.now() - state.lastDemandAt;
      if (this.#queues[lane].length === 0 && idleFor < SPARE_IDLE_MS && state.spare.length > 0) {
        void this.#clock.sleep(SPARE_IDLE_MS - idleFor).then(check);
        return;
      }
      state.spareReturnArmed = false;
      if (this.#queues[lane].length === 0) void this.#returnSpares(lane);
    };
    void this.#clock.sleep(SPARE_IDLE_MS).then(check);
  }

  #returnSpares(lane: RateLane): Promise<unknown> {
    const now = this.#clock.now();
    const spare = this.#lanes[lane].spare.splice(0);
    return Promise.all(
      spare.map(({ slot, day }) =>
        this.#ledger.release({ portalId: this.#portalId, lane, slot, day, now, expiresAt: now, unused: true, failed: false, rateLimited: false }).catch(() => undefined),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.#returnSpares('standard'), this.#returnSpares('search')]);
  }

  #dailyError(code: HubSpotErrorCode): HubSpotApiError {
    const used = `${this.#dailyUsed()}/${this.#dailyLimit ?? '?'}`;
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
    if (at === undefined) return; // not waiting on the window: a settle() will pump
    const armed = this.#armedAt[lane];
    if (armed !== null && armed <= at) return;
    this.#armedAt[lane] = at;
    void this.#clock.sleep(at - this.#clock.now()).then(() => {
      if (this.#armedAt[lane] === at) this.#armedAt[lane] = null;
      this.#pump(lane);
    });
  }

  #permit(lane: RateLane, slot: string): RatePermit {
    const state = this.#lanes[lane];
    const day = this.#day;
    let settled = false;
    return {
      settle: (observation) => {
        if (settled) return;
        settled = true;
        const now = this.#clock.now();
        const expiresAt = now + state.windowMs + this.#marginMs;
        const learned = observation === null ? {} : this.#observe(lane, observation, now);
        const status = observation?.status ?? null;
        void this.#ledger
          .release({
            portalId: this.#portalId,
            lane,
            slot,
            day,
            now,
            expiresAt,
            ...learned,
            failed: status === null || status >= 400,
            rateLimited: status === 429,
          })
          // A release that fails leaves the slot busy until its lease ends: safe, only slower.
          .catch(() => undefined)
          .finally(() => {
            this.#pump('standard');
            this.#pump('search');
          });
      },
    };
  }

  /** Applies what a response says to this process's view; returns what the ledger must learn. */
  #observe(lane: RateLane, observation: RateObservation, now: number): Pick<SlotReleaseRequest, 'serverBusy' | 'pause'> {
    const learned: Pick<SlotReleaseRequest, 'serverBusy' | 'pause'> = {};
    const headers = parseRateLimitHeaders(observation.headers);
    if (lane === 'standard') {
      const burst = this.#lanes.standard;
      if (headers.max !== undefined) burst.limit = headers.max;
      if (headers.intervalMs !== undefined) burst.windowMs = headers.intervalMs;
      if (headers.remaining !== undefined) {
        learned.serverBusy = { count: Math.min(burst.limit, burst.limit - headers.remaining), until: now + burst.windowMs + this.#marginMs };
      }
    }
    if (headers.daily !== undefined) this.#dailyLimit = headers.daily;
    if (headers.dailyRemaining !== undefined && this.#dailyLimit !== null) {
      this.#serverDailyUsed = Math.max(0, this.#dailyLimit - headers.dailyRemaining);
    }
    if (observation.status === 429 && observation.rateLimit !== undefined) {
      if (observation.rateLimit === 'DAILY') {
        this.#dailyExhausted = true;
        learned.pause = { lane: 'daily', until: nextUtcMidnight(now) };
        return learned;
      }
      const pausedLane: RateLane = observation.rateLimit === 'SECONDLY' ? 'search' : 'standard';
      const paused = this.#lanes[pausedLane];
      paused.pausedUntil = Math.max(paused.pausedUntil, now + rateLimitWaitMs(observation.rateLimit, observation.headers, now));
      learned.pause = { lane: pausedLane, until: paused.pausedUntil };
    }
    return learned;
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
  /** Shared by every governor of the registry; see RateGovernorOptions.ledger. */
  ledger?: RateLedger;
  inFlightLeaseMs?: number;
}

export interface RateGovernorRegistry {
  /**
   * The portal's governor, created on first use with the tier's limits. Later calls return the
   * same instance (its limits by then follow the response headers).
   */
  forPortal(portalId: number, tier?: RateLimitTier): RateGovernor;
  get(portalId: number): RateGovernor | undefined;
  snapshots(): RateGovernorSnapshot[];
  /** Closes every governor (see RateGovernor.close). */
  close(): Promise<void>;
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
    close: async () => {
      await Promise.all([...governors.values()].map((g) => g.close?.()));
    },
  };
}
