// Merges made in HubSpot (contacts and companies), applied locally. HubSpot's merge gives the
// merged record a new id; the old ids keep resolving to it (a read by an old id answers with the
// new id) and are listed in its `hs_merged_object_ids`. So whatever brings the merged record in —
// the incremental search, the initial listing, a webhook's read by id (a `contact.merge` /
// `company.merge` event is read as a change of its `newObjectId`) — carries the ids it replaced,
// and this module, run at the start of each page's apply (./record-pull.ts), makes the local
// records linked to those ids one record linked to the new id, before the page is merged:
//
// - survivor: the record linked to the primary (HubSpot's merge keeps the primary's values, so
//   it is the one whose key — email, domain — the merged record holds), else the oldest;
// - each other record is merged into it by the record merge (records/record-merge.ts): its
//   references move, it is soft-deleted and recorded (source `hubspot`, restorable by an admin),
//   and the audit trail names both. A field keeps the survivor's value unless the survivor has
//   none, or the other record changed it locally since it was last synced (an edit waiting to be
//   pushed) and after the survivor's: that edit is applied to the survivor and pushed, not lost;
// - the survivor is linked to the new id (a lone record linked to an old id just follows it).
// Each merge is told to the host app as a `record.merged` webhook-out event (source `hubspot`),
// recorded in the page's transaction like a local merge's.
// Nothing is written to HubSpot here. Applying a merge twice finds one record and changes nothing.
import { SYSTEM_ACTOR } from '../../audit/index.js';
import { customerMergeSpec } from '../../customers/index.js';
import { organizationMergeSpec } from '../../crm/organization-merge.js';
import type { CrmObject } from '../../hubspot/index.js';
import type { Clock } from '../../lib/index.js';
import { mergeRecordsIn, type MergeableRecord, type MergeSide, type RecordChangeListener, type RecordMergeSpec } from '../../records/index.js';
import type { Db, RecordTable } from '../../store/index.js';
import type { WebhookEmitter } from '../../webhooks/index.js';
import { findLiveByHubSpotIds, relinkSurvivor } from '../../store/index.js';
import { onOrganizationsChanged } from '../organization-status.js';
import { onCustomersChanged } from '../status-refresh.js';

export const MERGED_IDS_PROPERTY = 'hs_merged_object_ids';

const HUBSPOT_MERGE_ACTOR = { ...SYSTEM_ACTOR, label: 'HubSpot merge' };

/** One merged HubSpot record: its id now and the ids it replaced. */
export interface HubSpotMerge {
  newId: string;
  mergedIds: string[];
  /** The merge's primary record, when known (a webhook names it). */
  primaryId?: string;
  /** The merged record's key (lower-cased email, normalized domain): the primary's, whose values won. */
  key: string | null;
}

/** The ids a pulled record replaced (`hs_merged_object_ids`, `;`-separated), without its own. */
export function mergedIdsOf(record: CrmObject): string[] {
  const raw = record.properties[MERGED_IDS_PROPERTY] ?? '';
  return [...new Set(raw.split(';').map((id) => id.trim()).filter((id) => id !== '' && id !== record.id))];
}

/**
 * Which side a field of a HubSpot merge keeps (pure): the survivor's, unless it has none, or the
 * other record holds a local edit not yet synced that is newer than the survivor's value.
 */
export function hubspotMergeWinner(survivor: MergeableRecord, other: MergeableRecord, field: string): MergeSide {
  const valueOf = (r: MergeableRecord): unknown => (field.startsWith('custom.') ? r.custom[field.slice(7)] : (r as unknown as Record<string, unknown>)[field]);
  const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  if (empty(valueOf(other))) return 'survivor';
  if (empty(valueOf(survivor))) return 'other';
  const otherChanged = other.fieldUpdatedAt[field] ?? 0;
  const unsynced = otherChanged > (other.sync.syncedAt ?? 0);
  return unsynced && otherChanged > (survivor.fieldUpdatedAt[field] ?? 0) ? 'other' : 'survivor';
}

const SPECS = { customers: customerMergeSpec, organizations: organizationMergeSpec } as const;

/** The status listeners a merge found in HubSpot tells (the pull pushes nothing itself; statuses stay true). */
const LISTENERS: Record<RecordTable, RecordChangeListener> = { customers: onCustomersChanged, organizations: onOrganizationsChanged };

/**
 * Applies HubSpot's merges to the workspace's `table` inside the page's transaction (see the
 * header); returns how many local records were merged away. `events` records `record.merged`.
 */
export async function applyHubSpotMerges(
  db: Db,
  clock: Clock,
  workspaceId: string,
  table: RecordTable,
  merges: readonly HubSpotMerge[],
  events?: Pick<WebhookEmitter, 'emit'>,
): Promise<number> {
  let mergedAway = 0;
  // Customer and Organization are both mergeable records; the spec is used on them only.
  const spec = SPECS[table] as unknown as RecordMergeSpec<MergeableRecord>;
  for (const merge of merges) {
    const ids = [merge.newId, ...merge.mergedIds, ...(merge.primaryId ? [merge.primaryId] : [])];
    const linked = await findLiveByHubSpotIds(db, table, workspaceId, ids);
    if (linked.length === 0) continue;
    if (linked.length === 1) {
      if (linked[0]!.hubspot_id !== merge.newId) await relinkSurvivor(db, table, workspaceId, linked[0]!.id, merge.newId);
      continue;
    }
    const records = (await Promise.all(linked.map((l) => spec.find(db, workspaceId, l.id)))).filter((r) => r !== undefined);
    const keyOf = (r: MergeableRecord) => spec.duplicateKey(r);
    const oldest = [...records].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const survivor =
      oldest.find((r) => merge.primaryId !== undefined && r.sync.hubspotId === merge.primaryId) ??
      oldest.find((r) => r.sync.hubspotId === merge.newId) ??
      oldest.find((r) => merge.key !== null && keyOf(r) === merge.key) ??
      oldest[0]!;
    for (const other of oldest.filter((r) => r.id !== survivor.id)) {
      await mergeRecordsIn(db, { clock, listeners: { records: [LISTENERS[table]], customerLinks: [onCustomersChanged], deals: [] }, ...(events ? { events } : {}) }, spec, {
        workspaceId,
        survivorId: survivor.id,
        otherId: other.id,
        winner: hubspotMergeWinner,
        actor: HUBSPOT_MERGE_ACTOR,
        source: 'hubspot',
        hubspotId: merge.newId,
      });
      mergedAway++;
    }
  }
  return mergedAway;
}
