// Records deleted in HubSpot, for two-way workspaces. HubSpot's archiving does not change a
// record's modification time, so the incremental pull never sees it; deletions are learnt from
// `*.deletion` webhooks (./webhook-pull.ts: the record reads as not found) and from the
// listing of archived records that each pull makes (checkArchived, at most once per poll
// interval, applying only what was archived since the last complete listing).
//
// A local record linked to a deleted HubSpot record is unlinked: no HubSpot id, no accepted
// hash, no merge base — it reads as a record never pushed (Not synced, or No email /
// Duplicate), and the next push creates or matches it again. With the workspace's
// `archiveOnHubSpotDelete` setting it is soft-deleted instead (it keeps the link, so a pull of
// that HubSpot record later leaves it deleted). A local record never disappears otherwise.
// Both are written through the store, not the record services: no change listener runs, so
// nothing is pushed back or archived in HubSpot because of it.
import type { CallOptions, HubSpotClient, ObjectType } from '../../hubspot/index.js';
import type { Clock } from '../../lib/index.js';
import type { ArchiveCheckRow, Db, LiveRecordTable } from '../../store/index.js';
import { findArchiveCheck, findLinkedRecords, listOrganizationCustomerIds, markRecordDeleted, saveArchiveCheck, unlinkRecords } from '../../store/index.js';
import { adapterFor } from '../objects/index.js';
import { onCustomersChanged, refreshRecordStatuses } from '../status-refresh.js';
import { readSyncSettings } from '../sync-settings.js';
import { stampOf } from './pull-adapter.js';

/** The local table of each object type a deletion can concern. */
const TABLES: Readonly<Record<string, LiveRecordTable>> = { contacts: 'customers', companies: 'organizations', deals: 'deals' };

/** Archived records are listed 100 a page (HubSpot's maximum). */
export const ARCHIVED_PAGE_SIZE = 100;
/**
 * A record archived this long before the last complete listing began still counts as new:
 * HubSpot's `archivedAt` and this process's clock are different clocks. Applying a deletion
 * twice changes nothing (the record is no longer linked).
 */
export const ARCHIVE_SKEW_MS = 60_000;

/**
 * HubSpot no longer has these records: each live local record linked to one is unlinked, or
 * soft-deleted when `archive` (the workspace's `archiveOnHubSpotDelete`), and the statuses that
 * depend on it are recomputed. Runs in the caller's transaction. Returns how many local records
 * it changed (ids nothing is linked to count nothing).
 */
export async function applyHubSpotDeletions(db: Db, workspaceId: string, objectType: string, hubspotIds: readonly string[], options: { archive: boolean; at: number }): Promise<number> {
  const table = TABLES[objectType];
  if (!table || hubspotIds.length === 0) return 0;
  const linked = await findLinkedRecords(db, table, workspaceId, hubspotIds);
  if (linked.length === 0) return 0;
  const ids = linked.map((r) => r.id);
  if (!options.archive) {
    await unlinkRecords(db, table, workspaceId, ids);
    // The record's own key is unchanged, so the type's refresh also reaches whoever shares it.
    await adapterFor(objectType).refreshStatuses(db, workspaceId, ids);
    return ids.length;
  }
  const members = table === 'organizations' ? (await Promise.all(ids.map((id) => listOrganizationCustomerIds(db, workspaceId, id)))).flat() : [];
  for (const id of ids) await markRecordDeleted(db, table, workspaceId, id, options.at);
  // As a local delete does: whoever shared the deleted records' keys may own them now, and an
  // organization's members no longer carry its association.
  const keys = linked.flatMap((r) => (r.key === null ? [] : [r.key]));
  if (table === 'customers') await refreshRecordStatuses(db, table, workspaceId, [], keys, true);
  if (table === 'organizations') {
    await refreshRecordStatuses(db, table, workspaceId, [], keys, false);
    if (members.length > 0) await onCustomersChanged(db, workspaceId, [...new Set(members)]);
  }
  return ids.length;
}

/** Which of these HubSpot ids a live local record of the type is linked to. */
export async function linkedHubSpotIds(db: Db, workspaceId: string, objectType: string, hubspotIds: readonly string[]): Promise<Set<string>> {
  const table = TABLES[objectType];
  if (!table || hubspotIds.length === 0) return new Set();
  return new Set((await findLinkedRecords(db, table, workspaceId, hubspotIds)).map((r) => r.hubspotId));
}

export interface ArchiveCheckOptions {
  /** Asked between pages: true stops the listing there (it resumes from its cursor next time). */
  shouldPause?: () => boolean;
  pageSize?: number;
  /** Options of the listing's calls (a run's tag, a dry run's priority). */
  call?: CallOptions;
  /** In each page's transaction, once its deletions were applied (a run counts them). */
  onApplied?: (db: Db, deletions: number) => Promise<void>;
  /** A dry run: each page's ids to delete are handed over instead; nothing is applied or stored. */
  collect?: (hubspotIds: readonly string[]) => void;
}

/**
 * Lists the type's archived HubSpot records and applies the deletions of those archived since
 * the last complete listing began (all of them the first time), a page per transaction with the
 * listing's cursor, so a listing stopped anywhere resumes. A listing begins at most once per
 * poll interval after the last one ended. Returns the local records changed and whether it
 * paused with more to read.
 */
export async function checkArchived(
  deps: { db: Db; clock: Clock },
  client: HubSpotClient,
  workspaceId: string,
  objectType: ObjectType,
  options: ArchiveCheckOptions = {},
): Promise<{ deletions: number; paused: boolean }> {
  const { db, clock } = deps;
  const settings = await readSyncSettings(db, workspaceId);
  let check: ArchiveCheckRow = (await findArchiveCheck(db, workspaceId, objectType)) ?? { workspace_id: workspaceId, object_type: objectType, checked_at: 0, listing_started_at: null, after_cursor: null };
  if (check.listing_started_at === null) {
    if (check.checked_at > 0 && clock.now() - check.checked_at < settings.pollIntervalMinutes * 60_000) return { deletions: 0, paused: false };
    check = { ...check, listing_started_at: clock.now(), after_cursor: null };
    if (!options.collect) await saveArchiveCheck(db, check);
  }
  const since = check.checked_at === 0 ? 0 : check.checked_at - ARCHIVE_SKEW_MS;
  let deletions = 0;
  for (;;) {
    if (options.shouldPause?.()) return { deletions, paused: true };
    const page = await client.objects(objectType).list({
      archived: true,
      limit: options.pageSize ?? ARCHIVED_PAGE_SIZE,
      properties: ['hs_object_id'],
      ...options.call,
      ...(check.after_cursor === null ? {} : { after: check.after_cursor }),
    });
    const gone = page.results.filter((r) => stampOf(r.archivedAt) >= since).map((r) => r.id);
    const after = page.paging?.next?.after;
    // The listing's start becomes the mark once it read to the end: what is archived from then on is new next time.
    const next: ArchiveCheckRow = after === undefined ? { ...check, checked_at: check.listing_started_at!, listing_started_at: null, after_cursor: null } : { ...check, after_cursor: after };
    if (options.collect) options.collect(gone);
    else {
      deletions += await db.transaction().execute(async (trx) => {
        const changed = await applyHubSpotDeletions(trx, workspaceId, objectType, gone, { archive: settings.archiveOnHubSpotDelete, at: clock.now() });
        await saveArchiveCheck(trx, next);
        if (changed > 0) await options.onApplied?.(trx, changed);
        return changed;
      });
    }
    check = next;
    if (after === undefined) return { deletions, paused: false };
  }
}
