// Automatic de-duplication (docs/ARCHITECTURE.md "Merges"): `sync_settings.dedup_window_seconds`,
// how far apart (seconds) the same email may be created on both sides and still be merged into
// one record by the reconcile; 0 turns it off. Existing workspaces get the default, 60.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_settings').addColumn('dedup_window_seconds', 'integer', (c) => c.notNull().defaultTo(60)).execute();
}
