// HubSpot's owners of a workspace's portal as last read (migration 011), and which local user
// each one is. The link is one-to-one within a workspace (a partial unique index).
import type { Db } from './database.js';

export interface OwnerRecord {
  ownerId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  hubspotUserId: string | null;
  archived: boolean;
  userId: string | null;
}

/** What one read of HubSpot's owners says about an owner. */
export type OwnerRead = Omit<OwnerRecord, 'userId'>;

export async function listOwners(db: Db, workspaceId: string): Promise<OwnerRecord[]> {
  const rows = await db.selectFrom('hubspot_owners').selectAll().where('workspace_id', '=', workspaceId).orderBy('archived').orderBy('email_lower').orderBy('owner_id').execute();
  return rows.map((row) => ({
    ownerId: row.owner_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    hubspotUserId: row.hubspot_user_id,
    archived: row.archived === 1,
    userId: row.user_id,
  }));
}

/**
 * Stores a complete read of the portal's owners: each one inserted or refreshed (its link to a
 * local user kept), and every stored owner the read no longer lists marked archived.
 */
export async function saveOwnersRead(db: Db, workspaceId: string, owners: readonly OwnerRead[], now: number): Promise<void> {
  for (const owner of owners) {
    const values = {
      email: owner.email,
      email_lower: owner.email?.toLowerCase() ?? null,
      first_name: owner.firstName,
      last_name: owner.lastName,
      hubspot_user_id: owner.hubspotUserId,
      archived: owner.archived ? 1 : 0,
      read_at: now,
      updated_at: now,
    };
    await db
      .insertInto('hubspot_owners')
      .values({ workspace_id: workspaceId, owner_id: owner.ownerId, user_id: null, ...values })
      .onConflict((oc) => oc.columns(['workspace_id', 'owner_id']).doUpdateSet(values))
      .execute();
  }
  let gone = db.updateTable('hubspot_owners').set({ archived: 1, updated_at: now }).where('workspace_id', '=', workspaceId).where('archived', '=', 0);
  if (owners.length > 0) gone = gone.where('owner_id', 'not in', owners.map((o) => o.ownerId));
  await gone.execute();
}

/** Links `ownerId` to `userId` (taking the user away from any other owner), or unlinks it. */
export async function linkOwner(db: Db, workspaceId: string, ownerId: string, userId: string | null, now: number): Promise<void> {
  if (userId !== null) {
    await db.updateTable('hubspot_owners').set({ user_id: null, updated_at: now }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).where('owner_id', '!=', ownerId).execute();
  }
  await db.updateTable('hubspot_owners').set({ user_id: userId, updated_at: now }).where('workspace_id', '=', workspaceId).where('owner_id', '=', ownerId).execute();
}

/** The HubSpot owner linked to each of these users, whether or not HubSpot still lists it. */
export async function ownersOfUsers(db: Db, workspaceId: string, userIds: readonly string[]): Promise<Map<string, { ownerId: string; archived: boolean }>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('hubspot_owners')
    .select(['user_id', 'owner_id', 'archived'])
    .where('workspace_id', '=', workspaceId)
    .where('user_id', 'in', [...new Set(userIds)])
    .execute();
  return new Map(rows.map((row) => [row.user_id!, { ownerId: row.owner_id, archived: row.archived === 1 }]));
}
