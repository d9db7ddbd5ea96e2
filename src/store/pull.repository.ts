// What the pull reads and writes (src/sync/pull), for every pulled record table (customers,
// organizations, deals): checkpoints, the rows a page of HubSpot records concerns, the merge
// base (`synced_values`), recorded conflicts, and the workspaces whose poll is due. See
// migrations 015 and 016.
import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import { inChunks, workspaceOfJoinedRow, type LiveRecordTable } from './record-rows.js';
import type { Database, SyncCheckpointTable, SyncConflictTable } from './tables.js';

export type SyncCheckpointRow = SyncCheckpointTable;
export type SyncConflictRow = SyncConflictTable;

export async function findCheckpoint(db: Db, workspaceId: string, objectType: string): Promise<SyncCheckpointRow | undefined> {
  return db.selectFrom('sync_checkpoints').selectAll().where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).executeTakeFirst();
}

/** Writes a new checkpoint; false when the type already has one (another pull made it first). */
export async function createCheckpoint(db: Db, row: SyncCheckpointRow): Promise<boolean> {
  const result = await db
    .insertInto('sync_checkpoints')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'object_type']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Moves a checkpoint from `expected` to `next` in one statement, only if it still is `expected`:
 * of two pulls of one workspace that started from the same checkpoint, only one can apply its
 * page (the other's transaction finds it moved and rolls back). On PostgreSQL the row lock
 * taken here also holds the other pull's page until this one commits.
 */
export async function advanceCheckpoint(db: Db, expected: SyncCheckpointRow, next: SyncCheckpointRow): Promise<boolean> {
  let q = db
    .updateTable('sync_checkpoints')
    .set({ phase: next.phase, last_modified_ms: next.last_modified_ms, ids_at_ms: next.ids_at_ms, after_cursor: next.after_cursor, updated_at: next.updated_at, split: next.split })
    .where('workspace_id', '=', expected.workspace_id)
    .where('object_type', '=', expected.object_type)
    .where('phase', '=', expected.phase)
    .where('last_modified_ms', '=', expected.last_modified_ms)
    .where('ids_at_ms', '=', expected.ids_at_ms)
    .where('updated_at', '=', expected.updated_at);
  q = expected.after_cursor === null ? q.where('after_cursor', 'is', null) : q.where('after_cursor', '=', expected.after_cursor);
  q = expected.split === null ? q.where('split', 'is', null) : q.where('split', '=', expected.split);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A record table's columns a pulled record may be found by, besides its link (`hubspot_id`). */
export type PullLookupColumn = 'id' | 'email_lower' | 'domain_key';

/**
 * The rows of `table` (live or deleted) linked to these HubSpot ids, and the live ones holding
 * one of the given values in a lookup column (a customer's lower-cased email, an organization's
 * domain key, a record's own id named by hubsync's key property): everything a page of pulled
 * records may concern.
 */
export async function findRowsForPull<T extends LiveRecordTable>(
  db: Db,
  table: T,
  workspaceId: string,
  hubspotIds: readonly string[],
  lookups: readonly { column: PullLookupColumn; values: readonly string[] }[],
): Promise<Selectable<Database[T]>[]> {
  // Kysely types a union of tables loosely, hence the casts back to T's rows.
  type Row = Selectable<Database[T]> & { id: string };
  const from = () => db.selectFrom(table as LiveRecordTable).selectAll().where('workspace_id', '=', workspaceId);
  const rows = (await inChunks(hubspotIds, (chunk) => from().where('hubspot_id', 'in', chunk).execute())) as Row[];
  const seen = new Set(rows.map((r) => r.id));
  for (const { column, values } of lookups) {
    const found = (await inChunks([...new Set(values)], (chunk) =>
      from().where(sql.ref(column), 'in', chunk).where('deleted_at', 'is', null).execute(),
    )) as Row[];
    for (const row of found) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      rows.push(row);
    }
  }
  return rows;
}

/** Stores each record's link and merge base (HubSpot property → agreed value): one statement per 500. */
export async function saveSyncedValues(db: Db, table: LiveRecordTable, workspaceId: string, rows: readonly { id: string; hubspotId: string; values: Readonly<Record<string, string>> }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    // A VALUES list is named column1, column2, … on both PostgreSQL and SQLite.
    await sql`
      update ${sql.table(table)} set hubspot_id = v.column2, synced_values = v.column3
      from (values ${sql.join(chunk.map((r) => sql`(${r.id}, ${r.hubspotId}, ${JSON.stringify(r.values)})`))}) as v
      where ${sql.ref(`${table}.id`)} = v.column1 and ${workspaceOfJoinedRow(table, workspaceId)}`.execute(db);
  }
}

/**
 * Marks records whose values HubSpot now holds exactly (after a pull) as pushed: their synced
 * hash becomes their current one, so they read Synced and nothing is pushed back.
 */
export async function markInAgreement(db: Db, table: LiveRecordTable, workspaceId: string, ids: readonly string[], at: number): Promise<void> {
  await inChunks(ids, async (chunk) => {
    await db
      .updateTable(table)
      .set({ synced_hash: sql<string | null>`current_hash`, sync_error: null, synced_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
    return [];
  });
}

export async function insertConflicts(db: Db, rows: readonly SyncConflictRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('sync_conflicts').values(rows.slice(i, i + 200)).execute();
}

/** A record's overridden values, newest first. */
export async function listConflicts(db: Db, workspaceId: string, objectType: string, recordId: string, limit = 100): Promise<SyncConflictRow[]> {
  return db
    .selectFrom('sync_conflicts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('object_type', '=', objectType)
    .where('record_id', '=', recordId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** The fields one pull decided (its id names them), in the order they were recorded. */
export async function listConflictsOfPull(db: Db, workspaceId: string, pullId: string, limit: number): Promise<SyncConflictRow[]> {
  return db.selectFrom('sync_conflicts').selectAll().where('workspace_id', '=', workspaceId).where('run_id', '=', pullId).orderBy('id').limit(limit).execute();
}

/**
 * Workspaces with two-way sync on and a usable connection whose last pull of `objectType`
 * (its checkpoint's `updated_at`) is at least their poll interval old. A workspace never pulled
 * is not polled: its first pull is the initial reconcile, which an admin previews first.
 */
export async function listPullsDue(db: Db, objectType: string, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('sync_settings')
    .innerJoin('hubspot_connections', 'hubspot_connections.workspace_id', 'sync_settings.workspace_id')
    .innerJoin('sync_checkpoints', (join) => join.onRef('sync_checkpoints.workspace_id', '=', 'sync_settings.workspace_id').on('sync_checkpoints.object_type', '=', objectType))
    .select(['sync_settings.workspace_id', 'sync_settings.poll_interval_minutes', 'sync_checkpoints.updated_at'])
    .where('sync_settings.two_way', '=', 1)
    .where('hubspot_connections.status', '!=', 'reconnect_needed')
    .execute();
  return rows.filter((r) => r.updated_at <= now - r.poll_interval_minutes * 60_000).map((r) => r.workspace_id);
}
