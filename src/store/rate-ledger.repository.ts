// A HubSpot portal's rate budget in the database, shared by every process using it: window
// slots per portal and lane, the pauses a 429 asks for, and the calls per portal and UTC day.
//
// Each function is one short transaction, serialized per portal so that counting the window
// and taking slots cannot interleave with another process doing the same: on PostgreSQL a
// transaction-scoped advisory lock on the portal; on SQLite the database's write lock, taken by
// opening with a write (so a second process waits on the busy timeout instead of failing).
// Releases are applied in batches, usually inside the next reservation's transaction, so one
// permit costs about one transaction. On PostgreSQL these transactions commit without waiting
// for the disk (`synchronous_commit = off`): a crash may lose the last few milliseconds of
// bookkeeping, which only leaves slots busy until their lease ends.
// These transactions never wait on anything but the database; callers must not hold another
// transaction of the same process open around them (SQLite has one connection).
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './tables.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface RateSlotReserve {
  portalId: number;
  lane: string;
  count: number;
  limit: number;
  windowMs: number;
  /** The most calls the day may hold once these are granted; null for no cap. */
  dailyCap: number | null;
  day: string;
  now: number;
  /** A reserved slot frees at `now + leaseMs` unless released sooner. */
  leaseMs: number;
}

export interface RateSlotReservation {
  slots: string[];
  busy: number;
  pausedUntil: number | null;
  dailyUsed: number;
  dailyExhausted: boolean;
  retryAt: number | undefined;
}

export interface RateSlotRelease {
  portalId: number;
  lane: string;
  slot: string;
  day: string;
  now: number;
  expiresAt: number;
  unused?: boolean;
  serverBusy?: { count: number; until: number };
  pause?: { lane: string; until: number };
  failed: boolean;
  rateLimited: boolean;
}

export interface DailyUsageRow {
  calls: number;
  errors: number;
  rateLimited: number;
}

const DAILY_LANE = 'daily';

async function lockPortal(trx: Transaction<Database>, kind: DatabaseKind, portalId: number): Promise<void> {
  if (kind === 'postgres') {
    await sql`select set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtextextended(${`hubsync.rate.${portalId}`}, 0))`.execute(trx);
  }
  // SQLite: the caller's first statement is a write, which takes the write lock.
}

/** Per lane: how many requests HubSpot said it counted in the window (the highest heard), until when, and as of when. */
type ServerBusy = Map<string, { count: number; until: number; now: number }>;

/**
 * Applies released slots (one portal's) and what their responses taught. Returns what HubSpot
 * said it counted, for `bookServerBusy` (a reservation books it with the count it reads anyway).
 */
async function applyReleases(trx: Transaction<Database>, portalId: number, releases: readonly RateSlotRelease[]): Promise<ServerBusy> {
  const booked: ServerBusy = new Map();
  const usage = new Map<string, { calls: number; errors: number; rateLimited: number }>();
  // Unused slots are deleted, used ones freed at their `expiresAt`: a statement each for all.
  const unused = releases.filter((release) => release.unused === true).map((release) => release.slot);
  const used = releases.filter((release) => release.unused !== true);
  if (unused.length > 0) await trx.deleteFrom('hubspot_rate_slots').where('id', 'in', unused).execute();
  for (let i = 0; i < used.length; i += 500) {
    const rows = used.slice(i, i + 500).map((release) => sql`(${release.slot}, ${release.expiresAt})`);
    // A VALUES list is named column1, column2 on both PostgreSQL and SQLite.
    await sql`update hubspot_rate_slots set expires_at = cast(v.column2 as bigint), in_flight = 0 from (values ${sql.join(rows)}) as v where hubspot_rate_slots.id = v.column1`.execute(trx);
  }
  for (const release of releases) {
    const day = usage.get(release.day) ?? { calls: 0, errors: 0, rateLimited: 0 };
    usage.set(release.day, day);
    if (release.unused === true) {
      day.calls -= 1;
      continue;
    }
    if (release.serverBusy !== undefined) {
      const seen = booked.get(release.lane);
      if (seen === undefined || release.serverBusy.count > seen.count) booked.set(release.lane, { ...release.serverBusy, now: release.now });
    }
    if (release.pause !== undefined) {
      const until = release.pause.until;
      await trx
        .insertInto('hubspot_rate_pauses')
        .values({ portal_id: portalId, lane: release.pause.lane, paused_until: until })
        .onConflict((oc) =>
          oc.columns(['portal_id', 'lane']).doUpdateSet({
            paused_until: sql`case when hubspot_rate_pauses.paused_until > ${until} then hubspot_rate_pauses.paused_until else ${until} end`,
          }),
        )
        .execute();
    }
    if (release.failed) day.errors += 1;
    if (release.rateLimited) day.rateLimited += 1;
  }
  for (const [day, add] of usage) {
    if (add.calls !== 0 || add.errors !== 0 || add.rateLimited !== 0) await addUsage(trx, portalId, day, add);
  }
  return booked;
}

/**
 * HubSpot counted more than the ledger holds (another app on the portal): books the rest as
 * busy until the window HubSpot counted them in ends. `known` gives a lane's busy slots already
 * counted in this transaction (a reservation's, at its `now`, which is no earlier than the
 * responses': it counts no more slots than they saw, so it books no fewer); other lanes are
 * counted here. Returns the slots booked per lane.
 */
async function bookServerBusy(trx: Transaction<Database>, portalId: number, booked: ServerBusy, known?: { lane: string; busy: number }): Promise<Map<string, number>> {
  const added = new Map<string, number>();
  for (const [lane, { count, until, now }] of booked) {
    let busy = known?.lane === lane ? known.busy : undefined;
    if (busy === undefined) {
      const { n } = await trx
        .selectFrom('hubspot_rate_slots')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('portal_id', '=', portalId)
        .where('lane', '=', lane)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow();
      busy = Number(n);
    }
    const missing = count - busy;
    if (missing > 0) {
      await trx
        .insertInto('hubspot_rate_slots')
        .values(Array.from({ length: missing }, () => ({ id: randomUUID(), portal_id: portalId, lane, expires_at: until, in_flight: 0 })))
        .execute();
      added.set(lane, missing);
    }
  }
  return added;
}

async function addUsage(trx: Transaction<Database>, portalId: number, day: string, add: { calls: number; errors: number; rateLimited: number }): Promise<number> {
  const row = await trx
    .insertInto('hubspot_daily_usage')
    .values({ portal_id: portalId, day, calls: Math.max(0, add.calls), errors: add.errors, rate_limited: add.rateLimited })
    .onConflict((oc) =>
      oc.columns(['portal_id', 'day']).doUpdateSet({
        calls: sql`hubspot_daily_usage.calls + ${add.calls}`,
        errors: sql`hubspot_daily_usage.errors + ${add.errors}`,
        rate_limited: sql`hubspot_daily_usage.rate_limited + ${add.rateLimited}`,
      }),
    )
    .returning('calls')
    .executeTakeFirstOrThrow();
  return Number(row.calls);
}

/**
 * Applies the portal's pending `releases`, counts the lane's busy slots in the rolling window
 * (dropping the portal's expired ones) and takes as many of the `count` asked for as the limit,
 * a pause and the daily cap allow.
 */
export async function reserveRateSlots(db: Db, kind: DatabaseKind, request: RateSlotReserve, releases: readonly RateSlotRelease[] = []): Promise<RateSlotReservation> {
  const { portalId, lane, now, day } = request;
  return db.transaction().execute(async (trx) => {
    await lockPortal(trx, kind, portalId);
    const serverBusy = await applyReleases(trx, portalId, releases);
    await trx.deleteFrom('hubspot_rate_slots').where('portal_id', '=', portalId).where('expires_at', '<=', now).execute();
    const state = await trx
      .selectNoFrom((eb) => [
        eb.selectFrom('hubspot_rate_slots').select((e) => e.fn.countAll<number>().as('n')).where('portal_id', '=', portalId).where('lane', '=', lane).as('busy'),
        eb.selectFrom('hubspot_rate_pauses').select('paused_until').where('portal_id', '=', portalId).where('lane', '=', lane).as('lane_paused'),
        eb.selectFrom('hubspot_rate_pauses').select('paused_until').where('portal_id', '=', portalId).where('lane', '=', DAILY_LANE).as('daily_paused'),
        eb.selectFrom('hubspot_daily_usage').select('calls').where('portal_id', '=', portalId).where('day', '=', day).as('daily_used'),
      ])
      .executeTakeFirstOrThrow();
    const counted = Number(state.busy ?? 0);
    const busy = counted + ((await bookServerBusy(trx, portalId, serverBusy, { lane, busy: counted })).get(lane) ?? 0);
    const lanePaused = state.lane_paused === null || Number(state.lane_paused) <= now ? null : Number(state.lane_paused);
    const dailyExhausted = state.daily_paused !== null && Number(state.daily_paused) > now;
    let dailyUsed = Number(state.daily_used ?? 0);
    const dailyRoom = request.dailyCap === null ? Number.POSITIVE_INFINITY : request.dailyCap - dailyUsed;
    const granted = lanePaused !== null || dailyExhausted ? 0 : Math.max(0, Math.min(request.count, request.limit - busy, dailyRoom));
    const slots = Array.from({ length: granted }, () => randomUUID());
    if (granted > 0) {
      await trx
        .insertInto('hubspot_rate_slots')
        .values(slots.map((id) => ({ id, portal_id: portalId, lane, expires_at: now + request.leaseMs, in_flight: 1 })))
        .execute();
      dailyUsed = await addUsage(trx, portalId, day, { calls: granted, errors: 0, rateLimited: 0 });
    }
    const busyNow = busy + granted;
    let retryAt: number | undefined;
    if (lanePaused !== null) retryAt = lanePaused;
    else if (granted < request.count && busyNow >= request.limit) {
      // The (busy - limit + 1)th slot to expire frees the next one. Released slots expire
      // within a window from now, in-flight ones a window after their response at the
      // earliest; so when too few are released, a window from now is the earliest worth asking.
      const nth = await trx
        .selectFrom('hubspot_rate_slots')
        .select('expires_at')
        .where('portal_id', '=', portalId)
        .where('lane', '=', lane)
        .where('in_flight', '=', 0)
        .orderBy('expires_at')
        .limit(1)
        .offset(busyNow - request.limit)
        .executeTakeFirst();
      retryAt = nth === undefined ? now + request.windowMs : Number(nth.expires_at);
    }
    return { slots, busy: busyNow, pausedUntil: lanePaused, dailyUsed, dailyExhausted, retryAt };
  });
}

/** Applies released slots of one portal (each frees at its `expiresAt`) and what their responses taught. */
export async function releaseRateSlots(db: Db, kind: DatabaseKind, portalId: number, releases: readonly RateSlotRelease[]): Promise<void> {
  if (releases.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await lockPortal(trx, kind, portalId);
    await bookServerBusy(trx, portalId, await applyReleases(trx, portalId, releases));
  });
}

/** A portal's counted calls on one UTC day (zeros when none). */
export async function findDailyUsage(db: Db, portalId: number, day: string): Promise<DailyUsageRow> {
  const row = await db.selectFrom('hubspot_daily_usage').selectAll().where('portal_id', '=', portalId).where('day', '=', day).executeTakeFirst();
  return { calls: Number(row?.calls ?? 0), errors: Number(row?.errors ?? 0), rateLimited: Number(row?.rate_limited ?? 0) };
}

/** Every portal's counted calls on one UTC day (GET /metrics: the daily quota used per portal). */
export async function listDailyUsage(db: Db, day: string): Promise<(DailyUsageRow & { portalId: number })[]> {
  const rows = await db.selectFrom('hubspot_daily_usage').selectAll().where('day', '=', day).execute();
  return rows.map((row) => ({ portalId: Number(row.portal_id), calls: Number(row.calls), errors: Number(row.errors), rateLimited: Number(row.rate_limited) }));
}
