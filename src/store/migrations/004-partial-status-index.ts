// Migration 003's index began with (workspace_id, deleted_at), which SQLite's planner also
// picked for lookups by id or email (`workspace_id = ? and deleted_at is null and id in …`),
// reading the whole workspace for each. This partial index covers only live customers and
// leads with (workspace_id, sync_status), so the status count stays a covering-index scan
// (deleted_at is listed so SQLite sees the index covers the query) and lookups by id or
// email go back to their own indexes.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('customers_workspace_live_status').execute();
  await db.schema
    .createIndex('customers_live_status')
    .on('customers')
    .columns(['workspace_id', 'sync_status', 'deleted_at'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
}
