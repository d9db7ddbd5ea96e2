// The sync log's and the audit trail's search: filtered, newest first, paged by a keyset of
// (time, id) so the millionth page costs what the first does, and read in chunks for exports.
//
// Every search is led by one index of migration 026 (attempt_log_*, audit_log_*): the most
// selective filter given picks it (a record, then an email, a run, an outcome, an object type, a
// direction; else the workspace's), and its tail (at, id) serves the time range, the cursor and
// the order. Left to itself SQLite, which keeps no statistics here, may lead with the index of a
// filter that matches millions of rows (outcome = success), or with the time-only index when a
// time range is given, instead of the one that matches a few (an email): on SQLite the search
// names its index (`indexed by`). PostgreSQL chooses from its statistics.
import { CompiledQuery, SqliteAdapter, sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Db } from './database.js';
import type { Database, SyncAttemptTable } from './tables.js';

/** A position in a log: the time and id of the last row of the page before. */
export interface LogCursor {
  at: number;
  id: string;
}

export interface AttemptFilter {
  workspaceId: string;
  recordId?: string | undefined;
  objectType?: string | undefined;
  /** Compared lower-cased with the customer's email as it was when the attempt was recorded. */
  email?: string | undefined;
  outcome?: 'success' | 'error' | undefined;
  direction?: 'push' | 'pull' | undefined;
  runId?: string | undefined;
  /** Epoch ms, inclusive. */
  from?: number | undefined;
  /** Epoch ms, exclusive. */
  to?: number | undefined;
}

/** One attempt with its run's trigger and API calls. */
export type SyncLogRow = SyncAttemptTable & { run_trigger: string | null; run_api_calls: number | null };

/** The filters that can lead a search, most selective first, with the column each compares. */
const LEADING = [
  ['recordId', 'record_id'],
  ['email', 'record_email'],
  ['runId', 'run_id'],
  ['outcome', 'outcome'],
  ['objectType', 'object_type'],
  ['direction', 'direction'],
] as const;

/** The index of migration 026 each leading filter ranges over. */
const LEADING_INDEX: Record<(typeof LEADING)[number][0], string> = {
  recordId: 'attempt_log_record',
  email: 'attempt_log_email',
  runId: 'attempt_log_run',
  outcome: 'attempt_log_outcome',
  objectType: 'attempt_log_type',
  direction: 'attempt_log_direction',
};

type AttemptsEb = ExpressionBuilder<Database & { a: SyncAttemptTable }, 'a'>;

function attemptConditions(eb: AttemptsEb, filter: AttemptFilter, after: LogCursor | undefined): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('a.workspace_id', '=', filter.workspaceId)];
  let led = false;
  for (const [key, column] of LEADING) {
    const raw = filter[key];
    if (raw === undefined) continue;
    const value = key === 'email' ? raw.trim().toLowerCase() : raw;
    conditions.push(led ? eb(sql<string>`${sql.ref(`a.${column}`)} || ''`, '=', value) : eb(`a.${column}`, '=', value));
    led = true;
  }
  if (filter.from !== undefined) conditions.push(eb('a.at', '>=', filter.from));
  if (filter.to !== undefined) conditions.push(eb('a.at', '<', filter.to));
  if (after) conditions.push(eb(eb.refTuple('a.at', 'a.id'), '<', eb.tuple(after.at, after.id)));
  return eb.and(conditions);
}

/**
 * A page of the sync log, newest first: the attempts matching `filter` after `cursor`.
 *
 * @example const page = await searchAttempts(db, { workspaceId, email: 'ada@example.com', outcome: 'error' }, { limit: 51 });
 */
export async function searchAttempts(db: Db, filter: AttemptFilter, page: { after?: LogCursor | undefined; limit: number }): Promise<SyncLogRow[]> {
  return (await db.executeQuery<SyncLogRow>(attemptSearchQuery(db, filter, page))).rows;
}

/** The statement searchAttempts runs (exported for the plan checks). */
export function attemptSearchQuery(db: Db, filter: AttemptFilter, page: { after?: LogCursor | undefined; limit: number }): CompiledQuery<SyncLogRow> {
  const compiled = db
    .selectFrom('sync_attempts as a')
    .leftJoin('sync_runs as r', 'r.id', 'a.run_id')
    .selectAll('a')
    .select(['r.trigger as run_trigger', 'r.api_calls as run_api_calls'])
    .where((eb) => attemptConditions(eb as unknown as AttemptsEb, filter, page.after))
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(page.limit)
    .compile();
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return compiled;
  const leading = LEADING.find(([key]) => filter[key] !== undefined);
  return CompiledQuery.raw(compiled.sql.replace('from "sync_attempts" as "a"', `from "sync_attempts" as "a" indexed by ${leading ? LEADING_INDEX[leading[0]] : 'attempt_log_at'}`), [...compiled.parameters]) as CompiledQuery<SyncLogRow>;
}

/**
 * Every attempt matching `filter`, newest first, in chunks of `chunk` rows read one keyset page
 * at a time (an export holds one chunk in memory, however long the log).
 */
export async function* streamAttempts(db: Db, filter: AttemptFilter, chunk = 1000): AsyncGenerator<SyncLogRow[]> {
  let after: LogCursor | undefined;
  for (;;) {
    const rows = await searchAttempts(db, filter, { after, limit: chunk });
    if (rows.length > 0) yield rows;
    if (rows.length < chunk) return;
    const last = rows.at(-1)!;
    after = { at: last.at, id: last.id };
  }
}

// Audit trail ---------------------------------------------------------------------------

export interface AuditFilter {
  workspaceId: string;
  /** An action, or the start of one (`api_key.` for every API key change). */
  action?: string | undefined;
  actorId?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

export type AuditLogRow = Database['audit_log'];

type AuditEb = ExpressionBuilder<Database & { l: AuditLogRow }, 'l'>;

function auditConditions(eb: AuditEb, filter: AuditFilter, after: LogCursor | undefined): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('l.workspace_id', '=', filter.workspaceId)];
  // A target leads (audit_log_target), else an actor (audit_log_actor), else the workspace's
  // time order (audit_log_at); an action prefix is checked on the rows the index yields.
  if (filter.targetType !== undefined) conditions.push(eb('l.target_type', '=', filter.targetType));
  if (filter.targetId !== undefined) conditions.push(eb('l.target_id', '=', filter.targetId));
  if (filter.actorId !== undefined) {
    const led = filter.targetType !== undefined;
    conditions.push(led ? eb(sql<string>`coalesce(l.actor_id, '') || ''`, '=', filter.actorId) : eb('l.actor_id', '=', filter.actorId));
  }
  if (filter.action) conditions.push(sql<SqlBool>`l.action like ${`${filter.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`);
  if (filter.from !== undefined) conditions.push(eb('l.created_at', '>=', filter.from));
  if (filter.to !== undefined) conditions.push(eb('l.created_at', '<', filter.to));
  if (after) conditions.push(eb(eb.refTuple('l.created_at', 'l.id'), '<', eb.tuple(after.at, after.id)));
  return eb.and(conditions);
}

/** A page of the audit trail, newest first, after `cursor` (created_at, id). */
export async function searchAuditLog(db: Db, filter: AuditFilter, page: { after?: LogCursor | undefined; limit: number }): Promise<AuditLogRow[]> {
  return db
    .selectFrom('audit_log as l')
    .selectAll('l')
    .where((eb) => auditConditions(eb as unknown as AuditEb, filter, page.after))
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(page.limit)
    .execute();
}

/** Every audit entry matching `filter`, newest first, in keyset chunks (for exports). */
export async function* streamAuditLog(db: Db, filter: AuditFilter, chunk = 1000): AsyncGenerator<AuditLogRow[]> {
  let after: LogCursor | undefined;
  for (;;) {
    const rows = await searchAuditLog(db, filter, { after, limit: chunk });
    if (rows.length > 0) yield rows;
    if (rows.length < chunk) return;
    const last = rows.at(-1)!;
    after = { at: last.created_at, id: last.id };
  }
}
