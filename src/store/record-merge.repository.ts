// Merges of two records of one type (migration 022): moving every reference from the secondary
// record to the survivor, retiring the secondary (soft-deleted, unlinked from HubSpot), and the
// `record_merges` rows an admin reads and restores from. The caller (records/record-merge.ts)
// owns the transaction and decides the survivor's values; nothing here calls HubSpot.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { inChunks, type RecordTable } from './record-rows.js';
import type { RecordMergeTable } from './tables.js';

/** HubSpot's name of each merged type, as pending_changes and sync_conflicts key them. */
const OBJECT_TYPE = { customers: 'contacts', organizations: 'companies' } as const;

/** What moved from the secondary to the survivor (kept in the merge's snapshot). */
export interface MovedReferences {
  /** Deals whose link moved (a customer's deal links, an organization's deals). */
  deals: string[];
  /** Activities now on the survivor. */
  activities: string[];
  /** Customer ↔ organization links moved: the customers (of an organization merge) or organizations (of a customer merge). */
  memberships: string[];
  /** Links the survivor already had, dropped from the secondary rather than moved. */
  droppedDuplicateLinks: number;
  /** Conflicts recorded against the secondary, now the survivor's. */
  conflicts: number;
  /** Whether the secondary had a change waiting to be pushed (now the survivor's). */
  pending: boolean;
}

/** A record's whole row, live or deleted (a merge's snapshot), or undefined. */
export async function readRecordRow(db: Db, table: RecordTable, workspaceId: string, id: string): Promise<Record<string, unknown> | undefined> {
  return (await db.selectFrom(table).selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst()) as Record<string, unknown> | undefined;
}

async function moveCustomerReferences(db: Db, workspaceId: string, survivorId: string, secondaryId: string, moved: MovedReferences): Promise<void> {
  // Deals: a deal linked to both keeps one link.
  const dealRows = await db.selectFrom('deal_customers').select('deal_id').where('workspace_id', '=', workspaceId).where('customer_id', '=', secondaryId).execute();
  const survivorDeals = new Set(
    (await db.selectFrom('deal_customers').select('deal_id').where('workspace_id', '=', workspaceId).where('customer_id', '=', survivorId).execute()).map((r) => r.deal_id),
  );
  for (const { deal_id } of dealRows) {
    if (survivorDeals.has(deal_id)) {
      await db.deleteFrom('deal_customers').where('deal_id', '=', deal_id).where('customer_id', '=', secondaryId).execute();
      moved.droppedDuplicateLinks++;
    } else {
      await db.updateTable('deal_customers').set({ customer_id: survivorId }).where('deal_id', '=', deal_id).where('customer_id', '=', secondaryId).execute();
    }
    moved.deals.push(deal_id);
  }
  const activities = await db.updateTable('activities').set({ customer_id: survivorId }).where('workspace_id', '=', workspaceId).where('customer_id', '=', secondaryId).returning('id').execute();
  moved.activities.push(...activities.map((a) => a.id));
  // Organizations: the survivor keeps its own primary; the secondary's primary becomes the
  // survivor's only when it has none (the one-primary index holds at every step).
  const links = await db.selectFrom('customer_organizations').selectAll().where('workspace_id', '=', workspaceId).where('customer_id', 'in', [survivorId, secondaryId]).execute();
  const survivorLinks = links.filter((l) => l.customer_id === survivorId);
  const survivorHasPrimary = survivorLinks.some((l) => l.is_primary === 1);
  for (const link of links.filter((l) => l.customer_id === secondaryId)) {
    if (survivorLinks.some((l) => l.organization_id === link.organization_id)) {
      await db.deleteFrom('customer_organizations').where('customer_id', '=', secondaryId).where('organization_id', '=', link.organization_id).execute();
      moved.droppedDuplicateLinks++;
      if (link.is_primary === 1 && !survivorHasPrimary) {
        await db.updateTable('customer_organizations').set({ is_primary: 1 }).where('customer_id', '=', survivorId).where('organization_id', '=', link.organization_id).execute();
      }
      continue;
    }
    await db
      .updateTable('customer_organizations')
      .set({ customer_id: survivorId, is_primary: survivorHasPrimary ? 0 : link.is_primary })
      .where('customer_id', '=', secondaryId)
      .where('organization_id', '=', link.organization_id)
      .execute();
    moved.memberships.push(link.organization_id);
  }
}

async function moveOrganizationReferences(db: Db, workspaceId: string, survivorId: string, secondaryId: string, moved: MovedReferences): Promise<void> {
  const links = await db.selectFrom('customer_organizations').selectAll().where('workspace_id', '=', workspaceId).where('organization_id', 'in', [survivorId, secondaryId]).execute();
  for (const link of links.filter((l) => l.organization_id === secondaryId)) {
    const both = links.find((l) => l.organization_id === survivorId && l.customer_id === link.customer_id);
    if (both) {
      await db.deleteFrom('customer_organizations').where('customer_id', '=', link.customer_id).where('organization_id', '=', secondaryId).execute();
      moved.droppedDuplicateLinks++;
      // The customer's primary was the secondary: the survivor, which it is also linked to, takes its place.
      if (link.is_primary === 1) await db.updateTable('customer_organizations').set({ is_primary: 1 }).where('customer_id', '=', link.customer_id).where('organization_id', '=', survivorId).execute();
    } else {
      await db.updateTable('customer_organizations').set({ organization_id: survivorId }).where('customer_id', '=', link.customer_id).where('organization_id', '=', secondaryId).execute();
    }
    moved.memberships.push(link.customer_id);
  }
  const deals = await db.updateTable('deals').set({ organization_id: survivorId }).where('workspace_id', '=', workspaceId).where('organization_id', '=', secondaryId).returning('id').execute();
  moved.deals.push(...deals.map((d) => d.id));
  const activities = await db.updateTable('activities').set({ organization_id: survivorId }).where('workspace_id', '=', workspaceId).where('organization_id', '=', secondaryId).returning('id').execute();
  moved.activities.push(...activities.map((a) => a.id));
}

/**
 * Moves every reference to the secondary onto the survivor: deals, activities, customer ↔
 * organization links (a link both had is kept once), conflicts recorded against it, and a change
 * it had waiting to be pushed (the survivor's is marked instead, so the edit is pushed, not lost).
 */
export async function moveRecordReferences(db: Db, table: RecordTable, workspaceId: string, survivorId: string, secondaryId: string, now: number): Promise<MovedReferences> {
  const moved: MovedReferences = { deals: [], activities: [], memberships: [], droppedDuplicateLinks: 0, conflicts: 0, pending: false };
  if (table === 'customers') await moveCustomerReferences(db, workspaceId, survivorId, secondaryId, moved);
  else await moveOrganizationReferences(db, workspaceId, survivorId, secondaryId, moved);
  const objectType = OBJECT_TYPE[table];
  const conflicts = await db
    .updateTable('sync_conflicts')
    .set({ record_id: survivorId })
    .where('workspace_id', '=', workspaceId)
    .where('object_type', '=', objectType)
    .where('record_id', '=', secondaryId)
    .executeTakeFirst();
  moved.conflicts = Number(conflicts.numUpdatedRows);
  const pending = await db.deleteFrom('pending_changes').where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).where('record_id', '=', secondaryId).executeTakeFirst();
  if (Number(pending.numDeletedRows) > 0) {
    moved.pending = true;
    await db
      .insertInto('pending_changes')
      .values({ workspace_id: workspaceId, object_type: objectType, record_id: survivorId, changed_at: now, version: 1 })
      .onConflict((oc) => oc.columns(['workspace_id', 'object_type', 'record_id']).doUpdateSet({ changed_at: now, version: sql<number>`pending_changes.version + 1` }))
      .execute();
  }
  await db.deleteFrom('pending_archives').where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).where('record_id', '=', secondaryId).execute();
  return moved;
}

/**
 * Retires a merged-away record: soft-deleted, its external id freed and its HubSpot link and
 * merge base dropped — its HubSpot record is the survivor's now (or was merged into it), so it
 * is neither archived by a propagated delete nor matched by a later pull.
 */
export async function retireMergedRecord(db: Db, table: RecordTable, workspaceId: string, id: string, now: number): Promise<void> {
  await db
    .updateTable(table)
    .set({ deleted_at: now, external_id: null, hubspot_id: null, synced_values: null, synced_hash: null, updated_at: now, version: sql<number>`version + 1` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/**
 * Links the survivor to a HubSpot record: the id a merge in HubSpot gave, or the secondary's
 * when only it was linked. `base` replaces the merge base when given; the survivor reads Needs
 * update until its next push (what HubSpot accepted last was another record's).
 */
export async function relinkSurvivor(db: Db, table: RecordTable, workspaceId: string, id: string, hubspotId: string, base?: string | null): Promise<void> {
  await db
    .updateTable(table)
    .set({ hubspot_id: hubspotId, synced_hash: null, last_attempt_at: null, ...(base !== undefined ? { synced_values: base } : {}) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export type RecordMergeRow = RecordMergeTable;

export async function insertRecordMerge(db: Db, row: RecordMergeRow): Promise<void> {
  await db.insertInto('record_merges').values(row).execute();
}

export async function findRecordMerge(db: Db, workspaceId: string, id: string): Promise<RecordMergeRow | undefined> {
  return db.selectFrom('record_merges').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** The merges a record took part in (as survivor or secondary), newest first. */
export async function listRecordMerges(db: Db, workspaceId: string, query: { recordType?: RecordTable; recordId?: string; limit: number }): Promise<RecordMergeRow[]> {
  let q = db.selectFrom('record_merges').selectAll().where('workspace_id', '=', workspaceId);
  if (query.recordType) q = q.where('record_type', '=', query.recordType);
  if (query.recordId) {
    const id = query.recordId;
    q = q.where((eb) => eb.or([eb('survivor_id', '=', id), eb('secondary_id', '=', id)]));
  }
  return q.orderBy('merged_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}

/**
 * Of these customers, those restored from a merge in which HubSpot merged their contact away
 * (it was linked, `secondary_hubspot_id`), with the email they had then and the contact HubSpot
 * merged it into, which still answers to that email. One indexed read (`record_merges_secondary`).
 */
export async function findRestoredMergedAwayCustomers(db: Db, workspaceId: string, ids: readonly string[]): Promise<Map<string, { email: string | null; mergedHubSpotId: string; survivorId: string }>> {
  const out = new Map<string, { email: string | null; mergedHubSpotId: string; survivorId: string }>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('record_merges')
    .select(['secondary_id', 'survivor_id', 'merged_hubspot_id', 'snapshot', 'merged_at'])
    .where('workspace_id', '=', workspaceId)
    .where('record_type', '=', 'customers')
    .where('secondary_id', 'in', [...ids])
    .where('secondary_hubspot_id', 'is not', null)
    .where('merged_hubspot_id', 'is not', null)
    .where('restored_at', 'is not', null)
    .orderBy('merged_at')
    .execute();
  for (const row of rows) {
    const record = (JSON.parse(row.snapshot) as { record?: { email_lower?: string | null } | null }).record;
    out.set(row.secondary_id, { email: record?.email_lower ?? null, mergedHubSpotId: row.merged_hubspot_id!, survivorId: row.survivor_id });
  }
  return out;
}

/** Marks a merge restored; false when it already was. */
export async function markMergeRestored(db: Db, workspaceId: string, id: string, now: number, by: string): Promise<boolean> {
  const result = await db
    .updateTable('record_merges')
    .set({ restored_at: now, restored_by: by })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('restored_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The local records of `table` linked to any of these HubSpot ids (live only). */
export async function findLiveByHubSpotIds(db: Db, table: RecordTable, workspaceId: string, hubspotIds: readonly string[]): Promise<{ id: string; hubspot_id: string; created_at: number }[]> {
  const rows = await inChunks([...new Set(hubspotIds)], (chunk) =>
    db.selectFrom(table).select(['id', 'hubspot_id', 'created_at']).where('workspace_id', '=', workspaceId).where('hubspot_id', 'in', chunk).where('deleted_at', 'is', null).execute(),
  );
  return rows.map((r) => ({ id: r.id, hubspot_id: r.hubspot_id!, created_at: r.created_at }));
}

/**
 * The live customers sharing an email (ignoring case) with another live customer, at least one
 * of them linked to HubSpot, where some customer of the group was created or changed at `since`
 * or later: the groups de-duplication looks at (sync/dedup.ts), by email, oldest first. The
 * recent emails are an index range (`customers_dedup_recent`, migration 033), their groups an
 * index lookup by email, so the cost follows what changed, not the workspace's size.
 */
export async function findLinkedEmailDuplicates(db: Db, workspaceId: string, since: number): Promise<{ id: string; email_lower: string; hubspot_id: string | null; created_at: number }[]> {
  const recent = await db
    .selectFrom('customers')
    .select('email_lower')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('updated_at', '>=', since)
    .where('deleted_at', 'is', null)
    .where('email_lower', 'is not', null)
    .execute();
  const rows = await inChunks(
    recent.map((r) => r.email_lower!),
    (chunk) =>
      db
        .selectFrom('customers')
        .select(['id', 'email_lower', 'hubspot_id', 'created_at'])
        .where('workspace_id', '=', workspaceId)
        .where('email_lower', 'in', chunk)
        .where('deleted_at', 'is', null)
        .execute(),
  );
  const groups = new Map<string, typeof rows>();
  for (const row of rows) groups.set(row.email_lower!, [...(groups.get(row.email_lower!) ?? []), row]);
  return [...groups.entries()]
    .filter(([, group]) => group.length > 1 && group.some((r) => r.hubspot_id !== null))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([, group]) => group.map((r) => ({ id: r.id, email_lower: r.email_lower!, hubspot_id: r.hubspot_id, created_at: Number(r.created_at) })).sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1)));
}

/** When the workspace's last de-duplication pass started, if one ran (migration 033). */
export async function readDedupCheckpoint(db: Db, workspaceId: string): Promise<number | null> {
  const row = await db.selectFrom('dedup_checkpoints').select('checked_at').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row ? Number(row.checked_at) : null;
}

/** Records that a de-duplication pass of the workspace started at `at`. */
export async function saveDedupCheckpoint(db: Db, workspaceId: string, at: number): Promise<void> {
  await db
    .insertInto('dedup_checkpoints')
    .values({ workspace_id: workspaceId, checked_at: at })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ checked_at: at }))
    .execute();
}
