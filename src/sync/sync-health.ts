// Sync health for the Connection tab (F16): one state a person can act on, the last run, when
// the next scheduled reconcile starts, and how many changed or deleted records wait to be pushed. The state comes from the connection first (a
// refused token or an exhausted daily limit explains everything after it), then from the last
// finished run.
import { countPending, countWaitingArchives, type Db, type SyncRunRow } from '../store/index.js';
import type { RunStatus } from './run-types.js';
import type { RunTrigger } from './run-trigger.js';
import { readSyncSettings, syncSettingsView } from './sync-settings.js';

export type HealthState = 'not_connected' | 'connected' | 'token_invalid' | 'rate_limited' | 'failing';

export interface SyncHealth {
  state: HealthState;
  /** Why the state is not `connected`: HubSpot's message or the last run's error. */
  lastError: string | null;
  lastRun: { id: string; status: RunStatus; trigger: RunTrigger; startedAt: string; finishedAt: string | null } | null;
  /** ISO time of the next scheduled reconcile; null when the schedule is off or HubSpot is not connected. */
  nextReconcileAt: string | null;
  /**
   * Distinct records waiting to be pushed: changed records in the pending-changes set (for the
   * on-change push) and deleted ones whose archive in HubSpot waits (propagated deletes), each once.
   */
  pendingChanges: number;
}

/** The connection as the gateway reports it (status as in ConnectionView). */
export interface ConnectionState {
  status: string;
  lastError: string | null;
  scopes?: readonly string[];
}

/** Pure: the health state from the connection and the last finished run. */
export function healthState(connection: ConnectionState, lastFinished: Pick<SyncRunRow, 'status' | 'error'> | undefined): { state: HealthState; lastError: string | null } {
  switch (connection.status) {
    case 'not_connected':
      return { state: 'not_connected', lastError: null };
    case 'token_invalid':
    case 'reconnect_needed':
    case 'missing_scopes':
      return { state: 'token_invalid', lastError: connection.lastError };
    case 'rate_limited':
      return { state: 'rate_limited', lastError: connection.lastError ?? lastFinished?.error ?? null };
  }
  if (lastFinished?.status === 'failed') return { state: 'failing', lastError: lastFinished.error };
  return { state: 'connected', lastError: null };
}

async function latestRun(db: Db, workspaceId: string, finishedOnly: boolean): Promise<SyncRunRow | undefined> {
  let q = db.selectFrom('sync_runs').selectAll().where('workspace_id', '=', workspaceId);
  if (finishedOnly) q = q.where('status', '!=', 'running');
  return q.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function syncHealth(db: Db, workspaceId: string, connection: ConnectionState, now: number): Promise<SyncHealth> {
  const [last, lastFinished, changes, archives] = await Promise.all([
    latestRun(db, workspaceId, false),
    latestRun(db, workspaceId, true),
    countPending(db, workspaceId),
    countWaitingArchives(db, workspaceId),
  ]);
  const settings = await readSyncSettings(db, workspaceId);
  const view = syncSettingsView(settings, workspaceId, { now, grantedScopes: connection.status === 'not_connected' ? null : (connection.scopes ?? []) });
  return {
    ...healthState(connection, lastFinished),
    lastRun: last
      ? {
          id: last.id,
          status: last.status as RunStatus,
          trigger: last.trigger as RunTrigger,
          startedAt: new Date(last.started_at).toISOString(),
          finishedAt: last.finished_at === null ? null : new Date(last.finished_at).toISOString(),
        }
      : null,
    nextReconcileAt: view.nextReconcileAt,
    pendingChanges: changes + archives,
  };
}
