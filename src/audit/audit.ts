// Records configuration changes in the audit trail. Callers describe the change; this module
// stamps time and id. Details must never contain a secret — pass names and ids, not values.
import type { Clock } from '../lib/index.js';
import { newId } from '../lib/index.js';
import type { AuditEntry, Db } from '../store/index.js';
import { insertAuditEntry } from '../store/index.js';

export type Actor = AuditEntry['actor'];

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'hubsync' };

export async function audit(
  db: Db,
  clock: Clock,
  entry: { workspaceId: string | null; actor: Actor; action: string; target?: { type: string; id: string }; details?: Record<string, unknown> },
): Promise<void> {
  await insertAuditEntry(db, {
    id: newId('aud', clock),
    workspaceId: entry.workspaceId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    details: entry.details ?? {},
    createdAt: clock.now(),
  });
}
