// When a workspace's reconcile runs: its 5-field cron read in its IANA time zone, shifted by a
// per-workspace jitter so a thousand workspaces on `0 3 * * *` do not all start at 03:00:00.
// Pure (no clock, no database): the settings API, the health view and the scheduler tick all
// ask the same questions here.
//
// Semantics:
// - A schedule's *interval* is the smallest gap between consecutive fire times, measured in UTC
//   over its first 50 firings after 2001-01-01 (UTC so daylight saving does not enter into it).
// - The *jitter* is derived from a hash of the workspace id alone: a fixed whole number of
//   seconds below min(10 minutes, interval / 10). It is the same on every process and every
//   day, so each fire time moves by the same offset and no two firings swap order or merge.
// - Fire times follow the wall clock of the zone. On the spring-forward day a time that does
//   not exist (02:30 in Europe/Zurich) runs an hour later, at 03:30; on the fall-back day a
//   time that occurs twice runs once, at its first occurrence, unless the hour field is a
//   wildcard (`*` or a `*` step): such schedules run at both (`*/30 * * * *` keeps firing every
//   30 real minutes through the repeated hour).
// - A scheduler asks `firingsBetween` for the span of minutes a tick covers: every jittered
//   fire time falls in exactly one minute, so spans that only touch hand each firing out once,
//   and spans that overlap hand it out again (the tick sends each firing once by its key).
import { createHash } from 'node:crypto';
import parser from 'cron-parser';

export const DEFAULT_RECONCILE_SCHEDULE = '0 3 * * *';
export const DEFAULT_TIMEZONE = 'UTC';
/** The jitter never exceeds this, whatever the interval. */
export const MAX_JITTER_MS = 10 * 60_000;

export const MINUTE_MS = 60_000;

/** The start of the minute holding `t` (ms). */
export const startOfMinute = (t: number): number => Math.floor(t / MINUTE_MS) * MINUTE_MS;
const INTERVAL_SAMPLE = 50;
const INTERVAL_REFERENCE = Date.UTC(2001, 0, 1);

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const FIVE_FIELDS = 'five fields: minute hour day-of-month month day-of-week (e.g. 0 3 * * * for every day at 03:00)';

/**
 * Checks a 5-field cron and returns it with its whitespace normalised. Seconds (a sixth field),
 * `@daily`-style aliases and anything cron-parser refuses are rejected with a reason.
 */
export function checkCron(input: string): Checked<string> {
  const text = input.trim().replace(/\s+/g, ' ');
  if (text === '') return { ok: false, message: `enter a schedule with ${FIVE_FIELDS}` };
  if (text.startsWith('@')) return { ok: false, message: `"${text}" is an alias; write it with ${FIVE_FIELDS}` };
  const count = text.split(' ').length;
  if (count === 6) return { ok: false, message: `"${text}" has six fields, but seconds are not supported; use ${FIVE_FIELDS}` };
  if (count !== 5) return { ok: false, message: `"${text}" has ${count} field${count === 1 ? '' : 's'}; a schedule has ${FIVE_FIELDS}` };
  try {
    parser.parseExpression(text, { utc: true, currentDate: new Date(INTERVAL_REFERENCE) }).next();
    nextWall(text, INTERVAL_REFERENCE);
  } catch (error) {
    return { ok: false, message: `"${text}" is not a valid cron expression (${(error as Error).message})` };
  }
  return { ok: true, value: text };
}

/** Checks an IANA time zone name (as Intl knows it) and returns its canonical spelling. */
export function checkTimezone(input: string): Checked<string> {
  const zone = input.trim();
  // Intl also takes UTC offsets such as "+01:00"; a fixed offset ignores daylight saving,
  // which is exactly what a named zone is for, so only names are accepted.
  if (zone === '' || /^[+-]|^\d/.test(zone)) return { ok: false, message: `"${zone}" is not an IANA time zone name such as Europe/Zurich or UTC` };
  try {
    return { ok: true, value: new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone };
  } catch {
    return { ok: false, message: `"${zone}" is not an IANA time zone name such as Europe/Zurich or UTC` };
  }
}

const intervals = new Map<string, number>();

/** The smallest gap between two consecutive fire times of `cron`, in milliseconds. */
export function scheduleInterval(cron: string): number {
  const known = intervals.get(cron);
  if (known !== undefined) return known;
  let previous = nextWall(cron, INTERVAL_REFERENCE);
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < INTERVAL_SAMPLE; i++) {
    const next = nextWall(cron, previous + MINUTE_MS);
    smallest = Math.min(smallest, next - previous);
    previous = next;
  }
  // A cache of the schedules in use; a bounded map is enough, they are few.
  if (intervals.size >= 1000) intervals.clear();
  intervals.set(cron, smallest);
  return smallest;
}

/** The workspace's fixed offset from each fire time of `cron`: whole seconds, below min(10 min, interval / 10). */
export function scheduleJitter(cron: string, workspaceId: string): number {
  const limitSeconds = Math.floor(Math.min(MAX_JITTER_MS, scheduleInterval(cron) / 10) / 1000);
  const fraction = createHash('sha256').update(workspaceId).digest().readUInt32BE(0) / 2 ** 32;
  return Math.floor(fraction * limitSeconds) * 1000;
}

const DAY_MS = 86_400_000;

/** A cron's fields as sets, for walking wall times without cron-parser's per-step cost. */
interface CronSets {
  minutes: number[];
  hours: number[];
  months: Set<number>;
  days: Set<number>;
  weekdays: Set<number>;
  /** Standard cron: when both day fields are restricted, a day matching either one fires. */
  eitherDay: boolean;
}

const cronSets = new Map<string, CronSets | null>();

/** The cron's sets, or null when it uses `L` or `#` (then cron-parser walks it). */
function setsOf(cron: string): CronSets | null {
  const known = cronSets.get(cron);
  if (known !== undefined) return known;
  let sets: CronSets | null = null;
  if (!/[L#]/i.test(cron)) {
    const f = parser.parseExpression(cron, { utc: true }).fields;
    const days = new Set(f.dayOfMonth.map(Number));
    const weekdays = new Set(f.dayOfWeek.map((d) => Number(d) % 7));
    sets = { minutes: f.minute.map(Number).sort((a, b) => a - b), hours: f.hour.map(Number).sort((a, b) => a - b), months: new Set(f.month.map(Number)), days, weekdays, eitherDay: days.size < 31 && weekdays.size < 7 };
  }
  if (cronSets.size >= 1000) cronSets.clear();
  cronSets.set(cron, sets);
  return sets;
}

/** The first wall time (written as if UTC) at or after `from` at which `cron` fires. */
function nextWall(cron: string, from: number): number {
  const sets = setsOf(cron);
  if (!sets) return parser.parseExpression(cron, { utc: true, currentDate: new Date(Math.ceil(from / 1000) * 1000 - 1000) }).next().getTime();
  let t = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  // Eight years always hold a firing of a valid cron (29 February included).
  for (const end = t + 8 * 366 * DAY_MS; t < end; ) {
    const d = new Date(t);
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
    if (!sets.months.has(month + 1)) {
      t = Date.UTC(year, month + 1, 1);
      continue;
    }
    const domHit = sets.days.has(day);
    const dowHit = sets.weekdays.has(d.getUTCDay());
    if (!(sets.eitherDay ? domHit || dowHit : domHit && dowHit)) {
      t = Date.UTC(year, month, day + 1);
      continue;
    }
    const hour = sets.hours.find((h) => h >= d.getUTCHours());
    if (hour === undefined) {
      t = Date.UTC(year, month, day + 1);
      continue;
    }
    if (hour > d.getUTCHours()) {
      t = Date.UTC(year, month, day, hour);
      continue;
    }
    const minute = sets.minutes.find((m) => m >= d.getUTCMinutes());
    if (minute === undefined) {
      t = Date.UTC(year, month, day, hour + 1);
      continue;
    }
    return Date.UTC(year, month, day, hour, minute);
  }
  throw new Error(`The schedule "${cron}" never fires.`);
}

const HOUR_MS = 60 * MINUTE_MS;
/** Wider than any daylight-saving shift (at most 2 hours anywhere). */
const SHIFT_MS = 3 * HOUR_MS;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at instant `t` (ms). */
function zoneOffset(zone: string, t: number): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, format);
  }
  const part: Record<string, number> = {};
  for (const p of format.formatToParts(t)) part[p.type] = Number(p.value);
  const wall = Date.UTC(part['year']!, part['month']! - 1, part['day']!, part['hour']!, part['minute']!, part['second']!);
  return wall - Math.floor(t / 1000) * 1000;
}

const offsetSteady = (zone: string, t: number) => zoneOffset(zone, t - SHIFT_MS) === zoneOffset(zone, t + SHIFT_MS);

/**
 * The instants at which `zone`'s wall clock reads `wall` (a wall time written as if it were UTC).
 * A wall time skipped by a spring-forward change is moved forward by the change (02:30 → 03:30);
 * one repeated by a fall-back change happens twice, of which a schedule with a fixed hour keeps
 * the first and one with an hour wildcard (`*` or a `*` step) keeps both.
 */
function wallToInstants(zone: string, wall: number, fixedHour: boolean): number[] {
  const before = zoneOffset(zone, wall - 86_400_000);
  const after = zoneOffset(zone, wall + 86_400_000);
  const found = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((t) => t + zoneOffset(zone, t) === wall)
    .sort((a, b) => a - b);
  if (found.length === 0) return [wall - before];
  return fixedHour ? found.slice(0, 1) : found;
}

/**
 * The first fire time of `cron` in `timezone` at or after `at` (ms). The cron is walked on the
 * zone's wall clock with plain UTC date arithmetic and each wall time mapped to its instants:
 * cron-parser's own time-zone mode costs milliseconds a step (luxon), too slow for a scheduler
 * asking this for every workspace every minute.
 */
function fireAtOrAfter(cron: string, timezone: string, at: number): number {
  const fixedHour = !cron.split(' ')[1]!.startsWith('*');
  // Near a change, a wall time before `at`'s own can land after `at`: start the walk earlier.
  let wall = at + zoneOffset(timezone, at) - (offsetSteady(timezone, at) ? 0 : SHIFT_MS);
  let best = Number.POSITIVE_INFINITY;
  let bestWall = Number.POSITIVE_INFINITY;
  for (;; wall += 1000) {
    wall = nextWall(cron, wall);
    if (wall > bestWall + SHIFT_MS) return best;
    for (const t of wallToInstants(timezone, wall, fixedHour)) {
      if (t >= at && t < best) {
        best = t;
        bestWall = wall;
      }
    }
    // Away from a change, later wall times are later instants: the first one found is it.
    if (best !== Number.POSITIVE_INFINITY && offsetSteady(timezone, best)) return best;
  }
}

/**
 * When the workspace's next reconcile starts: the first jittered fire time at or after `now`,
 * or null when the schedule is off.
 *
 * @example nextReconcileAt('0 3 * * *', 'Europe/Zurich', 'ws_1', Date.UTC(2026, 0, 1, 12)) // 2026-01-02T02:0x:xxZ
 */
export function nextReconcileAt(schedule: string | null, timezone: string, workspaceId: string, now: number): Date | null {
  if (schedule === null) return null;
  const jitter = scheduleJitter(schedule, workspaceId);
  return new Date(fireAtOrAfter(schedule, timezone, now - jitter) + jitter);
}

/**
 * The workspace's jittered fire times `f` with `from <= f < to`, oldest first ([] when the
 * schedule is off). Asked for one minute, it answers that minute's firing; spans that only
 * touch never answer the same firing twice, and no firing falls between them.
 */
export function firingsBetween(schedule: string | null, timezone: string, workspaceId: string, from: number, to: number): Date[] {
  const firings: Date[] = [];
  for (let next = nextReconcileAt(schedule, timezone, workspaceId, from); next !== null && next.getTime() < to; next = nextReconcileAt(schedule, timezone, workspaceId, next.getTime() + 1)) {
    firings.push(next);
  }
  return firings;
}

const DAY_NAMES = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];
const pad = (n: number) => String(n).padStart(2, '0');
const isNumber = (field: string) => /^\d{1,2}$/.test(field);
const stepOf = (field: string) => /^\*\/(\d{1,2})$/.exec(field)?.[1];

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

function listing(items: string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/** Days of the week named by a day-of-week field (Monday first), or undefined when cron-parser disagrees. */
function weekdays(cron: string): number[] | undefined {
  try {
    const days = parser.parseExpression(cron).fields.dayOfWeek.map((d) => Number(d) % 7);
    return [...new Set(days)].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
  } catch {
    return undefined;
  }
}

/**
 * The schedule in words: "every day at 03:00, Europe/Zurich", "every hour at :15", "every 5
 * minutes", "Mondays at 09:30, UTC"; a schedule with no simple reading is shown as its cron text.
 */
export function describeSchedule(schedule: string | null, timezone: string): string {
  if (schedule === null) return 'off';
  const fallback = `cron ${schedule}, ${timezone}`;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = schedule.split(' ') as [string, string, string, string, string];
  const everyDay = dayOfMonth === '*' && month === '*' && dayOfWeek === '*';
  if (hour === '*' && everyDay) {
    if (minute === '*') return 'every minute';
    const step = stepOf(minute);
    if (step) return Number(step) === 1 ? 'every minute' : `every ${Number(step)} minutes`;
    if (isNumber(minute)) return `every hour at :${pad(Number(minute))}`;
    return fallback;
  }
  if (!isNumber(minute)) return fallback;
  const hourStep = stepOf(hour);
  if (hourStep && everyDay) return Number(hourStep) === 1 ? `every hour at :${pad(Number(minute))}` : `every ${Number(hourStep)} hours at :${pad(Number(minute))}, ${timezone}`;
  if (!isNumber(hour)) return fallback;
  const time = `${pad(Number(hour))}:${pad(Number(minute))}, ${timezone}`;
  if (everyDay) return `every day at ${time}`;
  if (dayOfMonth === '*' && month === '*') {
    const days = weekdays(schedule);
    if (!days) return fallback;
    if (days.join() === '1,2,3,4,5') return `weekdays at ${time}`;
    if (days.join() === '6,0') return `weekends at ${time}`;
    return `${listing(days.map((d) => DAY_NAMES[d]!))} at ${time}`;
  }
  if (isNumber(dayOfMonth) && month === '*' && dayOfWeek === '*') return `on the ${ordinal(Number(dayOfMonth))} of every month at ${time}`;
  return fallback;
}
