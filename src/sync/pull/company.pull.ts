// HubSpot companies → organizations, on the shared record pull (./record-pull.ts). A pulled
// company is found locally by its link (hubspot_id), else — among live organizations not linked
// yet — by hubsync's unique key property (`hubsync_organization_id`: a company an earlier push
// created before its link was recorded), else by its normalized domain (`domain_key`), else
// created: every company comes in (no import filter). The mapped `domainKey` field writes the
// organization's domain as HubSpot spells it (its key follows) and compares normalized, as the
// push sends it. Its owner comes in as the local user linked to HubSpot's owner (record-pull.ts
// `ownerField`); its contacts come in from the contacts' side (./links.pull.ts).
//
// The organization's field rules are read from their own module, not the crm folder's door:
// that door also opens the deal service, which depends on this sync module.
import type { CrmObject } from '../../hubspot/index.js';
import { normalizeDomain, type Clock } from '../../lib/index.js';
import { loadFieldDefinitions } from '../../records/index.js';
import type { Organization } from '../../store/index.js';
import { findRowsForPull, insertOrganizations, listMembersOfWorkspace, rowToOrganization, updateOrganizationContent } from '../../store/index.js';
import type { WebhookEmitter } from '../../webhooks/index.js';
import { EMPTY_ORGANIZATION, ORGANIZATION_FIELDS, validateDomain } from '../../crm/organization-fields.js';
import { localFields, mappingFor } from '../field-mapping.js';
import { COMPANIES, COMPANY_RULES, companyPropertiesFor, companyValuesFor, ORGANIZATION_KEY_PROPERTY, refreshOrganizationHashes, type CompanyValues } from '../organization-status.js';
import { refreshRecordStatuses, savedOrDefaultMapping } from '../status-refresh.js';
import { MERGED_IDS_PROPERTY } from './hubspot-merges.js';
import type { PullAdapter } from './pull-adapter.js';
import { locateRows, mappedFields, ownerField, pulledOwners, recordPullAdapter, writeField, type PullContext, type RecordPullSpec } from './record-pull.js';

const DOMAIN_PROPERTY = 'domain';
/** The mapping's name for the domain: the push sends the normalized key. */
const DOMAIN_FIELD = 'domainKey';

const keyOf = (company: CrmObject) => (company.properties[ORGANIZATION_KEY_PROPERTY] ?? '').trim();
function domainKeyOf(company: CrmObject): string | null {
  const domain = normalizeDomain(company.properties[DOMAIN_PROPERTY] ?? '');
  return domain.ok ? domain.key : null;
}

/** The companies side of the record pull. */
export const companyPullSpec: RecordPullSpec<Organization, PullContext<CompanyValues>> = {
  objectType: COMPANIES,
  modifiedProperty: 'hs_lastmodifieddate',
  setting: 'syncCompanies',
  table: 'organizations',
  idPrefix: 'org',
  lookupProperties: [ORGANIZATION_KEY_PROPERTY, DOMAIN_PROPERTY, MERGED_IDS_PROPERTY],
  merges: { table: 'organizations', keyOf: domainKeyOf },
  labelOf: (organization) => ({ name: organization.name, email: null }),

  async context(db, workspaceId) {
    // The owners of every member: a pulled owner may be any of them (the hash refresh reads its own).
    const [saved, customFields, owners, members] = await Promise.all([
      savedOrDefaultMapping(db, workspaceId, COMPANIES, COMPANY_RULES),
      loadFieldDefinitions(db, workspaceId, COMPANIES),
      pulledOwners(db, workspaceId),
      listMembersOfWorkspace(db, workspaceId),
    ]);
    const values = await companyValuesFor(db, workspaceId, members.map((m) => m.id));
    const fields = mappedFields(saved.mapping, saved.directions, localFields(customFields, COMPANY_RULES), customFields, (field, text) => {
      if (field.field === DOMAIN_FIELD) return validateDomain(text);
      const rule = ORGANIZATION_FIELDS.find((f) => f.key === field.field);
      return rule ? rule.validate(text) : { ok: false, message: 'is not an organization field' };
    });
    return { values, pulled: { ...values, mapping: mappingFor(saved.mapping, saved.directions, 'pull') }, fields: [...fields, ownerField(owners)] };
  },
  properties: (organization, values) => companyPropertiesFor(organization, values),
  write(organization, field, value) {
    if (field !== DOMAIN_FIELD) return writeField(organization, field, value);
    organization.domain = value as string | null;
    const key = organization.domain === null ? null : normalizeDomain(organization.domain);
    organization.domainKey = key?.ok ? key.key : null;
  },

  async locate(db, workspaceId, companies) {
    const keys = companies.map(keyOf).filter((k) => k !== '');
    const domains = companies.flatMap((c) => domainKeyOf(c) ?? []);
    const rows = await findRowsForPull(db, 'organizations', workspaceId, companies.map((c) => c.id), [
      { column: 'id', values: keys },
      { column: 'domain_key', values: domains },
    ]);
    return locateRows(companies, rows, rowToOrganization, [(company, row) => row.id === keyOf(company), (company, row) => row.domain_key !== null && row.domain_key === domainKeyOf(company)]);
  },

  create: (workspaceId, id, company, _context, now) => ({
    ...EMPTY_ORGANIZATION,
    tags: [],
    custom: {},
    id,
    workspaceId,
    externalId: null,
    domainKey: null,
    fieldUpdatedAt: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
    sync: { hubspotId: company.id, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  }),

  insert: (db, organizations) => insertOrganizations(db, organizations),
  update: (db, organization) => updateOrganizationContent(db, organization),
  duplicateKey: (organization) => organization.domainKey,
  async refreshHashes(db, workspaceId, ids) {
    await refreshOrganizationHashes(db, workspaceId, ids);
  },
  // No domain is needed to push an organization: one without reads Not synced, never No email.
  refreshStatuses: (db, workspaceId, ids, previousDomainKeys) => refreshRecordStatuses(db, 'organizations', workspaceId, ids, previousDomainKeys, false),
};

/** `events`: webhooks out, told of the merges found in HubSpot (`record.merged`). */
export function companyPullAdapter(clock: Clock, events?: Pick<WebhookEmitter, 'emit'>): PullAdapter<PullContext<CompanyValues>> {
  return recordPullAdapter(companyPullSpec, clock, events);
}
