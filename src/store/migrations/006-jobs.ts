// The embedded job queue (src/jobs, SQLite backend): jobs and their cron schedules live in the
// application's own database, so a restart resumes what was queued. On PostgreSQL the queue is
// pg-boss in its own schema and these tables stay empty (one migration list serves both).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('exclusive_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  // What a worker claims next: the waiting jobs of one queue in run_at order.
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['queue', 'state', 'run_at']).execute();
  // At most one job per exclusivity key in each of the states queued, retry and active: a
  // second send while one is queued is merged into it, and two workers never run one key.
  for (const state of ['queued', 'retry', 'active']) {
    await db.schema
      .createIndex(`jobs_one_${state}_per_key`)
      .on('jobs')
      .columns(['queue', 'exclusive_key'])
      .unique()
      .where(sql.ref('state'), '=', state)
      .execute();
  }

  await db.schema
    .createTable('job_schedules')
    .addColumn('queue', 'text', (c) => c.primaryKey())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('next_fire_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
