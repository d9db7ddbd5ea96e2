// Each workspace's automatic-sync settings (one row per workspace, see migration 008).
import type { Db } from './database.js';
import type { SyncSettingsTable } from './tables.js';

export type SyncSettingsRow = SyncSettingsTable;

export async function findSyncSettings(db: Db, workspaceId: string): Promise<SyncSettingsRow | undefined> {
  return db.selectFrom('sync_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

export async function saveSyncSettings(db: Db, row: SyncSettingsRow): Promise<void> {
  const { workspace_id: _key, ...rest } = row;
  await db
    .insertInto('sync_settings')
    .values(row)
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(rest))
    .execute();
}
