// Customers: the local system of record that gets synced to HubSpot. Rows keep JSON columns for
// tags, custom values and per-field timestamps; this module maps them to the Customer type.
import { sql } from 'kysely';
import { personNameKey, phoneKey } from '../lib/index.js';
import type { Db } from './database.js';
import { listOrder, pageOf, recordListConditions, searchTextOf, type RecordListQuery } from './record-list.js';
import { emailKey, findLiveByExternalIds, findLiveRecord, inChunks, recordColumnsOf, recordPartsOf, softDeleteRecord } from './record-rows.js';
import type { RecordSyncState } from './sync-state.js';
import type { CustomerTable } from './tables.js';

export { STATUS_LABELS, SYNC_STATUSES, type SyncStatus } from './sync-state.js';
/** A customer's sync state (the same for every pushed record type). */
export type CustomerSyncState = RecordSyncState;


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
  /** The local user who owns the customer (a member of its workspace), pushed as the contact's owner. */
  ownerUserId: string | null;
  tags: string[];
  custom: Record<string, string | number | boolean | string[]>;
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

// The synced links and values are written by the push and the pull, never by a customer's save.
type Row = Omit<CustomerTable, 'synced_links' | 'synced_values'>;

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
    ownerUserId: row.owner_user_id,
    ...recordPartsOf(row),
  };
}

function searchText(values: CustomerValues): string {
  return searchTextOf([values.firstName, values.lastName, values.email]);
}

export function customerToRow(c: Customer): Row {
  return {
    id: c.id,
    workspace_id: c.workspaceId,
    external_id: c.externalId,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    email_lower: emailKey(c.email),
    phone: c.phone,
    street: c.street,
    city: c.city,
    postal_code: c.postalCode,
    region: c.region,
    country: c.country,
    company_name: c.companyName,
    lifecycle_stage: c.lifecycleStage,
    owner_user_id: c.ownerUserId,
    search_text: searchText(c),
    phone_key: phoneKey(c.phone),
    name_key: personNameKey(c.firstName, c.lastName, c.companyName),
    deleted_at: null,
    ...recordColumnsOf(c),
  };
}

export async function insertCustomers(db: Db, customers: Customer[]): Promise<void> {
  if (customers.length === 0) return;
  // Stay under SQLite's bound-parameter limit (32,766): 33 columns × 500 rows.
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
      owner_user_id: row.owner_user_id,
      tags: row.tags,
      custom_values: row.custom_values,
      field_updated_at: row.field_updated_at,
      search_text: row.search_text,
      phone_key: row.phone_key,
      name_key: row.name_key,
      updated_at: row.updated_at,
      version: sql<number>`version + 1`,
    })
    .where('id', '=', c.id)
    .where('workspace_id', '=', c.workspaceId)
    .execute();
}

export async function findCustomer(db: Db, workspaceId: string, id: string): Promise<Customer | undefined> {
  const row = await findLiveRecord(db, 'customers', workspaceId, id);
  return row && rowToCustomer(row);
}

/** The live customers among `ids` (any order). */
export async function findCustomers(db: Db, workspaceId: string, ids: readonly string[]): Promise<Customer[]> {
  const rows = await inChunks(ids, (chunk) => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', chunk).where('deleted_at', 'is', null).execute());
  return rows.map(rowToCustomer);
}

/** Writes a customer's tags and their timestamp (nothing else) and bumps its version. */
export async function updateCustomerTags(db: Db, c: Customer): Promise<void> {
  await db
    .updateTable('customers')
    .set({ tags: JSON.stringify(c.tags), field_updated_at: JSON.stringify(c.fieldUpdatedAt), updated_at: c.updatedAt, version: sql<number>`version + 1` })
    .where('id', '=', c.id)
    .where('workspace_id', '=', c.workspaceId)
    .execute();
}

export async function findCustomersByExternalIds(db: Db, workspaceId: string, externalIds: string[]): Promise<Customer[]> {
  return (await findLiveByExternalIds(db, 'customers', workspaceId, externalIds)).map(rowToCustomer);
}

/** Soft delete (frees the external id); returns the customer as it was, or undefined when there was none. */
export async function softDeleteCustomer(db: Db, workspaceId: string, id: string, now: number): Promise<Customer | undefined> {
  return softDeleteRecord(db, 'customers', workspaceId, id, now, findCustomer);
}

export interface CustomerListQuery extends RecordListQuery {
  email?: string | undefined;
  lifecycleStage?: string | undefined;
}

export async function listCustomers(db: Db, query: CustomerListQuery): Promise<{ customers: Customer[]; hasMore: boolean }> {
  let q = db.selectFrom('customers').selectAll();
  for (const condition of recordListConditions(query)) q = q.where(condition);
  if (query.email) q = q.where('email_lower', '=', query.email.trim().toLowerCase());
  if (query.lifecycleStage) q = q.where('lifecycle_stage', '=', query.lifecycleStage);
  const rows = await q.orderBy('id', listOrder(query)).limit(query.limit + 1).execute();
  const page = pageOf(rows, query.limit, rowToCustomer);
  return { customers: page.items, hasMore: page.hasMore };
}
