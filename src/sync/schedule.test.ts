import parser from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { checkCron, checkTimezone, describeSchedule, firingsBetween, MAX_JITTER_MS, nextReconcileAt, scheduleInterval, scheduleJitter } from './schedule.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const ZURICH = 'Europe/Zurich';

describe('checkCron', () => {
  it('accepts five fields and normalises the spacing', () => {
    expect(checkCron('  0   3 * *  * ')).toEqual({ ok: true, value: '0 3 * * *' });
    expect(checkCron('*/5 * * * *')).toEqual({ ok: true, value: '*/5 * * * *' });
    expect(checkCron('30 9 * * mon-fri')).toEqual({ ok: true, value: '30 9 * * mon-fri' });
  });

  it('refuses seconds, aliases, wrong field counts and garbage with a reason', () => {
    const refused = (text: string) => {
      const result = checkCron(text);
      if (result.ok) throw new Error(`${text} was accepted`);
      return result.message;
    };
    expect(refused('0 0 3 * * *')).toMatch(/six fields, but seconds are not supported/);
    expect(refused('@daily')).toMatch(/alias/);
    expect(refused('0 3 * *')).toMatch(/has 4 fields/);
    expect(refused('')).toMatch(/five fields/);
    expect(refused('61 * * * *')).toMatch(/not a valid cron expression/);
    expect(refused('every day')).toMatch(/has 2 fields/);
    expect(refused('a b c d e')).toMatch(/not a valid cron expression/);
    expect(refused('0 0 31 2 *')).toMatch(/not a valid cron expression/);
  });
});

describe('checkTimezone', () => {
  it('accepts IANA names and returns their canonical spelling', () => {
    expect(checkTimezone('Europe/Zurich')).toEqual({ ok: true, value: 'Europe/Zurich' });
    expect(checkTimezone('UTC')).toEqual({ ok: true, value: 'UTC' });
    expect(checkTimezone('america/new_york')).toEqual({ ok: true, value: 'America/New_York' });
  });

  it('refuses unknown names and fixed offsets', () => {
    expect(checkTimezone('Mars/Olympus').ok).toBe(false);
    expect(checkTimezone('+01:00').ok).toBe(false);
    expect(checkTimezone('').ok).toBe(false);
  });
});

describe('jitter', () => {
  it('is fixed per workspace, below 10 minutes and below a tenth of the interval', () => {
    expect(scheduleInterval('0 3 * * *')).toBe(24 * HOUR);
    expect(scheduleInterval('*/5 * * * *')).toBe(5 * MIN);
    expect(scheduleInterval('0,1 3 * * *')).toBe(MIN);
    for (let i = 0; i < 500; i++) {
      const id = `ws_${i}`;
      expect(scheduleJitter('0 3 * * *', id)).toBe(scheduleJitter('0 3 * * *', id));
      expect(scheduleJitter('0 3 * * *', id)).toBeLessThan(MAX_JITTER_MS);
      expect(scheduleJitter('*/5 * * * *', id)).toBeLessThan(30_000);
      expect(scheduleJitter('* * * * *', id)).toBeLessThan(6_000);
      expect(scheduleJitter('0,1 3 * * *', id) % 1000).toBe(0);
    }
  });

  it('spreads a thousand workspaces on the same nightly schedule over the ten minutes', () => {
    const starts = Array.from({ length: 1000 }, (_, i) => nextReconcileAt('0 3 * * *', 'UTC', `ws_${i}`, Date.UTC(2026, 5, 1))!.getTime());
    const first = Date.UTC(2026, 5, 1, 3);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(first);
    expect(Math.max(...starts)).toBeLessThan(first + 10 * MIN);
    expect(new Set(starts).size).toBeGreaterThan(400);
    // Roughly even: each of the ten minutes gets some of them.
    const perMinute = new Map<number, number>();
    for (const s of starts) perMinute.set(Math.floor((s - first) / MIN), (perMinute.get(Math.floor((s - first) / MIN)) ?? 0) + 1);
    expect(perMinute.size).toBe(10);
    for (const count of perMinute.values()) expect(count).toBeGreaterThan(50);
  });
});

describe('nextReconcileAt', () => {
  const ws = 'ws_next';
  const at = (schedule: string | null, zone: string, now: number) => nextReconcileAt(schedule, zone, ws, now);

  it('is null when the schedule is off', () => {
    expect(at(null, ZURICH, Date.UTC(2026, 0, 1))).toBeNull();
  });

  it('reads the cron in the workspace zone and adds the jitter', () => {
    const jitter = scheduleJitter('0 3 * * *', ws);
    // 03:00 in Zurich is 02:00 UTC in winter and 01:00 UTC in summer.
    expect(at('0 3 * * *', ZURICH, Date.UTC(2026, 0, 10, 12))!.getTime()).toBe(Date.UTC(2026, 0, 11, 2) + jitter);
    expect(at('0 3 * * *', ZURICH, Date.UTC(2026, 6, 10, 12))!.getTime()).toBe(Date.UTC(2026, 6, 11, 1) + jitter);
    expect(at('0 3 * * *', 'UTC', Date.UTC(2026, 6, 10, 12))!.getTime()).toBe(Date.UTC(2026, 6, 11, 3) + jitter);
  });

  it('counts a jittered time still ahead today, and moves on once it has passed', () => {
    const jitter = scheduleJitter('0 3 * * *', ws);
    const today = Date.UTC(2026, 6, 10, 3) + jitter;
    expect(at('0 3 * * *', 'UTC', today - 1000)!.getTime()).toBe(today);
    expect(at('0 3 * * *', 'UTC', today)!.getTime()).toBe(today);
    expect(at('0 3 * * *', 'UTC', today + 1)!.getTime()).toBe(today + 24 * HOUR);
  });

  it('follows the wall clock across daylight saving changes in Europe/Zurich', () => {
    const jitter = scheduleJitter('0 3 * * *', ws);
    // Spring forward on 2026-03-29 (02:00 CET → 03:00 CEST): 03:00 exists, at 01:00 UTC.
    expect(at('0 3 * * *', ZURICH, Date.UTC(2026, 2, 28, 12))!.getTime()).toBe(Date.UTC(2026, 2, 29, 1) + jitter);
    // Fall back on 2026-10-25 (03:00 CEST → 02:00 CET): 03:00 is at 02:00 UTC.
    expect(at('0 3 * * *', ZURICH, Date.UTC(2026, 9, 24, 12))!.getTime()).toBe(Date.UTC(2026, 9, 25, 2) + jitter);
    const j230 = scheduleJitter('30 2 * * *', ws);
    // 02:30 does not exist on 2026-03-29: it runs an hour later, at 03:30 CEST (01:30 UTC).
    expect(at('30 2 * * *', ZURICH, Date.UTC(2026, 2, 28, 12))!.getTime()).toBe(Date.UTC(2026, 2, 29, 1, 30) + j230);
    // 02:30 happens twice on 2026-10-25: it runs once, at the first (00:30 UTC), then the next day.
    const first = at('30 2 * * *', ZURICH, Date.UTC(2026, 9, 24, 12))!.getTime();
    expect(first).toBe(Date.UTC(2026, 9, 25, 0, 30) + j230);
    expect(at('30 2 * * *', ZURICH, first + 1)!.getTime()).toBe(Date.UTC(2026, 9, 26, 1, 30) + j230);
  });
});

describe('cron day rules', () => {
  it('fires on either day field when both are restricted, on both when one is *, and on the last day with L', () => {
    const from = Date.UTC(2026, 5, 1, 12); // Monday 1 June 2026
    const next = (cron: string, after: number) => nextReconcileAt(cron, 'UTC', 'ws', after)!.getTime() - scheduleJitter(cron, 'ws');
    // "the 15th, or any Friday": Friday 5 June comes first.
    expect(next('0 3 15 * 5', from)).toBe(Date.UTC(2026, 5, 5, 3));
    expect(next('0 3 15 * 5', Date.UTC(2026, 5, 13))).toBe(Date.UTC(2026, 5, 15, 3));
    // Day of month 1–31 is no restriction: Fridays only.
    expect(next('0 3 1-31 * 5', from)).toBe(Date.UTC(2026, 5, 5, 3));
    expect(next('0 0 29 2 *', from)).toBe(Date.UTC(2028, 1, 29));
    expect(next('0 4 L * *', from)).toBe(Date.UTC(2026, 5, 30, 4));
    expect(next('30 23 * 12 0', from)).toBe(Date.UTC(2026, 11, 6, 23, 30));
  });
});

describe('the wall-clock walk', () => {
  it('agrees with cron-parser on the next fire time, in UTC and in Zurich away from the changes', () => {
    const crons = ['0 3 * * *', '*/7 * * * *', '15 */3 * * *', '0 9-17 * * 1-5', '5 4 * 1 2', '0 0 1,15 * *', '30 6 * * 0', '0 12 * 2 *', '59 23 31 * *', '0 0 13 * 5', '*/20 8-10 * * sat'];
    const starts = [Date.UTC(2026, 0, 1, 0, 0, 30), Date.UTC(2026, 5, 15, 13, 7), Date.UTC(2027, 1, 27, 23, 59, 59)];
    for (const zone of ['UTC', ZURICH]) {
      for (const cron of crons) {
        for (const start of starts) {
          const ours = nextReconcileAt(cron, zone, 'ws', start)!.getTime() - scheduleJitter(cron, 'ws');
          const theirs = parser.parseExpression(cron, { tz: zone, currentDate: new Date(start - scheduleJitter(cron, 'ws') - 1000) }).next().getTime();
          expect(new Date(ours).toISOString(), `${cron} in ${zone} after ${new Date(start).toISOString()}`).toBe(new Date(theirs).toISOString());
        }
      }
    }
  });
});

describe('firingsBetween', () => {
  /** Asked minute by minute over [from, to): every minute with a firing, and the firing. */
  const dueTicks = (schedule: string, zone: string, workspaceId: string, from: number, to: number) => {
    const due: { tick: number; at: number }[] = [];
    for (let tick = from; tick < to; tick += MIN) {
      const firings = firingsBetween(schedule, zone, workspaceId, tick, tick + MIN);
      expect(firings.length).toBeLessThanOrEqual(1);
      if (firings[0]) due.push({ tick, at: firings[0].getTime() });
    }
    // The whole span at once answers the same firings.
    expect(firingsBetween(schedule, zone, workspaceId, from, to).map((f) => f.getTime())).toEqual(due.map((d) => d.at));
    return due;
  };

  it('hands out a nightly run exactly once a day, on both daylight saving days', () => {
    for (const [day, utcHour] of [
      [Date.UTC(2026, 2, 29), 1],
      [Date.UTC(2026, 9, 25), 2],
    ] as const) {
      const due = dueTicks('0 3 * * *', ZURICH, 'ws_dst', day, day + 24 * HOUR);
      expect(due).toHaveLength(1);
      const expected = day + utcHour * HOUR + scheduleJitter('0 3 * * *', 'ws_dst');
      expect(due[0]!.at).toBe(expected);
      expect(due[0]!.tick).toBe(Math.floor(expected / MIN) * MIN);
    }
  });

  it('hands out an every-minute schedule once per minute and a 30-minute one 50 times on the 25-hour day', () => {
    const day = Date.UTC(2026, 9, 24, 22); // midnight in Zurich on the fall-back day
    // Across the change at 01:00 UTC (00:00–02:00 UTC is 02:00–03:00 twice in Zurich).
    for (const id of ['ws_a', 'ws_b']) {
      const everyMinute = dueTicks('* * * * *', ZURICH, id, day + 2.5 * HOUR, day + 3.5 * HOUR);
      expect(everyMinute).toHaveLength(60);
      for (const d of everyMinute) expect(d.at - d.tick).toBe(scheduleJitter('* * * * *', id));
    }
    // The day from local midnight to local midnight lasts 25 hours: 50 half hours.
    expect(dueTicks('*/30 * * * *', ZURICH, 'ws_c', day, day + 25 * HOUR)).toHaveLength(50);
  });

  it('answers every firing of a span of minutes once, and none when the schedule is off', () => {
    const start = Date.UTC(2026, 0, 1, 3);
    const jitter = scheduleJitter('*/2 * * * *', 'ws');
    expect(firingsBetween('*/2 * * * *', 'UTC', 'ws', start, start + 5 * MIN).map((f) => f.getTime())).toEqual([0, 2, 4].map((m) => start + m * MIN + jitter));
    // A span ending at a firing leaves it to the next span.
    expect(firingsBetween('*/2 * * * *', 'UTC', 'ws', start, start + 2 * MIN + jitter)).toHaveLength(1);
    expect(firingsBetween(null, 'UTC', 'ws', start, start + 60 * MIN)).toEqual([]);
  });
});

describe('describeSchedule', () => {
  it('reads the common schedules in words', () => {
    expect(describeSchedule('0 3 * * *', ZURICH)).toBe('every day at 03:00, Europe/Zurich');
    expect(describeSchedule('15 * * * *', 'UTC')).toBe('every hour at :15');
    expect(describeSchedule('*/5 * * * *', 'UTC')).toBe('every 5 minutes');
    expect(describeSchedule('* * * * *', 'UTC')).toBe('every minute');
    expect(describeSchedule('0 */6 * * *', ZURICH)).toBe('every 6 hours at :00, Europe/Zurich');
    expect(describeSchedule('30 9 * * 1', ZURICH)).toBe('Mondays at 09:30, Europe/Zurich');
    expect(describeSchedule('30 9 * * mon,thu', 'UTC')).toBe('Mondays and Thursdays at 09:30, UTC');
    expect(describeSchedule('0 7 * * 1-5', 'UTC')).toBe('weekdays at 07:00, UTC');
    expect(describeSchedule('0 10 * * 6,7', 'UTC')).toBe('weekends at 10:00, UTC');
    expect(describeSchedule('0 4 1 * *', 'UTC')).toBe('on the 1st of every month at 04:00, UTC');
    expect(describeSchedule(null, 'UTC')).toBe('off');
  });

  it('falls back to the cron text for unusual schedules', () => {
    expect(describeSchedule('5 4 * 1 2', ZURICH)).toBe('cron 5 4 * 1 2, Europe/Zurich');
    expect(describeSchedule('0 9,17 * * *', 'UTC')).toBe('cron 0 9,17 * * *, UTC');
  });
});
