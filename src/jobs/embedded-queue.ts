// The embedded backend: jobs and schedules in the application's own SQLite database (tables
// `jobs` and `job_schedules`, migration 006), so a restart resumes what was queued and nothing
// else needs installing. Several processes may open the same file: every claim is a single
// UPDATE statement (SQLite's write lock makes it atomic) and every schedule tick a
// compare-and-set on its next_fire_at.
//
// A job's states, and the allowed transitions (TRANSITIONS below):
//   queued     waiting to run (run_at may lie in the future for a delayed send)
//   retry      failed, waiting for its backoff before the next attempt
//   active     a worker holds it until lease_until (timeout + grace); a lease that runs out
//              means its process died, and any worker may take the job again
//   completed  the handler finished (or asked to `continue`, which queues a new job)
//   failed     no attempt left, or a payload that no longer matches the schema
//   merged     gave way to a job of the same key already waiting (the waiting one does the work)
// Partial unique indexes allow one job per exclusivity key in each of queued, retry, active.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { newId } from '../lib/index.js';
import type { Db } from '../store/index.js';
import { firstTickAt, latestTickAt, nextTickAt } from './cron.js';
import { checkCron, parsePayload } from './validation.js';
import { eraseDefinition, onceJobId, retryDelayMs, type JobDefinition, type JobHandler } from './job-definition.js';
import type { JobQueue, JobQueueOptions, QueueCounts, ScheduleOptions, SendOptions, StopOptions, WorkOptions } from './job-queue.js';
import { startQueueWorker, type QueueWorker, type ClaimedJob, type QueueStore, type Settlement } from './queue-worker.js';

export type EmbeddedJobState = 'queued' | 'retry' | 'active' | 'completed' | 'failed' | 'merged';

export const TRANSITIONS: Readonly<Record<EmbeddedJobState, readonly EmbeddedJobState[]>> = {
  queued: ['active'],
  retry: ['active'],
  // active → active: a lease ran out and another worker took the job again.
  active: ['active', 'completed', 'retry', 'failed', 'queued', 'merged'],
  completed: [],
  failed: [],
  merged: [],
};

interface EmbeddedClaim extends ClaimedJob {
  leaseToken: string;
}

/** Finished jobs (completed, failed, merged) are deleted this long after they finished. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60_000;

export class EmbeddedJobQueue implements JobQueue, QueueStore<EmbeddedClaim> {
  readonly backend = 'embedded' as const;
  readonly #db: Db;
  readonly #catalog: Map<string, JobDefinition<unknown>>;
  readonly #pollIntervalMs: number;
  readonly #graceMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #workers: QueueWorker<unknown, EmbeddedClaim>[] = [];
  readonly #retentionMs: number;
  #scheduler: NodeJS.Timeout | undefined;
  #ticking = false;
  #tick: Promise<void> | undefined;
  #prunedAt = 0;
  #started = false;
  #stopped = false;

  constructor(db: Db, options: JobQueueOptions) {
    this.#db = db;
    this.#catalog = new Map(options.catalog.map((d) => [d.name, eraseDefinition(d)]));
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
    this.#graceMs = options.leaseGraceMs ?? 5_000;
    this.#onError = options.onError ?? ((error) => console.error('[jobs]', error));
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#scheduler = setInterval(() => {
      if (!this.#ticking) this.#tick = this.#fireDueSchedules();
    }, this.#pollIntervalMs);
    await (this.#tick = this.#fireDueSchedules());
  }

  async send<P>(definition: JobDefinition<P>, payload: P, options: SendOptions = {}): Promise<string | null> {
    const def = this.#known(definition);
    const parsed = parsePayload(def, payload);
    const once = options.onceKey === undefined ? {} : { id: onceJobId(def.name, options.onceKey) };
    const id = await insertJob(this.#db, eraseDefinition(def), parsed, Date.now() + (options.delayMs ?? 0), once);
    for (const worker of this.#workers) if (worker.queue === def.name) worker.wake();
    return id;
  }

  async work<P>(definition: JobDefinition<P>, handler: JobHandler<P>, options: WorkOptions = {}): Promise<void> {
    this.#known(definition);
    if (!this.#started || this.#stopped) throw new Error('work() needs a started job queue');
    const worker = startQueueWorker(this, definition, handler, options.concurrency, { pollIntervalMs: this.#pollIntervalMs, graceMs: this.#graceMs, onError: this.#onError });
    this.#workers.push(worker as QueueWorker<unknown, EmbeddedClaim>);
  }

  async schedule<P>(definition: JobDefinition<P>, cron: string, payload: P, options: ScheduleOptions = {}): Promise<void> {
    const def = this.#known(definition);
    const timezone = options.timezone ?? 'UTC';
    const json = JSON.stringify(parsePayload(def, payload));
    checkCron(cron, timezone);
    const now = Date.now();
    // Re-declaring an unchanged schedule (every start does) keeps its next tick.
    await this.#db
      .insertInto('job_schedules')
      .values({ queue: def.name, cron, timezone, payload: json, next_fire_at: firstTickAt(cron, timezone, now), updated_at: now })
      .onConflict((oc) =>
        oc.column('queue').doUpdateSet((eb) => ({
          payload: eb.ref('excluded.payload'),
          updated_at: eb.ref('excluded.updated_at'),
          next_fire_at: sql<number>`case when job_schedules.cron = excluded.cron and job_schedules.timezone = excluded.timezone
            then job_schedules.next_fire_at else excluded.next_fire_at end`,
          cron: eb.ref('excluded.cron'),
          timezone: eb.ref('excluded.timezone'),
        })),
      )
      .execute();
  }

  async unschedule(definition: JobDefinition<unknown>): Promise<void> {
    await this.#db.deleteFrom('job_schedules').where('queue', '=', definition.name).execute();
  }

  async counts(): Promise<QueueCounts[]> {
    const rows = await this.#db
      .selectFrom('jobs')
      .select(['queue', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', 'in', [...this.#catalog.keys()])
      .groupBy(['queue', 'state'])
      .execute();
    return [...this.#catalog.keys()].map((queue) => {
      const of = (state: string): number => Number(rows.find((r) => r.queue === queue && r.state === state)?.n ?? 0);
      return { queue, queued: of('queued'), retry: of('retry'), active: of('active'), completed: of('completed'), failed: of('failed') };
    });
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#scheduler);
    await this.#tick;
    const graceful = options.graceful ?? true;
    await Promise.all(this.#workers.map((w) => w.stop(graceful, graceful ? (options.timeoutMs ?? 30_000) : 0)));
  }

  // ---- QueueStore: how the shared worker loop claims and settles jobs here ----

  async claim(definition: JobDefinition<unknown>, max: number): Promise<EmbeddedClaim[]> {
    const now = Date.now();
    // Reading first costs no write lock: an idle poll must not contend with the application's
    // writes on the one SQLite file.
    const due = await this.#db
      .selectFrom('jobs')
      .select('id')
      .where('queue', '=', definition.name)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', 'in', ['queued', 'retry']), eb('run_at', '<=', now)]),
          eb.and([eb('state', '=', 'active'), eb('lease_until', '<', now)]),
        ]),
      )
      .limit(1)
      .executeTakeFirst();
    if (!due) return [];
    // A job whose process died on its last allowed attempt fails for good.
    await this.#db
      .updateTable('jobs')
      .set({ state: 'failed', last_error: 'Its worker stopped answering (lease expired) on the last attempt', finished_at: now, lease_token: null, lease_until: null })
      .where('queue', '=', definition.name)
      .where('state', '=', 'active')
      .where('lease_until', '<', now)
      .where('attempts', '>', definition.retry.limit)
      .execute();
    const claimed: EmbeddedClaim[] = [];
    for (let i = 0; i < max; i++) {
      const leaseToken = randomUUID();
      // One statement, so two processes can never take the same job or two jobs of one key:
      // a waiting job is due and its key idle, or an active job's lease ran out.
      const { rows } = await sql<{ id: string; payload: string; attempts: number; created_at: number }>`
        update jobs set state = 'active', attempts = attempts + 1, lease_token = ${leaseToken},
          lease_until = ${now + definition.timeoutMs + this.#graceMs}, started_at = ${now}
        where id = (
          select j.id from jobs j
          where j.queue = ${definition.name} and (
            (j.state in ('queued', 'retry') and j.run_at <= ${now} and (j.exclusive_key is null or not exists (
              select 1 from jobs a where a.queue = j.queue and a.exclusive_key = j.exclusive_key and a.state = 'active')))
            or (j.state = 'active' and j.lease_until < ${now} and j.attempts <= ${definition.retry.limit}))
          order by j.run_at, j.id
          limit 1)
        returning id, payload, attempts, created_at`.execute(this.#db);
      const row = rows[0];
      if (!row) break;
      claimed.push({ id: row.id, payload: JSON.parse(row.payload) as unknown, attempt: Number(row.attempts), createdAt: Number(row.created_at), leaseToken });
    }
    return claimed;
  }

  async settle(definition: JobDefinition<unknown>, job: EmbeddedClaim, settlement: Settlement): Promise<void> {
    const now = Date.now();
    const released = { lease_token: null, lease_until: null };
    const mine = this.#db.updateTable('jobs').where('id', '=', job.id).where('lease_token', '=', job.leaseToken);
    // A sibling of the same key already waiting in `state` takes this job's place.
    const siblingIn = (state: EmbeddedJobState) =>
      sql<boolean>`exists (select 1 from jobs s where s.queue = jobs.queue and s.exclusive_key = jobs.exclusive_key
        and s.state = ${state} and s.id <> jobs.id)`;
    switch (settlement.kind) {
      case 'completed':
        await mine.set({ ...released, state: 'completed', finished_at: now }).execute();
        return;
      case 'continue':
        await this.#db.transaction().execute(async (trx) => {
          const done = await trx
            .updateTable('jobs')
            .set({ ...released, state: 'completed', finished_at: now })
            .where('id', '=', job.id)
            .where('lease_token', '=', job.leaseToken)
            .executeTakeFirst();
          if (Number(done.numUpdatedRows) === 1) await insertJob(trx, definition, job.payload, now);
        });
        this.#wake(definition.name);
        return;
      case 'failed': {
        const final = settlement.permanent || job.attempt > definition.retry.limit;
        if (final) {
          await mine.set({ ...released, state: 'failed', last_error: settlement.error, finished_at: now }).execute();
          return;
        }
        await mine
          .set({
            ...released,
            state: sql<string>`case when ${siblingIn('retry')} then 'merged' else 'retry' end`,
            finished_at: sql<number | null>`case when ${siblingIn('retry')} then ${now} else null end`,
            run_at: now + retryDelayMs(definition.retry, job.attempt),
            last_error: settlement.error,
          })
          .execute();
        return;
      }
      case 'handed-back':
        await mine
          .set({
            ...released,
            state: sql<string>`case when ${siblingIn('queued')} then 'merged' else 'queued' end`,
            finished_at: sql<number | null>`case when ${siblingIn('queued')} then ${now} else null end`,
            attempts: sql<number>`attempts - 1`,
            run_at: now,
          })
          .execute();
        return;
    }
  }

  #wake(queue: string): void {
    for (const worker of this.#workers) if (worker.queue === queue) worker.wake();
  }

  #known<P>(definition: JobDefinition<P>): JobDefinition<P> {
    if (this.#catalog.get(definition.name) !== eraseDefinition(definition)) {
      throw new Error(`Job ${definition.name} is not in this queue's catalog`);
    }
    return definition;
  }

  /** Sends every schedule whose tick has come, each at most once whatever the processes. */
  async #fireDueSchedules(): Promise<void> {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    try {
      const now = Date.now();
      const due = await this.#db.selectFrom('job_schedules').selectAll().where('next_fire_at', '<=', now).execute();
      for (const schedule of due) {
        const definition = this.#catalog.get(schedule.queue);
        if (!definition) continue;
        const next = nextTickAt(schedule.cron, schedule.timezone, Math.max(now, schedule.next_fire_at));
        // The job is created as of the tick it fires for: after missed ticks (the service was
        // down) the latest one, as pg-boss fires only the current tick.
        const tick = Math.max(schedule.next_fire_at, latestTickAt(schedule.cron, schedule.timezone, now));
        const fired = await this.#db.transaction().execute(async (trx) => {
          // Compare-and-set: of all processes that saw this tick due, one moves it on.
          const moved = await trx
            .updateTable('job_schedules')
            .set({ next_fire_at: next })
            .where('queue', '=', schedule.queue)
            .where('next_fire_at', '=', schedule.next_fire_at)
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) !== 1) return false;
          await insertJob(trx, definition, JSON.parse(schedule.payload) as unknown, now, { createdAt: tick });
          return true;
        });
        if (fired) this.#wake(schedule.queue);
      }
      if (now - this.#prunedAt >= PRUNE_EVERY_MS) {
        this.#prunedAt = now;
        await this.#db
          .deleteFrom('jobs')
          .where('state', 'in', ['completed', 'failed', 'merged'])
          .where('finished_at', '<', now - this.#retentionMs)
          .execute();
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#ticking = false;
    }
  }
}

/**
 * Inserts a queued job, or — when its key already has a queued job — returns that job's id
 * (the send is merged into it); null when a job with the given `id` exists (a `onceKey` sent
 * before). `createdAt` defaults to now.
 */
async function insertJob(db: Db, definition: JobDefinition<unknown>, payload: unknown, runAt: number, options: { id?: string; createdAt?: number } = {}): Promise<string | null> {
  const id = options.id ?? newId('job');
  const key = definition.keyOf(payload);
  const inserted = await db
    .insertInto('jobs')
    .values({
      id,
      queue: definition.name,
      payload: JSON.stringify(payload),
      exclusive_key: key,
      state: 'queued',
      attempts: 0,
      run_at: runAt,
      lease_token: null,
      lease_until: null,
      last_error: null,
      created_at: options.createdAt ?? Date.now(),
      started_at: null,
      finished_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return id;
  if (options.id !== undefined && (await db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst())) return null;
  const waiting = await db
    .selectFrom('jobs')
    .select('id')
    .where('queue', '=', definition.name)
    .where('exclusive_key', '=', key)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return waiting?.id ?? null;
}
