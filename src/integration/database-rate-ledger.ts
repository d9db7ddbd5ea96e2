// The rate ledger kept in the database (src/store/rate-ledger.repository.ts), so every process
// using the database shares each HubSpot portal's burst window, pauses and daily count. The
// composition root hands it to the gateway.
//
// Releases are buffered and written with the process's next reservation for the portal (or
// after `flushDelayMs` when none comes), so a permit costs about one transaction. Holding a
// release back is safe: until it is written the slot counts as in flight, i.e. busy, and a
// released slot stays busy for a whole window anyway. A release that pauses the portal (a 429)
// or hands back an unused slot is written at once.
import type { RateLedger, SlotReleaseRequest } from '../hubspot/index.js';
import { findDailyUsage, releaseRateSlots, reserveRateSlots, type DatabaseKind, type Db, type RateSlotRelease } from '../store/index.js';

/** Portal 0 stands for "unknown portal"; the gateway only shares governors of known portals. */
const UNKNOWN_PORTAL = 0;

export function createDatabaseRateLedger(db: Db, kind: DatabaseKind, options: { flushDelayMs?: number; prefetch?: number } = {}): RateLedger & { flush(): Promise<void> } {
  const flushDelayMs = options.flushDelayMs ?? 200;
  const pending = new Map<number, RateSlotRelease[]>();
  let timer: NodeJS.Timeout | undefined;

  const take = (portalId: number): RateSlotRelease[] => {
    const releases = pending.get(portalId) ?? [];
    pending.delete(portalId);
    return releases;
  };
  // A failed write leaves its slots busy until their lease ends; nothing else depends on it.
  const write = (portalId: number): Promise<void> => releaseRateSlots(db, kind, portalId, take(portalId)).catch(() => undefined);
  const flush = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    await Promise.all([...pending.keys()].map(write));
  };

  return {
    prefetch: options.prefetch ?? 4,
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
        await write(portalId);
        return;
      }
      if (timer === undefined) {
        timer = setTimeout(() => void flush(), flushDelayMs);
        timer.unref();
      }
    },
    usage: (portalId, day) => findDailyUsage(db, portalId, day),
    flush,
  };
}
