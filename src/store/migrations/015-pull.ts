// What the pull (inbound sync, docs/ARCHITECTURE.md "Pull (two-way sync)") keeps:
// - `sync_checkpoints`: per workspace and object type, how far HubSpot's changes are applied.
//   `phase` initial: the first full listing is under way and `after_cursor` is the list cursor
//   of the next page; incremental: `last_modified_ms` is the last `lastmodifieddate` fully
//   applied, `ids_at_ms` (JSON) the HubSpot ids already applied at that millisecond, and
//   `after_cursor` the `hs_object_id` after which a same-millisecond page resumes (or null);
//   `updated_at` is when a pull last read to the end (0 until one did).
// - `customers.synced_values`: JSON, HubSpot property → the value both sides last agreed on
//   (the base of the three-way merge); written by a successful push and by the pull.
// - `sync_conflicts`: every field both sides changed differently, with both values and times
//   and which side won.
// - three settings: `two_way` (off), the lifecycle stages a pull imports, the poll interval.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sync_checkpoints')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
    .addColumn('ids_at_ms', 'text', (c) => c.notNull())
    .addColumn('after_cursor', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_checkpoints_pk', ['workspace_id', 'object_type'])
    .execute();
  await db.schema.alterTable('customers').addColumn('synced_values', 'text').execute();
  await db.schema
    .createTable('sync_conflicts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('hubspot_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('property', 'text', (c) => c.notNull())
    .addColumn('local_value', 'text', (c) => c.notNull())
    .addColumn('hubspot_value', 'text', (c) => c.notNull())
    .addColumn('local_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('hubspot_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('winner', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sync_conflicts_by_record').on('sync_conflicts').columns(['workspace_id', 'object_type', 'record_id', 'at']).execute();
  await db.schema.alterTable('sync_settings').addColumn('two_way', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .alterTable('sync_settings')
    .addColumn('inbound_lifecycle_stages', 'text', (c) => c.notNull().defaultTo(sql.lit('["customer","subscriber"]')))
    .execute();
  await db.schema.alterTable('sync_settings').addColumn('poll_interval_minutes', 'integer', (c) => c.notNull().defaultTo(5)).execute();
}
