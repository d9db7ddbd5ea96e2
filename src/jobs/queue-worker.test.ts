// The loop both job backends share, without a database: how a handler's ending becomes a
// settlement, and when a spreading (pg-boss) worker claims — fake timers, a store in memory.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineJob, JobShutdownError, JobTimeoutError } from './job-definition.js';
import { settlementOf, startQueueWorker, type ClaimedJob, type QueueStore } from './queue-worker.js';

function aborted(reason?: unknown): AbortSignal {
  const controller = new AbortController();
  if (reason !== undefined) controller.abort(reason);
  return controller.signal;
}

describe('how a handler ending becomes a settlement', () => {
  it("completes on a plain return and re-queues on 'continue'", () => {
    expect(settlementOf({ kind: 'resolved', value: undefined }, aborted())).toEqual({ kind: 'completed' });
    expect(settlementOf({ kind: 'resolved', value: 'continue' }, aborted())).toEqual({ kind: 'continue' });
  });

  it('fails a thrown attempt with its message, for retry', () => {
    expect(settlementOf({ kind: 'threw', error: new TypeError('boom') }, aborted())).toEqual({
      kind: 'failed',
      error: 'TypeError: boom',
      permanent: false,
    });
  });

  it('hands the job back after a stop, whether the handler returned, continued or threw', () => {
    const stopped = aborted(new JobShutdownError('stopping'));
    expect(settlementOf({ kind: 'resolved', value: undefined }, stopped)).toEqual({ kind: 'handed-back' });
    expect(settlementOf({ kind: 'resolved', value: 'continue' }, stopped)).toEqual({ kind: 'handed-back' });
    expect(settlementOf({ kind: 'threw', error: new Error('x') }, stopped)).toEqual({ kind: 'handed-back' });
    expect(settlementOf({ kind: 'unresponsive' }, stopped)).toEqual({ kind: 'handed-back' });
  });

  it('counts a timed-out attempt as failed even if the handler then returned', () => {
    const timedOut = aborted(new JobTimeoutError('t timed out after 1000 ms'));
    expect(settlementOf({ kind: 'resolved', value: undefined }, timedOut)).toEqual({
      kind: 'failed',
      error: 't timed out after 1000 ms',
      permanent: false,
    });
  });
});

describe('when a spreading worker (pg-boss) claims', () => {
  const job = defineJob({ name: 't.spread-rule', payload: z.object({}), concurrency: 4 });
  const POLL = 10_000;
  const STEP = 100;

  /** A store holding `waiting` jobs; a spreading worker asks for one per claim. */
  function store(): QueueStore & { waiting: number; claims: number; add(n: number): void } {
    let next = 0;
    return {
      waiting: 0,
      claims: 0,
      add(n) {
        this.waiting += n;
      },
      async claim(_definition, max) {
        this.claims++;
        const taken = Math.min(max, this.waiting);
        this.waiting -= taken;
        return Array.from({ length: taken }, (): ClaimedJob => ({ id: `j${next++}`, payload: {}, attempt: 1, createdAt: 0 }));
      },
      async settle() {},
    };
  }

  const workers: { stop(graceful: boolean, timeoutMs: number): Promise<void> }[] = [];
  const start = (s: QueueStore) => {
    // Handlers run until the worker stops: each job holds a slot for the whole test.
    const worker = startQueueWorker(s, job, (_payload, { signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())), undefined, {
      pollIntervalMs: POLL,
      graceMs: 0,
      onError: (error) => {
        throw error;
      },
      spread: true,
      spreadStepMs: STEP,
    });
    workers.push(worker);
    return worker;
  };

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      const stopped = worker.stop(false, 0);
      await vi.runAllTimersAsync();
      await stopped;
    }
    vi.useRealTimers();
  });

  it('claims an announced job once a step per running job has passed, not a poll round later', async () => {
    const jobs = store();
    jobs.add(1);
    const worker = start(jobs);
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.waiting).toBe(0); // one running now

    jobs.add(1);
    worker.announce();
    await vi.advanceTimersByTimeAsync(STEP - 1);
    expect(jobs.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(jobs.waiting).toBe(0); // two running now

    jobs.add(1);
    worker.announce();
    await vi.advanceTimersByTimeAsync(2 * STEP - 1);
    expect(jobs.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(jobs.waiting).toBe(0);
  });

  it('claims announced jobs at once when idle, then a step per running job apart until a claim finds none', async () => {
    const jobs = store();
    const worker = start(jobs);
    await vi.advanceTimersByTimeAsync(0);
    const claims = jobs.claims;
    // Two jobs announced together: each claim takes one (the other processes get their turn).
    jobs.add(2);
    worker.announce();
    worker.announce();
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(STEP - 1);
    expect(jobs.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(jobs.waiting).toBe(0);
    // Two running: one more look two steps on finds nothing, and then only the poll looks.
    await vi.advanceTimersByTimeAsync(2 * STEP);
    expect(jobs.claims).toBe(claims + 3);
    await vi.advanceTimersByTimeAsync(POLL - 1);
    expect(jobs.claims).toBe(claims + 3);
    await vi.advanceTimersByTimeAsync(1);
    expect(jobs.claims).toBe(claims + 4);
  });

  it('claims a job announced while every slot was busy as soon as a slot is freed', async () => {
    const single = defineJob({ name: 't.spread-single', payload: z.object({}), concurrency: 1 });
    const jobs = store();
    let finish!: () => void;
    const settings = { pollIntervalMs: POLL, graceMs: 0, onError: () => undefined, spread: true, spreadStepMs: STEP };
    const worker = startQueueWorker(jobs, single, () => new Promise<void>((resolve) => (finish = resolve)), undefined, settings);
    workers.push(worker);
    jobs.add(1);
    worker.announce();
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.waiting).toBe(0);
    // The next job is announced while the one slot is busy (a 'continue' sends it that way).
    jobs.add(1);
    worker.announce();
    await vi.advanceTimersByTimeAsync(STEP);
    expect(jobs.waiting).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.waiting).toBe(0);
  });

  it('does not claim in a loop when a claim fails', async () => {
    const jobs = store();
    const failing: QueueStore = {
      claim: async () => {
        jobs.claims++;
        throw new Error('the database is down');
      },
      settle: async () => undefined,
    };
    const errors: unknown[] = [];
    const settings = { pollIntervalMs: POLL, graceMs: 0, onError: (error: unknown) => errors.push(error), spread: true, spreadStepMs: STEP };
    const worker = startQueueWorker(failing, job, async () => undefined, undefined, settings);
    workers.push(worker);
    await vi.advanceTimersByTimeAsync(0);
    worker.announce();
    await vi.advanceTimersByTimeAsync(POLL - 1);
    expect(jobs.claims).toBe(2); // the first look, and the announced one
    expect(errors).toHaveLength(2);
  });

  it('without an announcement, waits a whole poll round after a claim', async () => {
    const jobs = store();
    jobs.add(2);
    start(jobs);
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(POLL - 1);
    expect(jobs.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(jobs.waiting).toBe(0);
  });
});
