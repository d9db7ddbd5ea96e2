// Tags into static lists (issue 16): for each tag whose list is on, a HubSpot manual list
// (lists v3, `processingType: MANUAL`) named `hubsync: <key>`, created once and found again by
// name. Memberships are queued in `tag_list_members` by the customers' change listener
// (tags/tag-service.ts) and flushed here by the `tags.lists` job: additions and removals in
// batches of LIST_MEMBERSHIP_BATCH record ids, for customers already linked to a contact (the
// others wait for their push). A list deleted in HubSpot (a 404 on a membership call) is made
// again and refilled, or reported on the tag and left alone, as the tag's `list.missing` says.
import { isHubSpotApiError, type HubSpotClient } from '../hubspot/index.js';
import type { Clock } from '../lib/index.js';
import { markMembershipsSynced, readPendingMemberships, resetSyncedMemberships, updateTagDefinition, type Db } from '../store/index.js';
import { listNameOf, loadCatalog, type Tag } from '../tags/index.js';

/** HubSpot's per-request maximum of record ids in a list membership change. */
export const LIST_MEMBERSHIP_BATCH = 100_000;
const CONTACT_OBJECT_TYPE_ID = '0-1';

export interface TagListDeps {
  db: Db;
  clock: Clock;
  client: (workspaceId: string) => Promise<HubSpotClient>;
}

export interface TagListFlush {
  /** Per tag with a list: memberships added and removed, and the list's state after. */
  tags: { key: string; listId: string | null; added: number; removed: number; status: Tag['list']['status']; error: string | null }[];
}

/** The tag's list in HubSpot: the one recorded, else the one with its name, else a new one. */
async function ensureList(client: HubSpotClient, tag: Tag, call: { tag?: string }): Promise<{ listId: string; created: boolean }> {
  const name = listNameOf(tag.key);
  const found = await client.lists.getByName(name, CONTACT_OBJECT_TYPE_ID, call);
  if (found) return { listId: String(found.listId), created: false };
  const list = await client.lists.create({ name, objectTypeId: CONTACT_OBJECT_TYPE_ID, processingType: 'MANUAL' }, call);
  return { listId: String(list.listId), created: true };
}

/**
 * Flushes every list-enabled tag's pending memberships to HubSpot. Stops a tag (not the others)
 * on a refusal, recording it on the tag; throws what stops everything (credentials refused,
 * HubSpot unreachable after retries), leaving the queue for the next try.
 */
export async function flushTagLists(deps: TagListDeps, workspaceId: string, options: { tag?: string } = {}): Promise<TagListFlush> {
  const { db, clock } = deps;
  const out: TagListFlush = { tags: [] };
  const tags = (await loadCatalog(db, workspaceId)).filter((t) => t.list.enabled && t.list.status !== 'missing');
  if (tags.length === 0) return out;
  const client = await deps.client(workspaceId);
  const call = options.tag === undefined ? {} : { tag: options.tag };
  for (const tag of tags) {
    const result = { key: tag.key, listId: tag.list.listId, added: 0, removed: 0, status: tag.list.status, error: null as string | null };
    out.tags.push(result);
    const record = async (changes: Parameters<typeof updateTagDefinition>[3]) => {
      await updateTagDefinition(db, workspaceId, tag.key, { ...changes, updated_at: clock.now() });
      if (changes.list_status !== undefined) result.status = changes.list_status as Tag['list']['status'];
      if (changes.list_error !== undefined) result.error = changes.list_error;
    };
    let recreated = false;
    try {
      for (;;) {
        if (result.listId === null) {
          // Nothing to send yet: no list is made for a tag nobody linked carries.
          const first = [...(await readPendingMemberships(db, workspaceId, tag.key, true, 1)), ...(await readPendingMemberships(db, workspaceId, tag.key, false, 1))];
          if (first.length === 0) break;
          const { listId, created } = await ensureList(client, tag, call);
          result.listId = listId;
          await record({ list_id: listId, list_status: 'ok', list_error: null });
          // A list found by name may hold what another install put there; a new one holds nothing.
          if (created) await resetSyncedMemberships(db, workspaceId, tag.key);
        }
        const listId = result.listId;
        let sent = false;
        try {
          for (const wanted of [true, false]) {
            const batch = await readPendingMemberships(db, workspaceId, tag.key, wanted, LIST_MEMBERSHIP_BATCH);
            if (batch.length === 0) continue;
            const ids = batch.map((b) => b.hubspotId);
            if (wanted) await client.lists.addMembers(listId, ids, call);
            else await client.lists.removeMembers(listId, ids, call);
            await markMembershipsSynced(db, workspaceId, tag.key, batch);
            if (wanted) result.added += batch.length;
            else result.removed += batch.length;
            sent = true;
          }
        } catch (error) {
          if (!isHubSpotApiError(error, 'HUBSPOT_NOT_FOUND')) throw error;
          // The list was deleted in HubSpot.
          if (tag.list.missing === 'report' || recreated) {
            await record({ list_status: 'missing', list_error: `HubSpot no longer has the list ${listNameOf(tag.key)} (${listId}); it was deleted there. Turn the list off and on, or choose "re-create", to make it again.` });
            break;
          }
          recreated = true;
          await resetSyncedMemberships(db, workspaceId, tag.key);
          const made = await client.lists.create({ name: listNameOf(tag.key), objectTypeId: CONTACT_OBJECT_TYPE_ID, processingType: 'MANUAL' }, call);
          result.listId = String(made.listId);
          await record({ list_id: result.listId, list_status: 'ok', list_error: null });
          continue;
        }
        if (!sent) break;
        await record({ list_pushed_at: clock.now(), list_status: 'ok', list_error: null });
      }
    } catch (error) {
      if (!isHubSpotApiError(error) || error.retryable) throw error;
      await record({ list_status: 'error', list_error: error.hubspotMessage ?? error.message });
    }
  }
  return out;
}
