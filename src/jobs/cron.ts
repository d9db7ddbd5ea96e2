// Cron arithmetic for schedules (pure): which tick is due, and when the next one falls. Five
// fields (minute precision), read in an IANA time zone, like pg-boss's own schedules.
import cronParser from 'cron-parser';

/** Throws an Error naming the problem when `cron` is not a valid 5-field expression in `timezone`. */
export function assertCron(cron: string, timezone: string): void {
  if (cron.trim().split(/\s+/).length !== 5) throw new Error(`"${cron}" is not a 5-field cron expression`);
  // cron-parser only notices an unknown zone when it computes a date; Intl checks it at once.
  new Intl.DateTimeFormat('en', { timeZone: timezone });
  cronParser.parseExpression(cron, { tz: timezone });
}

/** The first tick strictly after `afterMs`. */
export function nextTickAt(cron: string, timezone: string, afterMs: number): number {
  return cronParser.parseExpression(cron, { tz: timezone, currentDate: new Date(afterMs) }).next().getTime();
}

/** The last tick at or before `atMs`. */
export function latestTickAt(cron: string, timezone: string, atMs: number): number {
  return cronParser.parseExpression(cron, { tz: timezone, currentDate: new Date(atMs + 1) }).prev().getTime();
}

/**
 * When a new schedule fires first: the current tick if it began less than a minute ago (as
 * pg-boss does, so "every minute" starts at once), else the next one.
 */
export function firstTickAt(cron: string, timezone: string, nowMs: number): number {
  const previous = cronParser.parseExpression(cron, { tz: timezone, currentDate: new Date(nowMs) }).prev().getTime();
  return nowMs - previous < 60_000 ? previous : nextTickAt(cron, timezone, nowMs);
}
