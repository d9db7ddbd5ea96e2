// Organizations (→ HubSpot companies) and their members (customer_organizations). Rows keep
// JSON columns for tags, custom values and per-field timestamps; this module maps them to the
// Organization type. `domain_key` is derived here from the domain, like customers' email_lower.
import { sql } from 'kysely';
import { normalizeDomain, organizationNameKey, phoneKey } from '../lib/index.js';
import type { CustomerSyncState, SyncStatus } from './customer.repository.js';
import type { Db } from './database.js';
import { listOrder, pageOf, recordListConditions, searchTextOf, type RecordListQuery } from './record-list.js';
import { findLiveByExternalIds, findLiveRecord, recordColumnsOf, recordPartsOf, countLiveByStatus, liveRecordPendingSince, pushInputsChangedSince, softDeleteRecord, type RecordTable } from './record-rows.js';
import type { OrganizationTable } from './tables.js';

export interface OrganizationValues {
  name: string | null;
  domain: string | null;
  website: string | null;
  phone: string | null;
  street: string | null;
  city: string | null;
  postalCode: string | null;
  region: string | null;
  country: string | null;
  industry: string | null;
  numberOfEmployees: number | null;
  /** A decimal number as text (no precision lost). */
  annualRevenue: string | null;
  lifecycleStage: string | null;
  /** A member of the workspace, pushed as the owner linked to that user. */
  ownerUserId: string | null;
  tags: string[];
  custom: Record<string, string | number | boolean | string[]>;
}

export interface Organization extends OrganizationValues {
  id: string;
  workspaceId: string;
  externalId: string | null;
  /** The normalized domain (lib/domain-name.ts): the Duplicate rule's key. */
  domainKey: string | null;
  fieldUpdatedAt: Record<string, number>;
  createdAt: number;
  updatedAt: number;
  version: number;
  sync: CustomerSyncState;
}

export function rowToOrganization(row: OrganizationTable): Organization {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    externalId: row.external_id,
    name: row.name,
    domain: row.domain,
    domainKey: row.domain_key,
    website: row.website,
    phone: row.phone,
    street: row.street,
    city: row.city,
    postalCode: row.postal_code,
    region: row.region,
    country: row.country,
    industry: row.industry,
    numberOfEmployees: row.number_of_employees,
    annualRevenue: row.annual_revenue,
    lifecycleStage: row.lifecycle_stage,
    ownerUserId: row.owner_user_id,
    ...recordPartsOf(row),
  };
}

/** The content columns (everything a create or an edit writes; not the sync state). */
function contentColumns(o: Organization) {
  const key = o.domain === null ? null : normalizeDomain(o.domain);
  return {
    external_id: o.externalId,
    name: o.name,
    domain: o.domain,
    domain_key: key?.ok ? key.key : null,
    website: o.website,
    phone: o.phone,
    street: o.street,
    city: o.city,
    postal_code: o.postalCode,
    region: o.region,
    country: o.country,
    industry: o.industry,
    number_of_employees: o.numberOfEmployees,
    annual_revenue: o.annualRevenue,
    lifecycle_stage: o.lifecycleStage,
    owner_user_id: o.ownerUserId,
    tags: JSON.stringify(o.tags),
    custom_values: JSON.stringify(o.custom),
    field_updated_at: JSON.stringify(o.fieldUpdatedAt),
    search_text: searchTextOf([o.name, key?.ok ? key.key : o.domain]),
    phone_key: phoneKey(o.phone),
    name_key: organizationNameKey(o.name),
    updated_at: o.updatedAt,
  };
}

export async function insertOrganizations(db: Db, organizations: Organization[]): Promise<void> {
  // Stay under SQLite's bound-parameter limit (32,766): 34 columns × 500 rows.
  for (let i = 0; i < organizations.length; i += 500) {
    const rows = organizations.slice(i, i + 500).map((o) => ({ ...recordColumnsOf(o), ...contentColumns(o), id: o.id, workspace_id: o.workspaceId, deleted_at: null }));
    await db.insertInto('organizations').values(rows).execute();
  }
}

/** Writes an organization's content fields (not its sync state) and bumps its version. */
export async function updateOrganizationContent(db: Db, o: Organization): Promise<void> {
  await db
    .updateTable('organizations')
    .set({ ...contentColumns(o), version: sql<number>`version + 1` })
    .where('id', '=', o.id)
    .where('workspace_id', '=', o.workspaceId)
    .execute();
}

export async function findOrganization(db: Db, workspaceId: string, id: string): Promise<Organization | undefined> {
  const row = await findLiveRecord(db, 'organizations', workspaceId, id);
  return row && rowToOrganization(row);
}

export async function findOrganizationsByExternalIds(db: Db, workspaceId: string, externalIds: string[]): Promise<Organization[]> {
  return (await findLiveByExternalIds(db, 'organizations', workspaceId, externalIds)).map(rowToOrganization);
}

/** Soft delete (frees the external id); returns the organization as it was, or undefined when there was none. */
export async function softDeleteOrganization(db: Db, workspaceId: string, id: string, now: number): Promise<Organization | undefined> {
  return softDeleteRecord(db, 'organizations', workspaceId, id, now, findOrganization);
}

export interface OrganizationListQuery extends RecordListQuery {
  /** Any form of the domain; compared normalized. */
  domain?: string | undefined;
  lifecycleStage?: string | undefined;
  ownerUserId?: string | undefined;
}

export async function listOrganizations(db: Db, query: OrganizationListQuery): Promise<{ organizations: Organization[]; hasMore: boolean }> {
  let q = db.selectFrom('organizations').selectAll();
  for (const condition of recordListConditions(query)) q = q.where(condition);
  if (query.domain !== undefined) {
    const key = normalizeDomain(query.domain);
    q = q.where('domain_key', '=', key.ok ? key.key : query.domain.trim().toLowerCase());
  }
  if (query.lifecycleStage) q = q.where('lifecycle_stage', '=', query.lifecycleStage);
  if (query.ownerUserId) q = q.where('owner_user_id', '=', query.ownerUserId);
  const rows = await q.orderBy('id', listOrder(query)).limit(query.limit + 1).execute();
  const page = pageOf(rows, query.limit, rowToOrganization);
  return { organizations: page.items, hasMore: page.hasMore };
}

// Members ------------------------------------------------------------------------------

export interface OrganizationMember {
  customerId: string;
  organizationId: string;
  primary: boolean;
}

/** The live members of an organization, oldest link first. */
export async function listOrganizationCustomerIds(db: Db, workspaceId: string, organizationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('customer_organizations as l')
    .innerJoin('customers as c', 'c.id', 'l.customer_id')
    .select('l.customer_id')
    .where('l.workspace_id', '=', workspaceId)
    .where('l.organization_id', '=', organizationId)
    .where('c.deleted_at', 'is', null)
    .orderBy('l.created_at')
    .orderBy('l.customer_id')
    .execute();
  return rows.map((r) => r.customer_id);
}

/** The live organizations of each customer, the primary first (for a customer and for lists of them). */
export async function listMembershipsOfCustomers(db: Db, workspaceId: string, customerIds: readonly string[]): Promise<Map<string, OrganizationMember[]>> {
  const out = new Map<string, OrganizationMember[]>();
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db
      .selectFrom('customer_organizations as l')
      .innerJoin('organizations as o', 'o.id', 'l.organization_id')
      .select(['l.customer_id', 'l.organization_id', 'l.is_primary'])
      .where('l.workspace_id', '=', workspaceId)
      .where('l.customer_id', 'in', customerIds.slice(i, i + 500))
      .where('o.deleted_at', 'is', null)
      .orderBy('l.customer_id')
      .orderBy('l.is_primary', 'desc')
      .orderBy('l.created_at')
      .orderBy('l.organization_id')
      .execute();
    for (const r of rows) {
      const member = { customerId: r.customer_id, organizationId: r.organization_id, primary: r.is_primary === 1 };
      out.set(r.customer_id, [...(out.get(r.customer_id) ?? []), member]);
    }
  }
  return out;
}

/** A customer's live organizations, the primary first. */
export async function listCustomerOrganizations(db: Db, workspaceId: string, customerId: string): Promise<OrganizationMember[]> {
  return (await listMembershipsOfCustomers(db, workspaceId, [customerId])).get(customerId) ?? [];
}

/**
 * Links a customer to an organization (or changes whether it is the primary one). Making it
 * primary first clears the customer's other primary, so the one-primary index holds.
 */
export async function linkOrganizationMember(db: Db, workspaceId: string, link: OrganizationMember, now: number): Promise<void> {
  if (link.primary) {
    await db
      .updateTable('customer_organizations')
      .set({ is_primary: 0 })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', link.customerId)
      .where('organization_id', '!=', link.organizationId)
      .where('is_primary', '=', 1)
      .execute();
  }
  await db
    .insertInto('customer_organizations')
    .values({ workspace_id: workspaceId, customer_id: link.customerId, organization_id: link.organizationId, is_primary: link.primary ? 1 : 0, created_at: now })
    .onConflict((oc) => oc.columns(['customer_id', 'organization_id']).doUpdateSet({ is_primary: link.primary ? 1 : 0 }))
    .execute();
}

/** Removes links of a customer: to one organization, or (without `organizationId`) to all. Returns the organizations unlinked. */
export async function unlinkOrganizationMembers(db: Db, workspaceId: string, customerId: string, organizationId?: string): Promise<string[]> {
  let q = db.deleteFrom('customer_organizations').where('workspace_id', '=', workspaceId).where('customer_id', '=', customerId);
  if (organizationId !== undefined) q = q.where('organization_id', '=', organizationId);
  const rows = await q.returning('organization_id').execute();
  return rows.map((r) => r.organization_id);
}

/** Bumps the version (and updated_at) of records whose associations changed, so an in-flight push sees the edit. */
export async function touchRecords(db: Db, table: RecordTable, workspaceId: string, ids: readonly string[], now: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable(table)
      .set({ updated_at: now, version: sql<number>`version + 1` })
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
  }
}

// Push outcomes ---------------------------------------------------------------------------

/** How many live organizations are in each status (a run's plan for companies). */
export const countOrganizationsByStatus = (db: Db, workspaceId: string) => countLiveByStatus(db, 'organizations', workspaceId);

/** Whether a live organization became pushable since `since` (not attempted since, or changed since), or the companies mapping changed. */
export async function organizationsHaveWorkSince(db: Db, workspaceId: string, statuses: readonly SyncStatus[], since: number): Promise<boolean> {
  return (await liveRecordPendingSince(db, 'organizations', workspaceId, statuses, since)) || pushInputsChangedSince(db, workspaceId, since, { mappingOf: 'companies' });
}

export interface OrganizationCompany {
  /** The organization's own company, or (a Duplicate) the company of the organization that holds its domain. */
  hubspotId: string | null;
  name: string | null;
  status: SyncStatus;
}

/**
 * The HubSpot company each given organization is: its own, or for a Duplicate (never pushed)
 * the company of the live organization with its domain that is in HubSpot — one company to
 * HubSpot, as the Duplicate rule says.
 */
export async function organizationCompanies(db: Db, workspaceId: string, ids: readonly string[]): Promise<Map<string, OrganizationCompany>> {
  const out = new Map<string, OrganizationCompany>();
  const duplicates = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('organizations')
      .select(['id', 'hubspot_id', 'name', 'sync_status', 'domain_key'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      out.set(r.id, { hubspotId: r.hubspot_id, name: r.name, status: r.sync_status as SyncStatus });
      if (r.hubspot_id === null && r.sync_status === 'duplicate' && r.domain_key !== null) duplicates.set(r.domain_key, [...(duplicates.get(r.domain_key) ?? []), r.id]);
    }
  }
  const keys = [...duplicates.keys()];
  for (let i = 0; i < keys.length; i += 500) {
    const owners = await db
      .selectFrom('organizations')
      .select(['domain_key', 'hubspot_id'])
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .where('domain_key', 'in', keys.slice(i, i + 500))
      .where('hubspot_id', 'is not', null)
      .orderBy('created_at')
      .execute();
    for (const owner of owners.reverse()) for (const id of duplicates.get(owner.domain_key!) ?? []) out.set(id, { ...out.get(id)!, hubspotId: owner.hubspot_id });
  }
  return out;
}

/** The distinct local owners of the workspace's live organizations (whose HubSpot owners a run looks up once). */
export async function organizationOwnerUserIds(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('organizations')
    .select('owner_user_id')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('owner_user_id', 'is not', null)
    .execute();
  return rows.map((r) => r.owner_user_id!);
}

/**
 * Customers pushed as Synced while their organizations were not pushed (companies sync off) have
 * no associations in HubSpot yet: forgetting their synced hash makes them Needs update, so the
 * next run pushes them with their companies. Returns how many.
 */
export async function resendCustomersWithOrganizations(db: Db, workspaceId: string): Promise<number> {
  const result = await db
    .updateTable('customers')
    .set({ synced_hash: null, sync_status: 'needs_update' })
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('sync_status', '=', 'synced')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('customer_organizations as l')
        .innerJoin('organizations as o', 'o.id', 'l.organization_id')
        .select('l.customer_id')
        .where('l.workspace_id', '=', workspaceId)
        .where('o.deleted_at', 'is', null),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
