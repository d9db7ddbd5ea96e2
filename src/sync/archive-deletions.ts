// Propagated deletes (setting `propagateDeletes`): a record linked to HubSpot and deleted locally
// is archived in HubSpot. Durable through the job layer, never inline:
//   1. the change listener queues the archive in `pending_archives` inside the deleting
//      transaction (so a crash loses none) and wakes the workspace's on-change flush;
//   2. a restore (any change that finds the record live again) removes the row in its own
//      transaction: a record restored before its archive ran stays in HubSpot;
//   3. the push engine archives a type's pending deletions at the start of the type in every run
//      — the flush's on-change runs and Sync now alike — 100 per batch-archive call, records each
//      as an `archive` attempt in the sync log, counts them in the run's `deletions` (in the
//      transaction that records them, so a run taken over after a crash counts right), and unlinks
//      the record (its HubSpot id, hash and base are forgotten).
// With the setting off nothing is queued, and HubSpot's record is left alone. Archiving is
// idempotent (HubSpot answers 204 for a record already archived), so a crash between the call
// and its recording archives again, harmlessly. A restore that lands while the call is in flight
// finds its record unlinked: it reads Not synced and the push creates it in HubSpot again.
import { isHubSpotApiError, type HubSpotClient } from '../hubspot/index.js';
import { newId, type Clock } from '../lib/index.js';
import type { RecordChangeListener } from '../records/index.js';
import {
  addRunDeletions,
  attemptLabel,
  cancelArchives,
  deletePendingArchives,
  findLiveIds,
  findRecordLabels,
  inChunks,
  insertAttempts,
  markPending,
  queueArchives,
  readPendingArchives,
  unlinkRecords,
  type Db,
  type PendingArchiveRow,
  type RecordLabel,
  type SyncAttemptRow,
} from '../store/index.js';
import type { ObjectAdapter } from './objects/index.js';
import { BATCH_SIZE } from './push-batch.js';
import { isRunFatal } from './run-fatal.js';
import type { SyncMetrics } from './sync-metrics.js';
import { readSyncSettings } from './sync-settings.js';
import { RECORD_TABLES, type EditableObjectType } from './write-through.js';

/**
 * The change listener of propagated deletes, for one object type's service: queues the archive
 * of each changed record that is deleted and linked (when the workspace propagates deletes),
 * cancels it for each that is live again, and wakes the flush that archives.
 */
export function archiveDeletionsListener(deps: { clock: Clock; wake: (workspaceId: string) => void }, objectType: EditableObjectType): RecordChangeListener {
  const table = RECORD_TABLES[objectType];
  return async (db, workspaceId, ids) => {
    if (ids.length === 0) return;
    const rows = await inChunks(ids, (chunk) => db.selectFrom(table).select(['id', 'hubspot_id', 'deleted_at']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
    await cancelArchives(db, workspaceId, objectType, rows.filter((r) => r.deleted_at === null).map((r) => r.id));
    const deleted = rows.filter((r) => r.deleted_at !== null && r.hubspot_id !== null);
    if (deleted.length === 0 || !(await readSyncSettings(db, workspaceId)).propagateDeletes) return;
    const now = deps.clock.now();
    await queueArchives(db, deleted.map((r) => ({ workspace_id: workspaceId, object_type: objectType, record_id: r.id, hubspot_id: r.hubspot_id!, requested_at: now })));
    deps.wake(workspaceId);
  };
}

/** Whether the type has archives waiting in the workspace. */
export async function hasPendingArchives(db: Db, workspaceId: string, objectType: string): Promise<boolean> {
  return objectType in RECORD_TABLES && (await readPendingArchives(db, workspaceId, objectType, 1)).length > 0;
}

export interface ArchiveContext {
  db: Db;
  clock: Clock;
  client: HubSpotClient;
  workspaceId: string;
  /** The run the archives belong to (its calls are tagged with it, its sync log shows them). */
  runId: string;
  /** Told of the archive attempts recorded. */
  metrics?: SyncMetrics;
}

/**
 * Archives the pending deletions of the adapter's type in HubSpot and records them as attempts of
 * the run; returns how many were archived. Throws what stops a run (credentials refused, HubSpot
 * unreachable after retries): the rows stay for the next run. A refusal of the call itself (which
 * HubSpot gives for ids that cannot be records) is recorded as failed attempts and not retried.
 */
export async function archivePendingDeletions(context: ArchiveContext, adapter: ObjectAdapter): Promise<number> {
  const { db, clock, client, workspaceId, runId } = context;
  const objectType = adapter.objectType;
  if (!(objectType in RECORD_TABLES)) return 0;
  const table = RECORD_TABLES[objectType as EditableObjectType];
  let archived = 0;
  for (;;) {
    const rows = await readPendingArchives(db, workspaceId, objectType, BATCH_SIZE);
    if (rows.length === 0) return archived;
    let refused: string | null = null;
    try {
      await client.objects(objectType).batchArchive(rows.map((r) => r.hubspot_id), { tag: runId });
    } catch (error) {
      if (!isHubSpotApiError(error) || error.retryable || isRunFatal(error)) throw error;
      refused = error.hubspotMessage ?? error.message;
    }
    const at = clock.now();
    let attempts: SyncAttemptRow[] = [];
    await db.transaction().execute(async (trx) => {
      await deletePendingArchives(trx, rows);
      const restored = await findLiveIds(trx, table, workspaceId, rows.map((r) => r.record_id));
      if (refused === null) {
        await unlinkRecords(trx, table, workspaceId, rows.map((r) => r.record_id));
        // Restored while the call was in flight: created in HubSpot again by the next push.
        if (restored.size > 0) {
          await adapter.refreshStatuses(trx, workspaceId, [...restored]);
          await markPending(trx, workspaceId, objectType, [...restored], at);
        }
      }
      // The deleted records are not loaded for their archive: their labels are read here.
      const labels = await findRecordLabels(trx, objectType, rows.map((r) => r.record_id));
      attempts = rows.map((row) => archiveAttempt(context, row, at, refused, restored.has(row.record_id), labels.get(row.record_id)));
      await insertAttempts(trx, attempts);
      if (refused === null) await addRunDeletions(trx, runId, rows.length);
    });
    context.metrics?.recordsSynced(attempts);
    if (refused === null) archived += rows.length;
  }
}

function archiveAttempt(context: ArchiveContext, row: PendingArchiveRow, at: number, refused: string | null, restored: boolean, label: RecordLabel | undefined): SyncAttemptRow {
  return {
    id: newId('att', context.clock),
    run_id: context.runId,
    workspace_id: context.workspaceId,
    object_type: row.object_type,
    record_id: row.record_id,
    customer_id: row.object_type === 'contacts' ? row.record_id : null,
    operation: 'archive',
    outcome: refused === null ? 'success' : 'error',
    message: refused ?? (restored ? 'Restored while its HubSpot record was being archived: the next push creates it again.' : null),
    correlation_id: null,
    hubspot_id: row.hubspot_id,
    at,
    direction: 'push',
    ...attemptLabel(label),
  };
}
