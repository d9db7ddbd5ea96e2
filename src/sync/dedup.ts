// Automatic de-duplication (seed 004): the same person created on both sides within the
// workspace's `dedupWindowSeconds` becomes one record, the older canonical.
//
// Where the copies can exist: HubSpot keeps contact emails unique (a create or import with a
// taken email is refused), and hubsync's push upserts contacts by email, so a local customer
// pushed while HubSpot already holds its email links to that contact rather than creating a
// second one; a pull likewise links an unlinked HubSpot contact to an unlinked customer with its
// email (created within the window of each other, the older canonical there too:
// pull/merge.ts `canonicalOnLink`). Two copies therefore only arise locally: a HubSpot contact pulled in (a webhook, a
// poll) and the same email created in hubsync a few seconds apart, whichever came first — the
// later local record reads Duplicate and is never pushed. So the reconcile, before it pushes
// contacts (push-run.ts), looks at every group of live customers sharing an email with one of
// them linked to HubSpot, and merges each unlinked one created within the window of it:
//
// - each record's creation time is its own side's: an unlinked customer's `created_at`; the
//   linked one's the earlier of its `created_at` and its HubSpot contact's `createdate` (read by
//   one batch call), since a pulled-in record is only as young as the HubSpot contact it copies;
// - the oldest is the survivor; the others are merged into it by the record merge
//   (records/record-merge.ts, source `dedup`): references move, the merged record is
//   soft-deleted (restorable), recorded in `record_merges` and the audit trail. A surviving
//   unlinked record takes the link (and its base), so the push then updates that contact;
// - fields keep the canonical record's value, the other's filling only what it lacks.
// Records further apart are left alone: they stay Duplicate for an admin to merge. Nothing is
// written to HubSpot here.
//
// Only recent records are looked at, so a pass costs what changed, not the workspace's size: the
// email groups of customers created or changed since the previous pass started, less the window
// (a record made just before that pass can still pair with one made just after), or — on a
// workspace's first pass — within the window before now. Older pairs were a previous pass's to
// merge; the ones it left stay Duplicate for an admin.
import { SYSTEM_ACTOR } from '../audit/index.js';
import { customerMergeSpec } from '../customers/index.js';
import type { HubSpotClient } from '../hubspot/index.js';
import type { Clock } from '../lib/index.js';
import { mergeRecordsIn, type MergeableRecord, type MergeSide, type RecordMergeSpec } from '../records/index.js';
import type { Db } from '../store/index.js';
import { findLinkedEmailDuplicates, readDedupCheckpoint, saveDedupCheckpoint } from '../store/index.js';
import { onDealLinksMoved } from './deal-values.js';
import { onCustomersChanged } from './status-refresh.js';
import { readSyncSettings } from './sync-settings.js';
import type { WebhookEmitter } from '../webhooks/index.js';

const DEDUP_ACTOR = { ...SYSTEM_ACTOR, label: 'De-duplication' };

/** One record of a same-email group, with its creation time on its own side. */
export interface DedupCandidate {
  id: string;
  hubspotId: string | null;
  createdAt: number;
}

/**
 * The merges one same-email group comes to (pure): the records within `windowMs` of the linked
 * one, merged into the oldest of them. Nothing when the group has no linked record or more than
 * one (two HubSpot contacts: not a creation on both sides), or the window is 0.
 */
export function planGroupDedup(group: readonly DedupCandidate[], windowMs: number): { survivorId: string; otherIds: string[] } | null {
  if (windowMs <= 0) return null;
  const linked = group.filter((c) => c.hubspotId !== null);
  if (linked.length !== 1) return null;
  const anchor = linked[0]!;
  const within = group.filter((c) => c === anchor || (c.hubspotId === null && Math.abs(c.createdAt - anchor.createdAt) <= windowMs));
  if (within.length < 2) return null;
  const ordered = [...within].sort((a, b) => a.createdAt - b.createdAt || (a.hubspotId !== null ? -1 : b.hubspotId !== null ? 1 : a.id < b.id ? -1 : 1));
  return { survivorId: ordered[0]!.id, otherIds: ordered.slice(1).map((c) => c.id) };
}

/** The canonical (surviving) record's value wins; the other's only fills a field it lacks (pure). */
export function canonicalWinner(survivor: MergeableRecord, other: MergeableRecord, field: string): MergeSide {
  const valueOf = (r: MergeableRecord): unknown => (field.startsWith('custom.') ? r.custom[field.slice('custom.'.length)] : (r as unknown as Record<string, unknown>)[field]);
  const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  return empty(valueOf(survivor)) && !empty(valueOf(other)) ? 'other' : 'survivor';
}

export interface DedupDeps {
  db: Db;
  clock: Clock;
  client: HubSpotClient;
  workspaceId: string;
  /** The run's tag: the read is counted on the run. */
  tag: string;
  /** Webhooks out: each merge is told as `record.merged` (source `dedup`). */
  events?: Pick<WebhookEmitter, 'emit'> | undefined;
}

/** Merges the workspace's same-email customers created on both sides within the window (see the header); returns how many were merged away. */
export async function dedupCustomers(deps: DedupDeps): Promise<number> {
  const { db, clock, workspaceId } = deps;
  const { dedupWindowSeconds } = await readSyncSettings(db, workspaceId);
  if (dedupWindowSeconds <= 0) return 0;
  const startedAt = clock.now();
  const windowMs = dedupWindowSeconds * 1000;
  const since = ((await readDedupCheckpoint(db, workspaceId)) ?? startedAt) - windowMs;
  const merged = await dedupSince(deps, since, windowMs);
  // Only a pass that finished moves the checkpoint: a failed one is looked at again whole.
  await saveDedupCheckpoint(db, workspaceId, startedAt);
  return merged;
}

async function dedupSince(deps: DedupDeps, since: number, windowMs: number): Promise<number> {
  const { db, clock, client, workspaceId } = deps;
  const rows = await findLinkedEmailDuplicates(db, workspaceId, since);
  if (rows.length === 0) return 0;
  // The linked records' HubSpot creation times (an id HubSpot no longer answers for keeps its local time).
  const linkedIds = [...new Set(rows.flatMap((r) => (r.hubspot_id ? [r.hubspot_id] : [])))];
  const hubspotCreated = new Map<string, number>();
  for (let i = 0; i < linkedIds.length; i += 100) {
    const read = await client.objects('contacts').batchRead(linkedIds.slice(i, i + 100), { properties: ['createdate'], tag: deps.tag });
    for (const contact of read.results) {
      const at = Date.parse(contact.properties['createdate'] ?? contact.createdAt);
      if (Number.isFinite(at)) hubspotCreated.set(contact.id, at);
    }
  }
  const groups = new Map<string, DedupCandidate[]>();
  for (const row of rows) {
    const hubspotAt = row.hubspot_id ? hubspotCreated.get(row.hubspot_id) : undefined;
    const createdAt = hubspotAt === undefined ? row.created_at : Math.min(row.created_at, hubspotAt);
    groups.set(row.email_lower, [...(groups.get(row.email_lower) ?? []), { id: row.id, hubspotId: row.hubspot_id, createdAt }]);
  }
  // Customer is a mergeable record; the spec is used on customers only.
  const spec = customerMergeSpec as unknown as RecordMergeSpec<MergeableRecord>;
  let merged = 0;
  for (const group of groups.values()) {
    const plan = planGroupDedup(group, windowMs);
    if (!plan) continue;
    await db.transaction().execute(async (trx) => {
      for (const otherId of plan.otherIds) {
        await mergeRecordsIn(trx, { clock, listeners: { records: [onCustomersChanged], customerLinks: [onCustomersChanged], deals: [onDealLinksMoved] }, ...(deps.events ? { events: deps.events } : {}) }, spec, {
          workspaceId,
          survivorId: plan.survivorId,
          otherId,
          winner: canonicalWinner,
          actor: DEDUP_ACTOR,
          source: 'dedup',
        });
        merged++;
      }
    });
  }
  return merged;
}
