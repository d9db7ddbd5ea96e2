// The reconcile schedule, through the jobs a running service works: the minute tick sends a
// due workspace's reconcile once (a tick handled twice sends nothing twice), a later tick sends
// a firing whose own tick never came, the run carries trigger `schedule`, and a disconnected
// workspace's schedule fires no more and calls nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsSent, runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug } from '../store/index.js';
import { sendDueReconciles } from './sync-jobs.js';

let env: SandboxedService;
const W = '/api/workspaces/default';

type Run = { id: string; trigger: string; status: string; created: number };
const scheduledRuns = async () => (await env.admin.get<{ runs: Run[] }>(`${W}/sync/runs?limit=50`)).body.runs.filter((r) => r.trigger === 'schedule');
/** When the schedule is next due (its jittered instant), read from the settings API. */
let fireAt: number;
/** The tick's dependencies as they are at `now` (the tick is handed the minute it handles). */
const tickDeps = (now: number) => ({ db: env.ts.service.database.db, jobs: env.ts.service.jobs, clock: { now: () => now, sleep: async () => undefined } });

beforeAll(async () => {
  env = await startSandboxedService();
  const customers = Array.from({ length: 40 }, (_, i) => ({ externalId: `t${i}`, email: `t${i}@example.com`, firstName: `T${i}` }));
  expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['created']).toBe(40);
  // Hourly at a minute half an hour away, so the service's own minute tick cannot fire it
  // while the test runs; the test hands the tick that minute itself.
  const minute = (new Date().getUTCMinutes() + 30) % 60;
  const saved = await env.admin.patch<{ nextReconcileAt: string }>(`${W}/hubspot/settings`, { reconcileSchedule: `${minute} * * * *`, timezone: 'UTC' });
  expect(saved.status).toBe(200);
  fireAt = Date.parse(saved.body.nextReconcileAt);
});
afterAll(async () => env?.close());

describe('scheduled reconcile', () => {
  it('sends a due workspace once per tick and runs it with trigger schedule', async () => {
    const workspace = await findWorkspaceBySlug(env.ts.service.database.db, 'default');
    // The minute before the due one sends nothing; the due minute sends the workspace.
    expect(await sendDueReconciles(tickDeps(fireAt - 60_000), fireAt - 60_000)).toEqual([]);
    expect(await sendDueReconciles(tickDeps(fireAt), fireAt)).toEqual([workspace!.id]);
    // The same minute handled again (a duplicate delivery): merged with the queued firing, or
    // answered by the run that just did the work — never a second run.
    await sendDueReconciles(tickDeps(fireAt), fireAt);
    await expect.poll(async () => (await scheduledRuns()).length, { timeout: 30_000 }).toBe(1);
    const [run] = await scheduledRuns();
    const ended = await waitForRun(env.admin, run!.id, runEnded);
    expect(ended).toMatchObject({ status: 'succeeded', created: 40 });
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(40);
    await sendDueReconciles(tickDeps(fireAt), fireAt);
    // Give a wrongly sent firing time to start a run before counting again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await scheduledRuns()).toHaveLength(1);
    // A second job would not show as a run either (the run just succeeded answers it): one job.
    expect(await jobsSent(env, 'sync.scheduled')).toBe(1);
  });

  it('sends a firing whose own minute had no tick with one of the next three, once, and never one from before the schedule was saved', async () => {
    const workspace = await findWorkspaceBySlug(env.ts.service.database.db, 'default');
    // The next hour's firing: its minute's tick never comes (pg-boss late, or merged into a
    // tick still waiting); the tick two minutes on sends it, at once.
    // A customer added since the last run, so the firing starts a run of its own.
    expect((await env.admin.post(`${W}/customers`, { email: 'late@example.com', firstName: 'Late' })).status).toBe(201);
    const nextFiring = fireAt + 60 * 60_000;
    const lateTick = nextFiring + 2 * 60_000;
    expect(await sendDueReconciles(tickDeps(lateTick), lateTick)).toEqual([workspace!.id]);
    await expect.poll(async () => (await scheduledRuns()).length, { timeout: 30_000 }).toBe(2);
    expect(await waitForRun(env.admin, (await scheduledRuns())[0]!.id, runEnded)).toMatchObject({ status: 'succeeded', created: 1 });
    // The tick after it hands the same firing out again: sent once all the same (a second job
    // would not show as a run: it would be answered by the run that just succeeded).
    const sent = await jobsSent(env, 'sync.scheduled');
    await sendDueReconciles(tickDeps(lateTick + 60_000), lateTick + 60_000);
    expect(await jobsSent(env, 'sync.scheduled')).toBe(sent);
    // Four minutes on, the firing is out of reach.
    expect(await sendDueReconciles(tickDeps(nextFiring + 4 * 60_000), nextFiring + 4 * 60_000)).toEqual([]);
    // The firing an hour before the first one came before the schedule was saved: a tick just
    // after it sends nothing.
    const beforeSaved = fireAt - 60 * 60_000;
    expect(await sendDueReconciles(tickDeps(beforeSaved + 60_000), beforeSaved + 60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await scheduledRuns()).toHaveLength(2);
  });

  it('fires no more after disconnect, and calls nothing', async () => {
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    env.sandbox.control.resetCounts();
    expect(await sendDueReconciles(tickDeps(fireAt), fireAt)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await scheduledRuns()).toHaveLength(2);
    expect(env.sandbox.control.counts().total).toBe(0);
  });
});
