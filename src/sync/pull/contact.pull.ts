// HubSpot contacts → customers, on the shared record pull (./record-pull.ts). A pulled contact is
// found locally by its link (hubspot_id), else by email, then by one of its
// `hs_additional_emails` (an existing customer is linked, never duplicated, whatever its stage;
// created within the de-duplication window of the contact, the older of the two is canonical),
// else created — only when its lifecycle stage is in the workspace's import filter (seed 004),
// with the stage as the local lifecycle field and a `lifecycle:<stage>` tag, or whatever its
// stage when a Closed Won deal brings it (./closed-won.ts). Emails compare ignoring case, as
// HubSpot's do. Its owner comes in as the local user linked to HubSpot's owner (record-pull.ts
// `ownerField`), its companies as its organizations (./links.pull.ts).
import type { CrmObject } from '../../hubspot/index.js';
import type { Clock } from '../../lib/index.js';
import { loadFieldDefinitions, type CustomFieldDefinition } from '../../records/index.js';
import { validateBuiltInValue, type BuiltInTextField } from '../../customers/index.js';
import type { Customer } from '../../store/index.js';
import { customerLabel, findRowsForPull, insertCustomers, rowToCustomer, saveContactAdditionalEmails, updateCustomerContent } from '../../store/index.js';
import type { WebhookEmitter } from '../../webhooks/index.js';
import { CONTACT_RULES, EMAIL_FIELD, EMAIL_PROPERTY, localFields, mappingFor, type Directions, type Mapping } from '../field-mapping.js';
import { CONTACTS, loadContactValues, pushPropertiesFor, refreshHashes, refreshStatuses, savedOrDefaultMapping, type ContactValues } from '../status-refresh.js';
import { readSyncSettings } from '../sync-settings.js';
import { MERGED_IDS_PROPERTY } from './hubspot-merges.js';
import { canonicalOnLink } from './merge.js';
import type { PullAdapter } from './pull-adapter.js';
import { applyContactLinks } from './links.pull.js';
import { locateRows, mappedFields, ownerField, pulledOwners, recordPullAdapter, writeField, type PulledOwner, type PullContext, type RecordPullSpec } from './record-pull.js';

export const LIFECYCLE_PROPERTY = 'lifecyclestage';
export const LIFECYCLE_TAG_PREFIX = 'lifecycle:';

export interface ContactPullContext extends PullContext<ContactValues> {
  /** The lifecycle stages whose unknown contacts are imported. */
  stages: ReadonlySet<string>;
  /** The workspace's `dedupWindowSeconds` in ms: a contact linked to a customer created this close to it is the same person created on both sides. */
  dedupWindowMs: number;
}

const emailOf = (contact: CrmObject) => (contact.properties[EMAIL_PROPERTY] ?? '').trim().toLowerCase();
/** HubSpot's other addresses of the contact (`;`-separated, e.g. left by a merge): the same person. */
export const ADDITIONAL_EMAILS_PROPERTY = 'hs_additional_emails';
const additionalEmailsOf = (contact: CrmObject) =>
  (contact.properties[ADDITIONAL_EMAILS_PROPERTY] ?? '').split(';').map((e) => e.trim().toLowerCase()).filter((e) => e !== '');
const stageOf = (contact: CrmObject) => (contact.properties[LIFECYCLE_PROPERTY] ?? '').trim().toLowerCase();

/**
 * What a contacts pull reads with (pure): `values` as the push computes them, and the mapped
 * fields of the saved mapping the pull reads (`directions`: Push only ones left out), email
 * always among them.
 */
export function contactPullContext(
  values: ContactValues,
  saved: { mapping: Mapping; directions: Directions },
  customFields: CustomFieldDefinition[],
  stages: Iterable<string>,
  owners: ReadonlyMap<string, PulledOwner> = new Map(),
  dedupWindowMs = 0,
): ContactPullContext {
  const mapping = { ...saved.mapping, [EMAIL_FIELD]: EMAIL_PROPERTY };
  const fields = mappedFields(mapping, saved.directions, localFields(customFields), customFields, (field, text) => validateBuiltInValue(field.field as BuiltInTextField, text)).map((f) =>
    f.field === EMAIL_FIELD ? { ...f, canonical: (value: string) => value.trim().toLowerCase() } : f,
  );
  return { values, pulled: { ...values, mapping: mappingFor(mapping, saved.directions, 'pull') }, fields: [...fields, ownerField(owners)], stages: new Set(stages), dedupWindowMs };
}

/** The contacts side of the record pull. */
export const contactPullSpec: RecordPullSpec<Customer, ContactPullContext> = {
  objectType: CONTACTS,
  modifiedProperty: 'lastmodifieddate',
  table: 'customers',
  idPrefix: 'cus',
  lookupProperties: [EMAIL_PROPERTY, LIFECYCLE_PROPERTY, MERGED_IDS_PROPERTY, ADDITIONAL_EMAILS_PROPERTY],
  merges: { table: 'customers', keyOf: (contact) => emailOf(contact) || null },
  labelOf: (customer) => customerLabel(customer),

  async context(db, workspaceId) {
    const [values, saved, customFields, settings, owners] = await Promise.all([
      loadContactValues(db, workspaceId),
      savedOrDefaultMapping(db, workspaceId, CONTACTS, CONTACT_RULES),
      loadFieldDefinitions(db, workspaceId),
      readSyncSettings(db, workspaceId),
      pulledOwners(db, workspaceId),
    ]);
    return contactPullContext(values, saved, customFields, settings.inboundLifecycleStages, owners, settings.dedupWindowSeconds * 1000);
  },
  properties: (customer, values) => pushPropertiesFor(customer, values),
  // Created here and in HubSpot seconds apart: the older is canonical, as ../dedup.ts decides when the copy was pulled in first.
  canonicalOnLink: (customer, contact, context) => canonicalOnLink(customer.createdAt, Date.parse(contact.createdAt || (contact.properties['createdate'] ?? '')), context.dedupWindowMs),
  write: writeField,

  async locate(db, workspaceId, contacts) {
    const emails = contacts.flatMap((c) => [emailOf(c), ...additionalEmailsOf(c)]).filter((e) => e !== '');
    const rows = await findRowsForPull(db, 'customers', workspaceId, contacts.map((c) => c.id), [{ column: 'email_lower', values: emails }]);
    // A customer holding one of the contact's additional emails is the same person: linked, not
    // imported again (after the primary email's matches took their customers).
    return locateRows(contacts, rows, rowToCustomer, [
      (contact, row) => row.email_lower === emailOf(contact),
      (contact, row) => row.email_lower !== null && additionalEmailsOf(contact).includes(row.email_lower),
    ]);
  },

  create(workspaceId, id, contact, context, now, forced) {
    if (!forced && !context.stages.has(stageOf(contact))) return null;
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

  linkKinds: ['companies'],
  links: (db, workspaceId, pairs, associations, now) => applyContactLinks(db, workspaceId, pairs, associations.get('companies') ?? new Map(), now),
  // HubSpot finds a contact by these too: kept, so a push by one of them is not sent into another customer's contact.
  pageWritten: (db, workspaceId, contacts) => saveContactAdditionalEmails(db, workspaceId, contacts.map((c) => ({ hubspotId: c.id, emails: additionalEmailsOf(c) }))),
  insert: (db, customers) => insertCustomers(db, customers),
  update: (db, customer) => updateCustomerContent(db, customer),
  duplicateKey: (customer) => customer.email?.trim().toLowerCase() ?? null,
  async refreshHashes(db, workspaceId, ids, context) {
    await refreshHashes(db, workspaceId, ids, context.values);
  },
  refreshStatuses: (db, workspaceId, ids, previousEmails) => refreshStatuses(db, workspaceId, ids, previousEmails),
};

/** `events`: webhooks out, told of the merges found in HubSpot (`record.merged`). */
export function contactPullAdapter(clock: Clock, events?: Pick<WebhookEmitter, 'emit'>): PullAdapter<ContactPullContext> {
  return recordPullAdapter(contactPullSpec, clock, events);
}
