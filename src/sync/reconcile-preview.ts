// What a reconcile would do now, without doing it (a dry run: `POST …/sync/reconcile` with
// `{ "dryRun": true }`, `hubsync reconcile --dry-run`). With two-way sync on, the pull reads
// HubSpot as the reconcile's pull would (reads only) and applies what it read inside a
// transaction that is rolled back (PullEngine.preview); the push side is counted from the
// statuses inside that same transaction, so it is what the push would find after the pull —
// local customers the pull links by email are updates, not creates — with the propagated
// deletes waiting to be archived. Nothing is written to
// HubSpot, no local record, checkpoint or run changes, and no run is recorded.
//
// Limits: the pull reads at most PREVIEW_MAX_RECORDS HubSpot records and for at most
// PREVIEW_MAX_MS (`inbound.complete` says whether it read everything; the counts cover what it
// read), and lists at most PREVIEW_MAX_CONFLICTS conflicts (all are counted).
import type { HubSpotGateway } from '../integration/index.js';
import type { Clock } from '../lib/index.js';
import { countPendingArchives, type Db } from '../store/index.js';
import type { PullEngine } from './pull/index.js';
import type { PushEngine } from './push-run.js';
import { pushPlan } from './sync-status.js';

export const PREVIEW_MAX_RECORDS = 10_000;
export const PREVIEW_MAX_MS = 60_000;
export const PREVIEW_MAX_CONFLICTS = 500;

/** The push side of a reconcile, per object type in push order. */
export interface OutboundPreview {
  creates: number;
  updates: number;
  /** Records deleted here whose HubSpot record the run would archive (propagated deletes). */
  deletions: number;
  objects: { objectType: string; creates: number; updates: number; deletions: number; note: string | null }[];
}

/** One field both sides changed differently, and the value that would win. */
export interface ConflictPreview {
  objectType: string;
  recordId: string;
  hubspotId: string;
  field: string;
  localValue: string;
  hubspotValue: string;
  localChangedAt: number;
  hubspotChangedAt: number;
  winner: 'local' | 'hubspot';
  winningValue: string;
}

export interface ReconcilePreview {
  /** The pull side; null when two-way sync is off (a reconcile only pushes). */
  inbound: {
    /** Every HubSpot record the pull would read was read (the counts cover what was). */
    complete: boolean;
    pulled: number;
    creates: number;
    updates: number;
    links: number;
    deletions: number;
    conflicts: number;
    /** HubSpot values that could not be stored locally. */
    problems: number;
  } | null;
  outbound: OutboundPreview;
  /** The conflicts the pull would decide (at most PREVIEW_MAX_CONFLICTS). */
  conflicts: ConflictPreview[];
}

/** What the push would send now, counted from the statuses (in the dry run's transaction when there is one). */
async function outboundOf(db: Db, push: PushEngine, workspaceId: string): Promise<OutboundPreview> {
  const out: OutboundPreview = { creates: 0, updates: 0, deletions: 0, objects: [] };
  for (const { adapter, note } of await push.typesFor(db, workspaceId)) {
    const plan = note === null ? { ...pushPlan(await adapter.countByStatus(db, workspaceId)), deletions: await countPendingArchives(db, workspaceId, adapter.objectType) } : { creates: 0, updates: 0, deletions: 0 };
    out.creates += plan.creates;
    out.updates += plan.updates;
    out.deletions += plan.deletions;
    out.objects.push({ objectType: adapter.objectType, ...plan, note });
  }
  return out;
}

/**
 * What a reconcile of the workspace would do now (see the header): reads HubSpot, changes
 * nothing. Throws what the reconcile would (HUBSPOT_NOT_CONNECTED, credentials refused, HubSpot
 * unreachable).
 */
export async function previewReconcile(deps: { db: Db; clock: Clock; gateway: HubSpotGateway; push: PushEngine; pull: PullEngine }, workspaceId: string): Promise<ReconcilePreview> {
  const { db, clock, gateway, push, pull } = deps;
  await gateway.clientFor(workspaceId); // refused as the reconcile would be when not connected
  const preview = await pull.preview(workspaceId, {
    maxRecords: PREVIEW_MAX_RECORDS,
    until: clock.now() + PREVIEW_MAX_MS,
    maxConflicts: PREVIEW_MAX_CONFLICTS,
    inspect: (trx) => outboundOf(trx, push, workspaceId),
  });
  if (!preview) return { inbound: null, outbound: await outboundOf(db, push, workspaceId), conflicts: [] };
  const { summary, changes } = preview;
  return {
    inbound: {
      complete: preview.complete,
      pulled: summary.pulled,
      creates: changes.created,
      updates: changes.updated,
      links: changes.linked,
      deletions: summary.deletions,
      conflicts: summary.conflicts,
      // A record read twice (the window's overlap) reports its problem twice: counted once.
      problems: new Set(summary.problems.map((p) => `${p.objectType} ${p.hubspotId} ${p.field}`)).size,
    },
    outbound: preview.inspected,
    conflicts: preview.conflicts.map((c) => ({
      objectType: c.object_type,
      recordId: c.record_id,
      hubspotId: c.hubspot_id,
      field: c.field,
      localValue: c.local_value,
      hubspotValue: c.hubspot_value,
      localChangedAt: c.local_changed_at,
      hubspotChangedAt: c.hubspot_changed_at,
      winner: c.winner as 'local' | 'hubspot',
      winningValue: c.winner === 'local' ? c.local_value : c.hubspot_value,
    })),
  };
}
