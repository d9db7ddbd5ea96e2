// Row-level pieces every record table with the sync columns shares (customers, organizations,
// deals, activities): the sync state as the domain types carry it, the soft delete that frees
// the external id, and live rows by external ids in chunks SQLite's parameter limit allows.
import { sql } from 'kysely';
import type { CustomerSyncState, SyncStatus } from './customer.repository.js';
import type { Db } from './database.js';
import type { Database, SyncColumns } from './tables.js';

export function syncStateOf(row: SyncColumns): CustomerSyncState {
  return {
    hubspotId: row.hubspot_id,
    status: row.sync_status as SyncStatus,
    error: row.sync_error,
    syncedHash: row.synced_hash,
    syncedAt: row.synced_at,
    lastAttemptAt: row.last_attempt_at,
  };
}

export type SoftDeletedTable = 'customers' | 'organizations' | 'deals';

/** Marks the record deleted; deleting frees the external id so the host app can reuse it. */
export async function markDeleted(db: Db, table: SoftDeletedTable, workspaceId: string, id: string, now: number): Promise<void> {
  await db
    .updateTable(table)
    .set({ deleted_at: now, external_id: null, updated_at: now, version: sql<number>`version + 1` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** The live rows of a workspace holding any of the external ids. */
export async function liveRowsByExternalIds<T extends SoftDeletedTable>(db: Db, table: T, workspaceId: string, externalIds: readonly string[]): Promise<Database[T][]> {
  const out: Database[T][] = [];
  for (let i = 0; i < externalIds.length; i += 500) {
    const rows = await db
      .selectFrom(table as SoftDeletedTable)
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', externalIds.slice(i, i + 500))
      .where('deleted_at', 'is', null)
      .execute();
    out.push(...(rows as Database[T][]));
  }
  return out;
}
