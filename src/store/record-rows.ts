// Statements every record table (customers, organizations, deals) shares: reading by a list of
// values in chunks that stay under SQLite's bound-parameter limit, the soft delete, live ids and
// rows (one by id, or many by external id), and the sync state as the domain types carry it.
import { PostgresAdapter, sql, type RawBuilder, type Selectable } from 'kysely';
import type { RecordSyncState, SyncStatus } from './sync-state.js';
import type { Db } from './database.js';
import type { CustomerTable, Database, SyncColumns } from './tables.js';

/** The tables whose rows carry the record and sync columns and a Duplicate key. */
export type RecordTable = 'customers' | 'organizations';

/** Every table of records with an external id, a soft delete and the sync columns. */
export type LiveRecordTable = RecordTable | 'deals';

/**
 * `<table>.workspace_id = ?` for an UPDATE … FROM (VALUES …) joined by id, written so that no
 * index can serve it: SQLite would otherwise walk the workspace's whole table by its workspace
 * index and scan the values list for every row — a batch of 100 costing a pass over every
 * record, which grows with the table. This way the values drive and each row is found by its
 * id (src/store/query-plans.int.test.ts checks the plans).
 */
export function workspaceOfJoinedRow(table: string, workspaceId: string): RawBuilder<unknown> {
  return sql`${sql.ref(`${table}.workspace_id`)} || '' = ${workspaceId}`;
}

/** A person's name from first and last name as stored, or null when neither is set. */
export function personName(firstName: string | null, lastName: string | null): string | null {
  return [firstName, lastName].filter(Boolean).join(' ') || null;
}

/** An email as customers are found by it (`email_lower`): trimmed, lower case; null when absent. */
export function emailKey(email: string | null): string | null {
  return email ? email.trim().toLowerCase() : null;
}

/** What the sync log stores of an attempt's record, so it lists and searches without a join: its name, and a customer's email (`emailKey`). */
export interface RecordLabel {
  name: string | null;
  email: string | null;
}

/** A customer's label in the sync log. */
export function customerLabel(customer: { firstName: string | null; lastName: string | null; email: string | null }): RecordLabel {
  return { name: personName(customer.firstName, customer.lastName), email: emailKey(customer.email) };
}

/** Whether `db` (a transaction of it too) is PostgreSQL rather than SQLite. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** PostgreSQL's element type of a column of `rowsTable`. */
export type RowsColumnType = 'text' | 'bigint';

/**
 * A batch of rows as a table `v` with columns column1 … columnN, to join to or select from in
 * one statement. On PostgreSQL each column is one array parameter, unnested: a batch of 100
 * rows of 13 columns is 13 parameters to send, parse and plan instead of 1,300. On SQLite (no
 * arrays) it is a VALUES list, whose columns have the same names. Up to 500 rows on SQLite
 * (its bound-parameter limit); any number on PostgreSQL.
 */
export function rowsTable(db: Db, types: readonly RowsColumnType[], rows: readonly (readonly unknown[])[]): RawBuilder<unknown> {
  if (isPostgres(db)) {
    const columns = types.map((type, i) => sql`cast(${rows.map((row) => row[i] ?? null)} as ${sql.raw(type)}[])`);
    return sql`unnest(${sql.join(columns)}) as v(${sql.raw(types.map((_, i) => `column${i + 1}`).join(', '))})`;
  }
  return sql`(values ${sql.join(rows.map((row) => sql`(${sql.join(row.map((value) => value ?? null))})`))}) as v`;
}

/** Runs `read` over `values` 500 at a time and joins the answers (an empty list reads nothing). */
export async function inChunks<T, R>(values: readonly T[], read: (chunk: T[]) => Promise<R[]>, size = 500): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += size) out.push(...(await read(values.slice(i, i + size))));
  return out;
}

/**
 * Marks a record deleted (kept, no longer listed or pushed) and frees its external id, so the
 * host app can create a new record under it; bumps its version.
 */
export async function markRecordDeleted(db: Db, table: LiveRecordTable, workspaceId: string, id: string, now: number): Promise<void> {
  await db
    .updateTable(table)
    .set({ deleted_at: now, external_id: null, updated_at: now, version: sql<number>`version + 1` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/**
 * Brings a deleted record back (its external id stays freed: the host app may have reused it);
 * bumps its version. False when the workspace has no deleted record with this id.
 */
export async function restoreRecord(db: Db, table: LiveRecordTable, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ deleted_at: null, updated_at: now, version: sql<number>`version + 1` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Stores a record's merge base (HubSpot property → the value both sides last agreed on).
 * `awaitPush` also forgets what HubSpot last accepted and the last attempt: the record reads
 * Needs update and counts as work for the next Sync now.
 */
export async function saveSyncedBase(db: Db, table: LiveRecordTable, workspaceId: string, id: string, values: Readonly<Record<string, string>>, options: { awaitPush?: boolean } = {}): Promise<void> {
  await db
    .updateTable(table)
    .set({ synced_values: JSON.stringify(values), ...(options.awaitPush ? { synced_hash: null, last_attempt_at: null } : {}) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** The merge base of a record (empty when it has none yet). */
export async function findSyncedBase(db: Db, table: LiveRecordTable, workspaceId: string, id: string): Promise<Record<string, string>> {
  const row = await db.selectFrom(table).select('synced_values').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return JSON.parse(row?.synced_values ?? '{}') as Record<string, string>;
}

/** What a record's sync status is computed from (sync/sync-status.ts): its key and sync facts. */
export interface StatusCandidate {
  id: string;
  /** The Duplicate rule's key: a customer's lower-cased email, an organization's normalized domain. */
  key: string | null;
  createdAt: number;
  hubspotId: string | null;
  syncError: string | null;
  currentHash: string | null;
  syncedHash: string | null;
  status: SyncStatus;
}

/** Each record table's Duplicate key column. */
const KEY_COLUMN = { customers: 'email_lower', organizations: 'domain_key' } as const;

/** Live records by id, or (with `by: 'key'`) every live one holding one of the keys. */
export async function findStatusCandidates(db: Db, table: RecordTable, workspaceId: string, by: 'id' | 'key', values: readonly string[]): Promise<StatusCandidate[]> {
  const key = KEY_COLUMN[table];
  const rows = await inChunks(values, (chunk) =>
    db
      .selectFrom(table)
      .select(['id', 'created_at', 'hubspot_id', 'sync_error', 'current_hash', 'synced_hash', 'sync_status', sql<string | null>`${sql.ref(key)}`.as('key')])
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .where(by === 'id' ? sql.ref('id') : sql.ref(key), 'in', chunk)
      .execute(),
  );
  return rows.map((row) => ({
    id: row.id,
    key: row.key,
    createdAt: row.created_at,
    hubspotId: row.hubspot_id,
    syncError: row.sync_error,
    currentHash: row.current_hash,
    syncedHash: row.synced_hash,
    status: row.sync_status as SyncStatus,
  }));
}

/**
 * Which of `ids` name live records (not deleted) of the workspace: how a link to another record
 * is checked before it is written, so it never points into another workspace or at a deleted one.
 */
export async function findLiveIds(db: Db, table: LiveRecordTable, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
  const rows = await inChunks([...new Set(ids)], (chunk) =>
    db.selectFrom(table).select('id').where('workspace_id', '=', workspaceId).where('id', 'in', chunk).where('deleted_at', 'is', null).execute(),
  );
  return new Set(rows.map((r) => r.id));
}

/** The live rows of `table` holding these external ids (Kysely types a union of tables loosely, hence the cast back to T's rows). */
export async function findLiveByExternalIds<T extends LiveRecordTable>(db: Db, table: T, workspaceId: string, externalIds: readonly string[]): Promise<Selectable<Database[T]>[]> {
  return inChunks(externalIds, (chunk) =>
    db.selectFrom(table as LiveRecordTable).selectAll().where('workspace_id', '=', workspaceId).where('external_id', 'in', chunk).where('deleted_at', 'is', null).execute() as Promise<Selectable<Database[T]>[]>,
  );
}

/** The live row of `table` with this id in the workspace, or undefined (deleted rows are not found). */
export async function findLiveRecord<T extends LiveRecordTable>(db: Db, table: T, workspaceId: string, id: string): Promise<Selectable<Database[T]> | undefined> {
  return db
    .selectFrom(table as LiveRecordTable)
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}

/**
 * Soft deletes a live record (markRecordDeleted); returns it as it was, read by `find`, or
 * undefined when the workspace has no live record with this id (then nothing is written).
 */
export async function softDeleteRecord<R>(
  db: Db,
  table: LiveRecordTable,
  workspaceId: string,
  id: string,
  now: number,
  find: (db: Db, workspaceId: string, id: string) => Promise<R | undefined>,
): Promise<R | undefined> {
  const existing = await find(db, workspaceId, id);
  if (existing) await markRecordDeleted(db, table, workspaceId, id, now);
  return existing;
}

/** The columns every record row has besides its own fields: JSON values, times, version, sync state. */
export type RecordColumns = Pick<CustomerTable, 'tags' | 'custom_values' | 'field_updated_at' | 'created_at' | 'updated_at' | 'version'> & SyncColumns;

/** What every record type's domain object has besides its own fields. */
export interface RecordParts {
  tags: string[];
  custom: Record<string, string | number | boolean | string[]>;
  fieldUpdatedAt: Record<string, number>;
  createdAt: number;
  updatedAt: number;
  version: number;
  sync: RecordSyncState;
}

/** The sync state of any row with the sync columns (activities' too). */
export function syncStateOf(row: SyncColumns): RecordSyncState {
  return {
    hubspotId: row.hubspot_id,
    status: row.sync_status as SyncStatus,
    error: row.sync_error,
    syncedHash: row.synced_hash,
    syncedAt: row.synced_at,
    lastAttemptAt: row.last_attempt_at,
  };
}

/**
 * A row's merge base (`synced_values`: HubSpot property → the value both sides last agreed on),
 * or null when none is known (never pushed or pulled since the column came).
 */
export function syncedValuesOf(raw: string | null): Record<string, string> | null {
  return raw === null ? null : (JSON.parse(raw) as Record<string, string>);
}

/** Reads the shared columns of a record row. */
export function recordPartsOf(row: RecordColumns): RecordParts {
  return { tags: JSON.parse(row.tags) as string[], ...untaggedPartsOf(row) };
}

/** Reads the shared columns of a record row without a tag list (deals). */
export function untaggedPartsOf(row: Omit<RecordColumns, 'tags'>): Omit<RecordParts, 'tags'> {
  return {
    custom: JSON.parse(row.custom_values) as RecordParts['custom'],
    fieldUpdatedAt: JSON.parse(row.field_updated_at) as Record<string, number>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    sync: syncStateOf(row),
  };
}

/** The shared columns of a new record row (its current hash is computed by the status refresh). */
export function recordColumnsOf(r: RecordParts): RecordColumns {
  return { tags: JSON.stringify(r.tags), ...untaggedColumnsOf(r) };
}

/** The shared columns of a new record row without a tag list (deals). */
export function untaggedColumnsOf(r: Omit<RecordParts, 'tags'>): Omit<RecordColumns, 'tags'> {
  return {
    custom_values: JSON.stringify(r.custom),
    field_updated_at: JSON.stringify(r.fieldUpdatedAt),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    version: r.version,
    hubspot_id: r.sync.hubspotId,
    sync_status: r.sync.status,
    sync_error: r.sync.error,
    synced_hash: r.sync.syncedHash,
    synced_at: r.sync.syncedAt,
    last_attempt_at: r.sync.lastAttemptAt,
    current_hash: null,
  };
}

/** How many live records of the table are in each status (a run's plan, the summary). */
export async function countLiveByStatus(db: Db, table: LiveRecordTable, workspaceId: string): Promise<Record<SyncStatus, number>> {
  const rows = await db
    .selectFrom(table)
    .select(['sync_status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .groupBy('sync_status')
    .execute();
  const counts = { synced: 0, needs_update: 0, not_synced: 0, outdated: 0, error: 0, duplicate: 0, no_email: 0 } satisfies Record<SyncStatus, number>;
  for (const row of rows) counts[row.sync_status as SyncStatus] = Number(row.n);
  return counts;
}

/** Whether a live record in one of `statuses` was not attempted since `since`, or changed since. */
export async function liveRecordPendingSince(db: Db, table: LiveRecordTable, workspaceId: string, statuses: readonly SyncStatus[], since: number): Promise<boolean> {
  const row = await db
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('sync_status', 'in', [...statuses])
    .where((eb) => eb.or([eb('last_attempt_at', 'is', null), eb('last_attempt_at', '<', since), eb('updated_at', '>', since)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Whether what records push changed since `since` without an edit to them: a field mapping (of
 * `mappingOf`, or of any type), an owner's link, the deal stage mapping.
 */
export async function pushInputsChangedSince(db: Db, workspaceId: string, since: number, what: { mappingOf?: string; owners?: boolean; stages?: boolean }): Promise<boolean> {
  let mapping = db.selectFrom('field_mappings').select('field').where('workspace_id', '=', workspaceId).where('updated_at', '>', since);
  if (what.mappingOf !== undefined) mapping = mapping.where('object_type', '=', what.mappingOf);
  if (await mapping.limit(1).executeTakeFirst()) return true;
  if (what.owners && (await db.selectFrom('hubspot_owners').select('owner_id').where('workspace_id', '=', workspaceId).where('updated_at', '>', since).limit(1).executeTakeFirst())) return true;
  if (what.stages && (await db.selectFrom('deal_stage_mappings').select('stage').where('workspace_id', '=', workspaceId).where('updated_at', '>', since).limit(1).executeTakeFirst())) return true;
  return false;
}
