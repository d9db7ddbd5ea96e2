// The direction of each mapped field (docs/ARCHITECTURE.md "Field mapping"):
// `field_mappings.direction` is `both` (the default, and every row before this migration),
// `push` (hubsync → HubSpot only: the pull never reads it) or `pull` (HubSpot → hubsync only:
// the push never sends it and it is not part of the record's hash).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('field_mappings').addColumn('direction', 'text', (c) => c.notNull().defaultTo('both')).execute();
}
