// Sync state in the database: field mappings, status counts and the status table, sync runs
// and their per-record attempts.
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { SyncAttemptTable, SyncRunObjectTable, SyncRunTable } from './tables.js';
import type { SyncStatus } from './customer.repository.js';
import { countLiveByStatus, findStatusCandidates, inChunks, isPostgres, liveRecordPendingSince, personName, pushInputsChangedSince, rowsTable, workspaceOfJoinedRow, type LiveRecordTable, type RecordLabel, type RecordTable } from './record-rows.js';

/** One field's saved mapping row: its property (null: not synced) and its direction (`both`, `push`, `pull`). */
export interface MappingRow {
  field: string;
  property: string | null;
  direction: string;
}

export async function loadMappingRows(db: Db, workspaceId: string, objectType: string): Promise<MappingRow[]> {
  return db.selectFrom('field_mappings').select(['field', 'property', 'direction']).where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).execute();
}

export async function replaceMapping(db: Db, workspaceId: string, objectType: string, rows: readonly MappingRow[], now: number): Promise<void> {
  await db.deleteFrom('field_mappings').where('workspace_id', '=', workspaceId).where('object_type', '=', objectType).execute();
  if (rows.length === 0) return;
  await db
    .insertInto('field_mappings')
    .values(rows.map((r) => ({ workspace_id: workspaceId, object_type: objectType, field: r.field, property: r.property, direction: r.direction, updated_at: now })))
    .execute();
}

/** How many live customers are in each status. */
export const countByStatus = (db: Db, workspaceId: string) => countLiveByStatus(db, 'customers', workspaceId);

/** Live customers by id (the status refresh's first read). */
export const findCandidatesByIds = (db: Db, workspaceId: string, ids: string[]) => findStatusCandidates(db, 'customers', workspaceId, 'id', ids);
/** Every live customer holding one of the lower-cased emails. */
export const findCandidatesByEmails = (db: Db, workspaceId: string, emails: string[]) => findStatusCandidates(db, 'customers', workspaceId, 'key', emails);


/** Writes current hashes, 200 rows per statement (one `case` over the ids). */
export async function setCurrentHashes(db: Db, updates: { id: string; hash: string }[], table: RecordTable = 'customers'): Promise<void> {
  for (let i = 0; i < updates.length; i += 200) {
    const chunk = updates.slice(i, i + 200);
    const byId = sql<string>`case ${sql.ref('id')} ${sql.join(chunk.map((u) => sql`when ${u.id} then ${u.hash}`), sql` `)} end`;
    await db.updateTable(table).set({ current_hash: byId }).where('id', 'in', chunk.map((u) => u.id)).execute();
  }
}

export async function setStatuses(db: Db, updates: { id: string; status: SyncStatus }[], table: RecordTable = 'customers'): Promise<void> {
  // Group by status so a large refresh is a handful of statements, not one per row.
  const byStatus = new Map<SyncStatus, string[]>();
  for (const u of updates) byStatus.set(u.status, [...(byStatus.get(u.status) ?? []), u.id]);
  for (const [status, ids] of byStatus) {
    for (let i = 0; i < ids.length; i += 500) {
      await db.updateTable(table).set({ sync_status: status }).where('id', 'in', ids.slice(i, i + 500)).execute();
    }
  }
}

/** Records HubSpot's acceptance of pushed values: the link and the hash of what it accepted. */
export async function recordPushSuccess(db: Db, workspaceId: string, id: string, result: { hubspotId: string; hash: string; at: number }): Promise<void> {
  await db
    .updateTable('customers')
    .set({ hubspot_id: result.hubspotId, synced_hash: result.hash, sync_error: null, synced_at: result.at, last_attempt_at: result.at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** A record HubSpot accepted: its link, the hash of what it accepted, and (the pull's base) the properties themselves. */
export interface PushSuccessRow {
  id: string;
  hubspotId: string;
  hash: string;
  properties?: Readonly<Record<string, string>>;
}

/**
 * The one UPDATE that records HubSpot's acceptance of a batch on any record table, 500 rows a
 * statement joined to the batch's values, so recording a batch neither writes each row twice
 * nor reads it back: the link, the accepted hash, no error, the batch's time, and — when given —
 * the properties HubSpot accepted as `synced_values`, the base the pull merges against
 * (src/sync/pull), so a pushed value coming back is recognised. `status` is the table's rule
 * for the status that follows from the row alone (none: the caller recomputes statuses);
 * `returning` what the caller reads back.
 */
async function updatePushSuccesses<O>(
  db: Db,
  table: LiveRecordTable,
  workspaceId: string,
  results: readonly PushSuccessRow[],
  at: number,
  rules: { status?: RawBuilder<string>; returning?: RawBuilder<unknown> } = {},
): Promise<O[]> {
  const out: O[] = [];
  const column = (name: string) => sql.ref(`${table}.${name}`);
  for (let i = 0; i < results.length; i += 500) {
    const chunk = results.slice(i, i + 500);
    const values = rowsTable(db, ['text', 'text', 'text', 'text'], chunk.map((r) => [r.id, r.hubspotId, r.hash, r.properties === undefined ? null : JSON.stringify(r.properties)]));
    const { rows } = await sql<O>`
      update ${sql.table(table)} set hubspot_id = v.column2, synced_hash = v.column3, sync_error = null, synced_at = ${at}, last_attempt_at = ${at},
        synced_values = coalesce(v.column4, ${column('synced_values')})${rules.status ? sql`, sync_status = ${rules.status}` : sql``}
      from ${values}
      where ${column('id')} = v.column1 and ${workspaceOfJoinedRow(table, workspaceId)}${rules.returning ? sql` returning ${rules.returning}` : sql``}`.execute(db);
    out.push(...rows);
  }
  return out;
}

/**
 * Records a batch of customers HubSpot accepted (updatePushSuccesses), each with its new status:
 * No email when the email was removed meanwhile, else Synced when the current hash equals the
 * accepted one, else Needs update — unless another live customer shares the email: who owns it
 * decides Duplicate. Returns the ids of those (rare) rows, whose status the caller recomputes
 * with the whole email group (status-refresh.ts), and of the rows left Needs update (read back
 * by the same statement). Deleted rows keep their status.
 */
export async function recordPushSuccesses(db: Db, workspaceId: string, results: readonly PushSuccessRow[], at: number): Promise<{ shared: string[]; needsUpdate: string[] }> {
  // `shared` is read in the same statement: another live customer of the workspace has the
  // row's email. "Live" is spelled `coalesce(deleted_at, 0) = 0`, not `deleted_at is null`, so
  // the only index that fits is (workspace_id, email_lower): with `is null`, PostgreSQL without
  // statistics (a table just loaded, autovacuum not yet by) took the partial index over live
  // customers and read the whole workspace once per row — minutes of CPU per run.
  const rows = await updatePushSuccesses<{ id: string; status: SyncStatus; shared: boolean | number }>(db, 'customers', workspaceId, results, at, {
    status: sql<string>`case
          when customers.deleted_at is not null then customers.sync_status
          when customers.email_lower is null then 'no_email'
          when customers.current_hash = v.column3 then 'synced'
          else 'needs_update' end`,
    returning: sql`customers.id, customers.sync_status as status, customers.deleted_at is null and exists (
        select 1 from customers other
        where other.workspace_id = customers.workspace_id and other.email_lower = customers.email_lower and other.id <> customers.id and coalesce(other.deleted_at, 0) = 0
      ) as shared`,
  });
  return { shared: rows.filter((row) => row.shared).map((row) => row.id), needsUpdate: rows.filter((row) => row.status === 'needs_update').map((row) => row.id) };
}

/** Records a batch of organizations HubSpot accepted (updatePushSuccesses); their statuses are the caller's (the domain groups decide). */
export async function recordOrganizationPushSuccesses(db: Db, workspaceId: string, results: readonly PushSuccessRow[], at: number): Promise<void> {
  await updatePushSuccesses(db, 'organizations', workspaceId, results, at);
}

/**
 * Records a batch of deals HubSpot accepted (updatePushSuccesses) with the status that follows
 * from the row alone: Synced when its current hash equals the accepted one, else Needs update;
 * deleted rows keep theirs.
 */
export async function recordDealPushSuccesses(db: Db, workspaceId: string, results: readonly PushSuccessRow[], at: number): Promise<void> {
  await updatePushSuccesses(db, 'deals', workspaceId, results, at, {
    status: sql<string>`case
          when deals.deleted_at is not null then deals.sync_status
          when deals.current_hash = v.column3 then 'synced'
          else 'needs_update' end`,
  });
}

/**
 * Records a failed attempt on a record of any pushed table (customers unless `table` says
 * otherwise); `hubspotId`, when given, is the HubSpot record the attempt did reach (kept as the link).
 */
export async function recordPushFailure(
  db: Db,
  workspaceId: string,
  id: string,
  failure: { message: string; at: number; hubspotId?: string },
  table: LiveRecordTable | 'activities' = 'customers',
): Promise<void> {
  await db
    .updateTable(table)
    .set({ sync_error: failure.message, last_attempt_at: failure.at, ...(failure.hubspotId === undefined ? {} : { hubspot_id: failure.hubspotId }) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** Keyset page of ids in the given statuses, for planning and running a push (customers unless `table` says otherwise). */
export async function pageIdsByStatus(
  db: Db,
  workspaceId: string,
  statuses: readonly SyncStatus[],
  after: string | undefined,
  limit: number,
  among?: readonly string[],
  table: LiveRecordTable = 'customers',
): Promise<string[]> {
  if (among?.length === 0) return [];
  let q = db
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('sync_status', 'in', [...statuses]);
  if (after) q = q.where('id', '>', after);
  if (among) q = q.where('id', 'in', [...among]);
  const rows = await q.orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

export async function pageAllIds(db: Db, workspaceId: string, after: string | undefined, limit: number): Promise<string[]> {
  let q = db.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  if (after) q = q.where('id', '>', after);
  return (await q.orderBy('id').limit(limit).execute()).map((r) => r.id);
}

// Runs --------------------------------------------------------------------------------

export type SyncRunRow = SyncRunTable;

/** A run's inbound counts before its pull has read anything (a push-only run keeps them). */
export const NO_INBOUND_COUNTS = Object.freeze({ pulled: 0, pulled_created: 0, pulled_updated: 0, conflicts: 0, deletions: 0 });

/** What one applied page of a run's pull adds to the run (its inbound counts and the API calls it made). */
export type RunInbound = Record<keyof typeof NO_INBOUND_COUNTS | 'api_calls', number>;

/**
 * Adds a page's inbound counts and API calls to a run and beats its heartbeat, in the page's
 * transaction (so the counts are exactly what the committed pages did, whatever stops the
 * pull); reads back whether the run was asked to stop. Undefined when the run is gone.
 */
export async function addRunInbound(db: Db, runId: string, counts: RunInbound, at: number): Promise<{ cancelRequested: boolean } | undefined> {
  const row = await db
    .updateTable('sync_runs')
    .set((eb) => ({
      pulled: eb('pulled', '+', counts.pulled),
      pulled_created: eb('pulled_created', '+', counts.pulled_created),
      pulled_updated: eb('pulled_updated', '+', counts.pulled_updated),
      conflicts: eb('conflicts', '+', counts.conflicts),
      deletions: eb('deletions', '+', counts.deletions),
      api_calls: eb('api_calls', '+', counts.api_calls),
      heartbeat_at: at,
    }))
    .where('id', '=', runId)
    .returning('cancel_requested')
    .executeTakeFirst();
  return row && { cancelRequested: Number(row.cancel_requested) !== 0 };
}

export async function insertRun(db: Db, run: SyncRunRow): Promise<void> {
  await db.insertInto('sync_runs').values(run).execute();
}

export async function findRun(db: Db, workspaceId: string, id: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** A run by id alone, whatever its workspace (a job that names only the run). */
export async function findRunById(db: Db, id: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findRunningRun(db: Db, workspaceId: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'running').executeTakeFirst();
}

export async function updateRun(db: Db, id: string, change: Partial<Omit<SyncRunRow, 'id' | 'workspace_id'>>): Promise<void> {
  await db.updateTable('sync_runs').set(change).where('id', '=', id).execute();
}

/**
 * Writes a run's progress and reads back, in the same statement, whether it was asked to stop
 * and why (`cancel_requested`, `error`); undefined when the run is gone.
 */
export async function saveRunProgress(db: Db, id: string, change: Partial<Omit<SyncRunRow, 'id' | 'workspace_id'>>): Promise<{ cancelRequested: boolean; reason: string | null } | undefined> {
  const row = await db.updateTable('sync_runs').set(change).where('id', '=', id).returning(['cancel_requested', 'error']).executeTakeFirst();
  return row && { cancelRequested: Number(row.cancel_requested) !== 0, reason: row.error };
}

/**
 * Changes a run only while it is still running (and, with `phase`, still in that phase): one
 * statement, so a worker taking a queued run over and a person cancelling it cannot both win.
 * True when the run was changed.
 */
export async function updateRunIfRunning(db: Db, id: string, change: Partial<Omit<SyncRunRow, 'id' | 'workspace_id'>>, phase?: string): Promise<boolean> {
  let q = db.updateTable('sync_runs').set(change).where('id', '=', id).where('status', '=', 'running');
  if (phase !== undefined) q = q.where('phase', '=', phase);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** What a running run is doing (sync_runs.phase); src/sync/push-run.ts describes each phase. */
export type RunPhase = 'queued' | 'pulling' | 'planning' | 'pushing' | 'done';

/**
 * Moves a run to `phase` only while it is still running, writing `change` in the same statement
 * (a take-over's owner, heartbeat and counters). False when the run had ended meanwhile (a
 * queued run cancelled before a worker took it): it is left as it ended.
 *
 * @example if (!(await setRunPhase(db, run.id, 'planning', { owner, heartbeat_at: now }))) return 'ended';
 */
export async function setRunPhase(db: Db, id: string, phase: Exclude<RunPhase, 'done'>, change: Partial<Omit<SyncRunRow, 'id' | 'workspace_id' | 'phase'>> = {}): Promise<boolean> {
  return updateRunIfRunning(db, id, { ...change, phase });
}

export async function listRuns(db: Db, workspaceId: string, before: string | undefined, limit: number): Promise<SyncRunRow[]> {
  let q = db.selectFrom('sync_runs').selectAll().where('workspace_id', '=', workspaceId);
  if (before) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Takes the workspace's write lock for the rest of the transaction (a row lock on PostgreSQL,
 * the database write lock on SQLite), so two Sync now requests decide one after the other.
 */
export async function lockWorkspaceForRunStart(db: Db, workspaceId: string): Promise<void> {
  await db.updateTable('workspaces').set((eb) => ({ id: eb.ref('id') })).where('id', '=', workspaceId).execute();
}

/** The workspace's newest run, whatever its state. */
export async function findLatestRun(db: Db, workspaceId: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/**
 * Whether anything became pushable since `since`: a customer waiting to be pushed that was not
 * attempted since then, or was changed since, or a field mapping or an owner's link changed since
 * (an owner linked, unlinked or archived changes what its users' records push, without an edit).
 */
export async function hasWorkSince(db: Db, workspaceId: string, statuses: readonly SyncStatus[], since: number): Promise<boolean> {
  return (await liveRecordPendingSince(db, 'customers', workspaceId, statuses, since)) || pushInputsChangedSince(db, workspaceId, since, { owners: true });
}

/** Asks the workspace's running run to stop, recording why (it ends `cancelled` with this message). */
export async function requestRunCancel(db: Db, workspaceId: string, reason: string | null): Promise<void> {
  await db.updateTable('sync_runs').set({ cancel_requested: 1, ...(reason === null ? {} : { error: reason }) }).where('workspace_id', '=', workspaceId).where('status', '=', 'running').execute();
}

/** Marks runs whose process is gone as interrupted; returns how many. */
/**
 * Marks as interrupted the running runs whose process is gone. A `queued` run has no process
 * yet (its job waits for a worker; no heartbeat is expected), so it is never touched.
 */
export async function interruptStaleRuns(db: Db, options: { heartbeatBefore: number; orOwnerNot?: string; now: number }): Promise<number> {
  let q = db
    .updateTable('sync_runs')
    .set({ status: 'interrupted', finished_at: options.now, error: 'The process running this sync stopped before it finished; the next run picks up where it left off.' })
    .where('status', '=', 'running')
    .where('phase', '!=', 'queued');
  q = options.orOwnerNot
    ? q.where((eb) => eb.or([eb('heartbeat_at', '<', options.heartbeatBefore), eb('owner', '!=', options.orOwnerNot!)]))
    : q.where('heartbeat_at', '<', options.heartbeatBefore);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Marks one run interrupted if it is still running under the same owner (a run that moved on
 * meanwhile is left alone); returns whether it did.
 */
export async function interruptRun(db: Db, runId: string, owner: string, options: { now: number; error: string }): Promise<boolean> {
  const result = await db
    .updateTable('sync_runs')
    .set({ status: 'interrupted', phase: 'done', finished_at: options.now, error: options.error })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type SyncAttemptRow = SyncAttemptTable;

/** The columns of sync_attempts in the order `insertAttempts` sends them, with their PostgreSQL types. */
const ATTEMPT_COLUMNS = [
  ['id', 'text'],
  ['run_id', 'text'],
  ['workspace_id', 'text'],
  ['object_type', 'text'],
  ['record_id', 'text'],
  ['customer_id', 'text'],
  ['operation', 'text'],
  ['outcome', 'text'],
  ['message', 'text'],
  ['correlation_id', 'text'],
  ['hubspot_id', 'text'],
  ['at', 'bigint'],
  ['direction', 'text'],
  ['record_name', 'text'],
  ['record_email', 'text'],
] as const satisfies readonly (readonly [keyof SyncAttemptRow, 'text' | 'bigint'])[];

/** An attempt's label columns from its record's label (none known: both null). */
export function attemptLabel(label: RecordLabel | undefined): Pick<SyncAttemptRow, 'record_name' | 'record_email'> {
  return { record_name: label?.name ?? null, record_email: label?.email ?? null };
}

/**
 * Inserts attempts, a pushed batch's hundred in one statement: on PostgreSQL from one array per
 * column (rowsTable), so the statement has 15 parameters however many rows it carries. Each
 * carries its record's name and email (`RecordLabel`) as the recorder had the record, so the
 * sync log reads and searches them without joining the record tables, and recording a batch
 * reads nothing back.
 */
export async function insertAttempts(db: Db, attempts: readonly SyncAttemptRow[]): Promise<void> {
  if (attempts.length === 0) return;
  if (!isPostgres(db)) {
    for (let i = 0; i < attempts.length; i += 500) await db.insertInto('sync_attempts').values(attempts.slice(i, i + 500)).execute();
    return;
  }
  const rows = rowsTable(
    db,
    ATTEMPT_COLUMNS.map(([, type]) => type),
    attempts.map((attempt) => ATTEMPT_COLUMNS.map(([name]) => attempt[name])),
  );
  await sql`insert into sync_attempts (${sql.raw(ATTEMPT_COLUMNS.map(([name]) => name).join(', '))})
    select ${sql.raw(ATTEMPT_COLUMNS.map((_, i) => `v.column${i + 1}`).join(', '))} from ${rows}`.execute(db);
}

/**
 * The sync log's label of each of these records of an object type, by id, as they are now: for a
 * recorder that holds only the records' ids (the archives of deleted records).
 */
export async function findRecordLabels(db: Db, objectType: string, ids: readonly string[]): Promise<Map<string, RecordLabel>> {
  const labels = new Map<string, RecordLabel>();
  const unique = [...new Set(ids)];
  if (objectType === 'contacts') {
    const rows = await inChunks(unique, (chunk) => db.selectFrom('customers').select(['id', 'first_name', 'last_name', 'email_lower']).where('id', 'in', chunk).execute());
    for (const c of rows) labels.set(c.id, { name: personName(c.first_name, c.last_name), email: c.email_lower });
  } else if (objectType === 'companies' || objectType === 'deals') {
    const table = objectType === 'companies' ? 'organizations' : 'deals';
    for (const r of await inChunks(unique, (chunk) => db.selectFrom(table).select(['id', 'name']).where('id', 'in', chunk).execute())) labels.set(r.id, { name: r.name, email: null });
  } else if (objectType === 'notes') {
    for (const r of await inChunks(unique, (chunk) => db.selectFrom('activities').select(['id', 'title']).where('id', 'in', chunk).execute())) labels.set(r.id, { name: r.title, email: null });
  }
  return labels;
}

/**
 * A run's push counters as its recorded push attempts say (each batch's attempts are written in
 * the transaction that records its outcomes): what a resumed run carries on from, since the
 * counters on the run row are written after the batch and a crash can come in between. The
 * pull's attempts count in the run's inbound counts instead.
 */
export async function countRunAttempts(db: Db, workspaceId: string, runId: string, objectType?: string): Promise<{ processed: number; created: number; updated: number; failed: number }> {
  let q = db
    .selectFrom('sync_attempts')
    .select(['outcome', 'operation', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId)
    .where('direction', '=', 'push')
    // Propagated deletes count in the run's `deletions` (addRunDeletions), not as pushed records.
    .where('operation', '!=', 'archive');
  if (objectType !== undefined) q = q.where('object_type', '=', objectType);
  const rows = await q.groupBy(['outcome', 'operation']).execute();
  const counts = { processed: 0, created: 0, updated: 0, failed: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    counts.processed += n;
    if (row.outcome !== 'success') counts.failed += n;
    else if (row.operation === 'create') counts.created += n;
    else counts.updated += n;
  }
  return counts;
}

/** Adds records archived in HubSpot to a run's `deletions` (in the transaction that records them). */
export async function addRunDeletions(db: Db, runId: string, count: number): Promise<void> {
  if (count > 0) await db.updateTable('sync_runs').set({ deletions: sql<number>`deletions + ${count}` }).where('id', '=', runId).execute();
}

/** A run's summary per object type (sync_run_objects): planned at its start, counted as each type ends. */
export type SyncRunObjectRow = Selectable<SyncRunObjectTable>;

export async function insertRunObjects(db: Db, rows: readonly SyncRunObjectRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('sync_run_objects').values([...rows]).execute();
}

/**
 * Sets one type's counters of a run from its recorded attempts (the truth, even for a run taken
 * over after its process died); adds the row when the run did not plan the type.
 */
export async function countRunObject(db: Db, workspaceId: string, runId: string, objectType: string): Promise<void> {
  const counts = await countRunAttempts(db, workspaceId, runId, objectType);
  const updated = await db.updateTable('sync_run_objects').set(counts).where('run_id', '=', runId).where('object_type', '=', objectType).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    await insertRunObjects(db, [{ run_id: runId, object_type: objectType, total: counts.processed, skipped: 0, note: null, ...counts }]);
  }
}

export async function listRunObjects(db: Db, runId: string): Promise<SyncRunObjectRow[]> {
  return db.selectFrom('sync_run_objects').selectAll().where('run_id', '=', runId).execute();
}

export async function listAttempts(
  db: Db,
  workspaceId: string,
  runId: string,
  options: { after?: string | undefined; outcome?: string | undefined; direction?: string | undefined; recordId?: string | undefined; limit: number },
): Promise<(SyncAttemptRow & { customer_name: string | null; customer_email: string | null })[]> {
  let q = db
    .selectFrom('sync_attempts')
    .leftJoin('customers', 'customers.id', 'sync_attempts.customer_id')
    .selectAll('sync_attempts')
    .select([sql<string | null>`trim(coalesce(customers.first_name, '') || ' ' || coalesce(customers.last_name, ''))`.as('customer_name'), 'customers.email as customer_email'])
    .where('sync_attempts.workspace_id', '=', workspaceId)
    .where('sync_attempts.run_id', '=', runId);
  if (options.after) q = q.where('sync_attempts.id', '>', options.after);
  if (options.outcome) q = q.where('sync_attempts.outcome', '=', options.outcome);
  if (options.direction) q = q.where('sync_attempts.direction', '=', options.direction);
  if (options.recordId) q = q.where('sync_attempts.record_id', '=', options.recordId);
  return q.orderBy('sync_attempts.id').limit(options.limit).execute();
}

export async function deleteOldSyncLog(db: Db, before: number): Promise<number> {
  const attempts = await db.deleteFrom('sync_attempts').where('at', '<', before).executeTakeFirst();
  await db.deleteFrom('sync_runs').where('finished_at', '<', before).execute();
  return Number(attempts.numDeletedRows);
}
