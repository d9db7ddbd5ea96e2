// A Sync now run taken over from another process counts what that process did. The push
// engine records a batch (customer statuses + its attempts, one transaction) and only then
// writes the run's counters; a process SIGKILLed between the two leaves a batch that HubSpot
// accepted and the database recorded, but that the run row does not count. This test leaves
// the database exactly so — another engine (another owner) pushes the run's first batch, then
// the counters it wrote are put back to what they were before it — and lets the service's
// own `sync.push` worker take the run over: the finished run must count every customer once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug } from '../store/index.js';
import { BATCH_SIZE, PushEngine } from './push-run.js';
import { workSyncJobs } from './sync-jobs.js';

const W = '/api/workspaces/default';
/** Good customers; one more whose lifecycle stage HubSpot refuses is created first. */
const GOOD = 250;
let env: SandboxedService;

beforeAll(async () => {
  // No worker yet: the run's `sync.push` job waits while the crashed process is staged.
  env = await startSandboxedService({ jobs: { work: false } });
  // Created first, so it has the lowest id and is in the first batch (the one left uncounted).
  expect((await env.admin.post(`${W}/customers`, { externalId: 'bad', email: 'bad-stage@example.com', firstName: 'Bad', lifecycleStage: 'not-a-stage' })).status).toBe(201);
  const customers = Array.from({ length: GOOD }, (_, i) => ({ externalId: `t${i}`, email: `takeover${i}@example.com`, firstName: `T${i}` }));
  expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
});
afterAll(async () => env?.close());

describe('run take-over', () => {
  it('carries on the counters of a batch recorded by a process killed before it wrote them', async () => {
    const { service } = env.ts;
    const db = service.database.db;
    const workspace = (await findWorkspaceBySlug(db, 'default'))!;
    const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(started.status).toBe(202);
    const runId = started.body.id;
    const before = await db.selectFrom('sync_runs').select(['processed', 'created', 'updated', 'failed']).where('id', '=', runId).executeTakeFirstOrThrow();

    // The process that crashes: another owner, which pushes one batch and stops.
    const crashed = new PushEngine({ db, clock: service.context.clock, gateway: service.context.hubspot, owner: 'another-host:4242:crashed' });
    let batches = 0;
    expect(await crashed.resume(workspace.id, runId, () => batches++ > 0)).toBe('paused');
    const recorded = await db.selectFrom('sync_attempts').select(['outcome']).where('run_id', '=', runId).execute();
    expect(recorded).toHaveLength(BATCH_SIZE);
    expect(recorded.filter((a) => a.outcome === 'error')).toHaveLength(1);
    // SIGKILL after the batch's transaction, before the counters: the row counts none of it.
    await db.updateTable('sync_runs').set(before).where('id', '=', runId).execute();
    const staged = await db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    expect(staged).toMatchObject({ status: 'running', owner: 'another-host:4242:crashed', processed: 0, created: 0, failed: 0 });

    // The job is taken by this process's worker, which resumes the run.
    await workSyncJobs({ db, clock: service.context.clock, push: service.context.push, jobs: service.jobs });
    const run = await waitForRun(env.admin, runId, runEnded);
    expect(run).toMatchObject({ status: 'succeeded', total: GOOD + 1, processed: GOOD + 1, created: GOOD, updated: 0, failed: 1 });
    // Each customer was pushed once: one attempt each, one contact per email.
    expect(await db.selectFrom('sync_attempts').select('id').where('run_id', '=', runId).execute()).toHaveLength(GOOD + 1);
    const emails = env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => String(c.properties['email']));
    expect(new Set(emails).size).toBe(GOOD);
    expect(emails).toHaveLength(GOOD);
  }, 120_000);
});
