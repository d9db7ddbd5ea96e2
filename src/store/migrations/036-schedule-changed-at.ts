// When a workspace's reconcile schedule (or its zone) was last changed: the minute tick catches
// up firings it handed out late or not at all (sync/sync-jobs.ts), and never one from before the
// schedule it belongs to was saved. Null for the schedules saved before this migration.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_settings').addColumn('schedule_changed_at', 'bigint').execute();
}
