// The workspace's tag catalog (seed 001's built-in tags, their labels, admin-defined tags), the
// activity rules, applying and removing tags on customers (one or up to MAX_TAG_BULK at once),
// and the two change listeners that keep the catalog and the list queue in step with the
// customers' `tags` field. Tags are that field: every change goes through the customer's
// per-field timestamp and change listeners (customers/retagCustomers), so the statuses and the
// on-change push follow as for any edit. HubSpot is not called here (src/sync/tag-property.ts
// and src/sync/tag-lists.ts do that).
import { retagCustomers, type CustomerChangeListener } from '../customers/index.js';
import { AppError, notFound, type Clock } from '../lib/index.js';
import type { RecordChangeListener } from '../records/index.js';
import {
  customerIdsWithTag,
  deleteTagDefinition,
  findActivities,
  findTagSettings,
  inChunks,
  insertTagDefinitions,
  listTagDefinitions,
  saveTagSettings,
  setWantedMemberships,
  updateTagDefinition,
  type Db,
  type TagDefinitionRow,
} from '../store/index.js';
import { BUILT_IN_TAG_KEYS, BUILT_IN_TAGS, DEFAULT_RULES, changeTags, ruleProblems, tagKeyProblem, tagsAfterActivities, type ListMissingAction, type Tag, type TagRule } from './catalog.js';

/** How many customers one bulk tag change may name. */
export const MAX_TAG_BULK = 1000;

export interface TagServiceDeps {
  db: Db;
  clock: Clock;
  /** The customers' change listeners (a tag change is a customer change). */
  customerListeners: CustomerChangeListener[];
}

function tagOf(row: TagDefinitionRow | undefined, key: string, label: string, builtIn: boolean): Tag {
  return {
    key,
    label: row?.label ?? label,
    builtIn,
    list: {
      enabled: row?.list_enabled === 1,
      missing: (row?.list_missing ?? 'recreate') as ListMissingAction,
      listId: row?.list_id ?? null,
      status: (row?.list_status ?? null) as Tag['list']['status'],
      error: row?.list_error ?? null,
      pushedAt: row?.list_pushed_at ?? null,
    },
  };
}

/** The workspace's catalog: the built-in tags (with their overrides) first, then its own tags in the order they were made. */
export async function loadCatalog(db: Db, workspaceId: string): Promise<Tag[]> {
  const rows = await listTagDefinitions(db, workspaceId);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return [...BUILT_IN_TAGS.map((t) => tagOf(byKey.get(t.key), t.key, t.label, true)), ...rows.filter((r) => !BUILT_IN_TAG_KEYS.has(r.key)).map((r) => tagOf(r, r.key, r.label, false))];
}

async function findTag(db: Db, workspaceId: string, key: string): Promise<Tag> {
  const tag = (await loadCatalog(db, workspaceId)).find((t) => t.key === key);
  if (!tag) throw notFound('Tag');
  return tag;
}

/** Makes sure the tag has a row to carry its overrides (built-in tags get theirs on first change). */
async function ensureRow(db: Db, workspaceId: string, tag: Tag, now: number): Promise<void> {
  await insertTagDefinitions(db, [rowOf(workspaceId, tag.key, tag.label, tag.builtIn, now)]);
}

function rowOf(workspaceId: string, key: string, label: string, builtIn: boolean, now: number): TagDefinitionRow {
  return { workspace_id: workspaceId, key, label, built_in: builtIn ? 1 : 0, list_enabled: 0, list_missing: 'recreate', list_id: null, list_status: null, list_error: null, list_pushed_at: null, created_at: now, updated_at: now };
}

export async function createTag(deps: Pick<TagServiceDeps, 'db' | 'clock'>, workspaceId: string, input: { key: string; label?: string | undefined }): Promise<Tag> {
  const problem = tagKeyProblem(input.key);
  if (problem) throw new AppError('VALIDATION_FAILED', `key ${problem}`, { field: 'key', problems: [{ field: 'key', message: problem }] });
  return deps.db.transaction().execute(async (trx) => {
    if ((await loadCatalog(trx, workspaceId)).some((t) => t.key === input.key)) throw new AppError('ALREADY_EXISTS', `The tag "${input.key}" already exists.`, { field: 'key' });
    await insertTagDefinitions(trx, [rowOf(workspaceId, input.key, input.label ?? input.key, false, deps.clock.now())]);
    return findTag(trx, workspaceId, input.key);
  });
}

export interface TagChange {
  label?: string | undefined;
  list?: { enabled?: boolean | undefined; missing?: ListMissingAction | undefined } | undefined;
}

/**
 * Renames a tag (its key, what customers and HubSpot store, stays) or changes its list: turning
 * the list on queues every customer carrying the tag; off forgets the queue (HubSpot's list is
 * left as it is). A list reported missing is tried again after any list change.
 */
export async function changeTag(deps: Pick<TagServiceDeps, 'db' | 'clock'>, workspaceId: string, key: string, change: TagChange): Promise<Tag> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const tag = await findTag(trx, workspaceId, key);
    await ensureRow(trx, workspaceId, tag, now);
    const set: Partial<TagDefinitionRow> = { updated_at: now };
    if (change.label !== undefined) set.label = change.label;
    if (change.list?.missing !== undefined) set.list_missing = change.list.missing;
    if (change.list !== undefined && tag.list.status === 'missing') Object.assign(set, { list_status: null, list_error: null, list_id: null });
    if (change.list?.enabled !== undefined && change.list.enabled !== tag.list.enabled) {
      set.list_enabled = change.list.enabled ? 1 : 0;
      if (change.list.enabled) {
        const ids = await customerIdsWithTag(trx, workspaceId, key);
        await setWantedMemberships(trx, workspaceId, key, new Map(ids.map((id) => [id, true])), now);
      } else {
        await trx.deleteFrom('tag_list_members').where('workspace_id', '=', workspaceId).where('tag_key', '=', key).execute();
      }
    }
    await updateTagDefinition(trx, workspaceId, key, set);
    return findTag(trx, workspaceId, key);
  });
}

/** Deletes an admin-defined tag and takes it off every customer; built-in tags stay (rename them instead). */
export async function deleteTag(deps: TagServiceDeps, workspaceId: string, key: string): Promise<{ customersChanged: number }> {
  return deps.db.transaction().execute(async (trx) => {
    const tag = await findTag(trx, workspaceId, key);
    if (tag.builtIn) throw new AppError('VALIDATION_FAILED', `"${key}" is a built-in tag and cannot be deleted; rename its label instead.`, { field: 'key' });
    const rules = await readRules(trx, workspaceId);
    if (rules.some((r) => r.add.includes(key) || r.remove.includes(key))) {
      throw new AppError('CONFLICT', `The tag "${key}" is used by an activity rule; change the rules first.`, { field: 'key' });
    }
    const ids = await customerIdsWithTag(trx, workspaceId, key);
    await deleteTagDefinition(trx, workspaceId, key);
    const changed = await retagCustomers({ clock: deps.clock, listeners: deps.customerListeners }, trx, workspaceId, ids, (c) => c.tags.filter((t) => t !== key));
    return { customersChanged: changed.length };
  });
}

/** The workspace's activity rules: its saved ones, else seed 001's. */
export async function readRules(db: Db, workspaceId: string): Promise<TagRule[]> {
  const settings = await findTagSettings(db, workspaceId);
  return settings?.rules ? (JSON.parse(settings.rules) as TagRule[]) : DEFAULT_RULES.map((r) => ({ ...r, add: [...r.add], remove: [...r.remove] }));
}

/** Saves the workspace's rules (null: back to the defaults); every tag named must be in the catalog. */
export async function saveRules(deps: Pick<TagServiceDeps, 'db' | 'clock'>, workspaceId: string, rules: TagRule[] | null): Promise<TagRule[]> {
  if (rules !== null) {
    const keys = new Set((await loadCatalog(deps.db, workspaceId)).map((t) => t.key));
    const problems = ruleProblems(rules, keys);
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', `${problems[0]!.field} ${problems[0]!.message}`, { field: problems[0]!.field, problems });
  }
  await saveTagSettings(deps.db, workspaceId, { rules: rules === null ? null : JSON.stringify(rules) }, deps.clock.now());
  return readRules(deps.db, workspaceId);
}

export interface TagApplyResult {
  /** Customers whose tags changed. */
  changed: number;
  /** Customers named that already had (or lacked) the tags. */
  unchanged: number;
  /** Ids that are not live customers of the workspace. */
  notFound: string[];
}

/**
 * Adds `add` to and takes `remove` off each named customer, in one transaction. Every tag must be
 * in the catalog; more than MAX_TAG_BULK customers is a BULK_LIMIT_EXCEEDED.
 */
export async function applyTags(deps: TagServiceDeps, workspaceId: string, customerIds: readonly string[], add: readonly string[], remove: readonly string[]): Promise<TagApplyResult> {
  if (customerIds.length > MAX_TAG_BULK) {
    throw new AppError('BULK_LIMIT_EXCEEDED', `At most ${MAX_TAG_BULK} customers per call; this one names ${customerIds.length}. Split it into calls of ${MAX_TAG_BULK}.`, { field: 'customerIds', limit: MAX_TAG_BULK, given: customerIds.length });
  }
  if (add.length === 0 && remove.length === 0) throw new AppError('VALIDATION_FAILED', 'Name at least one tag to add or remove.', { field: 'add' });
  const both = add.filter((k) => remove.includes(k));
  if (both.length > 0) throw new AppError('VALIDATION_FAILED', `${both.join(', ')} cannot be both added and removed.`, { field: 'remove' });
  return deps.db.transaction().execute(async (trx) => {
    const keys = new Set((await loadCatalog(trx, workspaceId)).map((t) => t.key));
    const unknown = [...add, ...remove].filter((k) => !keys.has(k));
    if (unknown.length > 0) {
      throw new AppError('VALIDATION_FAILED', `"${unknown[0]}" is not a tag of this workspace; create it first (POST /tags).`, { field: add.includes(unknown[0]!) ? 'add' : 'remove', unknown });
    }
    const ids = [...new Set(customerIds)];
    const live = new Set((await inChunks(ids, (chunk) => trx.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', chunk).where('deleted_at', 'is', null).execute())).map((r) => r.id));
    const changed = await retagCustomers({ clock: deps.clock, listeners: deps.customerListeners }, trx, workspaceId, [...live], (c) => changeTags(c.tags, add, remove));
    return { changed: changed.length, unchanged: live.size - changed.length, notFound: ids.filter((id) => !live.has(id)) };
  });
}

/**
 * The activities' change listener: applies the workspace's rules to each appended activity's
 * customer, in the activities' transaction, in the order they happened.
 */
export function activityTagRulesListener(deps: Pick<TagServiceDeps, 'clock' | 'customerListeners'>): RecordChangeListener {
  return async (db, workspaceId, ids) => {
    if (ids.length === 0) return;
    const rules = await readRules(db, workspaceId);
    const activities = (await findActivities(db, workspaceId, ids)).filter((a) => rules.some((r) => r.activityType === a.type));
    if (activities.length === 0) return;
    const byCustomer = new Map<string, { type: string; occurredAt: number }[]>();
    for (const a of activities) byCustomer.set(a.customerId, [...(byCustomer.get(a.customerId) ?? []), a]);
    await retagCustomers({ clock: deps.clock, listeners: deps.customerListeners }, db, workspaceId, [...byCustomer.keys()], (c) => tagsAfterActivities(c.tags, byCustomer.get(c.id) ?? [], rules));
  };
}

/**
 * The customers' change listener of tags, in the writing transaction: a tag a customer carries
 * that the catalog lacks joins it (so it has a `hubsync_tags` option; keys HubSpot could not
 * store are left out), and the customers' memberships of the tags whose list is on are queued
 * (a deleted customer leaves every list).
 */
export function customerTagsListener(deps: { clock: Clock; wake?: (workspaceId: string) => void }): CustomerChangeListener {
  return async (db, workspaceId, ids) => {
    if (ids.length === 0) return;
    const rows = await inChunks(ids, (chunk) => db.selectFrom('customers').select(['id', 'tags', 'deleted_at']).where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute());
    const catalog = await loadCatalog(db, workspaceId);
    const known = new Set(catalog.map((t) => t.key));
    const now = deps.clock.now();
    const tagsOf = new Map(rows.map((r) => [r.id, r.deleted_at === null ? (JSON.parse(r.tags) as string[]) : []]));
    const fresh = new Set<string>();
    for (const tags of tagsOf.values()) for (const t of tags) if (!known.has(t) && tagKeyProblem(t) === null) fresh.add(t);
    if (fresh.size > 0) await insertTagDefinitions(db, [...fresh].map((key) => rowOf(workspaceId, key, key, false, now)));
    let queued = false;
    for (const tag of catalog.filter((t) => t.list.enabled)) {
      await setWantedMemberships(db, workspaceId, tag.key, new Map([...tagsOf].map(([id, tags]) => [id, tags.includes(tag.key)])), now);
      queued = true;
    }
    if (queued) deps.wake?.(workspaceId);
  };
}
