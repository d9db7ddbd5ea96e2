// pg-boss only: a job sent by one process is announced with NOTIFY, so a worker in another
// process takes it at once instead of at its next poll. The workers here poll every ten
// minutes, so a job they run within the test's wait was taken on a notification — or, after a
// lost connection, on the announcement the listener makes once it listens again. No job runs
// twice: the claim is still pg-boss's fetch.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../store/index.js';
import { createJobQueue, defineJob, type AnyJobDefinition, type JobQueue } from './index.js';
import { LISTENER_APPLICATION_NAME } from './job-notifications.js';
import { eventually, sleep, testQueueOptions } from './test-queue.fixture.js';

const TEN_MINUTES = 600_000;

let testDb: TestDatabase;
let database: OpenedDatabase;
let sql: pg.Pool;
const queues: JobQueue[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = openDatabase(testDb.config);
  await migrateToLatest(database.db);
  if (testDb.config.kind === 'postgres') {
    sql = new pg.Pool({ connectionString: testDb.config.url, max: 2 });
    sql.on('error', (error) => errors.push(error));
  }
});

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop({ graceful: false })));
});

afterAll(async () => {
  await sql?.end();
  await database.close();
  await testDb.drop();
});

/** A queue instance standing for one process; `pollIntervalMs` ten minutes unless given. */
async function startProcess(catalog: AnyJobDefinition[], pollIntervalMs = TEN_MINUTES): Promise<JobQueue> {
  const queue = createJobQueue(database, { ...testQueueOptions(testDb.config, catalog), pollIntervalMs, onError: (error) => errors.push(error) });
  queues.push(queue);
  await queue.start();
  return queue;
}

/** The backends of this database's listening connections. */
async function listenerPids(): Promise<number[]> {
  const { rows } = await sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and application_name = $1', [LISTENER_APPLICATION_NAME]);
  return rows.map((r) => r.pid);
}

const byKey = z.object({ key: z.string(), n: z.number().int().optional() });

describe.runIf(TEST_DB_KIND === 'postgres')('job notifications (pg-boss)', () => {
  it('wakes a worker of another process when a job is sent, long before its next poll', async () => {
    const job = defineJob({ name: 't.notify', payload: byKey });
    const worker = await startProcess([job]);
    const sender = await startProcess([job]);
    const ran: unknown[] = [];
    await worker.work(job, async (payload) => {
      ran.push(payload);
    });
    // Only a process that works jobs listens: the sender holds no listening connection.
    expect(await listenerPids()).toHaveLength(1);
    await sender.send(job, { key: 'a' });
    await eventually('the worker to run the job', () => ran.length === 1);
    expect(ran).toEqual([{ key: 'a' }]);
  });

  it('announces the copy of a handed-back job, which another process takes at once', async () => {
    const job = defineJob({ name: 't.notify-handback', payload: byKey, exclusiveKey: (p) => p.key });
    const first = await startProcess([job]);
    const second = await startProcess([job]);
    const started: string[] = [];
    await first.work(job, async (_payload, { signal }) => {
      started.push('first');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    await first.send(job, { key: 'a' });
    await eventually('the first process to take the job', () => started.length === 1);
    await second.work(job, async () => {
      started.push('second');
    });
    await first.stop({ graceful: true, timeoutMs: 5_000 });
    await eventually('the second process to take the handed-back job', () => started.length === 2);
    expect(started).toEqual(['first', 'second']);
  });

  it("announces a 'continue', so the next slice does not wait for a poll", async () => {
    const job = defineJob({ name: 't.notify-continue', payload: byKey, exclusiveKey: (p) => p.key });
    const worker = await startProcess([job]);
    let slices = 0;
    await worker.work(job, async () => (++slices < 3 ? 'continue' : undefined));
    await worker.send(job, { key: 'a' });
    await eventually('three slices', () => slices === 3);
  });

  it('listens again after losing its connection, and looks for what was sent meanwhile', async () => {
    const job = defineJob({ name: 't.notify-reconnect', payload: byKey });
    const worker = await startProcess([job]);
    const sender = await startProcess([job]);
    const ran: number[] = [];
    await worker.work(job, async ({ n }) => {
      ran.push(n ?? 0);
    });
    const [pid] = await listenerPids();
    // Waits until the backend is gone, so the send below cannot reach it.
    await sql.query('select pg_terminate_backend($1, 10000)', [pid]);
    // Sent while the listener is down: its NOTIFY reaches nobody; the announcement the listener
    // makes once it listens again has the worker look.
    await sender.send(job, { key: 'a', n: 1 });
    await eventually('the job sent during the gap to run', () => ran.length === 1);
    await eventually('a new listening connection', async () => {
      const pids = await listenerPids();
      return pids.length === 1 && pids[0] !== pid;
    });
    await sender.send(job, { key: 'a', n: 2 });
    await eventually('the job sent after the reconnect to run', () => ran.length === 2);
    expect(ran).toEqual([1, 2]);
    expect(errors.length).toBeGreaterThan(0); // the lost connection was reported
  });

  it("reports a keyed job's lock connection lost while the job runs, and still settles the job", async () => {
    const job = defineJob({ name: 't.lock-lost', payload: byKey, exclusiveKey: (p) => p.key });
    const worker = await startProcess([job]);
    let release: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    await worker.work(job, async () => {
      started++;
      await running;
    });
    await worker.send(job, { key: 'a' });
    await eventually('the job to start', () => started === 1);
    const { rows } = await sql.query<{ pid: number }>(
      `select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and a.datname = current_database()`,
    );
    expect(rows).toHaveLength(1);
    const before = errors.length;
    // Before the fix this 'error' event had no listener and was thrown as an uncaught exception.
    await sql.query('select pg_terminate_backend($1, 10000)', [rows[0]?.pid]);
    await eventually('the lost lock connection to be reported', () => errors.length > before);
    release();
    await eventually('the job to be completed', async () => {
      const done = await sql.query<{ n: number }>(`select count(*)::int as n from hubsync_jobs.job where name = $1 and state = 'completed'`, [job.name]);
      return done.rows[0]?.n === 1;
    });
  });

  it('runs every job once when three processes are woken for each of many jobs', async () => {
    const job = defineJob({ name: 't.notify-once', payload: byKey, concurrency: 3 });
    const processes = [await startProcess([job], 100), await startProcess([job], 100), await startProcess([job], 100)];
    const sender = await startProcess([job]);
    const ranBy = new Map<number, string[]>();
    for (const [i, process] of processes.entries()) {
      await process.work(job, async ({ n }) => {
        ranBy.set(n ?? -1, [...(ranBy.get(n ?? -1) ?? []), `p${i}`]);
        await sleep(20);
      });
    }
    const total = 40;
    await Promise.all(Array.from({ length: total }, (_, n) => sender.send(job, { key: `k${n}`, n })));
    await eventually('every job to run', () => ranBy.size === total);
    await sleep(1_000);
    expect([...ranBy.values()].every((who) => who.length === 1)).toBe(true);
    // Spread over the processes, not taken by one.
    expect(new Set([...ranBy.values()].flat()).size).toBeGreaterThan(1);
    const { rows } = await sql.query<{ n: number }>(`select count(*)::int as n from hubsync_jobs.job where name = $1 and state = 'completed'`, [job.name]);
    expect(rows[0]?.n).toBe(total);
  });
});
