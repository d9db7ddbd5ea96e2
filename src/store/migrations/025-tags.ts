// Tags (issue 16): the workspace's tag catalog, its HubSpot settings, and the durable queue of
// list memberships. Built-in tags live in code (src/tags/catalog.ts); `tag_definitions` holds
// admin-defined tags and the overrides of built-in ones (label, list settings), keyed by the tag's
// stable key. `tag_settings` holds one workspace's activity rules (overrides of the defaults),
// whether tags are written to the `hubsync_tags` contact property, and that property's state in
// HubSpot. `tag_list_members` is each (tag, customer) pair whose HubSpot list membership hubsync
// manages: `wanted` is what the customer's tags say, `synced` what HubSpot's list was last told;
// a row where they differ is a pending membership change (written in the customer's
// transaction, so a crash loses none; coalesced, since a pair has one row).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tag_definitions')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('built_in', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('list_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('list_missing', 'text', (c) => c.notNull().defaultTo('recreate'))
    .addColumn('list_id', 'text')
    .addColumn('list_status', 'text')
    .addColumn('list_error', 'text')
    .addColumn('list_pushed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('tag_definitions_pk', ['workspace_id', 'key'])
    .execute();
  await db.schema
    .createTable('tag_settings')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('rules', 'text')
    .addColumn('property_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('property_state', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('property_hash', 'text')
    .addColumn('property_error', 'text')
    .addColumn('property_synced_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('tag_list_members')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('wanted', 'integer', (c) => c.notNull())
    .addColumn('synced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('tag_list_members_pk', ['workspace_id', 'tag_key', 'customer_id'])
    .execute();
}
