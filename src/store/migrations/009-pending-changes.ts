// The pending-changes set (SYNC-MODEL.md, "Changes, jobs and budgets"): one row per record whose
// change must still reach HubSpot, written in the transaction of the change itself and drained
// by the on-change push (`sync.flush` jobs). `version` grows with every further change of the
// record, so a flush deletes a row only if nothing changed since it read it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pending_changes')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_changes_pk', ['workspace_id', 'object_type', 'record_id'])
    .execute();
  // What a flush reads next: a workspace's oldest changes first.
  await db.schema.createIndex('pending_changes_by_age').on('pending_changes').columns(['workspace_id', 'object_type', 'changed_at']).execute();
}
