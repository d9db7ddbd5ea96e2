// What the pull reads and writes of the links between records (issue 15, part 5): a customer's
// organizations (customer_organizations), a deal's customers (deal_customers) and organization
// (deals.organization_id), and the HubSpot ids each was last associated with (`synced_links`,
// migration 013: the associations' merge base). The push keeps `synced_links` itself
// (sync/contact-companies.ts, sync/objects/deal.adapter.ts); the pull moves it to what both
// sides hold after it brought HubSpot's associations in, so they are not pushed back.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { inChunks, type LiveRecordTable } from './record-rows.js';

/** The live local record linked to each of these HubSpot ids (HubSpot id → local id). */
export async function liveIdsByHubSpotId(db: Db, table: LiveRecordTable, workspaceId: string, hubspotIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await inChunks([...new Set(hubspotIds)], (chunk) =>
    db.selectFrom(table as 'customers').select(['id', 'hubspot_id']).where('workspace_id', '=', workspaceId).where('hubspot_id', 'in', chunk).where('deleted_at', 'is', null).execute(),
  );
  return new Map(rows.map((r) => [r.hubspot_id!, r.id]));
}

/** The HubSpot id of each of these local records (live or not); null when not linked. */
export async function hubspotIdsOfRecords(db: Db, table: LiveRecordTable, workspaceId: string, ids: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await inChunks([...new Set(ids)], (chunk) => db.selectFrom(table as 'customers').select(['id', 'hubspot_id']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
  return new Map(rows.map((r) => [r.id, r.hubspot_id]));
}

/** `synced_links` of these customers or deals, unparsed (id → text or null). */
export async function readSyncedLinks(db: Db, table: 'customers' | 'deals', workspaceId: string, ids: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await inChunks([...new Set(ids)], (chunk) => db.selectFrom(table as 'customers').select(['id', 'synced_links']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
  return new Map(rows.map((r) => [r.id, r.synced_links]));
}

/** Stores `synced_links` of customers or deals: one statement per 500. */
export async function writeSyncedLinks(db: Db, table: 'customers' | 'deals', workspaceId: string, links: readonly { id: string; syncedLinks: string }[]): Promise<void> {
  for (let i = 0; i < links.length; i += 500) {
    const chunk = links.slice(i, i + 500);
    const value = sql<string>`case ${sql.ref('id')} ${sql.join(chunk.map((l) => sql`when ${l.id} then ${l.syncedLinks}`), sql` `)} end`;
    await db.updateTable(table as 'customers').set({ synced_links: value }).where('workspace_id', '=', workspaceId).where('id', 'in', chunk.map((l) => l.id)).execute();
  }
}

/** The live customers linked to each of these deals, with their HubSpot ids. */
export async function dealCustomerLinks(db: Db, workspaceId: string, dealIds: readonly string[]): Promise<Map<string, { customerId: string; hubspotId: string | null }[]>> {
  const out = new Map<string, { customerId: string; hubspotId: string | null }[]>(dealIds.map((id) => [id, []]));
  const rows = await inChunks([...new Set(dealIds)], (chunk) =>
    db
      .selectFrom('deal_customers as l')
      .innerJoin('customers as c', 'c.id', 'l.customer_id')
      .select(['l.deal_id', 'l.customer_id', 'c.hubspot_id'])
      .where('l.workspace_id', '=', workspaceId)
      .where('l.deal_id', 'in', chunk)
      .where('c.deleted_at', 'is', null)
      .execute(),
  );
  for (const row of rows) out.get(row.deal_id)?.push({ customerId: row.customer_id, hubspotId: row.hubspot_id });
  return out;
}

/** The organization of each of these deals (null when none). */
export async function dealOrganizations(db: Db, workspaceId: string, dealIds: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await inChunks([...new Set(dealIds)], (chunk) => db.selectFrom('deals').select(['id', 'organization_id']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
  return new Map(rows.map((r) => [r.id, r.organization_id]));
}

/** Bumps the version (and updated_at) of deals whose links the pull changed, so an in-flight push sees the edit. */
export async function touchDeals(db: Db, workspaceId: string, ids: readonly string[], now: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db.updateTable('deals').set({ updated_at: now, version: sql<number>`version + 1` }).where('workspace_id', '=', workspaceId).where('id', 'in', ids.slice(i, i + 500)).execute();
  }
}

/** Adds and removes links between deals and customers. */
export async function changeDealCustomers(
  db: Db,
  workspaceId: string,
  changes: readonly { dealId: string; add: readonly string[]; remove: readonly string[] }[],
  now: number,
): Promise<void> {
  const added = changes.flatMap((c) => c.add.map((customer_id) => ({ workspace_id: workspaceId, deal_id: c.dealId, customer_id, created_at: now })));
  for (let i = 0; i < added.length; i += 1000) await db.insertInto('deal_customers').values(added.slice(i, i + 1000)).execute();
  for (const c of changes) {
    if (c.remove.length > 0) await db.deleteFrom('deal_customers').where('workspace_id', '=', workspaceId).where('deal_id', '=', c.dealId).where('customer_id', 'in', [...c.remove]).execute();
  }
}

/** Points a deal at another organization (or none). */
export async function setDealOrganization(db: Db, workspaceId: string, dealId: string, organizationId: string | null): Promise<void> {
  await db.updateTable('deals').set({ organization_id: organizationId }).where('workspace_id', '=', workspaceId).where('id', '=', dealId).execute();
}

/** Which of these HubSpot ids a local record (live or deleted) is linked to. */
export async function hubspotIdsLinkedIn(db: Db, table: LiveRecordTable, workspaceId: string, hubspotIds: readonly string[]): Promise<Set<string>> {
  const rows = await inChunks([...new Set(hubspotIds)], (chunk) => db.selectFrom(table as 'customers').select('hubspot_id').where('workspace_id', '=', workspaceId).where('hubspot_id', 'in', chunk).execute());
  return new Set(rows.map((r) => r.hubspot_id!));
}
