// The schedule tick evaluates the minute it was fired for, not the minute in which some worker
// got round to it: a `sync.tick` job processed minutes late (a slow worker, a retry) still
// sends that minute's due reconcile, and the same minute processed twice sends it once (the
// job layer's onceKey). Runs against the backend of TEST_DB_KIND (embedded SQLite or pg-boss).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB_KIND } from '../../test/support/database.js';
import { jobsSent, runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { DEFAULT_PG_BOSS_SCHEMA } from '../jobs/index.js';
import { findWorkspaceBySlug } from '../store/index.js';
import { scheduleJitter } from './schedule.js';
import { syncTickJob, workSyncJobs } from './sync-jobs.js';

const W = '/api/workspaces/default';
const MINUTE = 60_000;
let env: SandboxedService;

type Run = { id: string; trigger: string };
const scheduledRuns = async () => (await env.admin.get<{ runs: Run[] }>(`${W}/sync/runs?limit=50`)).body.runs.filter((r) => r.trigger === 'schedule');
const db = () => env.ts.service.database.db;

/** Rewrites when a job was created, as if it had been sent (or fired by its schedule) then. */
async function backdate(id: string, createdAt: number): Promise<void> {
  if (TEST_DB_KIND === 'postgres') {
    await sql`update ${sql.table(`${DEFAULT_PG_BOSS_SCHEMA}.job`)} set created_on = to_timestamp(${createdAt}::double precision / 1000) where id = ${id}::uuid`.execute(db());
  } else {
    await sql`update jobs set created_at = ${createdAt} where id = ${id}`.execute(db());
  }
}
async function stateOf(id: string): Promise<string | undefined> {
  const { rows } =
    TEST_DB_KIND === 'postgres'
      ? await sql<{ state: string }>`select state::text as state from ${sql.table(`${DEFAULT_PG_BOSS_SCHEMA}.job`)} where id = ${id}::uuid`.execute(db())
      : await sql<{ state: string }>`select state from jobs where id = ${id}`.execute(db());
  return rows[0]?.state;
}
const scheduledJobCount = () => jobsSent(env, 'sync.scheduled');
/** Sends a tick as fired at `createdAt` and waits until a worker has completed it. */
async function tickFiredAt(createdAt: number): Promise<void> {
  // Held back a second, so no worker takes it before it is backdated.
  const id = await env.ts.service.jobs.send(syncTickJob, {}, { delayMs: 1_000 });
  expect(id).not.toBeNull();
  await backdate(id!, createdAt);
  await expect.poll(() => stateOf(id!), { timeout: 30_000 }).toBe('completed');
}

/** A minute well in the past, and the hourly schedule whose jittered firing falls in it. */
let minute: number;
beforeAll(async () => {
  // Nobody works the jobs until the test has put its tick in place.
  env = await startSandboxedService({ jobs: { work: false } });
  const customers = Array.from({ length: 10 }, (_, i) => ({ externalId: `l${i}`, email: `l${i}@example.com`, firstName: `L${i}` }));
  expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['created']).toBe(10);
  const workspace = await findWorkspaceBySlug(db(), 'default');
  minute = Math.floor((Date.now() - 150_000) / MINUTE) * MINUTE;
  // Hourly schedules are jittered by up to 6 minutes: start the cron that much earlier.
  const jitter = scheduleJitter('0 * * * *', workspace!.id);
  const base = Math.ceil((minute - jitter) / MINUTE) * MINUTE;
  const saved = await env.admin.patch(`${W}/hubspot/settings`, { reconcileSchedule: `${new Date(base).getUTCMinutes()} * * * *`, timezone: 'UTC' });
  expect(saved.status).toBe(200);
  // As if the schedule had been saved and HubSpot connected an hour before that minute: a tick
  // sends no firing from before either.
  await db().updateTable('sync_settings').set({ schedule_changed_at: minute - 60 * MINUTE }).where('workspace_id', '=', workspace!.id).execute();
  await db().updateTable('hubspot_connections').set({ connected_at: minute - 60 * MINUTE }).where('workspace_id', '=', workspace!.id).execute();
}, 60_000);
afterAll(async () => env?.close());

describe(`the schedule tick (${TEST_DB_KIND})`, () => {
  it('processed late, still evaluates the minute it was fired for', async () => {
    const id = await env.ts.service.jobs.send(syncTickJob, {});
    await backdate(id!, minute + 1_000);
    // A worker starts taking jobs two and a half minutes after that tick was fired.
    const { service } = env.ts;
    await workSyncJobs({ db: service.database.db, clock: service.context.clock, push: service.context.push, jobs: service.jobs });
    await expect.poll(async () => (await scheduledRuns()).length, { timeout: 30_000 }).toBe(1);
    const [run] = await scheduledRuns();
    expect(await waitForRun(env.admin, run!.id, runEnded)).toMatchObject({ status: 'succeeded', created: 10 });
    expect(await stateOf(id!)).toBe('completed');
    expect(await scheduledJobCount()).toBe(1);
  });

  it('processing the same minute again sends nothing twice', async () => {
    // Work is pending again, so a second firing would start a second run.
    const more = Array.from({ length: 3 }, (_, i) => ({ externalId: `p${i}`, email: `p${i}@example.com`, firstName: `P${i}` }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: more })).body['created']).toBe(3);
    await tickFiredAt(minute + 30_000);
    await tickFiredAt(minute + 59_000);
    // Give a wrongly sent firing time to start its run before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await scheduledJobCount()).toBe(1);
    expect(await scheduledRuns()).toHaveLength(1);
    // The minute after it is not due: its tick sends nothing either.
    await tickFiredAt(minute + MINUTE);
    expect(await scheduledJobCount()).toBe(1);
  });
});
