// The rate ledger kept in the database (src/store/rate-ledger.repository.ts), so every process
// using the database shares each HubSpot portal's burst window, pauses and daily count. The
// composition root hands it to the gateway.
//
// Releases are buffered and written with the process's next reservation for the portal, or a
// tenth of the slot's window after it was released when none comes first (a second for the
// burst lane, a tenth of a second for search), so a permit costs about one transaction. Holding
// a release back is safe: until it is written the slot counts as in flight, i.e. busy, and a
// released slot stays busy for a whole window anyway. This process never waits for it (its next
// reservation writes it first); another process calling the same portal sees the slot busy at
// most a tenth of a window longer. A release that pauses the portal (a 429) or hands back an
// unused slot is written at once (those made in the same tick — a governor's spares — together).
import type { RateLedger, SlotReleaseRequest } from '../hubspot/index.js';
import { findDailyUsage, releaseRateSlots, reserveRateSlots, type DatabaseKind, type Db, type RateSlotRelease } from '../store/index.js';

/**
 * Slots a reservation takes ahead of the calls waiting (RateLedger.prefetch): at 19 calls/s a
 * portal's process reserves about twice a second instead of four times, and the buffered
 * releases ride along. Spares not asked for within a second go back (rate-governor.ts).
 */
const PREFETCH = 8;

/** Portal 0 stands for "unknown portal"; the gateway only shares governors of known portals. */
const UNKNOWN_PORTAL = 0;

export function createDatabaseRateLedger(db: Db, kind: DatabaseKind, options: { prefetch?: number } = {}): RateLedger & { flush(): Promise<void> } {
  const pending = new Map<number, RateSlotRelease[]>();
  /** Per portal: when its buffered releases are written if no reservation took them first. */
  const timers = new Map<number, { at: number; timer: NodeJS.Timeout }>();

  const take = (portalId: number): RateSlotRelease[] => {
    clearTimeout(timers.get(portalId)?.timer);
    timers.delete(portalId);
    const releases = pending.get(portalId) ?? [];
    pending.delete(portalId);
    return releases;
  };
  // A failed write leaves its slots busy until their lease ends; nothing else depends on it.
  const write = (portalId: number): Promise<void> => releaseRateSlots(db, kind, portalId, take(portalId)).catch(() => undefined);
  const writeBy = (portalId: number, at: number): void => {
    const armed = timers.get(portalId);
    if (armed !== undefined && armed.at <= at) return;
    clearTimeout(armed?.timer);
    const timer = setTimeout(() => void write(portalId), Math.max(0, at - Date.now()));
    timer.unref();
    timers.set(portalId, { at, timer });
  };
  /** Per portal: a write already due at the end of this tick, which releases made meanwhile join. */
  const soon = new Map<number, Promise<void>>();
  const writeSoon = (portalId: number): Promise<void> => {
    let due = soon.get(portalId);
    if (due === undefined) {
      due = Promise.resolve().then(() => {
        soon.delete(portalId);
        return write(portalId);
      });
      soon.set(portalId, due);
    }
    return due;
  };
  const flush = async (): Promise<void> => {
    await Promise.all([...pending.keys()].map(write));
  };

  return {
    prefetch: options.prefetch ?? PREFETCH,
    reserve: async (request) => {
      const portalId = request.portalId ?? UNKNOWN_PORTAL;
      const releases = take(portalId);
      return reserveRateSlots(db, kind, { ...request, portalId }, releases);
    },
    release: async (request: SlotReleaseRequest) => {
      const portalId = request.portalId ?? UNKNOWN_PORTAL;
      const list = pending.get(portalId) ?? [];
      list.push({ ...request, portalId });
      pending.set(portalId, list);
      if (request.pause !== undefined || request.unused === true) {
        // Spares handed back together (one release each) go in one transaction.
        await writeSoon(portalId);
        return;
      }
      // expiresAt − now is the slot's window (plus the governor's margin).
      writeBy(portalId, Date.now() + Math.max(0, request.expiresAt - request.now) / 10);
    },
    usage: (portalId, day) => findDailyUsage(db, portalId, day),
    flush,
  };
}
