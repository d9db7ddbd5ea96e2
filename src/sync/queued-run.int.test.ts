// A Sync now run whose `sync.push` job waits for a worker is `queued`: it is not mistaken for a
// run whose process died (however old its heartbeat, whatever became of the process that
// started it), a cancel ends it at once, and its job, taken later, calls HubSpot zero times.
// A job that fails for good ends its run failed with the reason. The service starts without
// working jobs (a `serve --web-only` with no worker); the test starts the worker when it wants.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB_KIND } from '../../test/support/database.js';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { syncPushJob, workSyncJobs } from './sync-jobs.js';

const W = '/api/workspaces/default';
let env: SandboxedService;

type Run = { id: string; status: string; phase: string; processed: number; error: string | null };

const db = () => env.ts.service.database.db;
const sandboxRequests = () => Object.values(env.sandbox.control.counts().byRoute).reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
const pushJobs = async () => (await env.ts.service.jobs.counts()).find((c) => c.queue === syncPushJob.name)!;

beforeAll(async () => {
  env = await startSandboxedService({ jobs: { work: false } });
  const customers = Array.from({ length: 30 }, (_, i) => ({ externalId: `q${i}`, email: `queued${i}@example.com`, firstName: `Q${i}` }));
  expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
});
afterAll(async () => env?.close());

describe('queued runs', () => {
  let queued: Run;

  it('stays queued while no worker takes its job, even when its starter is gone and its heartbeat old', async () => {
    const started = await env.admin.post<Run>(`${W}/sync/runs`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', phase: 'queued', processed: 0 });
    queued = started.body;
    // As if the process that started it (a `serve --web-only`) had died an hour ago: a real
    // pid of this host that no longer exists.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await db().updateTable('sync_runs').set({ owner: `${hostname()}:${gone}:web`, heartbeat_at: Date.now() - 3600_000 }).where('id', '=', queued.id).execute();
    // Another start and a process start-up both look for interrupted runs.
    const again = await env.admin.post(`${W}/sync/runs`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'SYNC_ALREADY_RUNNING', details: { runId: queued.id } } });
    expect(await env.ts.service.context.push.recoverInterruptedRuns(true)).toBe(0);
    expect((await env.admin.get<Run>(`${W}/sync/runs/${queued.id}`)).body).toMatchObject({ status: 'running', phase: 'queued' });
  });

  it('is cancelled at once, and its job, taken later, calls HubSpot zero times', async () => {
    const cancelled = await env.admin.post<Run>(`${W}/sync/runs/${queued.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', phase: 'done' });
    expect((await env.admin.get<Run>(`${W}/sync/runs/${queued.id}`)).body).toMatchObject({ status: 'cancelled', phase: 'done' });
    expect((await pushJobs()).queued).toBe(1);

    env.sandbox.control.resetCounts();
    const { service } = env.ts;
    await workSyncJobs({ db: service.database.db, clock: service.context.clock, push: service.context.push, jobs: service.jobs });
    await expect.poll(async () => (await pushJobs()).completed, { timeout: 60_000 }).toBe(1);
    expect(sandboxRequests()).toBe(0);
    expect((await env.admin.get<Run>(`${W}/sync/runs/${queued.id}`)).body).toMatchObject({ status: 'cancelled', processed: 0 });
    expect(await db().selectFrom('sync_attempts').select('id').where('run_id', '=', queued.id).execute()).toHaveLength(0);
  }, 90_000);

  describe('a job that fails', () => {
    // The database refuses to let a worker take a run over: a real failure of the job's handler.
    const refuseTakeover = async () => {
      const action = TEST_DB_KIND === 'postgres' ? 'for each row execute function refuse_takeover()' : "begin select raise(abort, 'the database refused the take-over'); end";
      await sql`create trigger refuse_takeover before update of owner on sync_runs ${sql.raw(action)}`.execute(db());
    };
    const allowTakeover = async () => {
      await sql`drop trigger refuse_takeover${sql.raw(TEST_DB_KIND === 'postgres' ? ' on sync_runs' : '')}`.execute(db());
    };
    beforeAll(async () => {
      if (TEST_DB_KIND === 'postgres') {
        await sql`create function refuse_takeover() returns trigger language plpgsql as $$ begin raise exception 'the database refused the take-over'; end $$`.execute(db());
      }
    });

    /** Sync now, with some work pending (a just-succeeded run would be answered instead). */
    const startRun = async (): Promise<Run> => {
      const customer = await db().selectFrom('customers').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect((await env.admin.patch(`${W}/customers/${customer.id}`, { firstName: `Changed ${Date.now()}` })).status).toBe(200);
      const started = await env.admin.post<Run>(`${W}/sync/runs`);
      expect(started.status).toBe(202);
      return started.body;
    };

    it('leaves its run queued while retries are left', async () => {
      await refuseTakeover();
      const started = await startRun();
      await expect.poll(async () => (await pushJobs()).retry, { timeout: 60_000 }).toBe(1);
      expect((await env.admin.get<Run>(`${W}/sync/runs/${started.id}`)).body).toMatchObject({ status: 'running', phase: 'queued' });
      await allowTakeover();
      const run = await waitForRun(env.admin, started.id, runEnded);
      // The first run was cancelled before it pushed anything: this one pushes all 30.
      expect(run).toMatchObject({ status: 'succeeded', processed: 30 });
    }, 90_000);

    it('ends its run failed with the reason when no attempt is left', async () => {
      await refuseTakeover();
      const started = await startRun();
      // The retries before the last one would fail the same way; the job is moved on to its
      // last attempt while it waits for its first retry.
      await onLastAttempt();
      const run = await waitForRun(env.admin, started.id, runEnded);
      expect(run['status']).toBe('failed');
      expect(run['error']).toMatch(new RegExp(`^The sync job failed ${syncPushJob.retry.limit + 1} times and will not be retried: .*the database refused the take-over`));
      await expect.poll(async () => (await pushJobs()).failed, { timeout: 60_000 }).toBe(1);
      await allowTakeover();
    }, 90_000);
  });
});

/** Waits for the push job to wait for a retry, then counts every retry but the last as used. */
async function onLastAttempt(): Promise<void> {
  const limit = syncPushJob.retry.limit;
  for (;;) {
    // Only while it waits (not while a worker holds it), so the backend's own count stays true.
    const moved =
      TEST_DB_KIND === 'postgres'
        ? // pg-boss adds the retry to retry_count when it fetches the job.
          await sql`update hubsync_jobs.job set retry_count = ${limit - 1} where name = ${syncPushJob.name} and state = 'retry'`.execute(db())
        : await sql`update jobs set attempts = ${limit} where queue = ${syncPushJob.name} and state = 'retry'`.execute(db());
    if (Number(moved.numAffectedRows ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
