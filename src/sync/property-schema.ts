// HubSpot's schema and hubsync's custom fields, translated both ways (pure: no database or
// network): the local field type and options a HubSpot property becomes, the property a local
// custom field becomes, and which new HubSpot options a mapped choice field lacks. The mapping
// service does the I/O; field-mapping.ts's compatibility rules decide what may be mapped.
import type { Property, PropertyCreate, PropertyOption } from '../hubspot/index.js';
import type { ChoiceOption, CustomFieldType } from '../records/index.js';

/** What a HubSpot property becomes locally, or why it cannot become a field. */
export type LocalShape = { ok: true; type: CustomFieldType; options: ChoiceOption[] } | { ok: false; message: string };

/** HubSpot's option values hubsync can keep: its own choice values may not hold `;` (HubSpot's separator of several). */
function choiceOptions(options: readonly PropertyOption[]): ChoiceOption[] {
  return [...options]
    .sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0))
    .map((o) => ({ value: o.value, label: o.label.trim() === '' ? o.value : o.label }));
}

/**
 * The local custom field type (and options) for a HubSpot property.
 *
 * @example localShapeOf({ type: 'enumeration', fieldType: 'checkbox', options: [{ value: 'a', label: 'A' }], … }) // { ok: true, type: 'multiple_choice', options: [{ value: 'a', label: 'A' }] }
 */
export function localShapeOf(property: Pick<Property, 'name' | 'label' | 'type' | 'fieldType' | 'options'>): LocalShape {
  const named = `${property.label} (${property.name})`;
  switch (property.type) {
    case 'string':
    case 'phone_number':
      return { ok: true, type: 'text', options: [] };
    case 'number':
      return { ok: true, type: 'number', options: [] };
    case 'date':
      return { ok: true, type: 'date', options: [] };
    case 'bool':
      return { ok: true, type: 'boolean', options: [] };
    case 'enumeration': {
      if (property.fieldType === 'booleancheckbox') return { ok: true, type: 'boolean', options: [] };
      const options = choiceOptions(property.options);
      if (options.length === 0) return { ok: false, message: `${named} is a choice property without options; add options in HubSpot first.` };
      const bad = options.find((o) => o.value.includes(';'));
      if (bad) return { ok: false, message: `${named} has the option "${bad.value}", and hubsync's choice values cannot contain ";".` };
      return { ok: true, type: property.fieldType === 'checkbox' ? 'multiple_choice' : 'single_choice', options };
    }
    case 'datetime':
      return { ok: false, message: `${named} is a date-and-time property; hubsync's date fields hold a calendar day, so no local field type matches it.` };
    default:
      return { ok: false, message: `${named} is a ${property.type} property, which has no local field type.` };
  }
}

/** The group HubSpot puts each object type's main properties in; a new property goes there. */
export const MAIN_PROPERTY_GROUPS: Readonly<Record<string, string>> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
};

/**
 * The HubSpot property created for a local custom field: named after the field's key (both allow
 * lower-case letters, digits and underscores), in the type's main group.
 *
 * @example propertyCreateFor('contacts', { key: 'tier', label: 'Tier', type: 'single_choice', options: [{ value: 'gold', label: 'Gold' }] })
 * // { name: 'tier', label: 'Tier', type: 'enumeration', fieldType: 'select', groupName: 'contactinformation', options: [{ value: 'gold', label: 'Gold', displayOrder: 0 }] }
 */
export function propertyCreateFor(objectType: string, field: { key: string; label: string; type: CustomFieldType; options: readonly ChoiceOption[] }): PropertyCreate {
  const base = { name: field.key, label: field.label, groupName: MAIN_PROPERTY_GROUPS[objectType] ?? 'default', description: 'Created by hubsync for a custom field.' };
  const options = field.options.map((o, i) => ({ value: o.value, label: o.label, displayOrder: i }));
  switch (field.type) {
    case 'text':
      return { ...base, type: 'string', fieldType: 'text' };
    case 'number':
      return { ...base, type: 'number', fieldType: 'number' };
    case 'date':
      return { ...base, type: 'date', fieldType: 'date' };
    case 'boolean':
      return { ...base, type: 'bool', fieldType: 'booleancheckbox', options: [{ value: 'true', label: 'Yes', displayOrder: 0 }, { value: 'false', label: 'No', displayOrder: 1 }] };
    case 'single_choice':
      return { ...base, type: 'enumeration', fieldType: 'select', options };
    case 'multiple_choice':
      return { ...base, type: 'enumeration', fieldType: 'checkbox', options };
  }
}

/**
 * A choice field's options after HubSpot's: HubSpot's order and labels, new values added, and the
 * values HubSpot dropped kept at the end (records may hold them; hubsync never removes an option).
 * Null when nothing changed.
 */
export function optionsInStep(local: readonly ChoiceOption[], property: Pick<Property, 'options'>): ChoiceOption[] | null {
  const remote = choiceOptions(property.options).filter((o) => !o.value.includes(';'));
  const remoteValues = new Set(remote.map((o) => o.value));
  const next = [...remote, ...local.filter((o) => !remoteValues.has(o.value))];
  const same = next.length === local.length && next.every((o, i) => o.value === local[i]!.value && o.label === local[i]!.label);
  return same ? null : next;
}
