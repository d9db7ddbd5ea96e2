// Keeps every organization's stored status true after a change, as status-refresh.ts does for
// customers: the current hash (what a push would send now) and the status from computeStatus.
//
// The domain plays the part of the email: two live organizations with one normalized domain
// (`domain_key`) are one company to HubSpot, so the one linked to HubSpot — else the oldest —
// keeps it and the others read Duplicate. An organization without a domain is still pushed (by
// hubsync's own unique key, not a domain), so organizations never read No email.
//
// What an organization pushes is computed here once, for the status refresh and for the push
// engine's companies adapter alike (companyPropertiesFor), so the stored current hash is the
// hash the engine compares: the companies mapping in force, hubsync's unique key, and the owner
// linked to the organization's local owner.
import type { Db, Organization } from '../store/index.js';
import { pageIdsByStatus, rowToOrganization, setCurrentHashes, SYNC_STATUSES } from '../store/index.js';
import { formatValue, OWNER_PROPERTY, readField, recordHash, type Mapping, type MappingRules } from './field-mapping.js';
import { ownerIdsFor } from './owner-ids.js';
import { mappingInForce, refreshRecordStatuses } from './status-refresh.js';

export const COMPANIES = 'companies';

/**
 * The hubsync-owned company property holding the organization's id: unique in HubSpot, so a
 * batch upsert by it finds the companies an earlier (crashed) attempt created.
 */
export const ORGANIZATION_KEY_PROPERTY = 'hubsync_organization_id';
export const ORGANIZATION_KEY_LABEL = 'hubsync organization id';

/** Organization field → HubSpot company property, before a companies mapping is saved. */
export const DEFAULT_COMPANY_PROPERTIES: Readonly<Record<string, string>> = {
  name: 'name',
  domainKey: 'domain',
  website: 'website',
  phone: 'phone',
  street: 'address',
  city: 'city',
  postalCode: 'zip',
  region: 'state',
  country: 'country',
  industry: 'industry',
  numberOfEmployees: 'numberofemployees',
  annualRevenue: 'annualrevenue',
  lifecycleStage: 'lifecyclestage',
};

/** The companies mapping as admins edit it (MAPPING_TARGETS in mapping-service.ts). */
export const COMPANY_RULES: MappingRules = {
  noun: 'organization',
  hubspotNoun: 'company',
  builtIns: [
    { key: 'name', label: 'Name' },
    { key: 'domainKey', label: 'Domain' },
    { key: 'website', label: 'Website' },
    { key: 'phone', label: 'Phone' },
    { key: 'street', label: 'Street' },
    { key: 'city', label: 'City' },
    { key: 'postalCode', label: 'Postal code' },
    { key: 'region', label: 'Region' },
    { key: 'country', label: 'Country' },
    // Free text locally, HubSpot's choice list remotely: a value HubSpot refuses fails that record.
    { key: 'industry', label: 'Industry', type: 'single_choice' },
    { key: 'numberOfEmployees', label: 'Number of employees', type: 'number' },
    { key: 'annualRevenue', label: 'Annual revenue', type: 'number' },
    { key: 'lifecycleStage', label: 'Lifecycle stage' },
    { key: 'tags', label: 'Tags', type: 'tags' },
  ],
  defaults: DEFAULT_COMPANY_PROPERTIES,
  locked: {},
  reserved: {
    [ORGANIZATION_KEY_PROPERTY]: "it holds the organization's id, by which hubsync finds the company again.",
    [OWNER_PROPERTY]: "it comes from the organization's owner (HubSpot → Owners).",
  },
};

/** What an organization's values are computed with: the companies mapping and the owners of the users concerned. */
export interface CompanyValues {
  mapping: Mapping;
  /** Local user id → the HubSpot owner to push, or why there is none (ownerIdsFor). */
  owners: ReadonlyMap<string, { ownerId: string } | { problem: string }>;
}

/** The companies mapping the push sends (its custom fields still live, Pull only fields left out), or the defaults before one is saved. */
export async function effectiveCompanyMapping(db: Db, workspaceId: string): Promise<Mapping> {
  return mappingInForce(db, workspaceId, COMPANIES, COMPANY_RULES, 'push');
}

/** The mapping and the owners of the given local users (every organization's owner for a run). */
export async function companyValuesFor(db: Db, workspaceId: string, ownerUserIds: readonly string[]): Promise<CompanyValues> {
  return { mapping: await effectiveCompanyMapping(db, workspaceId), owners: await ownerIdsFor(db, workspaceId, [...new Set(ownerUserIds)]) };
}

/**
 * The company properties an organization pushes now: every mapped field (an empty value clears
 * the property), its id under ORGANIZATION_KEY_PROPERTY, and `hubspot_owner_id` when its owner
 * is linked to a HubSpot owner (else left out: see companyOwnerWarning).
 */
export function companyPropertiesFor(o: Organization, values: CompanyValues): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const field of Object.keys(values.mapping).sort()) properties[values.mapping[field]!] = formatValue(readField(o, field), undefined);
  properties[ORGANIZATION_KEY_PROPERTY] = o.id;
  const owner = o.ownerUserId === null ? undefined : values.owners.get(o.ownerUserId);
  if (owner !== undefined && 'ownerId' in owner) properties[OWNER_PROPERTY] = owner.ownerId;
  return properties;
}

/** Why the organization is pushed without its owner, or null. */
export function companyOwnerWarning(o: Organization, values: CompanyValues): string | null {
  const owner = o.ownerUserId === null ? undefined : values.owners.get(o.ownerUserId);
  return owner !== undefined && 'problem' in owner ? owner.problem : null;
}

/** The hash the push engine compares for an organization (companies carry no links). */
export function companyHash(o: Organization, values: CompanyValues): string {
  return recordHash(companyPropertiesFor(o, values), null);
}

/** Recomputes the current hashes of the given organizations; writes and returns those that changed. */
export async function refreshOrganizationHashes(db: Db, workspaceId: string, ids: readonly string[]): Promise<string[]> {
  const hashes: { id: string; hash: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('organizations').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', ids.slice(i, i + 500)).execute();
    const organizations = rows.map(rowToOrganization);
    const values = await companyValuesFor(db, workspaceId, organizations.flatMap((o) => (o.ownerUserId === null ? [] : [o.ownerUserId])));
    for (const [k, o] of organizations.entries()) {
      const hash = companyHash(o, values);
      if (hash !== rows[k]!.current_hash) hashes.push({ id: o.id, hash });
    }
  }
  await setCurrentHashes(db, hashes, 'organizations');
  return hashes.map((h) => h.id);
}

/**
 * The organization change listener: runs inside the writing transaction (so a status is never
 * stale once the write commits) for the organizations that changed and the domain keys they
 * held before (whose Duplicate groups may have changed too).
 */
export async function onOrganizationsChanged(db: Db, workspaceId: string, ids: string[], previousDomainKeys: string[]): Promise<void> {
  // Current hashes of the changed ones (written first: the statuses below read them).
  await refreshOrganizationHashes(db, workspaceId, ids);
  // Statuses of the changed ones and of everyone sharing their domains, old or new. No domain
  // is needed to push an organization: one without reads Not synced, never No email.
  await refreshRecordStatuses(db, 'organizations', workspaceId, ids, previousDomainKeys, false);
}

/** Every organization's hash and status again, in pages (after the companies mapping changed). */
export async function refreshAllOrganizations(db: Db, workspaceId: string): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const ids = await pageIdsByStatus(db, workspaceId, SYNC_STATUSES, after, 500, undefined, 'organizations');
    if (ids.length === 0) return;
    const changed = await refreshOrganizationHashes(db, workspaceId, ids);
    await refreshRecordStatuses(db, 'organizations', workspaceId, changed, [], false);
    after = ids.at(-1);
  }
}

/**
 * After the HubSpot owner linked to some local users changed (linked, unlinked, archived in
 * HubSpot): the organizations they own push another `hubspot_owner_id`, so their hashes and
 * statuses are recomputed.
 */
export async function onOwnersRelinked(db: Db, workspaceId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await db
    .selectFrom('organizations')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('owner_user_id', 'in', [...new Set(userIds)])
    .execute();
  const changed = await refreshOrganizationHashes(db, workspaceId, rows.map((r) => r.id));
  await refreshRecordStatuses(db, 'organizations', workspaceId, changed, [], false);
}
