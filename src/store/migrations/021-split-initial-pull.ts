// The split initial pull (docs/ARCHITECTURE.md "Pull (two-way sync)"): while a type's first
// listing runs, id-range searches read it from the other end. `sync_checkpoints.split` holds that
// second stream's checkpoint as JSON (`top`, `floor`, `listed`, `span`: src/sync/pull/pull-split.ts),
// beside the list cursor in `after_cursor`; null while only the listing reads (a small portal,
// every incremental checkpoint, and every row before this migration).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_checkpoints').addColumn('split', 'text').execute();
}
