// Tags (migration 025): the rows of the tag catalog, the workspace's tag settings, and the list
// membership queue. The catalog's built-in tags live in src/tags; a row here is an
// admin-defined tag or a built-in one's overrides.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { inChunks } from './record-rows.js';
import type { TagDefinitionTable, TagListMemberTable, TagSettingsTable } from './tables.js';

export type TagDefinitionRow = TagDefinitionTable;
export type TagSettingsRow = TagSettingsTable;
export type TagListMemberRow = TagListMemberTable;

export async function listTagDefinitions(db: Db, workspaceId: string): Promise<TagDefinitionRow[]> {
  return db.selectFrom('tag_definitions').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('key').execute();
}

/** Inserts the tags that have no row yet (a concurrent insert of the same key wins quietly). */
export async function insertTagDefinitions(db: Db, rows: readonly TagDefinitionRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db.insertInto('tag_definitions').values(rows.slice(i, i + 500)).onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing()).execute();
  }
}

export async function updateTagDefinition(db: Db, workspaceId: string, key: string, changes: Partial<Omit<TagDefinitionRow, 'workspace_id' | 'key'>>): Promise<void> {
  await db.updateTable('tag_definitions').set(changes).where('workspace_id', '=', workspaceId).where('key', '=', key).execute();
}

export async function deleteTagDefinition(db: Db, workspaceId: string, key: string): Promise<void> {
  await db.deleteFrom('tag_definitions').where('workspace_id', '=', workspaceId).where('key', '=', key).execute();
  await db.deleteFrom('tag_list_members').where('workspace_id', '=', workspaceId).where('tag_key', '=', key).execute();
}

export async function findTagSettings(db: Db, workspaceId: string): Promise<TagSettingsRow | undefined> {
  return db.selectFrom('tag_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** Whether the push sends tags as `hubsync_tags`: the property is on and exists in HubSpot. */
export async function tagsPropertyReady(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('tag_settings').select(['property_enabled', 'property_state']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row !== undefined && row.property_enabled === 1 && row.property_state === 'ready';
}

/** Writes some of the workspace's tag settings (the row is made with the defaults when missing). */
export async function saveTagSettings(db: Db, workspaceId: string, changes: Partial<Omit<TagSettingsRow, 'workspace_id'>>, now: number): Promise<void> {
  const row: TagSettingsRow = { workspace_id: workspaceId, rules: null, property_enabled: 1, property_state: 'none', property_hash: null, property_error: null, property_synced_at: null, updated_at: now, ...changes };
  await db
    .insertInto('tag_settings')
    .values(row)
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ ...changes, updated_at: now }))
    .execute();
}

/** How many live customers of the workspace carry the tag. */
export async function countCustomersWithTag(db: Db, workspaceId: string, key: string): Promise<number> {
  const row = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`tags like ${`%${escapeLike(JSON.stringify(key))}%`} escape '\\'`)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The ids of the live customers of the workspace carrying the tag (for a list turned on). */
export async function customerIdsWithTag(db: Db, workspaceId: string, key: string): Promise<string[]> {
  const rows = await db
    .selectFrom('customers')
    .select(['id', 'tags'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`tags like ${`%${escapeLike(JSON.stringify(key))}%`} escape '\\'`)
    .execute();
  // The LIKE narrows; the JSON decides (a key inside a longer tag's text is not the tag).
  return rows.filter((r) => (JSON.parse(r.tags) as string[]).includes(key)).map((r) => r.id);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Sets what the customers' memberships of the tag's list should be; a pair whose wish changed
 * is stamped `now`. Pairs neither wanted nor in the list are forgotten by the flush.
 */
export async function setWantedMemberships(db: Db, workspaceId: string, tagKey: string, wanted: ReadonlyMap<string, boolean>, now: number): Promise<void> {
  const ids = [...wanted.keys()];
  const existing = new Map(
    (await inChunks(ids, (chunk) => db.selectFrom('tag_list_members').selectAll().where('workspace_id', '=', workspaceId).where('tag_key', '=', tagKey).where('customer_id', 'in', chunk).execute())).map((r) => [r.customer_id, r]),
  );
  const upserts: TagListMemberRow[] = [];
  for (const [customerId, want] of wanted) {
    const row = existing.get(customerId);
    const w = want ? 1 : 0;
    if (!row) {
      if (want) upserts.push({ workspace_id: workspaceId, tag_key: tagKey, customer_id: customerId, wanted: 1, synced: 0, changed_at: now });
    } else if (row.wanted !== w) {
      // A pair no longer wanted and never sent is kept (wanted 0, synced 0) rather than deleted:
      // an addition of it may be in flight, and the flush must learn that it then needs removing.
      upserts.push({ ...row, wanted: w, changed_at: now });
    }
  }
  for (let i = 0; i < upserts.length; i += 500) {
    await db
      .insertInto('tag_list_members')
      .values(upserts.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['workspace_id', 'tag_key', 'customer_id']).doUpdateSet({ wanted: sql<number>`excluded.wanted`, changed_at: sql<number>`excluded.changed_at` }))
      .execute();
  }
}

/** A pending membership change with the contact it concerns. */
export interface PendingMembership {
  customerId: string;
  hubspotId: string;
  wanted: boolean;
  changedAt: number;
}

/**
 * Up to `limit` pending changes of one tag's list (wanted ≠ synced) whose customer is linked to
 * a HubSpot contact, oldest first; `wanted` picks additions or removals.
 */
export async function readPendingMemberships(db: Db, workspaceId: string, tagKey: string, wanted: boolean, limit: number): Promise<PendingMembership[]> {
  const rows = await db
    .selectFrom('tag_list_members as m')
    .innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'm.customer_id').onRef('c.workspace_id', '=', 'm.workspace_id'))
    .select(['m.customer_id', 'c.hubspot_id', 'm.wanted', 'm.changed_at'])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.tag_key', '=', tagKey)
    .where('m.wanted', '=', wanted ? 1 : 0)
    .where('m.synced', '=', wanted ? 0 : 1)
    .where('c.hubspot_id', 'is not', null)
    .orderBy('m.changed_at')
    .orderBy('m.customer_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ customerId: r.customer_id, hubspotId: r.hubspot_id!, wanted: r.wanted === 1, changedAt: r.changed_at }));
}

/**
 * Records that HubSpot's list now holds what was sent: `synced` takes the value sent for each
 * pair, whatever its wish is now (a wish that changed while the call was in flight stays
 * pending, the other way); pairs neither wanted nor in the list are then forgotten.
 */
export async function markMembershipsSynced(db: Db, workspaceId: string, tagKey: string, changes: readonly PendingMembership[]): Promise<void> {
  for (const wanted of [true, false]) {
    const ids = changes.filter((c) => c.wanted === wanted).map((c) => c.customerId);
    await inChunks(ids, async (chunk) => {
      await db.updateTable('tag_list_members').set({ synced: wanted ? 1 : 0 }).where('workspace_id', '=', workspaceId).where('tag_key', '=', tagKey).where('customer_id', 'in', chunk).execute();
      return [];
    });
  }
  await db.deleteFrom('tag_list_members').where('workspace_id', '=', workspaceId).where('tag_key', '=', tagKey).where('wanted', '=', 0).where('synced', '=', 0).execute();
}

/** Every pair of the tag's list counts as not in HubSpot's list (the list was made again, empty). */
export async function resetSyncedMemberships(db: Db, workspaceId: string, tagKey: string): Promise<void> {
  await db.updateTable('tag_list_members').set({ synced: 0 }).where('workspace_id', '=', workspaceId).where('tag_key', '=', tagKey).execute();
  await db.deleteFrom('tag_list_members').where('workspace_id', '=', workspaceId).where('tag_key', '=', tagKey).where('wanted', '=', 0).execute();
}

/** How many membership changes of the tag's list wait (linked customers or not). */
export async function countPendingMemberships(db: Db, workspaceId: string, tagKey: string): Promise<number> {
  const row = await db
    .selectFrom('tag_list_members')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('tag_key', '=', tagKey)
    .whereRef('wanted', '!=', 'synced')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Workspaces with membership changes waiting whose customer is linked and whose list is not reported missing (what the sweep wakes). */
export async function workspacesWithPendingMemberships(db: Db, workspaceId?: string): Promise<string[]> {
  let q = db
    .selectFrom('tag_list_members as m')
    .innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'm.customer_id').onRef('c.workspace_id', '=', 'm.workspace_id'))
    // A list reported missing waits for the admin, not for the sweep.
    .innerJoin('tag_definitions as t', (j) => j.onRef('t.workspace_id', '=', 'm.workspace_id').onRef('t.key', '=', 'm.tag_key'))
    .where('t.list_enabled', '=', 1)
    .where((eb) => eb.or([eb('t.list_status', 'is', null), eb('t.list_status', '!=', 'missing')]))
    .select('m.workspace_id')
    .distinct()
    .whereRef('m.wanted', '!=', 'm.synced')
    .where('c.hubspot_id', 'is not', null);
  if (workspaceId !== undefined) q = q.where('m.workspace_id', '=', workspaceId);
  const rows = await q.limit(1000).execute();
  return rows.map((r) => r.workspace_id);
}
