// Customers: the local system of record that gets synced to HubSpot. Rows keep JSON columns for
// tags, custom values and per-field timestamps; this module maps them to the Customer type.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { liveRowsByExternalIds, markDeleted, syncStateOf } from './record-rows.js';
import { containsPattern } from './search-pattern.js';
import type { CustomerTable } from './tables.js';

export type SyncStatus = 'synced' | 'needs_update' | 'not_synced' | 'outdated' | 'error' | 'duplicate' | 'no_email';

export const SYNC_STATUSES: readonly SyncStatus[] = [
  'synced',
  'needs_update',
  'not_synced',
  'outdated',
  'error',
  'duplicate',
  'no_email',
];

export interface CustomerValues {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  street: string | null;
  city: string | null;
  postalCode: string | null;
  region: string | null;
  country: string | null;
  companyName: string | null;
  lifecycleStage: string | null;
  tags: string[];
  custom: Record<string, string | number | boolean | string[]>;
}

export interface CustomerSyncState {
  hubspotId: string | null;
  status: SyncStatus;
  error: string | null;
  syncedHash: string | null;
  syncedAt: number | null;
  lastAttemptAt: number | null;
}

export interface Customer extends CustomerValues {
  id: string;
  workspaceId: string;
  externalId: string | null;
  /** Field name (or `custom.<key>`) → epoch ms of its last change. */
  fieldUpdatedAt: Record<string, number>;
  createdAt: number;
  updatedAt: number;
  version: number;
  sync: CustomerSyncState;
}

// The owner is written by the owners' own statements, never by a customer's save.
type Row = Omit<CustomerTable, 'owner_user_id'>;

export function rowToCustomer(row: Row): Customer {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    externalId: row.external_id,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    street: row.street,
    city: row.city,
    postalCode: row.postal_code,
    region: row.region,
    country: row.country,
    companyName: row.company_name,
    lifecycleStage: row.lifecycle_stage,
    tags: JSON.parse(row.tags) as string[],
    custom: JSON.parse(row.custom_values) as Customer['custom'],
    fieldUpdatedAt: JSON.parse(row.field_updated_at) as Record<string, number>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    sync: syncStateOf(row),
  };
}

function searchText(values: CustomerValues): string {
  return [values.firstName, values.lastName, values.email].filter(Boolean).join(' ').toLowerCase();
}

export function customerToRow(c: Customer): Row {
  return {
    id: c.id,
    workspace_id: c.workspaceId,
    external_id: c.externalId,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    email_lower: c.email ? c.email.trim().toLowerCase() : null,
    phone: c.phone,
    street: c.street,
    city: c.city,
    postal_code: c.postalCode,
    region: c.region,
    country: c.country,
    company_name: c.companyName,
    lifecycle_stage: c.lifecycleStage,
    tags: JSON.stringify(c.tags),
    custom_values: JSON.stringify(c.custom),
    field_updated_at: JSON.stringify(c.fieldUpdatedAt),
    search_text: searchText(c),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    deleted_at: null,
    version: c.version,
    hubspot_id: c.sync.hubspotId,
    sync_status: c.sync.status,
    sync_error: c.sync.error,
    synced_hash: c.sync.syncedHash,
    synced_at: c.sync.syncedAt,
    last_attempt_at: c.sync.lastAttemptAt,
    current_hash: null,
  };
}

export async function insertCustomers(db: Db, customers: Customer[]): Promise<void> {
  if (customers.length === 0) return;
  // Stay under SQLite's bound-parameter limit (32,766): 32 columns × 500 rows.
  for (let i = 0; i < customers.length; i += 500) {
    await db
      .insertInto('customers')
      .values(customers.slice(i, i + 500).map(customerToRow))
      .execute();
  }
}

/** Writes a customer's content fields (not its sync state) and bumps its version. */
export async function updateCustomerContent(db: Db, c: Customer): Promise<void> {
  const row = customerToRow(c);
  await db
    .updateTable('customers')
    .set({
      external_id: row.external_id,
      first_name: row.first_name,
      last_name: row.last_name,
      email: row.email,
      email_lower: row.email_lower,
      phone: row.phone,
      street: row.street,
      city: row.city,
      postal_code: row.postal_code,
      region: row.region,
      country: row.country,
      company_name: row.company_name,
      lifecycle_stage: row.lifecycle_stage,
      tags: row.tags,
      custom_values: row.custom_values,
      field_updated_at: row.field_updated_at,
      search_text: row.search_text,
      updated_at: row.updated_at,
      version: sql<number>`version + 1`,
    })
    .where('id', '=', c.id)
    .where('workspace_id', '=', c.workspaceId)
    .execute();
}

export async function findCustomer(db: Db, workspaceId: string, id: string): Promise<Customer | undefined> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row && rowToCustomer(row);
}

export async function findCustomersByExternalIds(db: Db, workspaceId: string, externalIds: string[]): Promise<Customer[]> {
  return (await liveRowsByExternalIds(db, 'customers', workspaceId, externalIds)).map(rowToCustomer);
}

export async function softDeleteCustomer(db: Db, workspaceId: string, id: string, now: number): Promise<Customer | undefined> {
  const existing = await findCustomer(db, workspaceId, id);
  if (existing) await markDeleted(db, 'customers', workspaceId, id, now);
  return existing;
}

export interface CustomerListQuery {
  workspaceId: string;
  search?: string | undefined;
  email?: string | undefined;
  lifecycleStage?: string | undefined;
  tag?: string | undefined;
  statuses?: SyncStatus[] | undefined;
  updatedSince?: number | undefined;
  sort?: 'created' | '-created' | undefined;
  after?: string | undefined;
  limit: number;
}

export async function listCustomers(db: Db, query: CustomerListQuery): Promise<{ customers: Customer[]; hasMore: boolean }> {
  let q = db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', query.workspaceId)
    .where('deleted_at', 'is', null);
  if (query.search) {
    const pattern = containsPattern(query.search.trim().toLowerCase());
    q = q.where(sql<boolean>`search_text like ${pattern} escape '\\'`);
  }
  if (query.email) q = q.where('email_lower', '=', query.email.trim().toLowerCase());
  if (query.lifecycleStage) q = q.where('lifecycle_stage', '=', query.lifecycleStage);
  if (query.tag) {
    const pattern = containsPattern(JSON.stringify(query.tag));
    q = q.where(sql<boolean>`tags like ${pattern} escape '\\'`);
  }
  if (query.statuses && query.statuses.length > 0) q = q.where('sync_status', 'in', query.statuses);
  if (query.updatedSince !== undefined) q = q.where('updated_at', '>=', query.updatedSince);
  const descending = query.sort === '-created';
  if (query.after) q = q.where('id', descending ? '<' : '>', query.after);
  const rows = await q
    .orderBy('id', descending ? 'desc' : 'asc')
    .limit(query.limit + 1)
    .execute();
  return { customers: rows.slice(0, query.limit).map(rowToCustomer), hasMore: rows.length > query.limit };
}
