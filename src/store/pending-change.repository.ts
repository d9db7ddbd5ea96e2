// The pending-changes set: records whose change must still be pushed (see migration 009).
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { PendingChangeTable } from './tables.js';

export type PendingChangeRow = PendingChangeTable;

/**
 * Adds the records to the set, or — for those already in it — moves their changed_at on and
 * bumps their version, so a flush that read the older version leaves them in the set.
 */
export async function markPending(db: Db, workspaceId: string, objectType: string, recordIds: readonly string[], now: number): Promise<void> {
  for (let i = 0; i < recordIds.length; i += 500) {
    const rows = recordIds.slice(i, i + 500).map((record_id) => ({ workspace_id: workspaceId, object_type: objectType, record_id, changed_at: now, version: 1 }));
    await db
      .insertInto('pending_changes')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'object_type', 'record_id']).doUpdateSet({ changed_at: now, version: sql<number>`pending_changes.version + 1` }),
      )
      .execute();
  }
}

/** The oldest pending changes of a workspace and object type. */
export async function readPending(db: Db, workspaceId: string, objectType: string, limit: number): Promise<PendingChangeRow[]> {
  return db
    .selectFrom('pending_changes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('object_type', '=', objectType)
    .orderBy('changed_at')
    .orderBy('record_id')
    .limit(limit)
    .execute();
}

/**
 * How many records of the workspace wait to be pushed (any object type). One row per record, so
 * ten edits to one customer count once. Answered from an index (`pending_changes_by_age` leads
 * with workspace_id; store/query-plans.int.test.ts checks the plan).
 */
export async function countPending(db: Db, workspaceId: string): Promise<number> {
  const row = await db.selectFrom('pending_changes').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes the rows read earlier whose version is unchanged; a row changed since stays pending. */
export async function deletePendingIfUnchanged(db: Db, rows: readonly PendingChangeRow[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      await trx
        .deleteFrom('pending_changes')
        .where('workspace_id', '=', row.workspace_id)
        .where('object_type', '=', row.object_type)
        .where('record_id', '=', row.record_id)
        .where('version', '=', row.version)
        .execute();
    }
  });
}

/** Takes records out of the set: nothing is left to push for them (a write-through settled them). */
export async function forgetPending(db: Db, workspaceId: string, objectType: string, recordIds: readonly string[]): Promise<void> {
  if (recordIds.length === 0) return;
  await db.deleteFrom('pending_changes').where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).where('record_id', 'in', [...recordIds]).execute();
}

/** Workspaces with changes of the object type pending since before `changedBefore` (the sweep that wakes lost flushes). */
export async function workspacesWithPending(db: Db, objectType: string, changedBefore: number): Promise<string[]> {
  const rows = await db.selectFrom('pending_changes').select('workspace_id').distinct().where('object_type', '=', objectType).where('changed_at', '<', changedBefore).execute();
  return rows.map((r) => r.workspace_id);
}

/** Records waiting for their on-change push, per object type, over every workspace (GET /metrics). */
export async function countPendingChangesByType(db: Db): Promise<{ objectType: string; count: number }[]> {
  const rows = await db
    .selectFrom('pending_changes')
    .select(['object_type', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('object_type')
    .execute();
  return rows.map((row) => ({ objectType: row.object_type, count: Number(row.n) }));
}
