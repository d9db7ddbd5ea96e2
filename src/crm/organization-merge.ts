// The organizations' side of the record merge (records/record-merge.ts): the fields compared, in
// the order the Merge action shows them, and how an organization is read and saved.
import { normalizeDomain } from '../lib/index.js';
import type { RecordMergeSpec } from '../records/index.js';
import type { Organization } from '../store/index.js';
import { findOrganization, updateOrganizationContent } from '../store/index.js';
import { ORGANIZATION_FIELDS } from './organization-fields.js';

export const organizationMergeSpec: RecordMergeSpec<Organization> = {
  table: 'organizations',
  noun: 'organization',
  customFieldType: 'companies',
  fields: [...ORGANIZATION_FIELDS.map((f) => ({ key: f.key, label: f.label })), { key: 'tags', label: 'Tags' }],
  find: findOrganization,
  update: updateOrganizationContent,
  duplicateKey(organization) {
    if (organization.domain === null) return null;
    const key = normalizeDomain(organization.domain);
    return key.ok ? key.key : null;
  },
};
