// Keeps every customer's stored status true after any change: an edit (new values → new
// current hash), a push result, a mapping change (all hashes), or an email change (the
// duplicate owner of both the old and the new address may change).
import { loadFieldDefinitions, type CustomFieldObjectType } from '../records/index.js';
import type { Customer, Db, OrganizationMember, RecordTable } from '../store/index.js';
import {
  findCustomer,
  findStatusCandidates,
  listMembershipsOfCustomers,
  listMembersOfWorkspace,
  loadMappingRows,
  pageAllIds,
  rowToCustomer,
  setCurrentHashes,
  setStatuses,
  listTagDefinitions,
  tagsPropertyReady,
} from '../store/index.js';
import { BUILT_IN_TAG_KEYS, TAGS_PROPERTY } from '../tags/catalog.js';
import { CONTACT_RULES, isDirection, localFields, mappingFor, OWNER_PROPERTY, propertiesFor, recordHash, type Direction, type Directions, type Mapping, type MappingRules } from './field-mapping.js';
import { ownerIdsFor } from './owner-ids.js';
import { statusChanges } from './sync-status.js';

export const CONTACTS = 'contacts';


/**
 * An object type's saved mapping (every mapped field, whatever its direction) with each field's
 * direction, or — before an admin saved one — its built-in defaults (`rules.defaults`, both
 * ways). Custom fields archived since are left out: they do not sync.
 */
export async function savedOrDefaultMapping(db: Db, workspaceId: string, objectType: CustomFieldObjectType, rules: MappingRules): Promise<{ mapping: Mapping; directions: Directions; saved: boolean }> {
  const rows = await loadMappingRows(db, workspaceId, objectType);
  if (rows.length === 0) return { mapping: { ...rules.defaults }, directions: {}, saved: false };
  const mapping: Mapping = {};
  const directions: Record<string, Direction> = {};
  for (const row of rows) {
    if (row.property) mapping[row.field] = row.property;
    if (isDirection(row.direction) && row.direction !== 'both') directions[row.field] = row.direction;
  }
  const fields = new Set(localFields(await loadFieldDefinitions(db, workspaceId, objectType), rules).map((f) => f.field));
  for (const field of Object.keys(mapping)) if (!fields.has(field)) delete mapping[field];
  return { mapping, directions, saved: true };
}

/** The fields of an object type's mapping in force that one side of the sync carries (mappingFor). */
export async function mappingInForce(db: Db, workspaceId: string, objectType: CustomFieldObjectType, rules: MappingRules, side: 'push' | 'pull'): Promise<Mapping> {
  const { mapping, directions } = await savedOrDefaultMapping(db, workspaceId, objectType, rules);
  return mappingFor(mapping, directions, side);
}

/** The contacts mapping the push sends (Pull only fields left out): the saved one, else the seed's built-in defaults. */
export async function effectiveMapping(db: Db, workspaceId: string): Promise<{ mapping: Mapping; saved: boolean }> {
  const { mapping, directions, saved } = await savedOrDefaultMapping(db, workspaceId, CONTACTS, CONTACT_RULES);
  const push = mappingFor(mapping, directions, 'push');
  // Tags go to hubsync's own property once it exists (sync/tag-property.ts), unless the admin
  // mapped them to another property. Push only: the pull never reads it.
  if (push['tags'] === undefined && (await tagsPropertyReady(db, workspaceId))) push['tags'] = TAGS_PROPERTY;
  return { mapping: push, saved };
}

/**
 * What a customer's values are computed with, read once (per run, per write, per refresh): the
 * contacts mapping the push sends (effectiveMapping) and the HubSpot owner of each member of the
 * workspace.
 */
export interface ContactValues {
  mapping: Mapping;
  /** Local user id → the HubSpot owner to push, or why there is none (ownerIdsFor). */
  owners: ReadonlyMap<string, { ownerId: string } | { problem: string }>;
  /**
   * When tags go to `hubsync_tags`: the catalog's keys, the only values that property has
   * options for (a tag outside the catalog, e.g. one a pull added, is not sent).
   */
  tagKeys?: ReadonlySet<string>;
}

export async function loadContactValues(db: Db, workspaceId: string): Promise<ContactValues> {
  const [{ mapping }, members] = await Promise.all([effectiveMapping(db, workspaceId), listMembersOfWorkspace(db, workspaceId)]);
  const owners = await ownerIdsFor(db, workspaceId, members.map((m) => m.id));
  if (mapping['tags'] !== TAGS_PROPERTY) return { mapping, owners };
  const tagKeys = new Set([...BUILT_IN_TAG_KEYS, ...(await listTagDefinitions(db, workspaceId)).map((r) => r.key)]);
  return { mapping, owners, tagKeys };
}

/**
 * The owner a customer pushes: the linked HubSpot owner's id; `""` once its owner was removed
 * here (clearing it in HubSpot); nothing for a customer never given an owner here, so an owner
 * set in HubSpot alone is left alone (and contacts pushed before owners existed keep their hash);
 * or why its owner cannot be sent.
 */
function contactOwner(customer: Customer, values: ContactValues): { ownerId: string } | { problem: string } | null {
  if (customer.ownerUserId === null) return customer.fieldUpdatedAt['ownerUserId'] === undefined ? null : { ownerId: '' };
  return values.owners.get(customer.ownerUserId) ?? { problem: 'Its owner is no longer a member of this workspace: pushed without an owner.' };
}

/**
 * The contact properties a customer pushes now, for the push engine's contacts adapter and the
 * status refresh alike (so the stored current hash is the one the engine compares): its mapped
 * fields (email first) and `hubspot_owner_id` from its owner (contactOwner).
 */
export function pushPropertiesFor(customer: Customer, values: ContactValues): Record<string, string> {
  const properties = propertiesFor(customer, values.mapping, new Map());
  const tagKeys = values.tagKeys;
  if (tagKeys && values.mapping['tags'] === TAGS_PROPERTY) properties[TAGS_PROPERTY] = customer.tags.filter((t) => tagKeys.has(t)).join(';');
  const owner = contactOwner(customer, values);
  if (owner !== null && 'ownerId' in owner) properties[OWNER_PROPERTY] = owner.ownerId;
  return properties;
}

/** Why the customer is pushed without its owner (the sync log's note on a success), or null. */
export function contactOwnerWarning(customer: Customer, values: ContactValues): string | null {
  const owner = contactOwner(customer, values);
  return owner !== null && 'problem' in owner ? owner.problem : null;
}

/**
 * A customer's organizations as the links in its hash (the contacts adapter's `links`): their
 * ids in order, the primary one marked, so linking, unlinking or changing the primary makes
 * the customer Needs update. Null without organizations.
 *
 * @example contactLinksOf([{ organizationId: 'org_b', primary: true }, { organizationId: 'org_a', primary: false }]) // 'org_a,org_b*'
 */
export function contactLinksOf(memberships: readonly Pick<OrganizationMember, 'organizationId' | 'primary'>[]): string | null {
  if (memberships.length === 0) return null;
  return [...memberships]
    .sort((a, b) => (a.organizationId < b.organizationId ? -1 : a.organizationId > b.organizationId ? 1 : 0))
    .map((m) => (m.primary ? `${m.organizationId}*` : m.organizationId))
    .join(',');
}

/**
 * Recomputes the status of the given records and of every live record sharing their Duplicate
 * key, old (`previousKeys`) or new. `keyRequired`: a customer without an email reads No email;
 * an organization needs no domain.
 */
export async function refreshRecordStatuses(db: Db, table: RecordTable, workspaceId: string, ids: string[], previousKeys: string[], keyRequired: boolean): Promise<void> {
  const byId = new Map((await findStatusCandidates(db, table, workspaceId, 'id', ids)).map((c) => [c.id, c]));
  const keys = new Set(previousKeys.filter(Boolean));
  for (const c of byId.values()) if (c.key) keys.add(c.key);
  for (const c of await findStatusCandidates(db, table, workspaceId, 'key', [...keys])) byId.set(c.id, c);
  await setStatuses(db, statusChanges(byId.values(), keyRequired), table);
}

/** Recomputes the status of the given customers and of everyone sharing the given emails. */
export async function refreshStatuses(db: Db, workspaceId: string, ids: string[], emails: string[]): Promise<void> {
  await refreshRecordStatuses(db, 'customers', workspaceId, ids, emails, true);
}

/**
 * Recomputes current hashes (what each would push now: its values and its organizations, as
 * the push engine hashes them) for the given customers; writes only those that changed.
 */
export async function refreshHashes(db: Db, workspaceId: string, ids: string[], values: ContactValues): Promise<string[]> {
  const updates: { id: string; hash: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute();
    const memberships = await listMembershipsOfCustomers(db, workspaceId, chunk);
    for (const row of rows) {
      const hash = recordHash(pushPropertiesFor(rowToCustomer(row), values), contactLinksOf(memberships.get(row.id) ?? []));
      if (hash !== row.current_hash) updates.push({ id: row.id, hash });
    }
  }
  await setCurrentHashes(db, updates);
  return updates.map((u) => u.id);
}

/**
 * The customer change listener: runs inside the writing transaction, so a status is never
 * stale once the write commits.
 */
export async function onCustomersChanged(db: Db, workspaceId: string, ids: string[], previousEmails: string[] = []): Promise<void> {
  await refreshHashes(db, workspaceId, ids, await loadContactValues(db, workspaceId));
  await refreshStatuses(db, workspaceId, ids, previousEmails);
}

/**
 * After a mapping change: every customer's hash, in pages, and the status of those whose hash
 * changed (nothing else a status depends on moved).
 */
export async function refreshWholeWorkspace(db: Db, workspaceId: string, onProgress?: (done: number) => void): Promise<void> {
  const values = await loadContactValues(db, workspaceId);
  let after: string | undefined;
  let done = 0;
  for (;;) {
    const ids = await pageAllIds(db, workspaceId, after, 1000);
    if (ids.length === 0) break;
    const changed = await refreshHashes(db, workspaceId, ids, values);
    await refreshStatuses(db, workspaceId, changed, []);
    done += ids.length;
    onProgress?.(done);
    after = ids.at(-1);
  }
}

export async function customerEmail(db: Db, workspaceId: string, id: string): Promise<string | null> {
  return (await findCustomer(db, workspaceId, id))?.email?.toLowerCase() ?? null;
}

/**
 * After the HubSpot owner linked to some local users changed (linked, unlinked, archived in
 * HubSpot): the customers they own push another `hubspot_owner_id`, so their hashes and
 * statuses are recomputed.
 */
export async function onCustomerOwnersRelinked(db: Db, workspaceId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await db
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('owner_user_id', 'in', [...new Set(userIds)])
    .execute();
  if (rows.length === 0) return;
  const changed = await refreshHashes(db, workspaceId, rows.map((r) => r.id), await loadContactValues(db, workspaceId));
  await refreshStatuses(db, workspaceId, changed, []);
}
