// Authorization links (migration 030): single-use links an admin passes to whoever holds the
// HubSpot account. The token is a bearer secret shown once; only its SHA-256 is stored. A link
// is active until used, revoked or expired.
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { AuthorizationLinkTable } from './tables.js';

export type AuthorizationLinkStatus = 'active' | 'used' | 'revoked' | 'expired';

export interface AuthorizationLink {
  id: string;
  workspaceId: string;
  createdBy: string | null;
  createdByLabel: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
  /** What the approval connected (set when used). */
  portalId: number | null;
  connectedBy: string | null;
}

const toLink = (row: Selectable<AuthorizationLinkTable>): AuthorizationLink => ({
  id: row.id,
  workspaceId: row.workspace_id,
  createdBy: row.created_by,
  createdByLabel: row.created_by_label,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: row.used_at === null ? null : Number(row.used_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  portalId: row.portal_id === null ? null : Number(row.portal_id),
  connectedBy: row.connected_by,
});

export function authorizationLinkStatus(link: AuthorizationLink, now: number): AuthorizationLinkStatus {
  if (link.usedAt !== null) return 'used';
  if (link.revokedAt !== null) return 'revoked';
  return link.expiresAt <= now ? 'expired' : 'active';
}

export async function insertAuthorizationLink(db: Db, link: AuthorizationLink & { tokenHash: string }): Promise<void> {
  await db
    .insertInto('authorization_links')
    .values({
      id: link.id,
      workspace_id: link.workspaceId,
      token_hash: link.tokenHash,
      created_by: link.createdBy,
      created_by_label: link.createdByLabel,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
      used_at: null,
      revoked_at: null,
      portal_id: null,
      connected_by: null,
    })
    .execute();
}

export async function findAuthorizationLinkByTokenHash(db: Db, tokenHash: string): Promise<AuthorizationLink | undefined> {
  const row = await db.selectFrom('authorization_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toLink(row);
}

export async function findAuthorizationLink(db: Db, id: string, workspaceId?: string): Promise<AuthorizationLink | undefined> {
  let query = db.selectFrom('authorization_links').selectAll().where('id', '=', id);
  if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
  const row = await query.executeTakeFirst();
  return row && toLink(row);
}

/** The workspace's links, newest first. */
export async function listAuthorizationLinks(db: Db, workspaceId: string): Promise<AuthorizationLink[]> {
  const rows = await db.selectFrom('authorization_links').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute();
  return rows.map(toLink);
}

/** Revokes a link not yet used or revoked; false when there was nothing to revoke. */
export async function revokeAuthorizationLinkRow(db: Db, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('authorization_links')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Marks a still-active link used with what it connected; false when it was used, revoked or
 * expired meanwhile (two approvals racing: only one wins).
 */
export async function markAuthorizationLinkUsed(db: Db, id: string, now: number, result: { portalId: number; connectedBy: string | null }): Promise<boolean> {
  const updated = await db
    .updateTable('authorization_links')
    .set({ used_at: now, portal_id: result.portalId, connected_by: result.connectedBy })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}
