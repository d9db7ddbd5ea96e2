// The summary counts live customers per status; this index answers it without reading rows.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('customers_workspace_live_status').on('customers').columns(['workspace_id', 'deleted_at', 'sync_status']).execute();
}
