// Activities (→ HubSpot notes): appended, never edited. An activity with an `external_id` is
// inserted at most once per workspace: the unique (workspace_id, external_id) constraint and
// `on conflict do nothing` make a retried or concurrent append of the same activity a no-op
// on both databases, and the caller reads back the one row.
import type { RecordSyncState } from './sync-state.js';
import type { Db } from './database.js';
import { inChunks, syncStateOf } from './record-rows.js';
import type { ActivityTable } from './tables.js';

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
