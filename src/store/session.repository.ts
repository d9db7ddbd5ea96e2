// Login sessions and workspace API keys. Only hashes of the secrets are stored.
import type { Db } from './database.js';

export interface SessionRecord {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export async function insertSession(db: Db, session: SessionRecord): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
    })
    .execute();
}

export async function findSession(db: Db, tokenHash: string, now: number): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return (
    row && {
      tokenHash: row.token_hash,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }
  );
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Signs a user out everywhere except the session given (after a password change). */
export async function deleteOtherSessions(db: Db, userId: string, keepTokenHash: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('token_hash', '!=', keepTokenHash).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export async function insertApiKey(db: Db, key: ApiKeyRecord & { keyHash: string }): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      workspace_id: key.workspaceId,
      name: key.name,
      prefix: key.prefix,
      key_hash: key.keyHash,
      created_by: key.createdBy,
      created_at: key.createdAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
}

type ApiKeyRow = {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
};

const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  prefix: row.prefix,
  createdBy: row.created_by,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export async function findActiveApiKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'workspace_id', 'name', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && toApiKey(row);
}

/** How stale `last_used_at` may get: a busy key is written at most once per this interval. */
export const API_KEY_TOUCH_INTERVAL_MS = 60_000;

/**
 * Records that a key was used, unless that was recorded less than a minute ago. The condition is
 * in the UPDATE too, so several processes seeing the same stale value still write once or twice,
 * not once per request.
 */
export async function touchApiKey(db: Db, key: Pick<ApiKeyRecord, 'id' | 'lastUsedAt'>, now: number): Promise<boolean> {
  const staleBefore = now - API_KEY_TOUCH_INTERVAL_MS;
  if (key.lastUsedAt !== null && key.lastUsedAt > staleBefore) return false;
  const result = await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', key.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ends every session of a user (their password was reset by an admin). */
export async function deleteAllSessionsOf(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ListedApiKey extends ApiKeyRecord {
  /** Who created the key, while that account exists. */
  creator: { id: string; email: string; name: string } | null;
}

export async function listApiKeys(db: Db, workspaceId: string): Promise<ListedApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .leftJoin('users', 'users.id', 'api_keys.created_by')
    .select([
      'api_keys.id',
      'api_keys.workspace_id',
      'api_keys.name',
      'api_keys.prefix',
      'api_keys.created_by',
      'api_keys.created_at',
      'api_keys.last_used_at',
      'api_keys.revoked_at',
      'users.email as creator_email',
      'users.name as creator_name',
    ])
    .where('api_keys.workspace_id', '=', workspaceId)
    .orderBy('api_keys.id')
    .execute();
  return rows.map((row) => ({
    ...toApiKey(row),
    creator: row.created_by !== null && row.creator_email !== null ? { id: row.created_by, email: row.creator_email, name: row.creator_name ?? '' } : null,
  }));
}

export async function revokeApiKey(db: Db, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
