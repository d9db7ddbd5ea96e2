// Every HTTP attempt the client makes is reported once through an `onCall` hook, so the sync
// log can attribute calls to a run (via `tag`) and the health view can show usage. The
// in-memory counter here is the simplest consumer: calls per portal per UTC day.

import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import type { HubSpotErrorCode } from './errors.js';

export interface CallRecord {
  portalId: number | undefined;
  method: string;
  /** Route template, e.g. `/crm/v3/objects/{objectType}/batch/read`. */
  route: string;
  /** HTTP status, or null when no response arrived (timeout, network failure). */
  status: number | null;
  /** Set when this attempt failed. */
  errorCode: HubSpotErrorCode | undefined;
  durationMs: number;
  /** 1-based attempt number within the logical call. */
  attempt: number;
  /** Whether the client will send this call again after this attempt. */
  retried: boolean;
  rateLimited: boolean;
  correlationId: string | undefined;
  tag: string | undefined;
  /** Epoch ms (injected clock) when the attempt was sent. */
  startedAt: number;
}

/** Receives one record per HTTP attempt. Must not throw; errors are swallowed. */
export type CallHook = (call: CallRecord) => void;

export interface DailyCallCounts {
  portalId: number | undefined;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  calls: number;
  errors: number;
  rateLimited: number;
}

export interface DailyCallCounter {
  /** Pass as the client's `onCall` (it is bound). */
  readonly record: CallHook;
  /** Today's counts for a portal (use `undefined` for calls made without a portal id). */
  today(portalId: number | undefined): DailyCallCounts;
  /** All counts kept, oldest day first. */
  all(): DailyCallCounts[];
}

/** Counts attempts per portal per UTC day in memory; keeps the last `keepDays` days. */
export function createDailyCallCounter(options: { clock?: Clock; keepDays?: number } = {}): DailyCallCounter {
  const clock = options.clock ?? systemClock;
  const keepDays = options.keepDays ?? 7;
  const counts = new Map<string, DailyCallCounts>();
  const keyOf = (portalId: number | undefined, day: string): string => `${day}|${portalId ?? '-'}`;
  const dayOf = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);

  const entry = (portalId: number | undefined, day: string): DailyCallCounts => {
    const key = keyOf(portalId, day);
    let found = counts.get(key);
    if (found === undefined) {
      found = { portalId, day, calls: 0, errors: 0, rateLimited: 0 };
      counts.set(key, found);
      const days = [...new Set([...counts.values()].map((c) => c.day))].sort();
      const dropBefore = days[days.length - keepDays];
      if (dropBefore !== undefined) for (const [k, c] of counts) if (c.day < dropBefore) counts.delete(k);
    }
    return found;
  };

  return {
    record: (call) => {
      const counted = entry(call.portalId, dayOf(call.startedAt));
      counted.calls += 1;
      if (call.errorCode !== undefined) counted.errors += 1;
      if (call.rateLimited) counted.rateLimited += 1;
    },
    today: (portalId) => ({ ...entry(portalId, dayOf(clock.now())) }),
    all: () => [...counts.values()].sort((a, b) => a.day.localeCompare(b.day)).map((c) => ({ ...c })),
  };
}
