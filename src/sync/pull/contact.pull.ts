// HubSpot contacts → customers, on the shared record pull (./record-pull.ts). A pulled contact is
// found locally by its link (hubspot_id), else by email (an existing customer is linked, never
// duplicated, whatever its stage), else created — only when its lifecycle stage is in the
// workspace's import filter (seed 004), with the stage as the local lifecycle field and a
// `lifecycle:<stage>` tag. Emails compare ignoring case, as HubSpot's do.
import type { CrmObject } from '../../hubspot/index.js';
import type { Clock } from '../../lib/index.js';
import { loadFieldDefinitions, type CustomFieldDefinition } from '../../records/index.js';
import { validateBuiltInValue, type BuiltInTextField } from '../../customers/index.js';
import type { Customer } from '../../store/index.js';
import { findRowsForPull, insertCustomers, rowToCustomer, updateCustomerContent } from '../../store/index.js';
import { CONTACT_RULES, EMAIL_FIELD, EMAIL_PROPERTY, localFields, mappingFor, type Directions, type Mapping } from '../field-mapping.js';
import { CONTACTS, loadContactValues, pushPropertiesFor, refreshHashes, refreshStatuses, savedOrDefaultMapping, type ContactValues } from '../status-refresh.js';
import { readSyncSettings } from '../sync-settings.js';
import type { PullAdapter } from './pull-adapter.js';
import { locateRows, mappedFields, recordPullAdapter, writeField, type PullContext, type RecordPullSpec } from './record-pull.js';

export const LIFECYCLE_PROPERTY = 'lifecyclestage';
export const LIFECYCLE_TAG_PREFIX = 'lifecycle:';

export interface ContactPullContext extends PullContext<ContactValues> {
  /** The lifecycle stages whose unknown contacts are imported. */
  stages: ReadonlySet<string>;
}

const emailOf = (contact: CrmObject) => (contact.properties[EMAIL_PROPERTY] ?? '').trim().toLowerCase();
const stageOf = (contact: CrmObject) => (contact.properties[LIFECYCLE_PROPERTY] ?? '').trim().toLowerCase();

/**
 * What a contacts pull reads with (pure): `values` as the push computes them, and the mapped
 * fields of the saved mapping the pull reads (`directions`: Push only ones left out), email
 * always among them.
 */
export function contactPullContext(values: ContactValues, saved: { mapping: Mapping; directions: Directions }, customFields: CustomFieldDefinition[], stages: Iterable<string>): ContactPullContext {
  const mapping = { ...saved.mapping, [EMAIL_FIELD]: EMAIL_PROPERTY };
  const fields = mappedFields(mapping, saved.directions, localFields(customFields), customFields, (field, text) => validateBuiltInValue(field.field as BuiltInTextField, text)).map((f) =>
    f.field === EMAIL_FIELD ? { ...f, canonical: (value: string) => value.trim().toLowerCase() } : f,
  );
  return { values, pulled: { ...values, mapping: mappingFor(mapping, saved.directions, 'pull') }, fields, stages: new Set(stages) };
}

/** The contacts side of the record pull. */
export const contactPullSpec: RecordPullSpec<Customer, ContactPullContext> = {
  objectType: CONTACTS,
  modifiedProperty: 'lastmodifieddate',
  table: 'customers',
  idPrefix: 'cus',
  lookupProperties: [EMAIL_PROPERTY, LIFECYCLE_PROPERTY],

  async context(db, workspaceId) {
    const [values, saved, customFields, settings] = await Promise.all([
      loadContactValues(db, workspaceId),
      savedOrDefaultMapping(db, workspaceId, CONTACTS, CONTACT_RULES),
      loadFieldDefinitions(db, workspaceId),
      readSyncSettings(db, workspaceId),
    ]);
    return contactPullContext(values, saved, customFields, settings.inboundLifecycleStages);
  },
  properties: (customer, values) => pushPropertiesFor(customer, values),
  write: writeField,

  async locate(db, workspaceId, contacts) {
    const emails = contacts.map(emailOf).filter((e) => e !== '');
    const rows = await findRowsForPull(db, 'customers', workspaceId, contacts.map((c) => c.id), [{ column: 'email_lower', values: emails }]);
    return locateRows(contacts, rows, rowToCustomer, [(contact, row) => row.email_lower === emailOf(contact)]);
  },

  create(workspaceId, id, contact, context, now) {
    if (!context.stages.has(stageOf(contact))) return null;
    return {
      id,
      workspaceId,
      externalId: null,
      ownerUserId: null,
      firstName: null,
      lastName: null,
      email: null,
      phone: null,
      street: null,
      city: null,
      postalCode: null,
      region: null,
      country: null,
      companyName: null,
      lifecycleStage: null,
      tags: [],
      custom: {},
      fieldUpdatedAt: {},
      createdAt: now,
      updatedAt: now,
      version: 1,
      sync: { hubspotId: contact.id, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
    };
  },
  imported(customer, contact, _context, now) {
    const stage = stageOf(contact);
    customer.lifecycleStage = stage;
    customer.tags = [...new Set([...customer.tags, `${LIFECYCLE_TAG_PREFIX}${stage}`])];
    customer.fieldUpdatedAt['lifecycleStage'] = now;
    customer.fieldUpdatedAt['tags'] = now;
  },

  insert: (db, customers) => insertCustomers(db, customers),
  update: (db, customer) => updateCustomerContent(db, customer),
  duplicateKey: (customer) => customer.email?.trim().toLowerCase() ?? null,
  async refreshHashes(db, workspaceId, ids, context) {
    await refreshHashes(db, workspaceId, ids, context.values);
  },
  refreshStatuses: (db, workspaceId, ids, previousEmails) => refreshStatuses(db, workspaceId, ids, previousEmails),
};

export function contactPullAdapter(clock: Clock): PullAdapter<ContactPullContext> {
  return recordPullAdapter(contactPullSpec, clock);
}
