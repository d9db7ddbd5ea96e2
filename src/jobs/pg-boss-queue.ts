// The PostgreSQL backend: pg-boss 10 in its own schema (default `hubsync_jobs`), so any number
// of processes share the work. Each catalog entry is a pg-boss queue whose retry policy
// (retryLimit, retryDelay, retryBackoff) and expiry (timeout + grace) come from the definition.
//
// Exclusivity. pg-boss 10's `stately` policy would give "one active, one queued per key", but
// its fetch takes the oldest waiting job of the queue and fails outright when that job's key is
// active, so one busy key stops the whole queue (pg-boss issue #535): one workspace's reconcile
// would hold back every other workspace's push. So queues with a key use pg-boss's `short`
// policy (at most one *queued* job per singletonKey: a second send is merged, send returns
// null), and "at most one active per key" is a PostgreSQL session advisory lock on the key,
// taken after the fetch on a connection held while the handler runs. A job whose key is busy
// is re-sent a second later (merged into any waiting one) and its fetched copy cancelled. The
// lock dies with its connection, so a SIGKILLed process holds nothing.
//
// Wake-ups: a job sent ready to run is announced with a NOTIFY on the schema's channel
// (job-notifications.ts); a process that works jobs listens and has its workers of that queue
// look at once — each after a step per job it is already running, so the least busy process
// takes it — instead of at their next poll. The notification is only a hint: pg-boss's fetch
// still claims, and polling still finds whatever a lost notification did not announce.
//
// Recovery of a SIGKILLed worker: its job stays `active` until started_on + expireIn has passed
// and pg-boss's supervisor (every maintenanceIntervalSeconds, one process at a time) expires it
// into `retry` with the queue's backoff; any worker then fetches it. Worst case: timeout +
// grace + maintenance interval + retry delay + poll interval (see docs/ARCHITECTURE.md).
import PgBoss from 'pg-boss';
import pg from 'pg';
import { JobListener, notifyJobSent } from './job-notifications.js';
import { eraseDefinition, onceJobId, type AnyJobDefinition, type JobDefinition, type JobHandler } from './job-definition.js';
import type { JobQueue, JobQueueOptions, QueueCounts, ScheduleOptions, SendOptions, StopOptions, WorkOptions } from './job-queue.js';
import { startQueueWorker, type QueueWorker, type ClaimedJob, type QueueStore, type Settlement } from './queue-worker.js';
import { checkCron, parsePayload } from './validation.js';

interface PgBossClaim extends ClaimedJob {
  key: string | null;
  /** The connection holding the key's advisory lock while the handler runs. */
  lock: pg.PoolClient | undefined;
}

export const DEFAULT_PG_BOSS_SCHEMA = 'hubsync_jobs';
/**
 * How long, per job of the queue it already runs, a process waits before claiming an announced
 * job: every process hears the NOTIFY at about the same moment, so the least busy one wins.
 */
const SPREAD_STEP_MS = 50;

export class PgBossJobQueue implements JobQueue, QueueStore<PgBossClaim> {
  readonly backend = 'pg-boss' as const;
  readonly #boss: PgBoss;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #catalog: Map<string, AnyJobDefinition>;
  readonly #pollIntervalMs: number;
  readonly #graceMs: number;
  readonly #lockedKeyDelayMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #workers: QueueWorker<unknown, PgBossClaim>[] = [];
  /** The NOTIFY channel: the schema's name, so queues in other schemas do not hear each other. */
  readonly #channel: string;
  /** Listens for announced jobs once this process works a queue. */
  readonly #listener: JobListener;
  #started = false;
  #stopped = false;

  constructor(options: JobQueueOptions & { postgres: NonNullable<JobQueueOptions['postgres']> }) {
    const pgOptions = options.postgres;
    this.#schema = pgOptions.schema ?? DEFAULT_PG_BOSS_SCHEMA;
    this.#catalog = new Map(options.catalog.map((d) => [d.name, eraseDefinition(d)]));
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
    this.#graceMs = options.leaseGraceMs ?? 5_000;
    this.#lockedKeyDelayMs = pgOptions.lockedKeyDelayMs ?? 1_000;
    this.#onError = options.onError ?? ((error) => console.error('[jobs]', error));
    this.#boss = new PgBoss({
      connectionString: pgOptions.url,
      schema: this.#schema,
      application_name: 'hubsync-jobs',
      max: 4,
      supervise: true,
      maintenanceIntervalSeconds: pgOptions.maintenanceIntervalSeconds ?? 10,
      schedule: true,
      cronMonitorIntervalSeconds: pgOptions.cronMonitorIntervalSeconds ?? 10,
      cronWorkerIntervalSeconds: pgOptions.cronWorkerIntervalSeconds ?? 2,
    });
    this.#boss.on('error', (error) => this.#onError(error));
    // Key locks (one connection per running keyed job) and the short transactions that
    // complete a job and send its continuation together.
    this.#pool = new pg.Pool({ connectionString: pgOptions.url, max: pgOptions.lockConnections ?? 16, application_name: 'hubsync-jobs-locks' });
    this.#pool.on('error', (error) => this.#onError(error));
    this.#channel = this.#schema;
    this.#listener = new JobListener({
      url: pgOptions.url,
      channel: this.#channel,
      onSent: (queue) => {
        for (const worker of this.#workers) if (worker.queue === queue) worker.announce();
      },
      // Back after a gap: what was announced meanwhile is looked for now rather than at the next poll.
      onListening: () => {
        for (const worker of this.#workers) worker.announce();
      },
      onError: this.#onError,
    });
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#boss.start();
    for (const definition of this.#catalog.values()) {
      const queue: PgBoss.Queue = {
        name: definition.name,
        policy: definition.exclusive ? 'short' : 'standard',
        retryLimit: definition.retry.limit,
        retryDelay: Math.ceil(definition.retry.baseMs / 1000),
        retryBackoff: definition.retry.baseMs > 0,
        expireInSeconds: Math.ceil((definition.timeoutMs + this.#graceMs) / 1000),
      };
      // create_queue does nothing when the queue exists; update brings its settings up to date.
      await this.#boss.createQueue(definition.name, queue);
      await this.#boss.updateQueue(definition.name, queue);
    }
  }

  async send<P>(definition: JobDefinition<P>, payload: P, options: SendOptions = {}): Promise<string | null> {
    const def = this.#known(definition);
    const parsed = parsePayload(def, payload);
    const once = options.onceKey === undefined ? {} : { id: onceJobId(def.name, options.onceKey) };
    const id = await this.#boss.send(def.name, parsed as object, { ...this.#sendOptions(eraseDefinition(def), parsed, options.delayMs), ...once });
    this.#wake(def.name);
    // A delayed job is found by polling once due; a merged send (null) announces nothing new.
    if (id !== null && !(options.delayMs && options.delayMs > 0)) await notifyJobSent(this.#pool, this.#channel, def.name).catch(this.#onError);
    return id;
  }

  async work<P>(definition: JobDefinition<P>, handler: JobHandler<P>, options: WorkOptions = {}): Promise<void> {
    this.#known(definition);
    if (!this.#started || this.#stopped) throw new Error('work() needs a started job queue');
    const worker = startQueueWorker(this, definition, handler, options.concurrency, {
      pollIntervalMs: this.#pollIntervalMs,
      graceMs: this.#graceMs,
      onError: this.#onError,
      spread: true,
      spreadStepMs: SPREAD_STEP_MS,
    });
    this.#workers.push(worker as QueueWorker<unknown, PgBossClaim>);
    await this.#listener.start();
  }

  async schedule<P>(definition: JobDefinition<P>, cron: string, payload: P, options: ScheduleOptions = {}): Promise<void> {
    const def = this.#known(definition);
    const timezone = options.timezone ?? 'UTC';
    const parsed = parsePayload(def, payload);
    checkCron(cron, timezone);
    // pg-boss fires each schedule once per minute slot across all processes (a singleton in its
    // internal send-it queue); the key makes the sent job merge with one already waiting.
    const key = def.keyOf(parsed);
    await this.#boss.schedule(def.name, cron, parsed as object, { tz: timezone, ...(key === null ? {} : { singletonKey: key }) });
  }

  async unschedule(definition: JobDefinition<unknown>): Promise<void> {
    await this.#boss.unschedule(definition.name);
  }

  async counts(): Promise<QueueCounts[]> {
    const names = [...this.#catalog.keys()];
    // pg-boss 10 has no public per-state count; its job table (name, state) is stable in 10.x.
    const { rows } = await this.#pool.query<{ name: string; state: string; n: number }>(
      `select name, state::text as state, count(*)::int as n from ${this.#schema}.job where name = any($1) group by name, state`,
      [names],
    );
    return names.map((queue) => {
      const of = (state: string): number => rows.find((r) => r.name === queue && r.state === state)?.n ?? 0;
      return { queue, queued: of('created'), retry: of('retry'), active: of('active'), completed: of('completed'), failed: of('failed') };
    });
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const graceful = options.graceful ?? true;
    await Promise.all(this.#workers.map((w) => w.stop(graceful, graceful ? (options.timeoutMs ?? 30_000) : 0)));
    await this.#listener.stop();
    if (this.#started) await this.#boss.stop({ graceful: false, close: true, wait: true });
    await this.#pool.end();
  }

  // ---- QueueStore: how the shared worker loop claims and settles jobs here ----

  async claim(definition: AnyJobDefinition, max: number): Promise<PgBossClaim[]> {
    const jobs = await this.#boss.fetch<unknown>(definition.name, { batchSize: max, includeMetadata: true });
    const claimed: PgBossClaim[] = [];
    for (const job of jobs) {
      const key = job.singletonKey;
      const base = { id: job.id, payload: job.data, attempt: job.retryCount + 1, createdAt: job.createdOn.getTime(), key };
      if (key === null) {
        claimed.push({ ...base, lock: undefined });
        continue;
      }
      // A lock that cannot be taken (connection refused, pool ended) is reported here rather
      // than thrown: the jobs already locked in this claim must still run and release theirs.
      const lock = await this.#tryLock(definition.name, key).catch((error: unknown) => {
        this.#onError(error);
        return null;
      });
      if (lock) claimed.push({ ...base, lock });
      else await this.#requeue(definition, base, lock === null ? 0 : this.#lockedKeyDelayMs, 'cancel').catch(this.#onError);
    }
    return claimed;
  }

  async settle(definition: AnyJobDefinition, job: PgBossClaim, settlement: Settlement): Promise<void> {
    try {
      switch (settlement.kind) {
        case 'completed':
          await this.#boss.complete(definition.name, job.id);
          return;
        case 'continue':
          await this.#requeue(definition, job, 0, 'complete');
          this.#wake(definition.name);
          return;
        case 'failed':
          // pg-boss applies the queue's retry policy; a bad payload fails the same way each time.
          await this.#boss.fail(definition.name, job.id, { message: settlement.error });
          return;
        case 'handed-back':
          // Not counted as an attempt: the job is replaced by a fresh copy (merged into a
          // waiting one of the same key, if any).
          await this.#requeue(definition, job, 0, 'cancel');
          return;
      }
    } finally {
      await this.#unlock(definition.name, job);
    }
  }

  /**
   * Ends a fetched job and sends a copy of it in one transaction. A copy that replaces a
   * cancelled job (hand-back, busy key) keeps the job's creation time; a continuation is new.
   */
  async #requeue(definition: AnyJobDefinition, job: Omit<PgBossClaim, 'lock'>, delayMs: number, end: 'complete' | 'cancel'): Promise<void> {
    const { id, payload, key } = job;
    const client = await this.#pool.connect();
    const db: PgBoss.Db = { executeSql: (text, values) => client.query(text, values) };
    try {
      await client.query('begin');
      const ended =
        end === 'complete'
          ? await this.#boss.complete(definition.name, id, {}, { db })
          : await this.#boss.cancel(definition.name, id, { db });
      // Only the claim that still owned the job may send its copy.
      if (affected(ended) === 1) {
        const copy = await this.#boss.send(definition.name, payload as object, {
          ...this.#sendOptions(definition, payload, delayMs),
          ...(key === null ? {} : { singletonKey: key }),
          db,
        });
        // pg-boss has no option for it; created_on only orders the fetch (oldest first).
        if (copy !== null && end === 'cancel') {
          await client.query(`update ${this.#schema}.job set created_on = to_timestamp($3::double precision / 1000) where name = $1 and id = $2`, [definition.name, copy, job.createdAt]);
        }
        // Delivered on commit, so a woken process finds the copy.
        if (copy !== null && delayMs === 0) await notifyJobSent(client, this.#channel, definition.name);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  #sendOptions(definition: AnyJobDefinition, payload: unknown, delayMs: number | undefined): PgBoss.SendOptions {
    const key = definition.keyOf(payload);
    return {
      ...(key === null ? {} : { singletonKey: key }),
      ...(delayMs && delayMs > 0 ? { startAfter: (delayMs / 1000).toFixed(3) } : {}),
    };
  }

  async #tryLock(queue: string, key: string): Promise<pg.PoolClient | undefined> {
    const client = await this.#pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [this.#lockName(queue, key)]);
      if (rows[0]?.ok) {
        // pg-pool listens for errors only on idle connections: a held lock's connection lost
        // (server restart, backend terminated) is reported, not an uncaught 'error' event.
        client.on('error', this.#onLockLost);
        return client;
      }
      client.release();
      return undefined;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  readonly #onLockLost = (error: Error): void => this.#onError(error);

  async #unlock(queue: string, job: PgBossClaim): Promise<void> {
    const client = job.lock;
    if (!client || job.key === null) return;
    job.lock = undefined;
    try {
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [this.#lockName(queue, job.key)]);
      client.removeListener('error', this.#onLockLost);
      client.release();
    } catch (error) {
      // Dropping the connection releases the lock too.
      client.removeListener('error', this.#onLockLost);
      client.release(true);
      this.#onError(error);
    }
  }

  #lockName(queue: string, key: string): string {
    return `${this.#schema}:${queue}:${key}`;
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
}

function affected(result: unknown): number {
  return (result as { affected?: number } | undefined)?.affected ?? 0;
}
