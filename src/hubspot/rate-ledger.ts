// Where a portal's rate budget is kept: the burst and search window slots, the pauses a 429
// asks for, and the day's call count. The rate governor decides who may call next (queues,
// priorities, header feedback); the ledger only counts, so that every process calling for one
// portal can count in the same place.
//
// - `createMemoryRateLedger()` keeps the budget in this process: right for a single process and
//   for unit tests. Its methods apply their change before returning (the promise only carries
//   the answer), so a governor sees its own bookings at once.
// - The database ledger (src/integration, over src/store) keeps the same state in tables, each
//   call one short transaction serialized per portal, so any number of processes share it.
//
// A slot is reserved before a request is sent and released when its response arrives, with the
// time it frees (receipt + window + margin). A reserved slot that is never released (its
// process died) frees after `leaseMs` in a shared ledger; in memory it stays busy until released,
// since its process is the one still running. Several governors may share one ledger (each
// process's governor does, through the database; unit tests do it in memory).

/** `search` is the CRM search endpoints' own 5/s budget; everything else is `standard`. */
export type RateLane = 'standard' | 'search';

/** The lanes a pause can apply to: a window lane, or `daily` (the portal's daily limit). */
export type PauseLane = RateLane | 'daily';

export interface SlotReserveRequest {
  /** `undefined` for a client that does not know its portal yet (a token check). */
  portalId: number | undefined;
  lane: RateLane;
  /** Slots wanted, at least 1. */
  count: number;
  /** The window's limit as this process knows it (the headers' `-Max`). */
  limit: number;
  windowMs: number;
  /** The most calls the portal may have made today once these are granted; null for no cap. */
  dailyCap: number | null;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  now: number;
  /** How long an unreleased slot stays busy in a shared ledger (its process may have died). */
  leaseMs: number;
}

export interface SlotReservation {
  /** One id per granted slot (fewer than asked, or none, when the window or the day is full). */
  slots: string[];
  /** Slots busy in the lane once these were taken. */
  busy: number;
  /** The lane's pause (after a 429), when one is running. */
  pausedUntil: number | null;
  /** Calls counted for the portal today, these included. */
  dailyUsed: number;
  /** Whether HubSpot refused a call for the daily limit today (a DAILY 429). */
  dailyExhausted: boolean;
  /**
   * When to ask again if fewer slots were granted than asked: the pause's end, or the moment
   * enough released slots expire. When in-flight slots must free first, a shared ledger says a
   * window from now (another process holds them); the in-memory one says undefined (a release
   * in this process will ask again). Undefined too when the window was not what limited it.
   */
  retryAt: number | undefined;
}

export interface SlotReleaseRequest {
  portalId: number | undefined;
  lane: RateLane;
  slot: string;
  day: string;
  now: number;
  /** When the slot frees: the response's receipt plus the window and the safety margin. */
  expiresAt: number;
  /** The slot was never used (its waiter went away): it frees now and the call is uncounted. */
  unused?: boolean;
  /**
   * Requests HubSpot says it has counted in the window (`-Max` minus `-Remaining`); when that is
   * more than the ledger holds, the difference is booked as busy until `until`.
   */
  serverBusy?: { count: number; until: number };
  /** A 429 pauses a lane (or, with `daily`, the whole portal) for every caller until `until`. */
  pause?: { lane: PauseLane; until: number };
  /** For the day's usage: the attempt failed (no response, or an error status) / was a 429. */
  failed: boolean;
  rateLimited: boolean;
}

/** One portal's calls on one UTC day, as counted by the ledger. */
export interface DailyUsage {
  calls: number;
  errors: number;
  rateLimited: number;
}

export interface RateLedger {
  /**
   * Slots a governor should reserve ahead of demand on the standard lane while calls are
   * waiting, so the next call need not wait for the ledger. A ledger with a round trip per
   * reservation (the database) says how many; in memory it is 0.
   */
  readonly prefetch?: number;
  reserve(request: SlotReserveRequest): Promise<SlotReservation>;
  release(request: SlotReleaseRequest): Promise<void>;
  usage(portalId: number, day: string): Promise<DailyUsage>;
  /** Writes anything held back (a shared ledger may batch releases); called on shutdown. */
  flush?(): Promise<void>;
}

interface MemorySlot {
  id: string;
  /** Infinity while the request is in flight. */
  expiresAt: number;
}

interface MemoryPortal {
  lanes: Record<RateLane, MemorySlot[]>;
  pauses: Partial<Record<PauseLane, number>>;
  days: Map<string, DailyUsage>;
}

/** The slots still busy at `now`. */
function live(slots: MemorySlot[], now: number): MemorySlot[] {
  return slots.filter((slot) => slot.expiresAt > now);
}

/** The budget of every portal this process calls, kept in memory. */
export function createMemoryRateLedger(): RateLedger {
  const portals = new Map<string, MemoryPortal>();
  let nextId = 1;

  const portalOf = (portalId: number | undefined): MemoryPortal => {
    const key = String(portalId ?? '-');
    let portal = portals.get(key);
    if (portal === undefined) {
      portal = { lanes: { standard: [], search: [] }, pauses: {}, days: new Map() };
      portals.set(key, portal);
    }
    return portal;
  };
  const dayOf = (portal: MemoryPortal, day: string): DailyUsage => {
    let usage = portal.days.get(day);
    if (usage === undefined) {
      // Only today matters to the governor; older days are dropped as a new one starts.
      portal.days.clear();
      usage = { calls: 0, errors: 0, rateLimited: 0 };
      portal.days.set(day, usage);
    }
    return usage;
  };
  const pausedUntil = (portal: MemoryPortal, lane: PauseLane, now: number): number | null => {
    const until = portal.pauses[lane];
    return until !== undefined && until > now ? until : null;
  };

  return {
    reserve(request) {
      const { now, lane } = request;
      const portal = portalOf(request.portalId);
      const slots = (portal.lanes[lane] = live(portal.lanes[lane], now));
      const usage = dayOf(portal, request.day);
      const paused = pausedUntil(portal, lane, now);
      const dailyExhausted = pausedUntil(portal, 'daily', now) !== null;
      const dailyRoom = request.dailyCap === null ? Number.POSITIVE_INFINITY : request.dailyCap - usage.calls;
      const granted = paused !== null || dailyExhausted ? 0 : Math.max(0, Math.min(request.count, request.limit - slots.length, dailyRoom));
      const ids: string[] = [];
      for (let i = 0; i < granted; i++) {
        const id = `m${nextId++}`;
        slots.push({ id, expiresAt: Number.POSITIVE_INFINITY });
        ids.push(id);
      }
      usage.calls += granted;
      let retryAt: number | undefined;
      if (paused !== null) retryAt = paused;
      else if (granted < request.count && slots.length >= request.limit) {
        // Undefined when in-flight slots must free first: in one process their release pumps
        // the governor, and a timer here would spin a clock whose sleep moves time at once.
        const finite = slots
          .map((slot) => slot.expiresAt)
          .filter(Number.isFinite)
          .sort((a, b) => a - b);
        retryAt = finite[slots.length - request.limit];
      }
      return Promise.resolve({ slots: ids, busy: slots.length, pausedUntil: paused, dailyUsed: usage.calls, dailyExhausted, retryAt });
    },

    release(request) {
      const { now, lane } = request;
      const portal = portalOf(request.portalId);
      const slots = portal.lanes[lane];
      const slot = slots.find((s) => s.id === request.slot);
      const usage = dayOf(portal, request.day);
      if (request.unused === true) {
        if (slot !== undefined) slots.splice(slots.indexOf(slot), 1);
        usage.calls = Math.max(0, usage.calls - 1);
        return Promise.resolve();
      }
      if (slot !== undefined) slot.expiresAt = request.expiresAt;
      if (request.serverBusy !== undefined) {
        const busy = live(slots, now).length;
        for (let i = busy; i < request.serverBusy.count; i++) slots.push({ id: `m${nextId++}`, expiresAt: request.serverBusy.until });
      }
      if (request.pause !== undefined) {
        portal.pauses[request.pause.lane] = Math.max(portal.pauses[request.pause.lane] ?? 0, request.pause.until);
      }
      if (request.failed) usage.errors += 1;
      if (request.rateLimited) usage.rateLimited += 1;
      return Promise.resolve();
    },

    usage(portalId, day) {
      const usage = portalOf(portalId).days.get(day);
      return Promise.resolve({ calls: usage?.calls ?? 0, errors: usage?.errors ?? 0, rateLimited: usage?.rateLimited ?? 0 });
    },
  };
}
