// Merges of two records of one type (docs/ARCHITECTURE.md "Merges"): `record_merges` keeps one
// row per merge, made locally (the Merge action) or found in HubSpot (a pull or a `*.merge`
// webhook). The secondary record is soft-deleted, never removed: `snapshot` holds its row as it
// was just before the merge and the references that moved to the survivor, so an admin can see
// what was merged and restore the secondary (`restored_at`). `choices` is the field → side
// (`survivor` or `other`) that was taken. Ids of the records are the local ids; the HubSpot ids
// involved are kept for the audit trail and for the pull (an id merged away in HubSpot is found
// here rather than re-imported).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('record_merges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('survivor_id', 'text', (c) => c.notNull())
    .addColumn('secondary_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('choices', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('survivor_hubspot_id', 'text')
    .addColumn('secondary_hubspot_id', 'text')
    .addColumn('merged_hubspot_id', 'text')
    .addColumn('merged_at', 'bigint', (c) => c.notNull())
    .addColumn('restored_at', 'bigint')
    .addColumn('restored_by', 'text')
    .execute();
  await db.schema.createIndex('record_merges_survivor').on('record_merges').columns(['workspace_id', 'survivor_id']).execute();
  await db.schema.createIndex('record_merges_secondary').on('record_merges').columns(['workspace_id', 'secondary_id']).execute();
}
