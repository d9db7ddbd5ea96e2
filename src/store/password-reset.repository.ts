// Password reset links an admin made for a member. The token is a bearer secret shown to the
// admin once; only its SHA-256 is stored. A reset is usable until used, replaced or expired.
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { PasswordResetTable } from './tables.js';

export interface PasswordReset {
  id: string;
  userId: string;
  workspaceId: string;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

const toPasswordReset = (row: Selectable<PasswordResetTable>): PasswordReset => ({
  id: row.id,
  userId: row.user_id,
  workspaceId: row.workspace_id,
  createdBy: row.created_by,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: row.used_at === null ? null : Number(row.used_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
});

export function passwordResetUsable(reset: PasswordReset, now: number): boolean {
  return reset.usedAt === null && reset.revokedAt === null && reset.expiresAt > now;
}

export async function insertPasswordReset(db: Db, reset: PasswordReset & { tokenHash: string }): Promise<void> {
  await db
    .insertInto('password_resets')
    .values({
      id: reset.id,
      user_id: reset.userId,
      workspace_id: reset.workspaceId,
      token_hash: reset.tokenHash,
      created_by: reset.createdBy,
      created_at: reset.createdAt,
      expires_at: reset.expiresAt,
      used_at: null,
      revoked_at: null,
    })
    .execute();
}

export async function findPasswordResetByTokenHash(db: Db, tokenHash: string): Promise<PasswordReset | undefined> {
  const row = await db.selectFrom('password_resets').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toPasswordReset(row);
}

/** Revokes the user's still-usable resets (a new one replaces them: one valid link at a time). */
export async function revokePendingPasswordResets(db: Db, userId: string, now: number): Promise<void> {
  await db.updateTable('password_resets').set({ revoked_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
}

/** Marks a still-usable reset used; false when it was used, replaced or expired meanwhile. */
export async function markPasswordResetUsed(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('password_resets')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
