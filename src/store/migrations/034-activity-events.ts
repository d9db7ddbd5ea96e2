// Activities as HubSpot custom behavioral events (issue 16, Enterprise hubs only; off by
// default). `activity_event_settings` holds one workspace's choice and what HubSpot made of it:
// `state` is `off`, `pending` (on, nothing sent yet), `ready`, `unavailable` (the portal refused
// the events API; nothing is tried again until the admin retries) or `error` (another refusal;
// tried again at the next wake-up), `message` HubSpot's words, and `definitions` a JSON map from
// activity type to the event's fullyQualifiedName (each definition is created once).
// `activity_event_queue` holds the activities appended while it was on that HubSpot has not
// been sent yet (written in the activity's transaction; deleted once sent).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('activity_event_settings')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('off'))
    .addColumn('message', 'text')
    .addColumn('definitions', 'text')
    .addColumn('sent_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_at', 'bigint')
    .addColumn('checked_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('activity_event_queue')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('activity_event_queue_pk', ['workspace_id', 'activity_id'])
    .execute();
}
