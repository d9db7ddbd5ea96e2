// Each workspace's automatic-sync settings (one row per workspace, see migration 008).
import type { Db } from './database.js';
import type { SyncSettingsTable } from './tables.js';

export type SyncSettingsRow = SyncSettingsTable;

export async function findSyncSettings(db: Db, workspaceId: string): Promise<SyncSettingsRow | undefined> {
  return db.selectFrom('sync_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** Inserts or updates the row; a `schedule_changed_at` left out keeps the stored one. */
export async function saveSyncSettings(db: Db, row: Omit<SyncSettingsRow, 'schedule_changed_at'> & { schedule_changed_at?: number }): Promise<void> {
  const { workspace_id: _key, ...rest } = row;
  await db
    .insertInto('sync_settings')
    .values(row)
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(rest))
    .execute();
}

/**
 * Workspaces with a reconcile schedule and a usable HubSpot connection: the ones a schedule
 * tick asks about (a disconnected workspace's schedule fires no more). `since`: when the
 * schedule was saved or the workspace connected, whichever is later — no firing before it is due.
 */
export async function listScheduledWorkspaces(db: Db): Promise<{ workspaceId: string; schedule: string; timezone: string; since: number }[]> {
  const rows = await db
    .selectFrom('sync_settings')
    .innerJoin('hubspot_connections', 'hubspot_connections.workspace_id', 'sync_settings.workspace_id')
    .select(['sync_settings.workspace_id', 'sync_settings.reconcile_schedule', 'sync_settings.timezone', 'sync_settings.schedule_changed_at', 'hubspot_connections.connected_at'])
    .where('sync_settings.reconcile_schedule', 'is not', null)
    .where('hubspot_connections.status', '!=', 'reconnect_needed')
    .execute();
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    schedule: r.reconcile_schedule!,
    timezone: r.timezone,
    since: Math.max(r.schedule_changed_at ?? 0, r.connected_at),
  }));
}
