// Customers → HubSpot contacts: the first object type on the push engine. A customer is matched
// by email (batch upsert by `email`, so a replayed batch finds the contacts it created), its
// values come from the contacts mapping, and an email HubSpot is known to refuse fails before
// sending with HubSpot's wording. Statuses follow the email rules of sync-status.ts (No email,
// Duplicate), recomputed by status-refresh.ts. A customer's organizations are its links: they
// join its hash, and its push associates the contact with their companies (contact-companies.ts),
// companies being pushed before contacts in every run. A customer's owner pushes as the
// contact's `hubspot_owner_id` (status-refresh.ts `pushPropertiesFor`, the owners read once per
// run with the mapping); an owner HubSpot does not know is left out and noted, never failing it.
import { emailRefusalReason, invalidEmailMessage } from '../../hubspot/index.js';
import type { Customer, OrganizationMember } from '../../store/index.js';
import { countByStatus, customerLabel, findAdditionalEmailOwners, findRestoredMergedAwayCustomers, hasWorkSince, listMembershipsOfCustomers, pageIdsByStatus, recordPushFailure, recordPushSuccesses, rowToCustomer, syncedValuesOf } from '../../store/index.js';
import { pushCompanyLinks } from '../contact-companies.js';
import { DEFAULT_PROPERTIES, EMAIL_PROPERTY } from '../field-mapping.js';
import { CONTACTS, contactLinksOf, contactOwnerWarning, loadContactValues, pushPropertiesFor, refreshHashes, refreshStatuses, type ContactValues } from '../status-refresh.js';
import { prepareTagProperty } from '../tag-property.js';
import type { ObjectAdapter } from './object-adapter.js';

/** A customer with what its push associates: its live organizations (primary first) and the companies last associated. */
export interface LinkedCustomer extends Customer {
  organizations: OrganizationMember[];
  /** `customers.synced_links` (contact-companies.ts). */
  syncedLinks: string | null;
  /**
   * Set when the customer (not linked) was restored from a merge in which HubSpot merged its
   * contact into another: HubSpot still finds that contact by the email it had then.
   */
  mergedAway?: { email: string | null; mergedHubSpotId: string; survivorId: string };
  /**
   * Set when the customer (not linked) has an email another customer's contact keeps as an
   * additional email (as last pulled): HubSpot finds that contact by it.
   */
  answeredBy?: { email: string; hubspotId: string; customerId: string };
}

export const contactAdapter: ObjectAdapter<LinkedCustomer, ContactValues> = {
  objectType: CONTACTS,
  noun: 'contact',
  key: { property: EMAIL_PROPERTY, normalize: (value) => value.toLowerCase() },
  defaultMapping: DEFAULT_PROPERTIES,

  pageIds: (db, workspaceId, statuses, after, limit, among) => pageIdsByStatus(db, workspaceId, statuses, after, limit, among),
  async load(db, workspaceId, ids) {
    if (ids.length === 0) return [];
    const rows = await db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', [...ids]).orderBy('id').execute();
    const memberships = await listMembershipsOfCustomers(db, workspaceId, ids);
    const unlinked = rows.filter((r) => r.hubspot_id === null);
    const mergedAway = await findRestoredMergedAwayCustomers(db, workspaceId, unlinked.map((r) => r.id));
    const owners = await findAdditionalEmailOwners(db, workspaceId, unlinked.flatMap((r) => (r.email_lower === null ? [] : [r.email_lower])));
    return rows.map((row) => {
      const away = mergedAway.get(row.id);
      const owner = row.hubspot_id === null && row.email_lower !== null ? owners.get(row.email_lower) : undefined;
      const answeredBy = owner ? { email: row.email_lower!, ...owner } : undefined;
      const customer: LinkedCustomer = {
        ...rowToCustomer(row),
        organizations: memberships.get(row.id) ?? [],
        syncedLinks: row.synced_links,
        ...(away ? { mergedAway: away } : {}),
        ...(answeredBy ? { answeredBy } : {}),
      };
      return { id: customer.id, hubspotId: customer.sync.hubspotId, status: customer.sync.status, lastAttemptAt: customer.sync.lastAttemptAt, record: customer, base: syncedValuesOf(row.synced_values) };
    });
  },
  countByStatus: (db, workspaceId) => countByStatus(db, workspaceId),
  hasWorkSince: (db, workspaceId, statuses, since) => hasWorkSince(db, workspaceId, statuses, since),

  mapping: (db, workspaceId) => loadContactValues(db, workspaceId),
  properties: (customer, values) => pushPropertiesFor(customer, values),
  warning: (customer, values) => contactOwnerWarning(customer, values),
  links: (customer) => contactLinksOf(customer.organizations),
  refusal(properties, customer) {
    const email = properties[EMAIL_PROPERTY] ?? '';
    const away = customer.mergedAway;
    // Upserted by email, it would land on the contact HubSpot merged it into — the survivor's —
    // and overwrite it: not sent until its email changes (then it is a contact of its own).
    if (away && customer.sync.hubspotId === null && away.email !== null && email.toLowerCase() === away.email) {
      return `HubSpot merged this customer's contact into contact ${away.mergedHubSpotId} (customer ${away.survivorId}), which still answers to ${email}: pushing it would update that contact instead of creating one (not sent). Give it another email to push it as a contact of its own, or merge it into ${away.survivorId} again.`;
    }
    // The same, for an email another customer's contact keeps as an additional one (a merge in HubSpot, or set there).
    const owner = customer.answeredBy;
    if (owner && email.toLowerCase() === owner.email) {
      return `HubSpot contact ${owner.hubspotId} (customer ${owner.customerId}) has ${email} as an additional email: pushing this customer would update that contact instead of creating one (not sent). It is likely the same person: merge it into ${owner.customerId}, or give it another email to push it as a contact of its own.`;
    }
    const refused = emailRefusalReason(email);
    return refused === null ? null : `${invalidEmailMessage(email)} (not sent: ${refused}).`;
  },

  async recordSuccesses(db, workspaceId, results, at) {
    const { shared, needsUpdate } = await recordPushSuccesses(db, workspaceId, results, at);
    // Rows left Needs update: an edit made while the batch was in flight (their hash is right),
    // or a hash stored before the customer's organizations counted in it, which would otherwise
    // keep it Needs update for good. Recomputing costs nothing when nothing is stale.
    if (needsUpdate.length === 0) return shared;
    await refreshHashes(db, workspaceId, needsUpdate, await loadContactValues(db, workspaceId));
    return [...shared, ...needsUpdate];
  },
  recordFailure: (db, workspaceId, id, failure) => recordPushFailure(db, workspaceId, id, failure),
  refreshStatuses: (db, workspaceId, ids) => refreshStatuses(db, workspaceId, [...ids], []),
  customerIdOf: (record) => record.id,
  labelOf: (record) => customerLabel(record.record),
  // The tags property's options follow the catalog before any contact carries a new tag.
  begin: (context) => prepareTagProperty(context),
  associate: (context, accepted) => pushCompanyLinks(context, accepted),
};
