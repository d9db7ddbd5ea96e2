// Keeps every organization's stored status true after a change, as status-refresh.ts does for
// customers: the current hash (what a push would send now) and the status from computeStatus.
//
// The domain plays the part of the email: two live organizations with one normalized domain
// (`domain_key`) are one company to HubSpot, so the one linked to HubSpot — else the oldest —
// keeps it and the others read Duplicate. An organization without a domain is still pushed (by
// hubsync's own unique key, not a domain), so organizations never read No email.
//
// The properties hashed are the companies' default mapping below; the companies adapter of the
// push engine computes the same properties when it lands (and a saved companies mapping then
// takes their place, as the contacts' does).
import type { Organization } from '../store/index.js';
import { rowToOrganization, setCurrentHashes } from '../store/index.js';
import type { Db } from '../store/index.js';
import { hashProperties } from './field-mapping.js';
import { refreshRecordStatuses } from './status-refresh.js';

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

/** The company properties an organization would push now (the owner by its local user until owners are linked). */
export function companyPropertiesFor(o: Organization): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of Object.entries(DEFAULT_COMPANY_PROPERTIES)) {
    const value = (o as unknown as Record<string, unknown>)[field];
    if (value !== null && value !== undefined) properties[property] = String(value);
  }
  if (o.ownerUserId) properties['hubspot_owner_id'] = `user:${o.ownerUserId}`;
  return properties;
}

/**
 * The organization change listener: runs inside the writing transaction (so a status is never
 * stale once the write commits) for the organizations that changed and the domain keys they
 * held before (whose Duplicate groups may have changed too).
 */
export async function onOrganizationsChanged(db: Db, workspaceId: string, ids: string[], previousDomainKeys: string[]): Promise<void> {
  // Current hashes of the changed ones (written first: the statuses below read them).
  const hashes: { id: string; hash: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('organizations').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const row of rows) {
      const hash = hashProperties(companyPropertiesFor(rowToOrganization(row)));
      if (hash !== row.current_hash) hashes.push({ id: row.id, hash });
    }
  }
  await setCurrentHashes(db, hashes, 'organizations');
  // Statuses of the changed ones and of everyone sharing their domains, old or new. No domain
  // is needed to push an organization: one without reads Not synced, never No email.
  await refreshRecordStatuses(db, 'organizations', workspaceId, ids, previousDomainKeys, false);
}
