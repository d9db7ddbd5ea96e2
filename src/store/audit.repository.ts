// The audit trail: who changed which part of a workspace's configuration, and when.
import type { Db } from './database.js';

export interface AuditEntry {
  id: string;
  workspaceId: string | null;
  actor: { type: 'user' | 'api_key' | 'system'; id: string | null; label: string };
  action: string;
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
  createdAt: number;
}

export async function insertAuditEntry(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: entry.id,
      workspace_id: entry.workspaceId,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      actor_label: entry.actor.label,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      details: JSON.stringify(entry.details),
      created_at: entry.createdAt,
    })
    .execute();
}

export interface AuditQuery {
  workspaceId: string;
  action?: string | undefined;
  /** Entries older than this id (cursor pagination, newest first). */
  before?: string | undefined;
  limit: number;
}

export async function listAuditEntries(db: Db, query: AuditQuery): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().where('workspace_id', '=', query.workspaceId);
  if (query.action) q = q.where('action', 'like', `${query.action}%`);
  if (query.before) q = q.where('id', '<', query.before);
  const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    workspaceId: row.workspace_id,
    actor: { type: row.actor_type as AuditEntry['actor']['type'], id: row.actor_id, label: row.actor_label },
    action: row.action,
    target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: row.created_at,
  }));
}
