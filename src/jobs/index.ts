// The job layer: a typed catalog of jobs (defineJob) and one queue interface (JobQueue) over
// two backends — embedded in the SQLite database, or pg-boss on PostgreSQL — chosen by
// createJobQueue from the kind of database. See docs/ARCHITECTURE.md, "Jobs".
import type { Db } from '../store/index.js';
import { EmbeddedJobQueue } from './embedded-queue.js';
import type { JobQueue, JobQueueOptions } from './job-queue.js';
import { PgBossJobQueue } from './pg-boss-queue.js';

export {
  defineJob,
  eraseDefinition,
  retryDelayMs,
  JobShutdownError,
  JobTimeoutError,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  type AnyJobDefinition,
  type JobContext,
  type JobDefinition,
  type JobDefinitionInput,
  type JobHandler,
  type JobOutcome,
  type RetryPolicy,
} from './job-definition.js';
export type { JobQueue, JobQueueOptions, QueueCounts, ScheduleOptions, SendOptions, StopOptions, WorkOptions } from './job-queue.js';
export { DEFAULT_PG_BOSS_SCHEMA } from './pg-boss-queue.js';
export { assertCron, firstTickAt, nextTickAt } from './cron.js';

/**
 * The job queue for this database: embedded (tables `jobs`, `job_schedules`) on SQLite, pg-boss
 * on PostgreSQL (`options.postgres.url` required: pg-boss keeps its own pool and schema).
 *
 *     const jobs = createJobQueue(database, { catalog: [pushJob, tickJob], postgres: { url } });
 *     await jobs.start();
 *     await jobs.work(pushJob, async (payload, { signal }) => { … });
 *     await jobs.send(pushJob, { workspaceId, objectType: 'contacts' });
 *     await jobs.stop({ graceful: true, timeoutMs: 30_000 });
 */
export function createJobQueue(database: { db: Db; kind: 'sqlite' | 'postgres' }, options: JobQueueOptions): JobQueue {
  if (database.kind === 'postgres') {
    if (!options.postgres) throw new Error('createJobQueue: a PostgreSQL database needs options.postgres.url');
    return new PgBossJobQueue({ ...options, postgres: options.postgres });
  }
  return new EmbeddedJobQueue(database.db, options);
}
