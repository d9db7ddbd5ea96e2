// Activities as custom behavioral events (migration 034): the workspace's setting and state, and
// the queue of activities waiting to be sent. See src/sync/activity-events.ts.
import type { Db } from './database.js';
import { inChunks } from './record-rows.js';
import type { ActivityEventSettingsTable } from './tables.js';

export type ActivityEventSettingsRow = ActivityEventSettingsTable;

export async function findActivityEventSettings(db: Db, workspaceId: string): Promise<ActivityEventSettingsRow | undefined> {
  return db.selectFrom('activity_event_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** Writes some of the workspace's event settings (the row is made with the defaults when missing). */
export async function saveActivityEventSettings(db: Db, workspaceId: string, changes: Partial<Omit<ActivityEventSettingsRow, 'workspace_id'>>, now: number): Promise<void> {
  const row: ActivityEventSettingsRow = { workspace_id: workspaceId, enabled: 0, state: 'off', message: null, definitions: null, sent_count: 0, sent_at: null, checked_at: null, updated_at: now, ...changes };
  await db
    .insertInto('activity_event_settings')
    .values(row)
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ ...changes, updated_at: now }))
    .execute();
}

/** Whether activities appended now are queued as events: on, and the portal has not refused. */
export async function activityEventsWanted(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('activity_event_settings').select(['enabled', 'state']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row !== undefined && row.enabled === 1 && row.state !== 'unavailable';
}

export async function queueActivityEvents(db: Db, workspaceId: string, activityIds: readonly string[], now: number): Promise<void> {
  for (let i = 0; i < activityIds.length; i += 500) {
    const rows = activityIds.slice(i, i + 500).map((activity_id) => ({ workspace_id: workspaceId, activity_id, queued_at: now }));
    await db.insertInto('activity_event_queue').values(rows).onConflict((oc) => oc.columns(['workspace_id', 'activity_id']).doNothing()).execute();
  }
}

/** A queued activity ready to go: its customer is linked to a contact. */
export interface QueuedActivityEvent {
  activityId: string;
  type: string;
  occurredAt: number;
  title: string;
  contactHubspotId: string;
}

/**
 * Up to `limit` queued activities whose customer has a contact, oldest first. Queued activities
 * whose customer was deleted (or the activity itself) are dropped from the queue on the way.
 */
export async function readQueuedActivityEvents(db: Db, workspaceId: string, limit: number): Promise<QueuedActivityEvent[]> {
  const orphans = await db
    .selectFrom('activity_event_queue as q')
    .leftJoin('activities as a', (j) => j.onRef('a.id', '=', 'q.activity_id').onRef('a.workspace_id', '=', 'q.workspace_id'))
    .leftJoin('customers as c', (j) => j.onRef('c.id', '=', 'a.customer_id').on('c.deleted_at', 'is', null))
    .select('q.activity_id')
    .where('q.workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('a.id', 'is', null), eb('c.id', 'is', null)]))
    .limit(1000)
    .execute();
  if (orphans.length > 0) await deleteQueuedActivityEvents(db, workspaceId, orphans.map((o) => o.activity_id));
  const rows = await db
    .selectFrom('activity_event_queue as q')
    .innerJoin('activities as a', (j) => j.onRef('a.id', '=', 'q.activity_id').onRef('a.workspace_id', '=', 'q.workspace_id'))
    .innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'a.customer_id').on('c.deleted_at', 'is', null))
    .select(['a.id', 'a.type', 'a.occurred_at', 'a.title', 'c.hubspot_id'])
    .where('q.workspace_id', '=', workspaceId)
    .where('c.hubspot_id', 'is not', null)
    .orderBy('q.queued_at')
    .orderBy('a.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ activityId: r.id, type: r.type, occurredAt: Number(r.occurred_at), title: r.title, contactHubspotId: r.hubspot_id! }));
}

export async function deleteQueuedActivityEvents(db: Db, workspaceId: string, activityIds: readonly string[]): Promise<void> {
  await inChunks(activityIds, async (chunk) => {
    await db.deleteFrom('activity_event_queue').where('workspace_id', '=', workspaceId).where('activity_id', 'in', chunk).execute();
    return [];
  });
}

/** How many activities wait to be sent (linked or not). */
export async function countQueuedActivityEvents(db: Db, workspaceId: string): Promise<number> {
  const row = await db.selectFrom('activity_event_queue').select((eb) => eb.fn.countAll<number | string>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Workspaces (or the one given) with a linked activity waiting, whose events are on and not refused. */
export async function workspacesWithQueuedActivityEvents(db: Db, workspaceId?: string): Promise<string[]> {
  let q = db
    .selectFrom('activity_event_queue as q')
    .innerJoin('activity_event_settings as s', 's.workspace_id', 'q.workspace_id')
    .innerJoin('activities as a', (j) => j.onRef('a.id', '=', 'q.activity_id').onRef('a.workspace_id', '=', 'q.workspace_id'))
    .innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'a.customer_id').on('c.deleted_at', 'is', null))
    .where('s.enabled', '=', 1)
    .where('s.state', '!=', 'unavailable')
    .where('c.hubspot_id', 'is not', null)
    .select('q.workspace_id')
    .distinct();
  if (workspaceId !== undefined) q = q.where('q.workspace_id', '=', workspaceId);
  return (await q.limit(1000).execute()).map((r) => r.workspace_id);
}
