// The reconcile schedule in real time with real processes (PostgreSQL + pg-boss only): a web
// process (this one, working no jobs) and two `hubsync worker` child processes share one
// database; a workspace connected to a sandbox portal over HTTP reconciles every minute. Over
// two real minutes exactly one `sync.scheduled` job is created per minute (read from pg-boss's
// own tables), and the runs they start carry trigger `schedule`. After disconnect
// the next minute's tick sends nothing, no run starts and the portal gets no request; both
// workers then exit 0 on SIGTERM.
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, takingJobs, until, type Cli } from '../../test/support/cli-process.js';
import { TEST_DB_KIND } from '../../test/support/database.js';
import { startSandboxedService, workerEnvOf, type SandboxedService } from '../../test/support/sandboxed.js';
import { DEFAULT_PG_BOSS_SCHEMA } from '../jobs/index.js';
import { findWorkspaceBySlug } from '../store/index.js';
import { scheduleJitter } from './schedule.js';

const W = '/api/workspaces/default';
const MINUTE = 60_000;
const minuteOf = (t: number): number => Math.floor(t / MINUTE) * MINUTE;
const at = (t: number): string => new Date(t).toISOString();

let env: SandboxedService | undefined;
const workers: Cli[] = [];
afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await env?.close();
});

type Run = { id: string; trigger: string; startedAt: string };
async function scheduledRuns(): Promise<{ id: string; started: number }[]> {
  const runs = (await env!.admin.get<{ runs: Run[] }>(`${W}/sync/runs?limit=100`)).body.runs;
  return runs
    .filter((r) => r.trigger === 'schedule')
    .map((r) => ({ id: r.id, started: Date.parse(r.startedAt) }))
    .sort((a, b) => a.started - b.started);
}

/** Jobs of one pg-boss queue as its job table holds them (nothing is archived within 12 hours). */
async function bossJobs(queue: string): Promise<{ state: string; created: number; fireAt: number | null }[]> {
  const { rows } = await sql<{ state: string; created: string; fire_at: string | null }>`
    select state::text as state, (extract(epoch from created_on) * 1000)::bigint::text as created, data->>'fireAt' as fire_at
    from ${sql.table(`${DEFAULT_PG_BOSS_SCHEMA}.job`)} where name = ${queue} order by created_on`.execute(env!.ts.service.database.db);
  return rows.map((r) => ({ state: r.state, created: Number(r.created), fireAt: r.fire_at === null ? null : Number(r.fire_at) }));
}
const waiting = (state: string): boolean => ['created', 'retry', 'active'].includes(state);

describe.skipIf(TEST_DB_KIND !== 'postgres')('an every-minute schedule with two worker processes', () => {
  it('fires exactly once per minute; after disconnect it fires no more and nothing calls HubSpot', async () => {
    env = await startSandboxedService({ jobs: { work: false } });
    const workspace = await findWorkspaceBySlug(env.ts.service.database.db, 'default');
    // An every-minute schedule is jittered by less than a tenth of its minute.
    expect(scheduleJitter('* * * * *', workspace!.id)).toBeLessThan(6_000);
    const saved = await env.admin.patch<{ nextReconcileAt: string | null }>(`${W}/hubspot/settings`, { reconcileSchedule: '* * * * *', timezone: 'UTC' });
    expect(saved.status).toBe(200);
    expect(saved.body.nextReconcileAt).not.toBeNull();
    const customers = Array.from({ length: 20 }, (_, i) => ({ externalId: `m${i}`, email: `m${i}@example.com`, firstName: `M${i}` }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['created']).toBe(20);

    const workerEnv = workerEnvOf(env);
    workers.push(runCli(['worker'], workerEnv), runCli(['worker'], workerEnv));
    await Promise.all(workers.map(takingJobs));

    // Two firings handed out and done: the first one's minute and the one after it.
    const completed = (jobs: { state: string }[]): number => jobs.filter((j) => j.state === 'completed').length;
    await until(async () => completed(await bossJobs('sync.scheduled')) >= 2, 'two scheduled firings done', workers);
    const first = minuteOf(Math.min(...(await bossJobs('sync.scheduled')).map((j) => j.fireAt!)));
    // A duplicate firing of the second minute would have been sent well before 45 s into it
    // (jitter < 6 s, pg-boss turns a tick into a job within seconds); the next minute's tick
    // comes only after 60 s.
    await until(() => Date.now() >= first + MINUTE + 45_000, 'late in the second minute', workers);
    // One sync.scheduled job per minute, each fired for its minute: none skipped, none twice. (On
    // a loaded machine a minute's tick can come late and the firing be handed out by the next
    // tick, so the jobs, not when the runs started, tell the minutes.)
    const jobs = await bossJobs('sync.scheduled');
    const minutes = jobs.map((j) => j.fireAt!).sort((a, b) => a - b).map((fireAt) => at(minuteOf(fireAt)));
    expect(minutes.length).toBeGreaterThanOrEqual(2);
    expect(minutes).toEqual(minutes.map((_, i) => at(first + i * MINUTE)));
    // Each firing starts one run, or is answered by the run of the firing before it (nothing
    // changed since it, a moment before): never more runs than firings.
    const runs = await scheduledRuns();
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(completed(jobs));
    expect(runs[0]!.started).toBeGreaterThanOrEqual(first);
    // The first run pushed the customers: the scheduled runs did call HubSpot.
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(20);

    // Work waiting for the next run (on-change push is off here), then disconnect.
    const more = Array.from({ length: 5 }, (_, i) => ({ externalId: `n${i}`, email: `n${i}@example.com`, firstName: `N${i}` }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: more })).body['created']).toBe(5);
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    const disconnectedAt = Date.now();
    env.sandbox.control.resetCounts();
    const firedBeforeDisconnect = await bossJobs('sync.scheduled');
    const runsBeforeDisconnect = await scheduledRuns();

    // The next minute's tick has run (and sent whatever it sends before it completes), and no
    // scheduled job is left waiting for its jittered instant.
    const next = minuteOf(disconnectedAt) + MINUTE;
    await until(async () => (await bossJobs('sync.tick')).some((t) => t.created >= next && t.state === 'completed'), 'the tick of the minute after the disconnect', workers);
    await until(async () => !(await bossJobs('sync.scheduled')).some((j) => waiting(j.state)), 'no scheduled job waiting', workers);
    await until(() => Date.now() >= next + 6_000, 'past the next minute plus its jitter', workers);

    const after = await bossJobs('sync.scheduled');
    expect(after.filter((j) => j.created >= disconnectedAt)).toEqual([]);
    expect(after).toHaveLength(firedBeforeDisconnect.length);
    expect((await scheduledRuns()).map((r) => r.id)).toEqual(runsBeforeDisconnect.map((r) => r.id));
    expect(env.sandbox.control.counts().total).toBe(0);
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(20);

    for (const worker of workers) worker.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
  }, 330_000);
});
