// Deals (→ HubSpot deals): rows with JSON custom values and per-field timestamps, their linked
// customers in `deal_customers` (only live customers are read back), their one organization in
// `organization_id`. Maps rows to the Deal type; the sync columns are written by the deal
// service (status on edit) and, later, by the deals adapter of the push engine.
import { sql } from 'kysely';
import type { SyncStatus } from './sync-state.js';
import type { Db } from './database.js';
import { findLiveByExternalIds, findLiveRecord, inChunks, countLiveByStatus, liveRecordPendingSince, pushInputsChangedSince, softDeleteRecord, untaggedColumnsOf, untaggedPartsOf, type RecordParts } from './record-rows.js';
import { listOrder, recordListConditions, searchTextOf, type RecordListQuery } from './record-list.js';
import type { DealTable } from './tables.js';

export interface DealValues {
  name: string | null;
  /** A decimal number kept as text, so no precision is lost. */
  amount: string | null;
  /** ISO 4217 code, upper case. */
  currency: string | null;
  /** `YYYY-MM-DD`. */
  closeDate: string | null;
  pipeline: string;
  stage: string | null;
  ownerUserId: string | null;
  organizationId: string | null;
  /** Ids of the linked customers, sorted. */
  customerIds: string[];
  custom: Record<string, string | number | boolean | string[]>;
}

export interface Deal extends DealValues, Omit<RecordParts, 'tags' | 'custom'> {
  id: string;
  workspaceId: string;
  externalId: string | null;
}

export function rowToDeal(row: DealTable, customerIds: string[]): Deal {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    externalId: row.external_id,
    name: row.name,
    amount: row.amount,
    currency: row.currency,
    closeDate: row.close_date,
    pipeline: row.pipeline,
    stage: row.stage,
    ownerUserId: row.owner_user_id,
    organizationId: row.organization_id,
    customerIds,
    ...untaggedPartsOf(row),
  };
}

/** The content columns (not the sync state) of a deal. */
function contentColumns(d: Deal) {
  return {
    external_id: d.externalId,
    name: d.name,
    amount: d.amount,
    currency: d.currency,
    close_date: d.closeDate,
    pipeline: d.pipeline,
    stage: d.stage,
    owner_user_id: d.ownerUserId,
    organization_id: d.organizationId,
    custom_values: JSON.stringify(d.custom),
    field_updated_at: JSON.stringify(d.fieldUpdatedAt),
    search_text: searchTextOf([d.name]),
    updated_at: d.updatedAt,
  };
}

async function insertLinks(db: Db, links: { workspace_id: string; deal_id: string; customer_id: string; created_at: number }[]): Promise<void> {
  for (let i = 0; i < links.length; i += 1000) await db.insertInto('deal_customers').values(links.slice(i, i + 1000)).execute();
}

/** Inserts new deals with their links; `currentHash` is what the deal would push now. */
export async function insertDeals(db: Db, deals: { deal: Deal; currentHash: string }[]): Promise<void> {
  // Stay under SQLite's bound-parameter limit (32,766): 27 columns × 500 rows.
  for (let i = 0; i < deals.length; i += 500) {
    const rows = deals.slice(i, i + 500).map(({ deal: d, currentHash }) => ({
      ...untaggedColumnsOf(d),
      ...contentColumns(d),
      id: d.id,
      workspace_id: d.workspaceId,
      deleted_at: null,
      current_hash: currentHash,
    }));
    await db.insertInto('deals').values(rows).execute();
  }
  await insertLinks(
    db,
    deals.flatMap(({ deal: d }) => d.customerIds.map((customer_id) => ({ workspace_id: d.workspaceId, deal_id: d.id, customer_id, created_at: d.createdAt }))),
  );
}

/**
 * Writes a deal's content, its status and current hash, and bumps its version; the customer
 * links are made to equal `customerIds` (links to customers deleted since are kept unread).
 */
export async function updateDealContent(db: Db, d: Deal, previousCustomerIds: readonly string[], sync: { status: SyncStatus; currentHash: string }): Promise<void> {
  await db
    .updateTable('deals')
    .set({ ...contentColumns(d), sync_status: sync.status, current_hash: sync.currentHash, version: sql<number>`version + 1` })
    .where('id', '=', d.id)
    .where('workspace_id', '=', d.workspaceId)
    .execute();
  const removed = previousCustomerIds.filter((id) => !d.customerIds.includes(id));
  if (removed.length > 0) await db.deleteFrom('deal_customers').where('deal_id', '=', d.id).where('customer_id', 'in', removed).execute();
  const added = d.customerIds.filter((id) => !previousCustomerIds.includes(id));
  await insertLinks(db, added.map((customer_id) => ({ workspace_id: d.workspaceId, deal_id: d.id, customer_id, created_at: d.updatedAt })));
}

/** The live customers linked to each deal, sorted. */
async function customerIdsOf(db: Db, dealIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(dealIds.map((id) => [id, []]));
  const rows = await inChunks(dealIds, (chunk) =>
    db
      .selectFrom('deal_customers')
      .innerJoin('customers', 'customers.id', 'deal_customers.customer_id')
      .select(['deal_customers.deal_id', 'deal_customers.customer_id'])
      .where('deal_customers.deal_id', 'in', chunk)
      .where('customers.deleted_at', 'is', null)
      .orderBy('deal_customers.customer_id')
      .execute(),
  );
  for (const row of rows) out.get(row.deal_id)!.push(row.customer_id);
  return out;
}

/** The deals these rows hold, with their live customers. */
export async function dealsOfRows(db: Db, rows: readonly DealTable[]): Promise<Deal[]> {
  const links = await customerIdsOf(db, rows.map((r) => r.id));
  return rows.map((row) => rowToDeal(row, links.get(row.id) ?? []));
}

/**
 * Holds the deal's row until the transaction ends (PostgreSQL: a row lock taken by a no-op
 * update; SQLite: the transaction already holds the database's write lock).
 */
export async function lockDeal(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.updateTable('deals').set({ version: sql<number>`version` }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function findDeal(db: Db, workspaceId: string, id: string): Promise<Deal | undefined> {
  const row = await findLiveRecord(db, 'deals', workspaceId, id);
  return row && (await dealsOfRows(db, [row]))[0];
}

export async function findDealsByExternalIds(db: Db, workspaceId: string, externalIds: string[]): Promise<Deal[]> {
  return dealsOfRows(db, await findLiveByExternalIds(db, 'deals', workspaceId, externalIds));
}

/** Marks the deal deleted and frees its external id; returns it as it was, or undefined. */
export async function softDeleteDeal(db: Db, workspaceId: string, id: string, now: number): Promise<Deal | undefined> {
  return softDeleteRecord(db, 'deals', workspaceId, id, now, findDeal);
}

/** The shared list query (deals have no tags) and the deal's own filters. */
export interface DealListQuery extends Omit<RecordListQuery, 'tag'> {
  stage?: string | undefined;
  organizationId?: string | undefined;
  customerId?: string | undefined;
}

/** Live deals in id (creation) order, filtered, one page after the cursor id. */
export async function listDeals(db: Db, query: DealListQuery): Promise<{ deals: Deal[]; hasMore: boolean }> {
  let q = db.selectFrom('deals').selectAll();
  for (const condition of recordListConditions(query)) q = q.where(condition);
  if (query.stage) q = q.where('stage', '=', query.stage);
  if (query.organizationId) q = q.where('organization_id', '=', query.organizationId);
  if (query.customerId) {
    const customerId = query.customerId;
    q = q.where('id', 'in', (eb) => eb.selectFrom('deal_customers').select('deal_id').where('customer_id', '=', customerId));
  }
  const rows = await q.orderBy('id', listOrder(query)).limit(query.limit + 1).execute();
  return { deals: await dealsOfRows(db, rows.slice(0, query.limit)), hasMore: rows.length > query.limit };
}

// Sync state ----------------------------------------------------------------------------------
// What the deals adapter of the push engine (src/sync/objects/deal.adapter.ts) and the deal
// status refresh (src/sync/deal-values.ts) read and write.

/** The live deals among `ids` with their customers and stored current hash, in id order. */
export async function findDealsForSync(db: Db, workspaceId: string, ids: readonly string[]): Promise<{ deal: Deal; currentHash: string | null; syncedValues: string | null }[]> {
  const rows = await inChunks(ids, (chunk) => db.selectFrom('deals').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', chunk).where('deleted_at', 'is', null).execute());
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const deals = await dealsOfRows(db, rows);
  return deals.map((deal, i) => ({ deal, currentHash: rows[i]!.current_hash, syncedValues: rows[i]!.synced_values }));
}

/** How many live deals are in each status. */
export const countDealsByStatus = (db: Db, workspaceId: string) => countLiveByStatus(db, 'deals', workspaceId);

/**
 * Whether a live deal became pushable since `since` (not attempted since, or changed since), or
 * what deals push with changed since: the stage mapping, the owner links, a deals field mapping.
 */
export async function dealsHaveWorkSince(db: Db, workspaceId: string, statuses: readonly SyncStatus[], since: number): Promise<boolean> {
  return (await liveRecordPendingSince(db, 'deals', workspaceId, statuses, since)) || pushInputsChangedSince(db, workspaceId, since, { mappingOf: 'deals', owners: true, stages: true });
}

/** Writes current hashes and statuses (only rows given; 200 per statement). */
export async function setDealSyncStates(db: Db, workspaceId: string, updates: readonly { id: string; currentHash: string; status: SyncStatus }[]): Promise<void> {
  for (let i = 0; i < updates.length; i += 200) {
    const chunk = updates.slice(i, i + 200);
    const hash = sql<string>`case ${sql.ref('id')} ${sql.join(chunk.map((u) => sql`when ${u.id} then ${u.currentHash}`), sql` `)} end`;
    const status = sql<string>`case ${sql.ref('id')} ${sql.join(chunk.map((u) => sql`when ${u.id} then ${u.status}`), sql` `)} end`;
    await db.updateTable('deals').set({ current_hash: hash, sync_status: status }).where('workspace_id', '=', workspaceId).where('id', 'in', chunk.map((u) => u.id)).execute();
  }
}

/** Ids of the workspace's live deals owned by these users. */
export async function dealIdsOwnedBy(db: Db, workspaceId: string, userIds: readonly string[]): Promise<string[]> {
  const rows = await inChunks([...new Set(userIds)], (chunk) =>
    db.selectFrom('deals').select('id').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).where('owner_user_id', 'in', chunk).execute(),
  );
  return rows.map((r) => r.id);
}

/** Ids of the workspace's live deals in one of these (pipeline, stage) pairs. */
export async function dealIdsInStages(db: Db, workspaceId: string, pairs: readonly { pipeline: string; stage: string }[]): Promise<string[]> {
  const ids: string[] = [];
  for (const { pipeline, stage } of pairs) {
    const rows = await db.selectFrom('deals').select('id').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).where('pipeline', '=', pipeline).where('stage', '=', stage).execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/** The HubSpot ids hubsync last associated each deal with (deals.synced_links), unparsed. */
export async function readDealSyncedLinks(db: Db, workspaceId: string, ids: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await inChunks(ids, (chunk) => db.selectFrom('deals').select(['id', 'synced_links']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
  return new Map(rows.map((r) => [r.id, r.synced_links]));
}

/** Stores what each deal is now associated with (JSON, written by the deals adapter). */
export async function saveDealSyncedLinks(db: Db, workspaceId: string, links: readonly { id: string; syncedLinks: string }[]): Promise<void> {
  for (let i = 0; i < links.length; i += 200) {
    const chunk = links.slice(i, i + 200);
    const value = sql<string>`case ${sql.ref('id')} ${sql.join(chunk.map((l) => sql`when ${l.id} then ${l.syncedLinks}`), sql` `)} end`;
    await db.updateTable('deals').set({ synced_links: value }).where('workspace_id', '=', workspaceId).where('id', 'in', chunk.map((l) => l.id)).execute();
  }
}

/** The HubSpot id and sync status of these customers or organizations (deleted ones too: a deal may still point at one). */
export async function linkTargetsOf(db: Db, table: 'customers' | 'organizations', workspaceId: string, ids: readonly string[]): Promise<Map<string, { hubspotId: string | null; status: SyncStatus }>> {
  const rows = await inChunks([...new Set(ids)], (chunk) =>
    db.selectFrom(table as 'customers').select(['id', 'hubspot_id', 'sync_status']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute(),
  );
  return new Map(rows.map((r) => [r.id, { hubspotId: r.hubspot_id, status: r.sync_status as SyncStatus }]));
}
