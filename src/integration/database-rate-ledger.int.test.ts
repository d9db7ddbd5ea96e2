// The database rate ledger as two processes see it: two connections to one real database
// (a SQLite file, or PostgreSQL under HUBSYNC_TEST_DB=postgres), each with its own governor.
// Time is a ManualClock, so the window and the pauses move only when the test says.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createRateGovernor, type RateGovernor, type RateLedger, type RatePermit } from '../hubspot/index.js';
import { ManualClock } from '../lib/index.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../store/index.js';
import { createDatabaseRateLedger } from './database-rate-ledger.js';

let testDb: TestDatabase;
const opened: OpenedDatabase[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  const first = openDatabase(testDb.config);
  opened.push(first, openDatabase(testDb.config));
  await migrateToLatest(first.db);
});

afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await testDb?.drop();
});

const MARGIN = 50;
let nextPortal = 7_000;

/** Two "processes": each its own connection, ledger and governor for one portal. */
function twoProcesses(burstMax: number) {
  const clock = new ManualClock();
  const portalId = nextPortal++;
  const [first, second] = opened.map((o) => createDatabaseRateLedger(o.db, o.kind, { prefetch: 0 })) as [SharedLedger, SharedLedger];
  // b's reservations are counted once answered, so a test can wait for "b has asked again".
  const answered = { count: 0 };
  const counted: RateLedger = { ...second, reserve: (request) => second.reserve(request).finally(() => (answered.count += 1)) };
  const make = (ledger: RateLedger): RateGovernor =>
    createRateGovernor({ clock, ledger, portalId, safetyMarginMs: MARGIN, limits: { burstMax, burstWindowMs: 1_000, searchMax: 5, searchWindowMs: 1_000, dailyMax: null } });
  return { clock, portalId, ledgers: [first, second] as const, answered, a: make(first), b: make(counted) };
}

type SharedLedger = ReturnType<typeof createDatabaseRateLedger>;

function track(promise: Promise<RatePermit>) {
  const state: { permit: RatePermit | null } = { permit: null };
  void promise.then((permit) => (state.permit = permit));
  return state;
}

/** Waits (real time, bounded) until `check` holds: the ledger answers over real I/O. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}

const day = (clock: ManualClock) => new Date(clock.now()).toISOString().slice(0, 10);

it('shares the window between processes: a slot one frees serves the other a window after its response', async () => {
  const { clock, portalId, ledgers, answered, a, b } = twoProcesses(2);
  const first = await a.acquire();
  await a.acquire();
  const waiting = track(b.acquire());
  await until(() => answered.count === 1);
  expect(waiting.permit).toBeNull();
  expect(b.snapshot().burst.busy).toBe(2);

  first.settle({ status: 200, headers: {} });
  await ledgers[0].flush();
  clock.advance(1_000 + MARGIN - 1);
  await until(() => answered.count === 2); // b woke a window on and asked again: still full
  expect(waiting.permit).toBeNull();
  clock.advance(1);
  await until(() => waiting.permit !== null);
  expect(await ledgers[0].usage(portalId, day(clock))).toEqual({ calls: 3, errors: 0, rateLimited: 0 });
});

it('pauses the portal for every process after a 429 seen by one', async () => {
  const { clock, portalId, ledgers, a, b } = twoProcesses(10);
  (await a.acquire()).settle({ status: 429, headers: { 'x-hubspot-ratelimit-interval-milliseconds': '1000' }, rateLimit: 'TEN_SECONDLY_ROLLING' });
  await until(async () => (await ledgers[1].usage(portalId, day(clock))).rateLimited === 1);

  const waiting = track(b.acquire());
  await until(() => b.snapshot().burst.pausedUntil !== null);
  expect(waiting.permit).toBeNull();
  clock.advance(1_000);
  await until(() => waiting.permit !== null);
  expect(await ledgers[1].usage(portalId, day(clock))).toEqual({ calls: 2, errors: 1, rateLimited: 1 });
});

it('writes a release a tenth of its window later when no reservation of its process takes it first', async () => {
  const { portalId, a } = twoProcesses(2);
  (await a.acquire()).settle({ status: 200, headers: {} });
  // No flush and no further reservation: the release is written on its own (the window is 1 s).
  const released = async (): Promise<boolean> => {
    const rows = await opened[1]!.db.selectFrom('hubspot_rate_slots').select('in_flight').where('portal_id', '=', portalId).execute();
    return rows.length === 1 && Number(rows[0]!.in_flight) === 0;
  };
  await until(released);
});

/** The portal's slots as the ledger holds them (busy now: in flight, or released within the window). */
const slotsOf = async (portalId: number): Promise<number> =>
  (await opened[0]!.db.selectFrom('hubspot_rate_slots').select('id').where('portal_id', '=', portalId).execute()).length;

it('books what HubSpot counted beyond the ledger (another app on the portal), with a reservation or on its own', async () => {
  const { portalId, ledgers, a, b } = twoProcesses(10);
  // HubSpot says 4 of 10 are used while the ledger holds 1: 3 more are booked busy.
  const seen = { 'x-hubspot-ratelimit-max': '10', 'x-hubspot-ratelimit-remaining': '6' };
  (await a.acquire()).settle({ status: 200, headers: seen });
  await a.acquire(); // the release rides along with this reservation
  expect(await slotsOf(portalId)).toBe(5);
  expect(a.snapshot().burst.busy).toBe(5);
  // Written on its own (no reservation follows): the same booking, counted in that transaction.
  (await b.acquire()).settle({ status: 200, headers: { ...seen, 'x-hubspot-ratelimit-remaining': '2' } });
  await ledgers[1].flush();
  expect(await slotsOf(portalId)).toBe(8);
});
