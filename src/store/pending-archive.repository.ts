// The pending archives (migration 019): linked records deleted locally whose HubSpot record is
// still to be archived, because the workspace propagates deletes. Written in the deleting
// transaction, removed by a restore or once the archive is recorded (sync/archive-deletions.ts).
import { sql } from 'kysely';
import type { Db } from './database.js';
import { inChunks } from './record-rows.js';
import type { PendingArchiveTable } from './tables.js';

export type PendingArchiveRow = PendingArchiveTable;

/** Queues the archives (a record queued again keeps one row, with the newer link and time). */
export async function queueArchives(db: Db, rows: readonly PendingArchiveRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('pending_archives')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['workspace_id', 'object_type', 'record_id']).doUpdateSet({ hubspot_id: sql<string>`excluded.hubspot_id`, requested_at: sql<number>`excluded.requested_at` }))
      .execute();
  }
}

/** Forgets the archives of these records (they were restored). */
export async function cancelArchives(db: Db, workspaceId: string, objectType: string, recordIds: readonly string[]): Promise<void> {
  await inChunks(recordIds, async (chunk) => {
    await db.deleteFrom('pending_archives').where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).where('record_id', 'in', chunk).execute();
    return [];
  });
}

/** The oldest pending archives of a workspace and object type. */
export async function readPendingArchives(db: Db, workspaceId: string, objectType: string, limit: number): Promise<PendingArchiveRow[]> {
  return db
    .selectFrom('pending_archives')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('object_type', '=', objectType)
    .orderBy('requested_at')
    .orderBy('record_id')
    .limit(limit)
    .execute();
}

/** How many archives of the type wait in the workspace (what the next run would archive). */
export async function countPendingArchives(db: Db, workspaceId: string, objectType: string): Promise<number> {
  const row = await db
    .selectFrom('pending_archives')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('object_type', '=', objectType)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * How many archives wait in the workspace, over every object type, leaving out records that also
 * wait in `pending_changes` (a record edited, then deleted before its push went out, has a row
 * in each and is one record waiting): added to `countPending`, each waiting record counts once.
 */
export async function countWaitingArchives(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('pending_archives as a')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('a.workspace_id', '=', workspaceId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('pending_changes as c')
            .select('c.record_id')
            .whereRef('c.workspace_id', '=', 'a.workspace_id')
            .whereRef('c.object_type', '=', 'a.object_type')
            .whereRef('c.record_id', '=', 'a.record_id'),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes the rows read earlier that were not queued again since (same time). */
export async function deletePendingArchives(db: Db, rows: readonly PendingArchiveRow[]): Promise<void> {
  for (const row of rows) {
    await db
      .deleteFrom('pending_archives')
      .where('workspace_id', '=', row.workspace_id)
      .where('object_type', '=', row.object_type)
      .where('record_id', '=', row.record_id)
      .where('requested_at', '=', row.requested_at)
      .execute();
  }
}

/** Workspaces with archives pending since before `requestedBefore` (the sweep that wakes lost flushes). */
export async function workspacesWithPendingArchives(db: Db, requestedBefore: number): Promise<string[]> {
  const rows = await db.selectFrom('pending_archives').select('workspace_id').distinct().where('requested_at', '<', requestedBefore).execute();
  return rows.map((r) => r.workspace_id);
}
