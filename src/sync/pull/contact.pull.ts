// HubSpot contacts → customers: the first type the pull engine handles. A pulled contact is
// found locally by its link (hubspot_id), else by email (an existing customer is linked, never
// duplicated), else created — only when its lifecycle stage is in the workspace's import filter
// (seed 004), with the stage as the local lifecycle field and a `lifecycle:<stage>` tag. A found
// customer is merged field by field against the base (`synced_values`, ./merge.ts).
//
// Directions (docs/ARCHITECTURE.md "Field mapping"): a Push only field is never read, written or
// taken as a conflict here; a Pull only field is never pushed, so when both sides changed it
// HubSpot's value is taken without a conflict (the local one could never reach HubSpot).
//
// The pull writes through the store, not the customer service: no change listener runs, so a
// pulled change never lands in the pending-changes set and is never pushed back. It keeps the
// statuses true itself: hashes are recomputed, and a customer whose values HubSpot now holds
// exactly reads Synced.
import type { CrmObject } from '../../hubspot/index.js';
import { newId, type Clock } from '../../lib/index.js';
import { loadFieldDefinitions, parseCustomValueText, validateTags, type CustomFieldDefinition, type FieldResult } from '../../records/index.js';
import { validateBuiltInValue, type BuiltInTextField } from '../../customers/index.js';
import type { Customer, CustomerValues, Db } from '../../store/index.js';
import { findCustomersForPull, insertConflicts, insertCustomers, markInAgreement, rowToCustomer, saveSyncedValues, updateCustomerContent } from '../../store/index.js';
import { CONTACT_RULES, EMAIL_FIELD, EMAIL_PROPERTY, formatValue, localFields, mappingFor, propertiesFor, type LocalField, type Mapping } from '../field-mapping.js';
import { CONTACTS, loadContactValues, pushPropertiesFor, refreshHashes, refreshStatuses, savedOrDefaultMapping, type ContactValues } from '../status-refresh.js';
import { readSyncSettings } from '../sync-settings.js';
import { conflictWinner, decideField, hubspotChangedAt } from './merge.js';
import { emptyOutcome, stampOf, type ChangeTimes, type PullAdapter, type PullPageOutcome } from './pull-adapter.js';

export const LIFECYCLE_PROPERTY = 'lifecyclestage';
export const LIFECYCLE_TAG_PREFIX = 'lifecycle:';

export interface ContactPullContext {
  /** The fields the pull carries (Push only ones left out). */
  mapping: Mapping;
  /** The mapped fields the push never sends (Pull only). */
  pullOnly: ReadonlySet<string>;
  /** The properties the pull never reads (Push only). */
  pushOnly: readonly string[];
  /** The mapping and the owners, as the push computes a contact's properties (for the merge's local side). */
  values: ContactValues;
  /** Each mapped field with its local type, email always included. */
  fields: { field: LocalField; property: string }[];
  customFields: CustomFieldDefinition[];
  stages: ReadonlySet<string>;
}

/** A HubSpot value as the local field stores it, or why it cannot be stored. */
export function localValueOf(field: LocalField, definition: CustomFieldDefinition | undefined, raw: string | null | undefined): FieldResult<unknown> {
  const text = raw ?? '';
  if (field.field === 'tags') return validateTags(text.split(';').map((t) => t.trim()).filter((t) => t !== ''));
  if (field.kind === 'builtin') return validateBuiltInValue(field.field as BuiltInTextField, text);
  if (!definition) return { ok: false, message: 'is not a custom field of this workspace any more' };
  let value = text;
  // HubSpot sends dates as ISO dates or times, or epoch milliseconds; the local field holds the day.
  if (definition.type === 'date' && /^\d{9,}$/.test(value.trim())) value = new Date(Number(value.trim())).toISOString().slice(0, 10);
  else if (definition.type === 'date' && /^\d{4}-\d{2}-\d{2}T/.test(value.trim())) value = value.trim().slice(0, 10);
  return parseCustomValueText(definition, value);
}

function writeField(values: CustomerValues, field: string, value: unknown): void {
  if (field.startsWith('custom.')) {
    const key = field.slice('custom.'.length);
    if (value === null || value === undefined) delete values.custom[key];
    else values.custom[key] = value as CustomerValues['custom'][string];
  } else {
    (values as unknown as Record<string, unknown>)[field] = value;
  }
}

/** A value as compared: emails ignore case and surrounding space, as HubSpot's do. */
function canonical(property: string, value: string): string {
  return property === EMAIL_PROPERTY ? value.trim().toLowerCase() : value;
}

/** The local value in the form HubSpot holds it (what the push sends, Pull only fields included). */
function localString(customer: CustomerValues, context: ContactPullContext, property: string): string {
  return propertiesFor(customer, context.mapping, new Map())[property] ?? '';
}

interface FieldConflict {
  field: string;
  property: string;
  localValue: string;
  hubspotValue: string;
}

/** What merging one pulled contact into one customer comes to. */
interface ContactMerge {
  values: CustomerValues;
  fieldUpdatedAt: Record<string, number>;
  changed: boolean;
  base: Record<string, string>;
  conflicts: (FieldConflict & { localChangedAt: number; hubspotChangedAt: number; winner: 'local' | 'hubspot' })[];
  problems: { field: string; message: string }[];
}

/**
 * Merges `contact` into `customer` (pure). `changedAt` gives HubSpot's change time per property
 * for conflicts (read from its history); without it, a conflict falls back on the contact's
 * last-modified time.
 */
export function mergeContact(customer: Customer, base: Readonly<Record<string, string>>, contact: CrmObject, context: ContactPullContext, changedAt: ReadonlyMap<string, number> | undefined, now: number): ContactMerge {
  const values: CustomerValues = { ...customer, tags: [...customer.tags], custom: { ...customer.custom } };
  const stamps = { ...customer.fieldUpdatedAt };
  const nextBase = { ...base };
  const merge: ContactMerge = { values, fieldUpdatedAt: stamps, changed: false, base: nextBase, conflicts: [], problems: [] };
  const modified = stampOf(contact.properties['lastmodifieddate']);
  for (const { field, property } of context.fields) {
    // A property HubSpot did not return (unknown to the portal) says nothing: it is not a clear.
    if (!(property in contact.properties)) continue;
    const definition = context.customFields.find((d) => `custom.${d.key}` === field.field);
    const converted = localValueOf(field, definition, contact.properties[property]);
    if (!converted.ok) {
      merge.problems.push({ field: field.field, message: `HubSpot's ${property} "${contact.properties[property] ?? ''}" ${converted.message}` });
      continue;
    }
    const hubspot = canonical(property, formatValue(converted.value, undefined));
    const local = canonical(property, localString(customer, context, property));
    const take = (): void => {
      writeField(values, field.field, converted.value);
      stamps[field.field] = now;
      merge.changed = true;
    };
    const agreed = base[property];
    const decision = decideField(agreed === undefined ? undefined : canonical(property, agreed), local, hubspot);
    switch (decision === 'conflict' && context.pullOnly.has(field.field) ? 'take-hubspot' : decision) {
      case 'none':
      case 'keep-local':
        break;
      case 'agree':
        nextBase[property] = hubspot;
        break;
      case 'take-hubspot':
        take();
        nextBase[property] = hubspot;
        break;
      case 'conflict': {
        const localChangedAt = customer.fieldUpdatedAt[field.field] ?? 0;
        const hubspotAt = changedAt?.get(property) ?? hubspotChangedAt(undefined, modified);
        const winner = conflictWinner(localChangedAt, hubspotAt);
        merge.conflicts.push({ field: field.field, property, localValue: local, hubspotValue: hubspot, localChangedAt, hubspotChangedAt: hubspotAt, winner });
        if (winner === 'hubspot') take();
        // Either way the base is what HubSpot holds now: a local winner still has to be pushed,
        // and until it is, the next pull must see it as "changed locally", not overwrite it.
        nextBase[property] = hubspot;
        break;
      }
    }
  }
  return merge;
}

/** The customer a new HubSpot contact becomes (values converted; unstorable ones left empty). */
export function newCustomerFrom(workspaceId: string, id: string, contact: CrmObject, stage: string, context: ContactPullContext, now: number): { customer: Customer; problems: { field: string; message: string }[] } {
  const values: CustomerValues = {
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
  };
  const stamps: Record<string, number> = {};
  const problems: { field: string; message: string }[] = [];
  for (const { field, property } of context.fields) {
    const definition = context.customFields.find((d) => `custom.${d.key}` === field.field);
    const converted = localValueOf(field, definition, contact.properties[property]);
    if (!converted.ok) {
      problems.push({ field: field.field, message: `HubSpot's ${property} "${contact.properties[property] ?? ''}" ${converted.message}` });
      continue;
    }
    if (converted.value === null || (Array.isArray(converted.value) && converted.value.length === 0)) continue;
    writeField(values, field.field, converted.value);
    stamps[field.field] = now;
  }
  values.lifecycleStage = stage;
  values.tags = [...new Set([...values.tags, `${LIFECYCLE_TAG_PREFIX}${stage}`])];
  stamps['lifecycleStage'] = now;
  stamps['tags'] = now;
  const customer: Customer = {
    ...values,
    id,
    workspaceId,
    externalId: null,
    fieldUpdatedAt: stamps,
    createdAt: now,
    updatedAt: now,
    version: 1,
    sync: { hubspotId: contact.id, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  };
  return { customer, problems };
}

/**
 * A new customer's base: what HubSpot holds for each pulled property, in the form the push writes
 * it (values that do not convert are left out), and for each Push only property what the customer
 * holds (nothing, as it came from HubSpot): HubSpot's value there is neither taken nor cleared by
 * the next push, only replaced once the field is edited here.
 */
function hubspotBase(customer: Customer, contact: CrmObject, context: ContactPullContext): Record<string, string> {
  const pushed = pushPropertiesFor(customer, context.values);
  const base: Record<string, string> = Object.fromEntries(context.pushOnly.map((property) => [property, pushed[property] ?? '']));
  for (const { field, property } of context.fields) {
    const converted = localValueOf(field, context.customFields.find((d) => `custom.${d.key}` === field.field), contact.properties[property]);
    if (converted.ok) base[property] = formatValue(converted.value, undefined);
  }
  return base;
}

/** Whether HubSpot holds exactly what the customer would push (then it reads Synced). */
function inAgreement(customer: CustomerValues, base: Readonly<Record<string, string>>, context: ContactPullContext): boolean {
  const pushed = pushPropertiesFor(customer as Customer, context.values);
  return Object.entries(pushed).every(([property, value]) => base[property] !== undefined && canonical(property, base[property]) === canonical(property, value));
}

interface Located {
  customer: Customer;
  base: Record<string, string>;
  /** Found by email, not linked before. */
  linking: boolean;
}

/** Finds each contact's customer: by link (a deleted one means "leave it"), else by email (the oldest live one without another link). */
async function locate(db: Db, workspaceId: string, contacts: readonly CrmObject[]): Promise<Map<string, Located | 'deleted'>> {
  const emails = contacts.map((c) => (c.properties[EMAIL_PROPERTY] ?? '').trim().toLowerCase()).filter((e) => e !== '');
  const rows = await findCustomersForPull(db, workspaceId, contacts.map((c) => c.id), emails);
  const found = new Map<string, Located | 'deleted'>();
  const byLink = new Map(rows.filter((r) => r.hubspot_id !== null).map((r) => [r.hubspot_id!, r]));
  const claimed = new Set<string>();
  for (const contact of contacts) {
    const linked = byLink.get(contact.id);
    if (linked) {
      found.set(contact.id, linked.deleted_at !== null ? 'deleted' : { customer: rowToCustomer(linked), base: JSON.parse(linked.synced_values ?? '{}') as Record<string, string>, linking: false });
      claimed.add(linked.id);
    }
  }
  for (const contact of contacts) {
    if (found.has(contact.id)) continue;
    const email = (contact.properties[EMAIL_PROPERTY] ?? '').trim().toLowerCase();
    if (email === '') continue;
    const match = rows
      .filter((r) => r.deleted_at === null && r.email_lower === email && r.hubspot_id === null && !claimed.has(r.id))
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))[0];
    if (match) {
      found.set(contact.id, { customer: rowToCustomer(match), base: JSON.parse(match.synced_values ?? '{}') as Record<string, string>, linking: true });
      claimed.add(match.id);
    }
  }
  return found;
}

export function contactPullAdapter(clock: Clock): PullAdapter<ContactPullContext> {
  return {
    objectType: CONTACTS,
    modifiedProperty: 'lastmodifieddate',

    async context(db, workspaceId) {
      const values = await loadContactValues(db, workspaceId);
      const { mapping: saved, directions } = await savedOrDefaultMapping(db, workspaceId, CONTACTS, CONTACT_RULES);
      const mapping = mappingFor(saved, directions, 'pull');
      const pullOnly = new Set(Object.keys(saved).filter((field) => directions[field] === 'pull'));
      const pushOnly = Object.keys(saved).flatMap((field) => (directions[field] === 'push' ? [saved[field]!] : []));
      const customFields = await loadFieldDefinitions(db, workspaceId);
      const all = localFields(customFields);
      const fields = Object.entries({ ...mapping, [EMAIL_FIELD]: EMAIL_PROPERTY }).flatMap(([name, property]) => {
        const field = all.find((f) => f.field === name);
        return field ? [{ field, property }] : [];
      });
      const settings = await readSyncSettings(db, workspaceId);
      return { mapping, pullOnly, pushOnly, values, fields, customFields, stages: new Set(settings.inboundLifecycleStages) };
    },

    properties: (context) => [...new Set([...context.fields.map((f) => f.property), EMAIL_PROPERTY, LIFECYCLE_PROPERTY])],

    async conflicts(db, workspaceId, context, records) {
      const located = await locate(db, workspaceId, records);
      const out = new Map<string, string[]>();
      for (const contact of records) {
        const found = located.get(contact.id);
        if (!found || found === 'deleted') continue;
        const merged = mergeContact(found.customer, found.base, contact, context, undefined, 0);
        if (merged.conflicts.length > 0) out.set(contact.id, merged.conflicts.map((c) => c.property));
      }
      return out;
    },

    async apply(db, workspaceId, context, records, changedAt: ChangeTimes, run) {
      const outcome: PullPageOutcome = emptyOutcome();
      const located = await locate(db, workspaceId, records);
      const created: Customer[] = [];
      const bases: { id: string; hubspotId: string; values: Record<string, string> }[] = [];
      const touched: string[] = [];
      const agreed: string[] = [];
      const previousEmails: string[] = [];
      const conflicts: Parameters<typeof insertConflicts>[1][number][] = [];
      for (const contact of records) {
        const found = located.get(contact.id);
        if (found === 'deleted') {
          outcome.skipped++;
          continue;
        }
        if (!found) {
          const stage = (contact.properties[LIFECYCLE_PROPERTY] ?? '').trim().toLowerCase();
          if (!context.stages.has(stage)) {
            outcome.skipped++;
            continue;
          }
          const made = newCustomerFrom(workspaceId, newId('cus', clock), contact, stage, context, run.at);
          created.push(made.customer);
          outcome.problems.push(...made.problems.map((p) => ({ hubspotId: contact.id, ...p })));
          const base = hubspotBase(made.customer, contact, context);
          bases.push({ id: made.customer.id, hubspotId: contact.id, values: base });
          touched.push(made.customer.id);
          // Synced unless it holds something HubSpot lacks (its lifecycle tag, when tags are mapped).
          if (made.problems.length === 0 && inAgreement(made.customer, base, context)) agreed.push(made.customer.id);
          outcome.created++;
          continue;
        }
        const { customer } = found;
        const merged = mergeContact(customer, found.base, contact, context, changedAt.get(contact.id), run.at);
        outcome.problems.push(...merged.problems.map((p) => ({ hubspotId: contact.id, ...p })));
        for (const c of merged.conflicts) {
          conflicts.push({
            id: newId('cfl', clock),
            workspace_id: workspaceId,
            object_type: CONTACTS,
            record_id: customer.id,
            hubspot_id: contact.id,
            field: c.field,
            property: c.property,
            local_value: c.localValue,
            hubspot_value: c.hubspotValue,
            local_changed_at: c.localChangedAt,
            hubspot_changed_at: c.hubspotChangedAt,
            winner: c.winner,
            run_id: run.id,
            at: run.at,
          });
        }
        outcome.conflicts += merged.conflicts.length;
        const baseMoved = JSON.stringify(merged.base) !== JSON.stringify(found.base);
        if (!merged.changed && !baseMoved && !found.linking) continue;
        if (merged.changed) {
          await updateCustomerContent(db, { ...customer, ...merged.values, fieldUpdatedAt: merged.fieldUpdatedAt, updatedAt: run.at });
          if (customer.email) previousEmails.push(customer.email.trim().toLowerCase());
          outcome.updated++;
        }
        if (found.linking) outcome.linked++;
        bases.push({ id: customer.id, hubspotId: contact.id, values: merged.base });
        touched.push(customer.id);
        // Synced again only when it was Synced before: its hash includes its organization links,
        // which a customer that was waiting for a push (or was just linked) may still have to send.
        if (customer.sync.status === 'synced' && merged.problems.length === 0 && inAgreement(merged.values, merged.base, context)) agreed.push(customer.id);
      }
      await insertCustomers(db, created);
      await saveSyncedValues(db, workspaceId, bases);
      await insertConflicts(db, conflicts);
      if (touched.length > 0) {
        await refreshHashes(db, workspaceId, touched, context.values);
        await markInAgreement(db, workspaceId, agreed, run.at);
        await refreshStatuses(db, workspaceId, touched, previousEmails);
      }
      return outcome;
    },
  };
}
