// The duplicates report's queries: live records of a workspace that share a key — customers by
// email (email_lower), phone (phone_key) or name and Company (name_key); organizations by domain
// (domain_key), phone or name. Groups come in (reason, key) order with keyset paging: each
// reason is one GROUP BY over its partial index (migration 024), read from the cursor's key
// on, so a page costs the same at the start of 100,000 customers as at the end.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { inChunks, personName } from './record-rows.js';
import type { SyncStatus } from './sync-state.js';

export const DUPLICATE_REASONS = {
  customers: ['email', 'phone', 'name'],
  organizations: ['domain', 'phone', 'name'],
} as const;
export type DuplicateTable = keyof typeof DUPLICATE_REASONS;
export type DuplicateReason = (typeof DUPLICATE_REASONS)[DuplicateTable][number];

const KEY_COLUMNS: Record<DuplicateReason, 'email_lower' | 'phone_key' | 'name_key' | 'domain_key'> = {
  email: 'email_lower',
  phone: 'phone_key',
  name: 'name_key',
  domain: 'domain_key',
};

/** Where a page starts: after this key of this reason. */
export interface DuplicateCursor {
  reason: DuplicateReason;
  key: string;
}

export interface DuplicateGroupKey {
  reason: DuplicateReason;
  key: string;
  /** How many live records share the key. */
  count: number;
}

/**
 * One page of duplicate groups: the reasons in the order given, each reason's keys in order,
 * starting after `after`. `hasMore` tells whether another group follows.
 */
export async function pageDuplicateGroups(
  db: Db,
  table: DuplicateTable,
  workspaceId: string,
  reasons: readonly DuplicateReason[],
  after: DuplicateCursor | null,
  limit: number,
): Promise<{ groups: DuplicateGroupKey[]; hasMore: boolean }> {
  const groups: DuplicateGroupKey[] = [];
  const start = after ? reasons.indexOf(after.reason) : 0;
  if (start < 0) return { groups, hasMore: false };
  for (const reason of reasons.slice(start)) {
    const want = limit + 1 - groups.length;
    if (want <= 0) break;
    const column = sql.ref(KEY_COLUMNS[reason]);
    const from = after && after.reason === reason ? sql`and ${column} > ${after.key}` : sql``;
    const { rows } = await sql<{ key: string; n: number | string }>`
      select ${column} as key, count(*) as n from ${sql.table(table)}
      where workspace_id = ${workspaceId} and deleted_at is null and ${column} is not null ${from}
      group by ${column} having count(*) > 1
      order by ${column} limit ${want}`.execute(db);
    for (const row of rows) groups.push({ reason, key: row.key, count: Number(row.n) });
  }
  return { groups: groups.slice(0, limit), hasMore: groups.length > limit };
}

/** One record of a group, as the report lists it. */
export interface DuplicateRecordRow {
  id: string;
  key: string;
  name: string | null;
  email: string | null;
  organization: string | null;
  phone: string | null;
  createdAt: number;
  hubspotId: string | null;
  syncStatus: SyncStatus;
}

/** The live records holding each key of one reason, oldest first (by created time, then id). */
export async function recordsOfDuplicateKeys(db: Db, table: DuplicateTable, workspaceId: string, reason: DuplicateReason, keys: readonly string[]): Promise<DuplicateRecordRow[]> {
  const column = KEY_COLUMNS[reason];
  const rows = await inChunks(keys, async (chunk) => {
    if (table === 'customers') {
      const found = await db
        .selectFrom('customers')
        .select(['id', sql<string>`${sql.ref(column)}`.as('key'), 'first_name', 'last_name', 'email', 'company_name', 'phone', 'created_at', 'hubspot_id', 'sync_status'])
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .where(sql<boolean>`${sql.ref(column)} in (${sql.join(chunk)})`)
        .execute();
      return found.map((r) => ({
        id: r.id,
        key: r.key,
        name: personName(r.first_name, r.last_name),
        email: r.email,
        organization: r.company_name,
        phone: r.phone,
        createdAt: r.created_at,
        hubspotId: r.hubspot_id,
        syncStatus: r.sync_status as SyncStatus,
      }));
    }
    const found = await db
      .selectFrom('organizations')
      .select(['id', sql<string>`${sql.ref(column)}`.as('key'), 'name', 'domain', 'phone', 'created_at', 'hubspot_id', 'sync_status'])
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .where(sql<boolean>`${sql.ref(column)} in (${sql.join(chunk)})`)
      .execute();
    return found.map((r) => ({
      id: r.id,
      key: r.key,
      name: r.name,
      email: null,
      organization: r.domain,
      phone: r.phone,
      createdAt: r.created_at,
      hubspotId: r.hubspot_id,
      syncStatus: r.sync_status as SyncStatus,
    }));
  });
  return rows.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
