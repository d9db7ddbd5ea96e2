// Keeps every customer's stored status true after any change: an edit (new values → new
// current hash), a push result, a mapping change (all hashes), or an email change (the
// duplicate owner of both the old and the new address may change).
import { loadFieldDefinitions, type CustomFieldObjectType } from '../records/index.js';
import type { Customer, Db, OrganizationMember, RecordTable } from '../store/index.js';
import { findCustomer, findStatusCandidates, listMembershipsOfCustomers, loadMappingRows, pageAllIds, rowToCustomer, setCurrentHashes, setStatuses } from '../store/index.js';
import { CONTACT_RULES, localFields, propertiesFor, recordHash, type Mapping, type MappingRules } from './field-mapping.js';
import { statusChanges } from './sync-status.js';

export const CONTACTS = 'contacts';


/**
 * An object type's saved mapping, or — before an admin saved one — its built-in defaults
 * (`rules.defaults`). Custom fields archived since are left out: they do not push.
 */
export async function savedOrDefaultMapping(db: Db, workspaceId: string, objectType: CustomFieldObjectType, rules: MappingRules): Promise<{ mapping: Mapping; saved: boolean }> {
  const rows = await loadMappingRows(db, workspaceId, objectType);
  if (rows.length === 0) return { mapping: { ...rules.defaults }, saved: false };
  const mapping: Mapping = {};
  for (const row of rows) if (row.property) mapping[row.field] = row.property;
  const fields = new Set(localFields(await loadFieldDefinitions(db, workspaceId, objectType), rules).map((f) => f.field));
  for (const field of Object.keys(mapping)) if (!fields.has(field)) delete mapping[field];
  return { mapping, saved: true };
}

/** The contacts mapping in force: the saved one, else the seed's built-in defaults. */
export async function effectiveMapping(db: Db, workspaceId: string): Promise<{ mapping: Mapping; saved: boolean }> {
  return savedOrDefaultMapping(db, workspaceId, CONTACTS, CONTACT_RULES);
}

export function pushPropertiesFor(customer: Customer, mapping: Mapping): Record<string, string> {
  return propertiesFor(customer, mapping, new Map());
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
export async function refreshHashes(db: Db, workspaceId: string, ids: string[], mapping: Mapping): Promise<string[]> {
  const updates: { id: string; hash: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute();
    const memberships = await listMembershipsOfCustomers(db, workspaceId, chunk);
    for (const row of rows) {
      const hash = recordHash(pushPropertiesFor(rowToCustomer(row), mapping), contactLinksOf(memberships.get(row.id) ?? []));
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
  const { mapping } = await effectiveMapping(db, workspaceId);
  await refreshHashes(db, workspaceId, ids, mapping);
  await refreshStatuses(db, workspaceId, ids, previousEmails);
}

/**
 * After a mapping change: every customer's hash, in pages, and the status of those whose hash
 * changed (nothing else a status depends on moved).
 */
export async function refreshWholeWorkspace(db: Db, workspaceId: string, onProgress?: (done: number) => void): Promise<void> {
  const { mapping } = await effectiveMapping(db, workspaceId);
  let after: string | undefined;
  let done = 0;
  for (;;) {
    const ids = await pageAllIds(db, workspaceId, after, 1000);
    if (ids.length === 0) break;
    const changed = await refreshHashes(db, workspaceId, ids, mapping);
    await refreshStatuses(db, workspaceId, changed, []);
    done += ids.length;
    onProgress?.(done);
    after = ids.at(-1);
  }
}

export async function customerEmail(db: Db, workspaceId: string, id: string): Promise<string | null> {
  return (await findCustomer(db, workspaceId, id))?.email?.toLowerCase() ?? null;
}
