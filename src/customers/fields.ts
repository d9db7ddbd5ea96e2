// The customer's field catalog: built-in fields every workspace has, and the custom field types
// a workspace admin can add. Validation here is pure (no database) so it is shared by the API,
// the CSV import and the bulk upsert, and unit-tested on its own.
import { checkEmailAddress } from '../lib/index.js';
import { textProblem, validateCalendarDate, validateText, type FieldResult } from '../records/index.js';

export { MAX_EXTERNAL_ID, textProblem, validateExternalId, type FieldResult } from '../records/index.js';

export const BUILT_IN_FIELDS = [
  { key: 'firstName', label: 'First name', column: 'first_name', maxLength: 200 },
  { key: 'lastName', label: 'Last name', column: 'last_name', maxLength: 200 },
  { key: 'email', label: 'Email', column: 'email', maxLength: 254 },
  { key: 'phone', label: 'Phone', column: 'phone', maxLength: 50 },
  { key: 'street', label: 'Street address', column: 'street', maxLength: 500 },
  { key: 'city', label: 'City', column: 'city', maxLength: 200 },
  { key: 'postalCode', label: 'Postal code', column: 'postal_code', maxLength: 40 },
  { key: 'region', label: 'Region / state', column: 'region', maxLength: 200 },
  { key: 'country', label: 'Country', column: 'country', maxLength: 200 },
  { key: 'companyName', label: 'Company name', column: 'company_name', maxLength: 500 },
  { key: 'lifecycleStage', label: 'Lifecycle stage', column: 'lifecycle_stage', maxLength: 100 },
] as const;

export type BuiltInTextField = (typeof BUILT_IN_FIELDS)[number]['key'];
/** Every built-in field, including the tag list. */
export type BuiltInField = BuiltInTextField | 'tags';

export const BUILT_IN_FIELD_KEYS: readonly BuiltInField[] = [...BUILT_IN_FIELDS.map((f) => f.key), 'tags'];

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'single_choice', 'multiple_choice'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface ChoiceOption {
  value: string;
  label: string;
}

export interface CustomFieldDefinition {
  id: string;
  key: string;
  label: string;
  type: CustomFieldType;
  options: ChoiceOption[];
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export type CustomValue = string | number | boolean | string[];

/** A custom text value: HubSpot's limit for a text property value. */
export const MAX_TEXT = 65_535;

/** Checks a custom field value against its definition; null clears the value. */
export function validateCustomValue(definition: CustomFieldDefinition, raw: unknown): FieldResult<CustomValue | null> {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  const texts = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
  for (const text of texts) {
    const problem = textProblem(text);
    if (problem) return { ok: false, message: problem };
  }
  switch (definition.type) {
    case 'text':
      if (typeof raw !== 'string') return { ok: false, message: 'must be text' };
      if (raw.length > MAX_TEXT) return { ok: false, message: `must be at most ${MAX_TEXT} characters` };
      return { ok: true, value: raw };
    case 'number':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return { ok: false, message: 'must be a finite number' };
      return { ok: true, value: raw };
    case 'date':
      return validateCalendarDate(raw);
    case 'boolean':
      if (typeof raw !== 'boolean') return { ok: false, message: 'must be true or false' };
      return { ok: true, value: raw };
    case 'single_choice': {
      if (typeof raw !== 'string') return { ok: false, message: 'must be one of the field options' };
      if (!definition.options.some((o) => o.value === raw)) {
        return { ok: false, message: `"${raw}" is not one of the options: ${definition.options.map((o) => o.value).join(', ')}` };
      }
      return { ok: true, value: raw };
    }
    case 'multiple_choice': {
      if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
        return { ok: false, message: 'must be a list of field options' };
      }
      const values = raw as string[];
      const unknown = values.filter((v) => !definition.options.some((o) => o.value === v));
      if (unknown.length > 0) {
        return { ok: false, message: `"${unknown.join('", "')}" not among the options: ${definition.options.map((o) => o.value).join(', ')}` };
      }
      return { ok: true, value: [...new Set(values)] };
    }
  }
}

/**
 * Turns CSV cell text into a typed custom value (CSV has only strings): numbers, booleans
 * (true/false/yes/no/1/0), dates, and `;`-separated multiple choices.
 */
export function parseCustomValueText(definition: CustomFieldDefinition, text: string): FieldResult<CustomValue | null> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  switch (definition.type) {
    case 'number': {
      const n = Number(trimmed);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: `"${text}" is not a number` };
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', 'yes', '1', 'y'].includes(lower)) return { ok: true, value: true };
      if (['false', 'no', '0', 'n'].includes(lower)) return { ok: true, value: false };
      return { ok: false, message: `"${text}" is not true/false` };
    }
    case 'multiple_choice':
      return validateCustomValue(definition, trimmed.split(';').map((v) => v.trim()).filter((v) => v !== ''));
    case 'text':
      return validateCustomValue(definition, text);
    default:
      return validateCustomValue(definition, trimmed);
  }
}

/**
 * Built-in field values are stored as entered (trimmed of surrounding white space). The email
 * must pass hubsync's one email rule (lib/email-address.ts, what HubSpot accepts), so an
 * address that could never become a contact is refused at the door with the reason.
 */
export function validateBuiltInValue(key: BuiltInTextField, raw: unknown): FieldResult<string | null> {
  const field = BUILT_IN_FIELDS.find((f) => f.key === key)!;
  const checked = validateText(raw, field.maxLength);
  if (!checked.ok || checked.value === null || key !== 'email') return checked;
  const verdict = checkEmailAddress(checked.value);
  if (!verdict.ok) return { ok: false, message: `"${checked.value}" is not a valid email address: ${verdict.reason}` };
  return checked;
}

export function validateTags(raw: unknown): FieldResult<string[]> {
  if (raw === null || raw === undefined) return { ok: true, value: [] };
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string')) return { ok: false, message: 'must be a list of text tags' };
  const problem = (raw as string[]).map(textProblem).find((p) => p !== null);
  if (problem) return { ok: false, message: `each tag ${problem}` };
  const tags = [...new Set((raw as string[]).map((t) => t.trim()).filter((t) => t !== ''))];
  if (tags.some((t) => t.length > 100)) return { ok: false, message: 'each tag must be at most 100 characters' };
  if (tags.length > 200) return { ok: false, message: 'at most 200 tags' };
  return { ok: true, value: tags };
}

/** A custom field key: lower-case letters, digits and underscores, starting with a letter. */
export const CUSTOM_FIELD_KEY = /^[a-z][a-z0-9_]{0,62}$/;
