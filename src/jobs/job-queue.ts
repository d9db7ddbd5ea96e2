// The one job interface both backends implement (embedded SQLite, pg-boss on PostgreSQL).
// Callers hold a JobQueue built by createJobQueue and never know which backend is behind it.
import type { AnyJobDefinition, JobDefinition, JobHandler } from './job-definition.js';

export interface WorkOptions {
  /** Jobs of this queue this process runs at once; defaults to the definition's concurrency. */
  concurrency?: number;
}

export interface SendOptions {
  /** Do not start before this many milliseconds from now. */
  delayMs?: number;
  /**
   * Sends the job at most once per queue and `onceKey`, whatever became of the first one
   * (waiting, running, done, failed): a later send with the same onceKey is dropped and returns
   * null. The first job is remembered as long as the backend keeps it — embedded: until pruned,
   * 7 days after it finished; pg-boss: until archived, 12 hours after it completed. It is the
   * job's id, derived from the queue and the key (pg-boss's `id` send option). A send merged
   * into a job of its exclusivity key already waiting is not remembered under its onceKey.
   */
  onceKey?: string;
}

export interface ScheduleOptions {
  /** IANA zone the cron is read in; default UTC. */
  timezone?: string;
}

export interface StopOptions {
  /** Wait for running handlers (after aborting them) before resolving; default true. */
  graceful?: boolean;
  /** How long a graceful stop waits for handlers to settle; default 30 000. */
  timeoutMs?: number;
}

/** Job counts of one queue by state (pg-boss's `created` is reported as `queued`). */
export interface QueueCounts {
  queue: string;
  queued: number;
  retry: number;
  active: number;
  completed: number;
  failed: number;
}

export interface JobQueue {
  readonly backend: 'embedded' | 'pg-boss';
  /** Installs what the backend needs (pg-boss schema, queues) and starts schedules and polling. */
  start(): Promise<void>;
  /**
   * Sends a job; validates the payload first (throws a VALIDATION_FAILED AppError). Returns the
   * new job's id, or — when the definition has an exclusivity key and a job with that key is
   * already waiting — the waiting job's id (embedded) or null (pg-boss): the send was merged;
   * null when its `onceKey` was sent before.
   */
  send<P>(definition: JobDefinition<P>, payload: P, options?: SendOptions): Promise<string | null>;
  /** Takes jobs of this definition's queue in this process until stop(). Call after start(). */
  work<P>(definition: JobDefinition<P>, handler: JobHandler<P>, options?: WorkOptions): Promise<void>;
  /**
   * Sends `payload` on every tick of a 5-field cron, once per tick whatever the number of
   * processes, surviving restarts. One schedule per queue; calling again replaces it.
   */
  schedule<P>(definition: JobDefinition<P>, cron: string, payload: P, options?: ScheduleOptions): Promise<void>;
  unschedule(definition: JobDefinition<unknown>): Promise<void>;
  /** Counts by state for every queue of the catalog (health and metrics). */
  counts(): Promise<QueueCounts[]>;
  /**
   * Stops taking work, aborts running handlers (JobShutdownError), waits up to timeoutMs for them
   * to settle, hands back what did not finish, and releases the backend's resources.
   */
  stop(options?: StopOptions): Promise<void>;
}

export interface JobQueueOptions {
  /** Every job definition this process may send, work or schedule. */
  catalog: readonly AnyJobDefinition[];
  /** How often idle workers look for new jobs sent by other processes; default 500 ms. */
  pollIntervalMs?: number;
  /**
   * Grace after a handler's timeout before the job is given up by the process that runs it
   * (embedded: added to the lease; pg-boss: added to expireInSeconds). Default 5 000 ms.
   */
  leaseGraceMs?: number;
  /** Embedded only: how long finished jobs are kept (pg-boss archives and deletes its own). Default 7 days. */
  retentionMs?: number;
  /** Unexpected background errors (a failed poll, a pg-boss maintenance error). */
  onError?: (error: unknown) => void;
  /** pg-boss only. */
  postgres?: {
    /** Connection string of the application's PostgreSQL database. */
    url: string;
    /** Schema pg-boss installs into; default `hubsync_jobs`. */
    schema?: string;
    /** How often pg-boss's supervisor expires dead jobs (SIGKILL recovery); default 10 s. */
    maintenanceIntervalSeconds?: number;
    /** How often a process checks the schedules (cronMonitorIntervalSeconds); default 10 s. */
    cronMonitorIntervalSeconds?: number;
    /** How often the scheduled sends are turned into jobs (cronWorkerIntervalSeconds); default 2 s. */
    cronWorkerIntervalSeconds?: number;
    /**
     * Connections for key locks (one per running keyed job) and continuation transactions;
     * default 16, so up to ~15 keyed jobs run at once in a process. pg-boss itself uses 4 more.
     */
    lockConnections?: number;
    /** Delay before retrying a job whose key another process is running; default 1 000 ms. */
    lockedKeyDelayMs?: number;
  };
}
