// The list query every record type's API answers alike (customers, organizations, deals):
// search text, a tag, sync statuses, changed-since, and keyset paging by id in either order.
// Each repository adds its own columns' filters and maps the rows.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { SyncStatus } from './sync-state.js';

export interface RecordListQuery {
  workspaceId: string;
  /** Matched, lower-cased, anywhere in the row's `search_text`. */
  search?: string | undefined;
  tag?: string | undefined;
  statuses?: SyncStatus[] | undefined;
  updatedSince?: number | undefined;
  sort?: 'created' | '-created' | undefined;
  /** The last id of the previous page. */
  after?: string | undefined;
  limit: number;
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** The row's lower-cased search text: its searchable values joined by spaces. */
export function searchTextOf(values: readonly (string | null)[]): string {
  return values.filter(Boolean).join(' ').toLowerCase();
}

/** The conditions of the shared part of a list query, on a table with the record columns. */
export function recordListConditions(query: RecordListQuery): RawBuilder<SqlBool>[] {
  const where: RawBuilder<SqlBool>[] = [sql<SqlBool>`workspace_id = ${query.workspaceId}`, sql<SqlBool>`deleted_at is null`];
  if (query.search) where.push(sql<SqlBool>`search_text like ${`%${escapeLike(query.search.trim().toLowerCase())}%`} escape '\\'`);
  if (query.tag) where.push(sql<SqlBool>`tags like ${`%${escapeLike(JSON.stringify(query.tag))}%`} escape '\\'`);
  if (query.statuses && query.statuses.length > 0) where.push(sql<SqlBool>`sync_status in (${sql.join(query.statuses)})`);
  if (query.updatedSince !== undefined) where.push(sql<SqlBool>`updated_at >= ${query.updatedSince}`);
  if (query.after) where.push(query.sort === '-created' ? sql<SqlBool>`id < ${query.after}` : sql<SqlBool>`id > ${query.after}`);
  return where;
}

/** The order of a list query's rows (ids grow with creation time). */
export const listOrder = (query: RecordListQuery): 'asc' | 'desc' => (query.sort === '-created' ? 'desc' : 'asc');

/** A page from `limit + 1` rows read: the first `limit`, and whether more follow. */
export function pageOf<Row, T>(rows: Row[], limit: number, map: (row: Row) => T): { items: T[]; hasMore: boolean } {
  return { items: rows.slice(0, limit).map(map), hasMore: rows.length > limit };
}
