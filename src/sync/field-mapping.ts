// Field mapping, pure: which local customer field fills which HubSpot contact property, which
// way each field syncs, the suggested defaults, the compatibility rules checked on save, and how
// a local value is written in the property's format. No database or network here.
import { createHash } from 'node:crypto';
import { BUILT_IN_FIELDS } from '../customers/index.js';
import type { CustomFieldDefinition } from '../records/index.js';
import type { Property } from '../hubspot/index.js';
import type { CustomerValues } from '../store/index.js';

/** Local field → HubSpot property name (absent = "don't sync"). */
export type Mapping = Record<string, string>;

/**
 * Which way a mapped field syncs: `both` (the default), `push` (hubsync → HubSpot only: the pull
 * never reads it) or `pull` (HubSpot → hubsync only: never sent, and not part of the record's
 * hash, so a local edit to it does not make the record Needs update).
 */
export type Direction = 'both' | 'push' | 'pull';
export const DIRECTIONS: readonly Direction[] = ['both', 'push', 'pull'];
/** Field → direction; a field left out syncs both ways. */
export type Directions = Readonly<Record<string, Direction>>;

export function isDirection(value: unknown): value is Direction {
  return (DIRECTIONS as readonly unknown[]).includes(value);
}

/**
 * The part of a mapping one side of the sync carries: the push leaves out Pull only fields, the
 * pull Push only ones.
 *
 * @example mappingFor({ phone: 'phone', city: 'city' }, { phone: 'pull' }, 'push') // { city: 'city' }
 */
export function mappingFor(mapping: Readonly<Mapping>, directions: Directions, side: 'push' | 'pull'): Mapping {
  const other: Direction = side === 'push' ? 'pull' : 'push';
  return Object.fromEntries(Object.entries(mapping).filter(([field]) => directions[field] !== other));
}

export type LocalFieldType = 'text' | 'tags' | CustomFieldDefinition['type'];

export interface LocalField {
  /** `email`, `firstName`, …, `tags`, or `custom.<key>`. */
  field: string;
  label: string;
  kind: 'builtin' | 'custom';
  type: LocalFieldType;
  options: { value: string; label: string }[];
}

export const EMAIL_FIELD = 'email';
export const EMAIL_PROPERTY = 'email';
/** The record owner's property on every object type: filled from the local owner (HubSpot → Owners), never mapped. */
export const OWNER_PROPERTY = 'hubspot_owner_id';

/** The seed's suggested defaults for built-in fields (field → HubSpot contact property). */
export const DEFAULT_PROPERTIES: Readonly<Record<string, string>> = {
  email: 'email',
  firstName: 'firstname',
  lastName: 'lastname',
  phone: 'phone',
  companyName: 'company',
  street: 'address',
  city: 'city',
  postalCode: 'zip',
  region: 'state',
  country: 'country',
  lifecycleStage: 'lifecyclestage',
};

/**
 * What differs between the mappings of the object types (contacts, companies, deals): the words
 * in messages, the suggested defaults, and fields fixed to one property.
 */
export interface MappingRules {
  /** The local record ("customer") and HubSpot's ("contact"), for messages. */
  noun: string;
  hubspotNoun: string;
  /** The built-in fields (text, and `tags` when the type has tags); custom fields come on top. */
  builtIns: readonly { key: string; label: string; type?: LocalFieldType }[];
  /** Built-in field → suggested HubSpot property. */
  defaults: Readonly<Mapping>;
  /** Fields that always map to one property (contacts: email), with the message when asked otherwise. */
  locked: Readonly<Record<string, { property: string; message: string }>>;
  /** Properties hubsync fills itself (a key, the stage, the owner): no field may take them. */
  reserved?: Readonly<Record<string, string>>;
}

export const CONTACT_RULES: MappingRules = {
  noun: 'customer',
  hubspotNoun: 'contact',
  builtIns: [...BUILT_IN_FIELDS, { key: 'tags', label: 'Tags', type: 'tags' }],
  defaults: DEFAULT_PROPERTIES,
  locked: { [EMAIL_FIELD]: { property: EMAIL_PROPERTY, message: 'Email is required and always maps to the HubSpot email property.' } },
  reserved: { [OWNER_PROPERTY]: "it comes from the customer's owner (HubSpot → Owners)." },
};

export function localFields(customFields: CustomFieldDefinition[], rules: MappingRules = CONTACT_RULES): LocalField[] {
  return [
    ...rules.builtIns.map((f) => ({ field: f.key, label: f.label, kind: 'builtin' as const, type: f.type ?? ('text' as const), options: [] })),
    ...customFields
      .filter((f) => !f.archived)
      .map((f) => ({ field: `custom.${f.key}`, label: f.label, kind: 'custom' as const, type: f.type, options: f.options })),
  ];
}

/** Properties a mapping may target: writable, not calculated, not hidden. */
export function writableProperties(properties: Property[]): Property[] {
  return properties.filter((p) => !p.modificationMetadata?.readOnlyValue && !p.calculated && !p.hidden && !p.archived);
}

/** First-visit suggestions: the type's defaults, and custom fields whose key names a property. */
export function suggestMapping(fields: LocalField[], properties: Property[], rules: MappingRules = CONTACT_RULES): Mapping {
  const names = new Set(writableProperties(properties).map((p) => p.name).filter((name) => !rules.reserved?.[name]));
  const mapping: Mapping = Object.fromEntries(Object.entries(rules.locked).map(([field, lock]) => [field, lock.property]));
  for (const f of fields) {
    const candidate = f.kind === 'builtin' ? rules.defaults[f.field] : f.field.slice('custom.'.length);
    if (candidate && names.has(candidate)) mapping[f.field] = candidate;
  }
  return mapping;
}

/**
 * Why one field's mapping was refused, stable for clients: TYPE_MISMATCH (the local type cannot
 * fill the property's), OPTIONS_MISSING (the property lacks some of the field's choices),
 * UNKNOWN_FIELD, UNKNOWN_PROPERTY, READ_ONLY, RESERVED (hubsync fills it), TAKEN (another field
 * has it), LOCKED (the field always maps to one property).
 */
export type MappingProblemCode = 'TYPE_MISMATCH' | 'OPTIONS_MISSING' | 'UNKNOWN_FIELD' | 'UNKNOWN_PROPERTY' | 'READ_ONLY' | 'RESERVED' | 'TAKEN' | 'LOCKED';

export interface MappingProblem {
  field: string;
  code: MappingProblemCode;
  message: string;
}

function compatibility(field: LocalField, property: Property): Pick<MappingProblem, 'code' | 'message'> | null {
  const problem = mismatch(field, property);
  if (problem !== null) return { code: 'TYPE_MISMATCH', message: problem };
  if ((field.type !== 'single_choice' && field.type !== 'multiple_choice') || property.type !== 'enumeration') return null;
  const optionValues = new Set(property.options.map((o) => o.value));
  const missing = field.options.map((o) => o.value).filter((v) => !optionValues.has(v));
  if (missing.length === 0) return null;
  return { code: 'OPTIONS_MISSING', message: `${property.label} (${property.name}) does not allow the option${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; allowed: ${[...optionValues].join(', ')}.` };
}

function mismatch(field: LocalField, property: Property): string | null {
  const t = property.type;
  const label = `${property.label} (${property.name}) is a ${t} property`;
  const isText = t === 'string' || t === 'phone_number';
  switch (field.type) {
    case 'text':
      if (isText) return null;
      // The lifecycle stage is free text locally but HubSpot's own choice list remotely;
      // HubSpot checks each value and a refused one becomes that record's error.
      if (t === 'enumeration' && field.field === 'lifecycleStage') return null;
      return `${field.label} is free text and cannot fill ${label}.`;
    case 'tags':
      if (isText || (t === 'enumeration' && property.fieldType === 'checkbox')) return null;
      return `Tags are a list of text and need a text or multiple-checkbox property; ${label}.`;
    case 'number':
      return t === 'number' || isText ? null : `${field.label} is a number and cannot fill ${label}.`;
    case 'date':
      return t === 'date' || t === 'datetime' || isText ? null : `${field.label} is a date and cannot fill ${label}.`;
    case 'boolean':
      if (t === 'bool' || isText || (t === 'enumeration' && property.fieldType === 'booleancheckbox')) return null;
      return `${field.label} is yes/no and cannot fill ${label}.`;
    case 'single_choice':
    case 'multiple_choice': {
      if (isText) return null;
      if (t !== 'enumeration') return `${field.label} is a choice and cannot fill ${label}.`;
      if (field.type === 'multiple_choice' && property.fieldType !== 'checkbox') {
        return `${field.label} allows several choices but ${property.label} (${property.name}) holds only one.`;
      }
      return null; // the options are compared by compatibility()
    }
  }
}

/** Every reason the mapping cannot be saved, by field; empty when it is fine. */
export function validateMapping(mapping: Record<string, string | null>, fields: LocalField[], properties: Property[], rules: MappingRules = CONTACT_RULES): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const byName = new Map(writableProperties(properties).map((p) => [p.name, p]));
  const allByName = new Map(properties.map((p) => [p.name, p]));
  const used = new Map<string, string>();
  for (const [field, lock] of Object.entries(rules.locked)) {
    if (mapping[field] !== undefined && mapping[field] !== lock.property) problems.push({ field, code: 'LOCKED', message: lock.message });
  }
  for (const [fieldName, propertyName] of Object.entries(mapping)) {
    const field = fields.find((f) => f.field === fieldName);
    if (!field) {
      problems.push({ field: fieldName, code: 'UNKNOWN_FIELD', message: `is not a ${rules.noun} field of this workspace.` });
      continue;
    }
    if (propertyName === null || propertyName === '') continue;
    const reserved = rules.reserved?.[propertyName];
    if (reserved) {
      problems.push({ field: fieldName, code: 'RESERVED', message: `${propertyName} is filled by hubsync itself: ${reserved}` });
      continue;
    }
    const property = byName.get(propertyName);
    if (!property) {
      problems.push({
        field: fieldName,
        code: allByName.has(propertyName) ? 'READ_ONLY' : 'UNKNOWN_PROPERTY',
        message: allByName.has(propertyName) ? `${propertyName} is read-only in HubSpot.` : `HubSpot has no ${rules.hubspotNoun} property named ${propertyName}.`,
      });
      continue;
    }
    const other = used.get(propertyName);
    if (other) {
      problems.push({ field: fieldName, code: 'TAKEN', message: `${property.label} (${propertyName}) is already filled by ${fields.find((f) => f.field === other)?.label ?? other}; one property takes one field.` });
      continue;
    }
    used.set(propertyName, fieldName);
    const problem = compatibility(field, property);
    if (problem) problems.push({ field: fieldName, ...problem });
  }
  return problems;
}

/** A record's value for a mapping field: a built-in field by name, `custom.<key>` from its custom values. */
export function readField(record: { custom: Readonly<Record<string, unknown>> }, field: string): unknown {
  if (field.startsWith('custom.')) return record.custom[field.slice('custom.'.length)];
  return (record as unknown as Record<string, unknown>)[field];
}

/** A local value written the way HubSpot stores it: every value a string, `""` clears. */
export function formatValue(value: unknown, property: Property | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  const text = String(value);
  if (property?.type === 'datetime' && /^\d{4}-\d{2}-\d{2}$/.test(text)) return String(Date.parse(`${text}T00:00:00Z`));
  return text;
}

/** The property values a customer pushes under a mapping (email first, then by field). */
export function propertiesFor(values: CustomerValues, mapping: Mapping, properties: Map<string, Property>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of Object.keys(mapping).sort()) {
    const property = mapping[field]!;
    out[property] = formatValue(readField(values, field), properties.get(property));
  }
  if (values.email) out[EMAIL_PROPERTY] = values.email.trim();
  return out;
}

/**
 * The properties whose value differs from the base (HubSpot property → value last agreed); a
 * property missing from the base differs.
 *
 * @example changedProperties({ firstname: 'Ana', city: 'Bern' }, { firstname: 'Ana', city: 'Basel' }) // { city: 'Bern' }
 */
export function changedProperties(properties: Readonly<Record<string, string>>, base: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).filter(([property, value]) => base[property] !== value));
}

/** Stable hash of pushed values: equal hashes mean "nothing to update". */
export function hashProperties(properties: Record<string, string>): string {
  const sorted = Object.keys(properties)
    .sort()
    .map((k) => [k, properties[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 22);
}

/**
 * The hash a record's status compares: its pushed values and, when it has any, its local links
 * (an adapter's `links`), so a changed link makes the record Needs update like a changed value.
 */
export function recordHash(properties: Record<string, string>, links: string | null | undefined): string {
  return links ? hashProperties({ ...properties, '\u0000links': links }) : hashProperties(properties);
}
