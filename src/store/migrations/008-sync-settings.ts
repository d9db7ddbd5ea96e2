// Each workspace's automatic-sync settings: on-change push per object type and the reconcile
// schedule (5-field cron or null for off) read in an IANA time zone. Workspaces that exist now
// keep syncing only when asked (on-change push off) and get the nightly 03:00 UTC reconcile;
// workspaces created later get their row from workspace creation, with on-change push on.
// Run triggers are narrowed to the reason a run started: the actor (API key, CLI) is already
// in `started_by`, so the older `api` and `cli` triggers become `manual`.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sync_settings')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('push_contacts_on_change', 'integer', (c) => c.notNull())
    .addColumn('push_companies_on_change', 'integer', (c) => c.notNull())
    .addColumn('reconcile_schedule', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into sync_settings (workspace_id, push_contacts_on_change, push_companies_on_change, reconcile_schedule, timezone, updated_at)
    select id, 0, 0, ${'0 3 * * *'}, ${'UTC'}, created_at from workspaces`.execute(db);
  await sql`update sync_runs set ${sql.ref('trigger')} = ${'manual'} where ${sql.ref('trigger')} in (${'api'}, ${'cli'})`.execute(db);
}
