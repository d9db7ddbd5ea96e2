// Activities (→ HubSpot notes): appended, never edited. An activity with an `external_id` is
// inserted at most once per workspace: the unique (workspace_id, external_id) constraint and
// `on conflict do nothing` make a retried or concurrent append of the same activity a no-op
// on both databases, and the caller reads back the one row.
import { sql } from 'kysely';
import type { RecordSyncState, SyncStatus } from './sync-state.js';
import type { Db } from './database.js';
import { inChunks, syncStateOf, workspaceOfJoinedRow } from './record-rows.js';
import type { ActivityTable } from './tables.js';

/** What happened, as a host app tells it (seed 001's activity catalogue, and `other`). */
export const ACTIVITY_TYPES = [
  'membership_activated',
  'membership_expiring',
  'membership_expired',
  'membership_upgraded',
  'membership_downgrade_scheduled',
  'event_registered',
  'event_attended',
  'event_no_show',
  'course_enrolled',
  'course_completed',
  'support_ticket_updated',
  'other',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ActivityTicket {
  number: string;
  status: string;
  url: string;
}

export interface Activity {
  id: string;
  workspaceId: string;
  externalId: string | null;
  customerId: string;
  organizationId: string | null;
  dealId: string | null;
  type: string;
  occurredAt: number;
  title: string;
  details: string | null;
  ticket: ActivityTicket | null;
  createdAt: number;
  sync: RecordSyncState;
}

export function rowToActivity(row: ActivityTable): Activity {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    externalId: row.external_id,
    customerId: row.customer_id,
    organizationId: row.organization_id,
    dealId: row.deal_id,
    type: row.type,
    occurredAt: Number(row.occurred_at),
    title: row.title,
    details: row.details,
    ticket: row.ticket_number === null ? null : { number: row.ticket_number, status: row.ticket_status ?? '', url: row.ticket_url ?? '' },
    createdAt: Number(row.created_at),
    sync: syncStateOf(row),
  };
}

/**
 * Appends the activities; one whose external id the workspace already holds is skipped (also
 * when another transaction inserts it at the same moment). Returns the ids actually inserted.
 */
export async function insertActivities(db: Db, activities: { activity: Activity; currentHash: string }[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const { activity: a, currentHash } of activities) {
    const row = await db
      .insertInto('activities')
      .values({
        id: a.id,
        workspace_id: a.workspaceId,
        external_id: a.externalId,
        customer_id: a.customerId,
        organization_id: a.organizationId,
        deal_id: a.dealId,
        type: a.type,
        occurred_at: a.occurredAt,
        title: a.title,
        details: a.details,
        ticket_number: a.ticket?.number ?? null,
        ticket_status: a.ticket?.status ?? null,
        ticket_url: a.ticket?.url ?? null,
        created_at: a.createdAt,
        version: 1,
        hubspot_id: null,
        sync_status: a.sync.status,
        sync_error: null,
        synced_hash: null,
        synced_at: null,
        last_attempt_at: null,
        current_hash: currentHash,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) inserted.add(row.id);
  }
  return inserted;
}

export async function findActivity(db: Db, workspaceId: string, id: string): Promise<Activity | undefined> {
  const row = await db.selectFrom('activities').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row && rowToActivity(row);
}

export async function findActivitiesByExternalIds(db: Db, workspaceId: string, externalIds: readonly string[]): Promise<Activity[]> {
  const rows = await inChunks(externalIds, (chunk) => db.selectFrom('activities').selectAll().where('workspace_id', '=', workspaceId).where('external_id', 'in', chunk).execute());
  return rows.map(rowToActivity);
}

export interface ActivityListQuery {
  workspaceId: string;
  customerId?: string | undefined;
  organizationId?: string | undefined;
  dealId?: string | undefined;
  types?: string[] | undefined;
  /** The last activity of the previous page: the list goes on after it, newest first. */
  after?: { occurredAt: number; id: string } | undefined;
  limit: number;
}

/** Newest first (by occurredAt, then id); the timeline of a customer, organization or deal. */
export async function listActivities(db: Db, query: ActivityListQuery): Promise<{ activities: Activity[]; hasMore: boolean }> {
  let q = db.selectFrom('activities').selectAll().where('workspace_id', '=', query.workspaceId);
  if (query.customerId) q = q.where('customer_id', '=', query.customerId);
  if (query.organizationId) q = q.where('organization_id', '=', query.organizationId);
  if (query.dealId) q = q.where('deal_id', '=', query.dealId);
  if (query.types && query.types.length > 0) q = q.where('type', 'in', query.types);
  const after = query.after;
  if (after) q = q.where((eb) => eb.or([eb('occurred_at', '<', after.occurredAt), eb.and([eb('occurred_at', '=', after.occurredAt), eb('id', '<', after.id)])]));
  const rows = await q.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  return { activities: rows.slice(0, query.limit).map(rowToActivity), hasMore: rows.length > query.limit };
}

// Pushing activities as notes ------------------------------------------------------------------

/** An activity as the notes push reads it: with its create journal and the HubSpot ids of what it points at. */
export interface ActivityForNote {
  activity: Activity;
  /** When a note's create call was first sent for it (docs/ARCHITECTURE.md, "Exactly-once notes"). */
  createStartedAt: number | null;
  /** The customer's contact in HubSpot (null while the customer is not synced, or deleted). */
  contactHubspotId: string | null;
  organizationHubspotId: string | null;
  /** The deal's HubSpot id (null when it has none, or the deal was deleted). */
  dealHubspotId: string | null;
}

/** A keyset page of the workspace's activity ids in the given statuses (optionally only among `among`), in id order. */
export async function pageActivityIdsByStatus(db: Db, workspaceId: string, statuses: readonly SyncStatus[], after: string | undefined, limit: number, among?: readonly string[]): Promise<string[]> {
  if (among?.length === 0) return [];
  let q = db.selectFrom('activities').select('id').where('workspace_id', '=', workspaceId).where('sync_status', 'in', [...statuses]);
  if (after) q = q.where('id', '>', after);
  if (among) q = q.where('id', 'in', [...among]);
  return (await q.orderBy('id').limit(limit).execute()).map((r) => r.id);
}

/** The given activities with what their note links to, in id order. */
export async function findActivitiesForNotes(db: Db, workspaceId: string, ids: readonly string[]): Promise<ActivityForNote[]> {
  const rows = await inChunks(ids, (chunk) =>
    db
      .selectFrom('activities as a')
      .leftJoin('customers as c', (j) => j.onRef('c.id', '=', 'a.customer_id').on('c.deleted_at', 'is', null))
      .leftJoin('organizations as o', (j) => j.onRef('o.id', '=', 'a.organization_id').on('o.deleted_at', 'is', null))
      .leftJoin('deals as d', (j) => j.onRef('d.id', '=', 'a.deal_id').on('d.deleted_at', 'is', null))
      .selectAll('a')
      .select(['c.hubspot_id as contact_hubspot_id', 'o.hubspot_id as organization_hubspot_id', 'd.hubspot_id as deal_hubspot_id'])
      .where('a.workspace_id', '=', workspaceId)
      .where('a.id', 'in', chunk)
      .execute(),
  );
  return rows
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    .map((row) => ({
      activity: rowToActivity(row),
      createStartedAt: row.create_started_at === null ? null : Number(row.create_started_at),
      contactHubspotId: row.contact_hubspot_id,
      organizationHubspotId: row.organization_hubspot_id,
      dealHubspotId: row.deal_hubspot_id,
    }));
}

/** How many of the workspace's activities are in each status. */
export async function countActivitiesByStatus(db: Db, workspaceId: string): Promise<Record<SyncStatus, number>> {
  const rows = await db
    .selectFrom('activities')
    .select(['sync_status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('sync_status')
    .execute();
  const counts = { synced: 0, needs_update: 0, not_synced: 0, outdated: 0, error: 0, duplicate: 0, no_email: 0 } satisfies Record<SyncStatus, number>;
  for (const row of rows) counts[row.sync_status as SyncStatus] = Number(row.n);
  return counts;
}

/** Whether an activity in these statuses was appended, or not attempted, since `since` (activities are never edited). */
export async function activitiesHaveWorkSince(db: Db, workspaceId: string, statuses: readonly SyncStatus[], since: number): Promise<boolean> {
  const row = await db
    .selectFrom('activities')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('sync_status', 'in', [...statuses])
    .where((eb) => eb.or([eb('last_attempt_at', 'is', null), eb('last_attempt_at', '<', since), eb('created_at', '>', since)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Journals that a note's create call is about to be sent for these activities (kept from the first attempt on). */
export async function markNoteCreatesStarted(db: Db, workspaceId: string, ids: readonly string[], at: number): Promise<void> {
  await inChunks(ids, async (chunk) => {
    await db.updateTable('activities').set({ create_started_at: at }).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).where('create_started_at', 'is', null).execute();
    return [];
  });
}

/**
 * HubSpot holds these activities' notes with values whose hash is `hash`: one statement per 500.
 * An activity is never edited, so the values just pushed are its values now: the hash is its
 * current hash too (which also corrects a row stored by an older hash function) and it reads
 * Synced.
 */
export async function recordNoteSuccesses(db: Db, workspaceId: string, results: readonly { id: string; hubspotId: string; hash: string }[], at: number): Promise<void> {
  for (let i = 0; i < results.length; i += 500) {
    const chunk = results.slice(i, i + 500);
    // A VALUES list is named column1, column2, … on both PostgreSQL and SQLite.
    await sql`
      update activities set hubspot_id = v.column2, synced_hash = v.column3, current_hash = v.column3, sync_error = null, synced_at = ${at}, last_attempt_at = ${at},
        sync_status = 'synced'
      from (values ${sql.join(chunk.map((r) => sql`(${r.id}, ${r.hubspotId}, ${r.hash})`))}) as v
      where activities.id = v.column1 and ${workspaceOfJoinedRow('activities', workspaceId)}`.execute(db);
  }
}

/** Writes activities' recomputed current hashes and statuses (one statement per changed row: refreshes are small). */
export async function setActivityHashesAndStatuses(db: Db, workspaceId: string, changes: readonly { id: string; currentHash: string; status: SyncStatus }[]): Promise<void> {
  for (const change of changes) {
    await db.updateTable('activities').set({ current_hash: change.currentHash, sync_status: change.status }).where('workspace_id', '=', workspaceId).where('id', '=', change.id).execute();
  }
}

/** The workspace's activities by id, as rows (for the status refresh). */
export async function findActivities(db: Db, workspaceId: string, ids: readonly string[]): Promise<(Activity & { currentHash: string | null })[]> {
  const rows = await inChunks(ids, (chunk) => db.selectFrom('activities').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
  return rows.map((row) => ({ ...rowToActivity(row), currentHash: row.current_hash }));
}
