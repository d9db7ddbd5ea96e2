// Which of some ids name live records (not deleted) of a workspace, and which users are its
// members: how a link to another record is checked before it is written, so a deal or an
// activity never points at a record of another workspace or one that was deleted.
import type { Db } from './database.js';

export type LinkedTable = 'customers' | 'organizations' | 'deals';

export async function findLiveIds(db: Db, table: LinkedTable, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom(table)
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', unique.slice(i, i + 500))
      .where('deleted_at', 'is', null)
      .execute();
    for (const row of rows) found.add(row.id);
  }
  return found;
}

export async function findMemberIds(db: Db, workspaceId: string, userIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return new Set();
  const rows = await db.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId).where('user_id', 'in', unique).execute();
  return new Set(rows.map((r) => r.user_id));
}
