// Two-way sync, the rest of it (docs/ARCHITECTURE.md "Pull (two-way sync)"):
// - `organizations.synced_values` and `deals.synced_values`: the merge base of companies and
//   deals, as `customers.synced_values` is for contacts (migration 015).
// - three settings, all off: `write_through` (a linked record's local edit is written to HubSpot
//   first), `propagate_deletes` (a record deleted locally is archived in HubSpot) and
//   `archive_on_hubspot_delete` (a record archived in HubSpot is deleted locally too, not only
//   unlinked).
// - the inbound counts of a run (`sync_runs.pulled`, `pulled_created`, `pulled_updated`,
//   `conflicts`, `deletions`) and the direction of every attempt (`push`, the old rows, or `pull`).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('synced_values', 'text').execute();
  await db.schema.alterTable('deals').addColumn('synced_values', 'text').execute();
  for (const column of ['write_through', 'propagate_deletes', 'archive_on_hubspot_delete']) {
    await db.schema.alterTable('sync_settings').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
  for (const column of ['pulled', 'pulled_created', 'pulled_updated', 'conflicts', 'deletions']) {
    await db.schema.alterTable('sync_runs').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
  await db.schema.alterTable('sync_attempts').addColumn('direction', 'text', (c) => c.notNull().defaultTo('push')).execute();
}
