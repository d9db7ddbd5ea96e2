// The HubSpot connection of each workspace and the one-time OAuth states. Secrets arrive here
// already encrypted; this module never sees a token in clear.
import type { Db } from './database.js';
import type { HubSpotConnectionTable } from './tables.js';

export type ConnectionRow = HubSpotConnectionTable;

export async function findConnection(db: Db, workspaceId: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('hubspot_connections').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** Whether the workspace has a connection it can call HubSpot with (not gone, not waiting for a reconnect). */
export async function hasUsableConnection(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('hubspot_connections').select('status').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row !== undefined && row.status !== 'reconnect_needed';
}

export async function saveConnection(db: Db, row: ConnectionRow): Promise<void> {
  const { workspace_id: _key, ...rest } = row;
  await db
    .insertInto('hubspot_connections')
    .values(row)
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(rest))
    .execute();
}

export async function updateConnection(db: Db, workspaceId: string, change: Partial<Omit<ConnectionRow, 'workspace_id'>>): Promise<void> {
  await db.updateTable('hubspot_connections').set(change).where('workspace_id', '=', workspaceId).execute();
}

export async function deleteConnection(db: Db, workspaceId: string): Promise<void> {
  await db.deleteFrom('hubspot_connections').where('workspace_id', '=', workspaceId).execute();
}

export async function insertOAuthState(db: Db, state: { stateHash: string; workspaceId: string; userId: string; expiresAt: number; authorizationLinkId?: string | null }): Promise<void> {
  await db
    .insertInto('oauth_states')
    .values({ state_hash: state.stateHash, workspace_id: state.workspaceId, user_id: state.userId, expires_at: state.expiresAt, used_at: null, authorization_link_id: state.authorizationLinkId ?? null })
    .execute();
}

/** The authorization link an OAuth state was started from (used or not), if any. */
export async function findOAuthStateLink(db: Db, stateHash: string): Promise<string | null> {
  const row = await db.selectFrom('oauth_states').select('authorization_link_id').where('state_hash', '=', stateHash).executeTakeFirst();
  return row?.authorization_link_id ?? null;
}

/** Marks the state used and returns it, or undefined when unknown, expired or already used. */
export async function consumeOAuthState(db: Db, stateHash: string, now: number): Promise<{ workspaceId: string; userId: string; authorizationLinkId: string | null } | undefined> {
  const result = await db
    .updateTable('oauth_states')
    .set({ used_at: now })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  const row = await db.selectFrom('oauth_states').select(['workspace_id', 'user_id', 'authorization_link_id']).where('state_hash', '=', stateHash).executeTakeFirstOrThrow();
  return { workspaceId: row.workspace_id, userId: row.user_id, authorizationLinkId: row.authorization_link_id };
}
