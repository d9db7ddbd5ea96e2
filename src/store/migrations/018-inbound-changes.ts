// What HubSpot's webhooks and deletions need (docs/ARCHITECTURE.md "Webhooks in" and
// "Deletions from HubSpot"):
// - `inbound_changes`: one row per HubSpot record a webhook said changed or was deleted, per
//   workspace and object type, written when the delivery is acknowledged and drained by the
//   `sync.webhook` job, which reads the records from HubSpot. Many events for one record keep
//   one row: `occurred_at` is the latest event's time and `kind` its kind (`change` or
//   `deletion`); `version` grows with every further event, so the job deletes a row only if no
//   event arrived while it read.
// - `archive_checks`: per workspace and object type, how far the listing of archived records
//   got: `checked_at` is when the last complete listing began (0 = never; the next one applies
//   only what was archived since), `listing_started_at` and `after_cursor` the listing under way.
// - an index on (workspace_id, hubspot_id) of customers, organizations and deals: a webhook's
//   few records, and a deletion, are found by their HubSpot id without reading the workspace.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inbound_changes')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('hubspot_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_changes_pk', ['workspace_id', 'object_type', 'hubspot_id'])
    .execute();
  // What the job reads next: a workspace's oldest rows first.
  await db.schema.createIndex('inbound_changes_by_age').on('inbound_changes').columns(['workspace_id', 'received_at']).execute();
  await db.schema
    .createTable('archive_checks')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .addColumn('listing_started_at', 'bigint')
    .addColumn('after_cursor', 'text')
    .addPrimaryKeyConstraint('archive_checks_pk', ['workspace_id', 'object_type'])
    .execute();
  for (const table of ['customers', 'organizations', 'deals']) {
    await db.schema.createIndex(`${table}_workspace_hubspot_id`).on(table).columns(['workspace_id', 'hubspot_id']).execute();
  }
}
