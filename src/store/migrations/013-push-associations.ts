// What the push engine needs to push associations and notes safely, and to report a run per
// object type:
// - `synced_links` on customers and deals: the HubSpot ids the record was last associated with,
//   by association kind (JSON), so a removed local link removes exactly the association hubsync
//   made, and an unchanged one costs no call.
// - `create_started_at` on activities: set (committed) before a note's create call is sent, so
//   a batch replayed after a crash looks for the notes it may already have created instead of
//   creating them again (docs/ARCHITECTURE.md, "Exactly-once notes").
// - `note` on sync_run_objects: why a type was left out of a run (turned off, scopes missing).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['customers', 'deals']) {
    await db.schema.alterTable(table).addColumn('synced_links', 'text').execute();
  }
  await db.schema.alterTable('activities').addColumn('create_started_at', 'bigint').execute();
  await db.schema.alterTable('sync_run_objects').addColumn('note', 'text').execute();
}
