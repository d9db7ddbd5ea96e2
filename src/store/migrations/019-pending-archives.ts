// Propagated deletes (docs/ARCHITECTURE.md "Write-through and propagated deletes"):
// `pending_archives` holds each linked record deleted locally while the workspace's
// `propagate_deletes` was on, until its HubSpot record is archived. The row is written in the
// deleting transaction, so a crash loses none; a restore removes it in its own transaction, so a
// record restored before the archive ran stays in HubSpot. `hubspot_id` is the HubSpot record
// to archive, as it was linked when the record was deleted.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pending_archives')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('hubspot_id', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_archives_pk', ['workspace_id', 'object_type', 'record_id'])
    .execute();
  // What the sweep looks for: archives waiting longer than a wake-up should take.
  await db.schema.createIndex('pending_archives_by_age').on('pending_archives').columns(['requested_at']).execute();
}
