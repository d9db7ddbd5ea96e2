// The loop both backends share: take up to `concurrency` jobs of one queue, run each handler
// with an AbortSignal (timeout, shutdown), and report how it ended. The backends only say how
// to claim a job and how to record an ending (a QueueStore), so retry, timeout and hand-back
// behave the same on SQLite and on pg-boss.
//
// A running job ends in exactly one Settlement:
//   completed    the handler resolved (with nothing)
//   continue     the handler resolved 'continue': done, and the same payload is queued again
//   failed       the handler threw or timed out: retried per the definition's policy, or failed
//                for good (`permanent`: its payload no longer matches the schema)
//   handed-back  the queue stopped while it ran: back in the queue, the attempt not counted
import {
  eraseDefinition,
  JobShutdownError,
  JobTimeoutError,
  type JobDefinition,
  type JobHandler,
  type JobOutcome,
} from './job-definition.js';

export interface ClaimedJob {
  id: string;
  /** The payload as stored, validated against the definition before the handler sees it. */
  payload: unknown;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the job was sent (JobContext.createdAt). */
  createdAt: number;
}

export type Settlement =
  | { kind: 'completed' }
  | { kind: 'continue' }
  | { kind: 'failed'; error: string; permanent: boolean }
  | { kind: 'handed-back' };

/** What a backend provides to the shared loop. */
export interface QueueStore<J extends ClaimedJob = ClaimedJob> {
  /** Takes up to `max` runnable jobs of the definition's queue for this process. */
  claim(definition: JobDefinition<unknown>, max: number): Promise<J[]>;
  /** Records how a claimed job ended (and releases whatever the claim held). */
  settle(definition: JobDefinition<unknown>, job: J, settlement: Settlement): Promise<void>;
}

interface Running<J> {
  job: J;
  controller: AbortController;
  done: Promise<void>;
  /** Set when stop() gave the job back before its handler settled: its late ending is ignored. */
  abandoned: boolean;
}

export type HandlerResult = { kind: 'resolved'; value: JobOutcome } | { kind: 'threw'; error: unknown } | { kind: 'unresponsive' };

const MAX_ERROR_LENGTH = 2_000;

export class QueueWorker<P, J extends ClaimedJob = ClaimedJob> {
  readonly #definition: JobDefinition<P>;
  readonly #handler: JobHandler<P>;
  readonly #concurrency: number;
  readonly #store: QueueStore<J>;
  readonly #pollIntervalMs: number;
  readonly #graceMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #spread: boolean;
  readonly #spreadStepMs: number;
  readonly #running = new Map<string, Running<J>>();
  #stopping = false;
  #woken = false;
  /** Announcements heard (see `announce`), and how many of them a claim that found nothing answered. */
  #announced = 0;
  #answered = 0;
  #wakeUp: (() => void) | undefined;
  #onAnnounce: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: {
    definition: JobDefinition<P>;
    handler: JobHandler<P>;
    concurrency: number;
    store: QueueStore<J>;
    pollIntervalMs: number;
    graceMs: number;
    onError: (error: unknown) => void;
    spread?: boolean;
    spreadStepMs?: number;
  }) {
    this.#definition = options.definition;
    this.#handler = options.handler;
    this.#concurrency = options.concurrency;
    this.#store = options.store;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#graceMs = options.graceMs;
    this.#onError = options.onError;
    this.#spread = options.spread ?? false;
    this.#spreadStepMs = options.spreadStepMs ?? 0;
  }

  get queue(): string {
    return this.#definition.name;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Look for work now (a job was sent in this process, or a slot was freed). */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /**
   * A job of this queue was sent, by this process or another (pg-boss: a NOTIFY). Every
   * process hears it at about the same moment, so each looks after `running × spreadStepMs`:
   * the least busy one claims it first. Until a claim finds nothing, the jobs announced may
   * not all be taken (a claim takes one), so the worker keeps looking a step per running job
   * after each claim instead of a poll round.
   */
  announce(): void {
    this.#announced++;
    this.#onAnnounce?.();
  }

  /**
   * Stops claiming, aborts running handlers with a JobShutdownError, waits (graceful) up to
   * timeoutMs for them to settle, then hands back whatever is still running.
   */
  async stop(graceful: boolean, timeoutMs: number): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#loop;
    for (const running of this.#running.values()) running.controller.abort(new JobShutdownError('The job queue is stopping'));
    if (graceful && this.#running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.all([...this.#running.values()].map((r) => r.done)), timeout]);
      clearTimeout(timer);
    }
    for (const running of [...this.#running.values()]) {
      running.abandoned = true;
      this.#running.delete(running.job.id);
      await this.#store.settle(eraseDefinition(this.#definition), running.job, { kind: 'handed-back' }).catch(this.#onError);
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const free = this.#concurrency - this.#running.size;
      let claimed = 0;
      if (free > 0) {
        // A job announced before this claim began was committed before, so the claim sees it.
        const heard = this.#announced;
        try {
          const jobs = await this.#store.claim(eraseDefinition(this.#definition), this.#spread ? 1 : free);
          claimed = jobs.length;
          for (const job of jobs) this.#launch(job);
        } catch (error) {
          this.#onError(error);
        }
        // Found nothing (or failed: the poll tries again): those announcements are answered.
        if (claimed === 0) this.#answered = heard;
      }
      if (this.#stopping) break;
      if (this.#spread && claimed > 0) {
        // Spreading: the other processes get the first pick of the next job — a poll round,
        // or a step per running job while announced jobs may be waiting. A slot freed
        // meanwhile (a wake-up) does not cut the wait short.
        await this.#wait(false);
        continue;
      }
      // A full batch means more may be waiting: look again at once (if a slot is free).
      if (claimed > 0 && claimed === free) continue;
      await this.#wait(true);
    }
  }

  /**
   * Waits up to a poll interval before the next claim. Stopping ends the wait; a wake-up too
   * when `woken` (idle: a slot was freed, or a job sent in this process). While an announced
   * job is not yet answered by an empty claim, it ends `running × spreadStepMs` after the
   * wait's start, the announcement or a freed slot, whichever comes with a slot free, if that
   * is sooner.
   */
  #wait(woken: boolean): Promise<void> {
    if (woken && this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      let endsAt = Date.now() + this.#pollIntervalMs;
      const done = (): void => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        this.#onAnnounce = undefined;
        if (woken) this.#woken = false;
        resolve();
      };
      const endIn = (ms: number): void => {
        if (Date.now() + ms >= endsAt) return;
        endsAt = Date.now() + ms;
        clearTimeout(timer);
        timer = setTimeout(done, ms);
      };
      // Announced jobs may be waiting and a slot is free: look a step per running job from now.
      const look = (): void => {
        if (this.#announced > this.#answered && this.#running.size < this.#concurrency) endIn(this.#running.size * this.#spreadStepMs);
      };
      timer = setTimeout(done, this.#pollIntervalMs);
      this.#wakeUp = () => {
        if (woken || this.#stopping) done();
        else look(); // a slot was freed
      };
      this.#onAnnounce = look;
      look();
    });
  }

  #launch(job: J): void {
    const controller = new AbortController();
    const running: Running<J> = { job, controller, done: Promise.resolve(), abandoned: false };
    this.#running.set(job.id, running);
    running.done = this.#execute(running).finally(() => {
      if (this.#running.get(job.id) === running) this.#running.delete(job.id);
      this.wake();
    });
  }

  async #execute(running: Running<J>): Promise<void> {
    const { job, controller } = running;
    const definition = this.#definition;
    let settlement: Settlement;
    const parsed = definition.payload.safeParse(job.payload);
    if (!parsed.success) {
      settlement = { kind: 'failed', error: `Invalid payload: ${parsed.error.message}`.slice(0, MAX_ERROR_LENGTH), permanent: true };
    } else {
      const timer = setTimeout(
        () => controller.abort(new JobTimeoutError(`${definition.name} timed out after ${definition.timeoutMs} ms`)),
        definition.timeoutMs,
      );
      const result = await this.#runHandler(parsed.data, running);
      clearTimeout(timer);
      settlement = settlementOf(result, controller.signal);
    }
    if (running.abandoned) return;
    await this.#store.settle(definition as JobDefinition<unknown>, job, settlement).catch(this.#onError);
  }

  /**
   * Runs the handler; once its signal has fired, waits at most the grace period for it to
   * settle, so a handler that ignores its signal cannot hold a slot (or its key) for ever.
   */
  async #runHandler(payload: P, running: Running<J>): Promise<HandlerResult> {
    const { signal } = running.controller;
    const handler = this.#handler;
    const context = { id: running.job.id, attempt: running.job.attempt, createdAt: running.job.createdAt, signal };
    const outcome: Promise<HandlerResult> = (async () => handler(payload, context))().then(
      (value): HandlerResult => ({ kind: 'resolved', value }),
      (error: unknown): HandlerResult => ({ kind: 'threw', error }),
    );
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const unresponsive = new Promise<HandlerResult>((resolve) => {
      onAbort = () => (graceTimer = setTimeout(() => resolve({ kind: 'unresponsive' }), this.#graceMs));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([outcome, unresponsive]);
    } finally {
      clearTimeout(graceTimer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
}

/** Pure: how a handler's result and its signal's state become a Settlement. */
export function settlementOf(result: HandlerResult, signal: AbortSignal): Settlement {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  // Whatever a stopped handler returns or throws, its job goes back untouched.
  if (reason instanceof JobShutdownError) return { kind: 'handed-back' };
  if (reason instanceof JobTimeoutError) return { kind: 'failed', error: reason.message, permanent: false };
  if (result.kind === 'resolved') return result.value === 'continue' ? { kind: 'continue' } : { kind: 'completed' };
  if (result.kind === 'threw') return { kind: 'failed', error: errorText(result.error), permanent: false };
  return { kind: 'failed', error: 'The handler did not settle after its signal fired', permanent: false };
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

/** Settings a backend gives every worker it starts. */
export interface WorkerSettings {
  pollIntervalMs: number;
  graceMs: number;
  onError: (error: unknown) => void;
  /**
   * Several processes share the queue (pg-boss): take one job per poll round, so that jobs sent
   * together spread over every polling process instead of all going to the first that polls.
   */
  spread?: boolean;
  /**
   * With `spread`: once a job is announced (`announce`), a process looks after this many
   * milliseconds per job of the queue it is running, instead of at its next poll.
   */
  spreadStepMs?: number;
}

/** Starts a worker for one queue of a backend (`work()` of both backends). */
export function startQueueWorker<P, J extends ClaimedJob>(
  store: QueueStore<J>,
  definition: JobDefinition<P>,
  handler: JobHandler<P>,
  concurrency: number | undefined,
  settings: WorkerSettings,
): QueueWorker<P, J> {
  const worker = new QueueWorker<P, J>({ definition, handler, concurrency: concurrency ?? definition.concurrency, store, ...settings });
  worker.start();
  return worker;
}
