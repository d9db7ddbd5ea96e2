// De-duplication limited to recent records (docs/ARCHITECTURE.md "Merges"): each reconcile's
// de-duplication (sync/dedup.ts) looks only at the emails of live customers created or changed
// since its previous pass (less the window), not at every email group of the workspace.
// - `customers_dedup_recent`: live customers with an email by (workspace, updated_at), so "changed
//   since" is an index range, its email read from the index too;
// - `dedup_checkpoints`: per workspace, when the last pass started.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('customers_dedup_recent')
    .on('customers')
    .columns(['workspace_id', 'updated_at', 'email_lower', 'deleted_at'])
    .where(sql<boolean>`deleted_at is null and email_lower is not null`)
    .execute();
  await db.schema
    .createTable('dedup_checkpoints')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
}
