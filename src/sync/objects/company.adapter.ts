// Organizations → HubSpot companies. HubSpot has no natural key for companies (`domain` is not
// unique), so hubsync keeps its own: the unique company property `hubsync_organization_id`
// holding the organization's id, made sure of once per run (`begin`). New companies are batch
// upserted by it, so a batch replayed after a crash finds the companies it created instead of
// creating them twice. On its first push an organization with a domain is matched to a company
// HubSpot already holds with that domain and hubsync never keyed (a company keyed to this
// organization is found by the upsert itself; one keyed to another is never taken). Searches
// have a budget of their own (5/s), so `begin` first asks how many unkeyed companies with a
// domain the portal holds: none (a new portal) → no search at all; a few (≤ FOREIGN_INDEX_MAX)
// → they are read once, a page of 200 per call, and matched locally; more → one search per
// batch. (A company created in HubSpot during the run is seen at the next slice's `begin`, as
// the search index's own lag would have it anyway.) Values come from the companies mapping (organization-status.ts,
// shared with the status refresh so the stored hash is the one compared here); an owner HubSpot
// does not know is left out and noted, never failing the record. Organizations sharing a domain
// follow the Duplicate rule: only one of them is pushed. Contacts push their associations to
// these companies (contact.adapter.ts), after companies in every run.
import { normalizeDomain } from '../../lib/index.js';
import type { Organization } from '../../store/index.js';
import {
  countOrganizationsByStatus,
  organizationOwnerUserIds,
  organizationsHaveWorkSince,
  pageIdsByStatus,
  recordOrganizationPushSuccesses,
  rowToOrganization,
  recordPushFailure,
  syncedValuesOf,
} from '../../store/index.js';
import {
  COMPANIES,
  companyOwnerWarning,
  companyPropertiesFor,
  companyValuesFor,
  DEFAULT_COMPANY_PROPERTIES,
  ORGANIZATION_KEY_LABEL,
  ORGANIZATION_KEY_PROPERTY,
  refreshOrganizationHashes,
  type CompanyValues,
} from '../organization-status.js';
import { refreshRecordStatuses } from '../status-refresh.js';
import type { AssociationContext, ObjectAdapter } from './object-adapter.js';

/** HubSpot's search takes at most 100 values in one IN filter, and a batch holds 100 records. */
const MAX_IN_VALUES = 100;
const SEARCH_PAGE = 200;
/** Up to this many unkeyed companies with a domain are read once per run slice instead of searched per batch. */
export const FOREIGN_INDEX_MAX = 2_000;

/**
 * Per run slice (the run's tag): the portal's unkeyed companies by normalized domain, or
 * 'search' when there are too many to read (then each batch searches). Kept for the newest
 * runs only.
 */
const foreignCompanies = new Map<string, Map<string, string> | 'search'>();
const KEPT_RUNS = 64;

/** The filter for companies a person made in HubSpot: with a domain, without hubsync's key. */
const UNKEYED_WITH_DOMAIN = [
  {
    filters: [
      { propertyName: 'domain', operator: 'HAS_PROPERTY' as const },
      { propertyName: ORGANIZATION_KEY_PROPERTY, operator: 'NOT_HAS_PROPERTY' as const },
    ],
  },
];

async function readForeignCompanies(client: AssociationContext['client'], tag: string): Promise<Map<string, string> | 'search'> {
  const byDomain = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await client.objects(COMPANIES).search(
      { filterGroups: UNKEYED_WITH_DOMAIN, properties: ['domain'], sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], limit: SEARCH_PAGE, ...(after === undefined ? {} : { after }) },
      { tag },
    );
    if (page.total > FOREIGN_INDEX_MAX) return 'search';
    for (const company of page.results) {
      const domain = normalizeDomain(String(company.properties['domain'] ?? ''));
      if (domain.ok && !byDomain.has(domain.key)) byDomain.set(domain.key, company.id);
    }
    after = page.paging?.next?.after;
  } while (after !== undefined);
  return byDomain;
}

export const companyAdapter: ObjectAdapter<Organization, CompanyValues> = {
  objectType: COMPANIES,
  noun: 'company',
  key: { property: ORGANIZATION_KEY_PROPERTY, normalize: (value) => value },
  defaultMapping: DEFAULT_COMPANY_PROPERTIES,
  setting: 'syncCompanies',

  pageIds: (db, workspaceId, statuses, after, limit, among) => pageIdsByStatus(db, workspaceId, statuses, after, limit, among, 'organizations'),
  async load(db, workspaceId, ids) {
    if (ids.length === 0) return [];
    const rows = await db.selectFrom('organizations').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', [...ids]).where('deleted_at', 'is', null).orderBy('id').execute();
    return rows.map((row) => {
      const o = rowToOrganization(row);
      return { id: o.id, hubspotId: o.sync.hubspotId, status: o.sync.status, lastAttemptAt: o.sync.lastAttemptAt, record: o, base: syncedValuesOf(row.synced_values) };
    });
  },
  countByStatus: (db, workspaceId) => countOrganizationsByStatus(db, workspaceId),
  hasWorkSince: (db, workspaceId, statuses, since) => organizationsHaveWorkSince(db, workspaceId, statuses, since),

  async mapping(db, workspaceId) {
    return companyValuesFor(db, workspaceId, await organizationOwnerUserIds(db, workspaceId));
  },
  properties: (o, values) => companyPropertiesFor(o, values),
  warning: (o, values) => companyOwnerWarning(o, values),

  // Called only when there is something to push (the engine waits for the first batch): a run
  // with every company Synced costs no call.
  async begin({ client, tag }) {
    await client.properties.ensureUnique(COMPANIES, { name: ORGANIZATION_KEY_PROPERTY, label: ORGANIZATION_KEY_LABEL, description: 'Set by hubsync: the id of the organization this company is.' }, { tag });
    foreignCompanies.set(tag, await readForeignCompanies(client, tag));
    while (foreignCompanies.size > KEPT_RUNS) foreignCompanies.delete(foreignCompanies.keys().next().value!);
  },

  async match({ client, tag }, items) {
    const byDomain = new Map<string, string>();
    for (const item of items) if (item.record.record.domainKey) byDomain.set(item.record.record.domainKey, item.record.id);
    const matched = new Map<string, string>();
    if (byDomain.size === 0) return matched;
    const foreign = foreignCompanies.get(tag);
    if (foreign instanceof Map) {
      for (const [domain, organizationId] of byDomain) {
        const hubspotId = foreign.get(domain);
        if (hubspotId !== undefined) matched.set(organizationId, hubspotId);
      }
      return matched;
    }
    // Per domain: a company keyed to this organization (an earlier attempt created it) wins,
    // else one hubsync never keyed; one keyed to another organization is never taken.
    const found = new Map<string, { keyed: string | null; free: string | null }>();
    const domains = [...byDomain.keys()];
    for (let i = 0; i < domains.length; i += MAX_IN_VALUES) {
      let after: string | undefined;
      do {
        const page = await client.objects(COMPANIES).search(
          {
            filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'IN', values: domains.slice(i, i + MAX_IN_VALUES) }] }],
            properties: ['domain', ORGANIZATION_KEY_PROPERTY],
            sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
            limit: SEARCH_PAGE,
            ...(after === undefined ? {} : { after }),
          },
          { tag },
        );
        for (const company of page.results) {
          const domain = normalizeDomain(String(company.properties['domain'] ?? ''));
          const organizationId = domain.ok ? byDomain.get(domain.key) : undefined;
          if (!domain.ok || organizationId === undefined) continue;
          const slot = found.get(domain.key) ?? { keyed: null, free: null };
          const key = company.properties[ORGANIZATION_KEY_PROPERTY];
          if (key === organizationId) slot.keyed ??= company.id;
          else if (key === null || key === undefined || key === '') slot.free ??= company.id;
          found.set(domain.key, slot);
        }
        after = page.paging?.next?.after;
      } while (after !== undefined);
    }
    for (const [domain, slot] of found) {
      const hubspotId = slot.keyed ?? slot.free;
      if (hubspotId !== null) matched.set(byDomain.get(domain)!, hubspotId);
    }
    return matched;
  },

  async recordSuccesses(db, workspaceId, results, at) {
    await recordOrganizationPushSuccesses(db, workspaceId, results, at);
    // Hashes stored before this formula (or before an owner was relinked) are brought up to date
    // with the rows as they are now; the statuses then follow with the domain groups.
    await refreshOrganizationHashes(db, workspaceId, results.map((r) => r.id));
    return results.map((r) => r.id);
  },
  recordFailure: (db, workspaceId, id, failure) => recordPushFailure(db, workspaceId, id, failure, 'organizations'),
  refreshStatuses: (db, workspaceId, ids) => refreshRecordStatuses(db, 'organizations', workspaceId, [...ids], [], false),
  customerIdOf: () => null,
  labelOf: (record) => ({ name: record.record.name, email: null }),
};
