import { describe, expect, it } from 'vitest';
import { assertCron, firstTickAt, nextTickAt } from './cron.js';

describe('schedule ticks', () => {
  it('reads the cron in the given time zone', () => {
    // 03:00 in Zurich (UTC+1 in December) is 02:00 UTC.
    expect(new Date(nextTickAt('0 3 * * *', 'Europe/Zurich', Date.UTC(2026, 11, 2, 12))).toISOString()).toBe('2026-12-03T02:00:00.000Z');
  });

  it('fires a new every-minute schedule for the current minute, a nightly one at its next night', () => {
    const now = Date.UTC(2026, 11, 2, 12, 30, 20);
    expect(firstTickAt('* * * * *', 'UTC', now)).toBe(Date.UTC(2026, 11, 2, 12, 30));
    expect(firstTickAt('0 3 * * *', 'UTC', now)).toBe(Date.UTC(2026, 11, 3, 3));
  });

  it('refuses six fields and unknown zones', () => {
    expect(() => assertCron('* * * * * *', 'UTC')).toThrow(/5-field/);
    expect(() => assertCron('0 3 * * *', 'Mars/Olympus')).toThrow();
  });
});
