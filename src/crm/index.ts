// The records beside customers that sync to HubSpot's other object types: organizations (→
// companies) and their members. Each builds on the shared record rules (src/records).
export { EMPTY_ORGANIZATION, ORGANIZATION_FIELD_KEYS, ORGANIZATION_FIELDS, ORGANIZATION_RULES } from './organization-fields.js';
export {
  bulkUpsertOrganizations,
  createOrganization,
  customerOrganizationLinks,
  deleteOrganization,
  importOrganizationsCsv,
  linkMember,
  restoreOrganization,
  unlinkMember,
  updateOrganization,
  type OrganizationServiceDeps,
} from './organization-service.js';
export { organizationMergeSpec } from './organization-merge.js';
