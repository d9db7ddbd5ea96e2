// Which object types beyond contacts a workspace syncs (seed 001's "Sync Contacts" / "Sync
// Companies" toggles, extended to deals and activities). Every workspace, old or new, starts
// with contacts only: a workspace asks HubSpot for another type's scopes only once an admin
// turns that type on (seed 004: the app does not request access it does not use).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['sync_companies', 'sync_deals', 'sync_activities']) {
    await db.schema
      .alterTable('sync_settings')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
}
