// The contract every job backend honours, run against the backend of TEST_DB_KIND: the
// embedded SQLite queue under `npm test`, pg-boss under `npm run test:pg`. Each test uses its
// own queue names so tests sharing the file's database do not see each other's jobs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { isAppError } from '../lib/index.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../store/index.js';
import {
  createJobQueue,
  defineJob,
  JobShutdownError,
  JobTimeoutError,
  type AnyJobDefinition,
  type JobQueue,
  type QueueCounts,
} from './index.js';
import { eventually, sleep, testQueueOptions } from './test-queue.fixture.js';

let testDb: TestDatabase;
let database: OpenedDatabase;
const queues: JobQueue[] = [];
const extraDatabases: OpenedDatabase[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = openDatabase(testDb.config);
  await migrateToLatest(database.db);
});

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop({ graceful: false })));
});

afterAll(async () => {
  for (const extra of extraDatabases) await extra.close();
  await database.close();
  await testDb.drop();
});

/** A started queue instance: a "process" of its own, on its own connection when asked. */
async function startQueue(catalog: AnyJobDefinition[], on: OpenedDatabase = database): Promise<JobQueue> {
  const queue = createJobQueue(on, testQueueOptions(testDb.config, catalog));
  queues.push(queue);
  await queue.start();
  return queue;
}

function countsOf(all: QueueCounts[], name: string): QueueCounts {
  const found = all.find((c) => c.queue === name);
  if (!found) throw new Error(`no counts for ${name}`);
  return found;
}

const byWorkspace = z.object({ workspaceId: z.string(), n: z.number().int().optional() });

class Gate {
  #open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve));
  open(): void {
    this.#open();
  }
}

describe(`job queue contract (${TEST_DB_KIND})`, () => {
  it('delivers a sent job to a worker with its payload, once', async () => {
    const job = defineJob({ name: 't.deliver', payload: byWorkspace });
    const queue = await startQueue([job]);
    const seen: { payload: unknown; attempt: number }[] = [];
    await queue.work(job, async (payload, context) => {
      seen.push({ payload, attempt: context.attempt });
    });
    const id = await queue.send(job, { workspaceId: 'ws_1', n: 7 });
    expect(id).toBeTruthy();
    await eventually('the job to complete', async () => countsOf(await queue.counts(), job.name).completed === 1);
    expect(seen).toEqual([{ payload: { workspaceId: 'ws_1', n: 7 }, attempt: 1 }]);
  });

  it('refuses a payload that does not match the schema on send, and fails one that stopped matching on receive', async () => {
    const sent = defineJob({ name: 't.validate', payload: z.object({ n: z.number() }), retry: { limit: 0 } });
    const sender = await startQueue([sent]);
    const refused = await sender.send(sent, { n: 'seven' } as unknown as { n: number }).catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe('VALIDATION_FAILED');
    expect(countsOf(await sender.counts(), sent.name)).toMatchObject({ queued: 0, completed: 0, failed: 0 });

    // A newer worker expects another shape under the same name (a deploy changed the schema).
    await sender.send(sent, { n: 7 });
    const expected = defineJob({ name: 't.validate', payload: z.object({ n: z.string() }), retry: { limit: 0 } });
    const worker = await startQueue([expected]);
    let handled = 0;
    await worker.work(expected, async () => {
      handled++;
    });
    await eventually('the job to fail', async () => countsOf(await worker.counts(), expected.name).failed === 1);
    expect(handled).toBe(0);
  });

  it('retries a failing job with a growing backoff, then fails it for good', async () => {
    const job = defineJob({ name: 't.retry', payload: byWorkspace, retry: { limit: 2, baseMs: 1_000, maxMs: 10_000 } });
    const queue = await startQueue([job]);
    const attempts: { attempt: number; at: number }[] = [];
    await queue.work(job, async (_payload, { attempt }) => {
      attempts.push({ attempt, at: Date.now() });
      throw new Error('HubSpot said no');
    });
    await queue.send(job, { workspaceId: 'ws_1' });
    await eventually('the job to fail for good', async () => countsOf(await queue.counts(), job.name).failed === 1);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    // Lower bounds only: the first retry waits the base, the second at least twice it.
    expect(second - first).toBeGreaterThanOrEqual(1_000);
    expect(third - second).toBeGreaterThanOrEqual(2_000);
    await sleep(500);
    expect(attempts).toHaveLength(3);
  });

  it('aborts a handler that runs past its timeout and counts the attempt as failed', async () => {
    const job = defineJob({ name: 't.timeout', payload: byWorkspace, timeoutMs: 1_000, retry: { limit: 0 } });
    const queue = await startQueue([job]);
    const reasons: unknown[] = [];
    await queue.work(job, async (_payload, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      reasons.push(signal.reason);
      throw signal.reason;
    });
    await queue.send(job, { workspaceId: 'ws_1' });
    await eventually('the job to fail', async () => countsOf(await queue.counts(), job.name).failed === 1);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(JobTimeoutError);
  });

  it('runs one job per key at a time across processes, merges a second waiting send, and lets other keys through', async () => {
    const job = defineJob({
      name: 't.exclusive',
      payload: byWorkspace,
      exclusiveKey: (p) => p.workspaceId,
      concurrency: 3,
    });
    const processA = await startQueue([job]);
    const processB = await startQueue([job]);
    const active = new Map<string, number>();
    let maxActiveForA = 0;
    const runs: string[] = [];
    const gates = new Map<string, Gate>();
    const handler = async (payload: z.infer<typeof byWorkspace>): Promise<void> => {
      const key = payload.workspaceId;
      active.set(key, (active.get(key) ?? 0) + 1);
      if (key === 'ws_a') maxActiveForA = Math.max(maxActiveForA, active.get(key) ?? 0);
      runs.push(`${key}#${payload.n}`);
      const gate = gates.get(`${key}#${payload.n}`);
      if (gate) await gate.opened;
      active.set(key, (active.get(key) ?? 0) - 1);
    };
    await processA.work(job, handler);
    await processB.work(job, handler);

    const firstGate = new Gate();
    gates.set('ws_a#1', firstGate);
    await processA.send(job, { workspaceId: 'ws_a', n: 1 });
    await eventually('ws_a#1 to start', () => runs.includes('ws_a#1'));

    // While ws_a#1 runs: a second send waits, a third is merged with it (the embedded queue
    // answers the waiting job's id; on pg-boss the waiting job is re-sent while its key is
    // busy, so the two may merge either way round — what counts is one run for both).
    const second = await processB.send(job, { workspaceId: 'ws_a', n: 2 });
    const third = await processA.send(job, { workspaceId: 'ws_a', n: 3 });
    expect(second).toBeTruthy();
    if (TEST_DB_KIND === 'sqlite') expect(third).toBe(second);

    // Another workspace is not held back by ws_a's running and waiting jobs.
    await processB.send(job, { workspaceId: 'ws_b', n: 1 });
    await eventually('ws_b#1 to run while ws_a#1 is still running', () => runs.includes('ws_b#1'));
    await sleep(1_000);
    expect(runs.filter((r) => r.startsWith('ws_a'))).toEqual(['ws_a#1']);

    firstGate.open();
    await eventually('the merged ws_a job to run', () => runs.filter((r) => r.startsWith('ws_a')).length === 2);
    await sleep(1_000);
    const runsOfA = runs.filter((r) => r.startsWith('ws_a'));
    expect(runsOfA).toHaveLength(2);
    expect(runsOfA[0]).toBe('ws_a#1');
    if (TEST_DB_KIND === 'sqlite') expect(runsOfA[1]).toBe('ws_a#2');
    expect(maxActiveForA).toBe(1);
  });

  it('runs at most `concurrency` jobs of a queue at once in a process', async () => {
    const job = defineJob({ name: 't.concurrency', payload: byWorkspace, concurrency: 2 });
    const queue = await startQueue([job]);
    const gate = new Gate();
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    await queue.work(job, async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate.opened;
      inFlight--;
      done++;
    });
    for (let n = 0; n < 5; n++) await queue.send(job, { workspaceId: `ws_${n}` });
    await eventually('two jobs to start', () => inFlight === 2);
    await sleep(700);
    expect(inFlight).toBe(2);
    gate.open();
    await eventually('all five to finish', () => done === 5);
    expect(maxInFlight).toBe(2);
  });

  // pg-boss only: the embedded queue has one process.
  it.runIf(TEST_DB_KIND === 'postgres')('spreads jobs sent together over the processes that poll, instead of the first taking them all', async () => {
    const job = defineJob({ name: 't.spread', payload: byWorkspace, concurrency: 6 });
    const processA = await startQueue([job]);
    const processB = await startQueue([job]);
    const gate = new Gate();
    const ranBy = { A: 0, B: 0 };
    const handler = (who: 'A' | 'B') => async (): Promise<void> => {
      ranBy[who]++;
      await gate.opened;
    };
    await processA.work(job, handler('A'));
    await processB.work(job, handler('B'));
    // Sent from A, whose own worker is woken by the first send and would claim all six at once.
    for (let n = 0; n < 6; n++) await processA.send(job, { workspaceId: `ws_${n}` });
    await eventually('all six to start', () => ranBy.A + ranBy.B === 6);
    gate.open();
    expect(ranBy.A).toBeGreaterThanOrEqual(2);
    expect(ranBy.B).toBeGreaterThanOrEqual(2);
  });

  it('keeps queued jobs across a close and reopen of the database', async () => {
    const job = defineJob({ name: 't.durable', payload: byWorkspace });
    const before = await startQueue([job]);
    for (let n = 1; n <= 3; n++) await before.send(job, { workspaceId: 'ws_1', n });
    await before.stop();

    const reopened = openDatabase(testDb.config);
    extraDatabases.push(reopened);
    const after = await startQueue([job], reopened);
    const seen: number[] = [];
    await after.work(job, async (payload) => {
      seen.push(payload.n ?? 0);
    });
    await eventually('the three jobs to run', () => seen.length === 3);
    expect(seen.sort()).toEqual([1, 2, 3]);
  });

  it('fires a schedule once per tick with two processes running it', async () => {
    // Stay inside one minute, so the every-minute schedule has exactly one tick to fire.
    const secondOfMinute = new Date().getUTCSeconds();
    if (secondOfMinute > 40) await sleep((61 - secondOfMinute) * 1_000);
    const tick = defineJob({ name: 't.tick', payload: z.object({ scope: z.string() }) });
    const processA = await startQueue([tick]);
    const processB = await startQueue([tick]);
    const fired: string[] = [];
    const createdAt: number[] = [];
    for (const [name, process] of [['a', processA], ['b', processB]] as const) {
      await process.schedule(tick, '* * * * *', { scope: 'all' });
      await process.work(tick, async (_payload, context) => {
        fired.push(name);
        createdAt.push(context.createdAt);
      });
    }
    await eventually('the tick to fire', () => fired.length > 0);
    await sleep(3_000);
    expect(fired).toHaveLength(1);
    // The job is created as of the minute it was fired for (embedded: the tick itself).
    expect(Math.floor(createdAt[0]! / 60_000)).toBe(Math.floor(Date.now() / 60_000));
    if (TEST_DB_KIND === 'sqlite') expect(createdAt[0]! % 60_000).toBe(0);
    await processA.unschedule(tick);
  });

  it('keeps a schedule across a restart: a process that never declared it fires it', async () => {
    const tick = defineJob({ name: 't.tick-restart', payload: z.object({ scope: z.string() }) });
    // The declaring process checks schedules rarely, so the tick is left to the next one.
    const options = testQueueOptions(testDb.config, [tick]);
    const declaring = createJobQueue(database, {
      ...options,
      pollIntervalMs: 60_000,
      ...(options.postgres ? { postgres: { ...options.postgres, cronMonitorIntervalSeconds: 45 } } : {}),
    });
    await declaring.start();
    await declaring.schedule(tick, '* * * * *', { scope: 'all' });
    await declaring.stop();

    const restarted = await startQueue([tick]);
    const fired: unknown[] = [];
    await restarted.work(tick, async (payload) => {
      fired.push(payload);
    });
    await eventually('the tick to fire', () => fired.length > 0);
    expect(fired[0]).toEqual({ scope: 'all' });
    await restarted.unschedule(tick);
  });

  it('hands a running job back on a graceful stop, without counting the attempt', async () => {
    const job = defineJob({ name: 't.handback', payload: byWorkspace, retry: { limit: 0 } });
    const first = await startQueue([job]);
    const reasons: unknown[] = [];
    const createdAt: number[] = [];
    await first.work(job, async (_payload, { signal, createdAt: sent }) => {
      createdAt.push(sent);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      reasons.push(signal.reason);
      throw new Error('stopped mid-batch');
    });
    await first.send(job, { workspaceId: 'ws_1', n: 1 });
    await eventually('the job to start', async () => countsOf(await first.counts(), job.name).active === 1);
    await first.stop({ graceful: true, timeoutMs: 5_000 });
    expect(reasons[0]).toBeInstanceOf(JobShutdownError);

    // retry.limit is 0: had the stop counted as an attempt, the job would have failed.
    const secondStarted = Date.now();
    const second = await startQueue([job]);
    const attempts: number[] = [];
    await second.work(job, async (payload, { attempt, createdAt: sent }) => {
      expect(payload).toEqual({ workspaceId: 'ws_1', n: 1 });
      attempts.push(attempt);
      createdAt.push(sent);
    });
    await eventually('the job to run again', () => attempts.length === 1);
    expect(attempts).toEqual([1]);
    // Handed back, the job keeps the time it was sent.
    expect(createdAt[1]).toBe(createdAt[0]);
    expect(createdAt[1]).toBeLessThan(secondStarted);
    expect(countsOf(await second.counts(), job.name).failed).toBe(0);
  });

  it("runs a job again with the same payload while its handler answers 'continue'", async () => {
    const job = defineJob({ name: 't.slices', payload: byWorkspace, exclusiveKey: (p) => p.workspaceId });
    const queue = await startQueue([job]);
    const slices: unknown[] = [];
    await queue.work(job, async (payload) => {
      slices.push(payload);
      return slices.length < 3 ? 'continue' : undefined;
    });
    await queue.send(job, { workspaceId: 'ws_1', n: 1 });
    await eventually('three slices', () => slices.length === 3);
    await eventually('the last slice to complete', async () => countsOf(await queue.counts(), job.name).completed === 3);
    expect(slices).toEqual([1, 2, 3].map(() => ({ workspaceId: 'ws_1', n: 1 })));
  });

  it('sends a job once per onceKey, whatever became of the first', async () => {
    const job = defineJob({ name: 't.once', payload: byWorkspace, exclusiveKey: (p) => p.workspaceId });
    const queue = await startQueue([job]);
    const seen: unknown[] = [];
    await queue.work(job, async (payload) => {
      seen.push(payload);
    });
    const first = await queue.send(job, { workspaceId: 'ws_1', n: 1 }, { onceKey: 'firing-1' });
    expect(first).toBeTruthy();
    await eventually('the first job to complete', async () => countsOf(await queue.counts(), job.name).completed === 1);
    // Done, and still a repeated send of the same firing is dropped; another firing is sent.
    expect(await queue.send(job, { workspaceId: 'ws_1', n: 2 }, { onceKey: 'firing-1' })).toBeNull();
    expect(await queue.send(job, { workspaceId: 'ws_1', n: 3 }, { onceKey: 'firing-2' })).toBeTruthy();
    await eventually('the second job to complete', async () => countsOf(await queue.counts(), job.name).completed === 2);
    await sleep(1_000);
    expect(seen).toEqual([{ workspaceId: 'ws_1', n: 1 }, { workspaceId: 'ws_1', n: 3 }]);
  });
});
