// What HubSpot's webhooks and deletions read and write (migration 018): the inbound-changes
// set the `sync.webhook` job drains, the workspaces a portal's events concern, the archived
// listing's marker, and unlinking or deleting the local records of HubSpot records that are gone.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { inChunks, type LiveRecordTable } from './record-rows.js';
import type { ArchiveCheckTable, InboundChangeTable } from './tables.js';

export type InboundChangeRow = InboundChangeTable;
export type ArchiveCheckRow = ArchiveCheckTable;

/** What one webhook event says about one HubSpot record. */
export interface InboundChange {
  workspaceId: string;
  objectType: string;
  hubspotId: string;
  kind: 'change' | 'deletion';
  occurredAt: number;
}

/**
 * The two-way workspaces with a usable connection to each of these portals (a portal may serve
 * several workspaces): where a webhook delivery's events go.
 */
export async function twoWayWorkspacesOnPortals(db: Db, portalIds: readonly number[]): Promise<{ workspaceId: string; portalId: number }[]> {
  if (portalIds.length === 0) return [];
  const rows = await db
    .selectFrom('hubspot_connections')
    .innerJoin('sync_settings', 'sync_settings.workspace_id', 'hubspot_connections.workspace_id')
    .select(['hubspot_connections.workspace_id', 'hubspot_connections.portal_id'])
    .where('hubspot_connections.portal_id', 'in', [...new Set(portalIds)])
    .where('hubspot_connections.status', '!=', 'reconnect_needed')
    .where('sync_settings.two_way', '=', 1)
    .execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, portalId: Number(r.portal_id) }));
}

/**
 * Adds the records to the set, one row per record: a record already waiting keeps one row whose
 * `occurred_at` and `kind` are those of its latest event, and whose version grows (so a job
 * that read the older version leaves the row for the next read).
 */
export async function recordInboundChanges(db: Db, changes: readonly InboundChange[], now: number): Promise<void> {
  // One row per key in a statement: PostgreSQL refuses to update one row twice in an upsert.
  const latest = new Map<string, InboundChange>();
  for (const c of changes) {
    const key = `${c.workspaceId}\u0000${c.objectType}\u0000${c.hubspotId}`;
    const seen = latest.get(key);
    if (!seen || c.occurredAt >= seen.occurredAt) latest.set(key, c);
  }
  const rows = [...latest.values()].map((c) => ({
    workspace_id: c.workspaceId,
    object_type: c.objectType,
    hubspot_id: c.hubspotId,
    kind: c.kind,
    occurred_at: c.occurredAt,
    received_at: now,
    version: 1,
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('inbound_changes')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'object_type', 'hubspot_id']).doUpdateSet({
          kind: sql<string>`case when excluded.occurred_at >= inbound_changes.occurred_at then excluded.kind else inbound_changes.kind end`,
          occurred_at: sql<number>`case when excluded.occurred_at >= inbound_changes.occurred_at then excluded.occurred_at else inbound_changes.occurred_at end`,
          received_at: now,
          version: sql<number>`inbound_changes.version + 1`,
        }),
      )
      .execute();
  }
}

/** The workspace's oldest waiting rows (any object type). */
export async function readInboundChanges(db: Db, workspaceId: string, limit: number): Promise<InboundChangeRow[]> {
  return db
    .selectFrom('inbound_changes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('received_at')
    .orderBy('object_type')
    .orderBy('hubspot_id')
    .limit(limit)
    .execute();
}

/** Deletes the rows read earlier whose version is unchanged; a row with a newer event stays. */
export async function deleteInboundIfUnchanged(db: Db, rows: readonly InboundChangeRow[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      await trx
        .deleteFrom('inbound_changes')
        .where('workspace_id', '=', row.workspace_id)
        .where('object_type', '=', row.object_type)
        .where('hubspot_id', '=', row.hubspot_id)
        .where('version', '=', row.version)
        .execute();
    }
  });
}

/** Forgets every waiting row of the workspace (it is no longer connected, or two-way is off). */
export async function dropInboundChanges(db: Db, workspaceId: string): Promise<void> {
  await db.deleteFrom('inbound_changes').where('workspace_id', '=', workspaceId).execute();
}

/** Workspaces with rows received before `receivedBefore` (the sweep that wakes lost jobs). */
export async function workspacesWithInbound(db: Db, receivedBefore: number): Promise<string[]> {
  const rows = await db.selectFrom('inbound_changes').select('workspace_id').distinct().where('received_at', '<', receivedBefore).execute();
  return rows.map((r) => r.workspace_id);
}

export async function findArchiveCheck(db: Db, workspaceId: string, objectType: string): Promise<ArchiveCheckRow | undefined> {
  return db.selectFrom('archive_checks').selectAll().where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).executeTakeFirst();
}

export async function saveArchiveCheck(db: Db, row: ArchiveCheckRow): Promise<void> {
  const { workspace_id: _w, object_type: _t, ...rest } = row;
  await db
    .insertInto('archive_checks')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'object_type']).doUpdateSet(rest))
    .execute();
}

/** Each record table's Duplicate key column (deals have none). */
const KEY_COLUMN = { customers: 'email_lower', organizations: 'domain_key', deals: null } as const;

/** A live local record linked to a HubSpot record, with its Duplicate key. */
export interface LinkedRecord {
  id: string;
  hubspotId: string;
  key: string | null;
}

/** The live records of `table` linked to these HubSpot ids. */
export async function findLinkedRecords(db: Db, table: LiveRecordTable, workspaceId: string, hubspotIds: readonly string[]): Promise<LinkedRecord[]> {
  const key = KEY_COLUMN[table];
  const rows = await inChunks([...new Set(hubspotIds)], (chunk) =>
    db
      .selectFrom(table)
      .select(['id', 'hubspot_id', (key === null ? sql<null>`null` : sql<string | null>`${sql.ref(key)}`).as('key')])
      .where('workspace_id', '=', workspaceId)
      .where('hubspot_id', 'in', chunk)
      .where('deleted_at', 'is', null)
      .execute(),
  );
  return rows.map((r) => ({ id: r.id, hubspotId: r.hubspot_id!, key: r.key }));
}

/**
 * Unlinks records from the HubSpot records they were linked to: no HubSpot id, nothing known
 * to be accepted, no merge base, no associations made, no error — what a record never pushed
 * holds. Their statuses are the caller's to refresh.
 */
export async function unlinkRecords(db: Db, table: LiveRecordTable, workspaceId: string, ids: readonly string[]): Promise<void> {
  await inChunks([...ids], async (chunk) => {
    const cleared = { hubspot_id: null, synced_hash: null, synced_at: null, sync_error: null, synced_values: null };
    // Organizations keep no associations of their own.
    if (table === 'organizations') await db.updateTable(table).set(cleared).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute();
    else await db.updateTable(table).set({ ...cleared, synced_links: null }).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute();
    return [];
  });
}

