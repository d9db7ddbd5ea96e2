// The field rules every record type shares (customers, organizations, deals): custom field
// types and values, tags, externalId, and the text hubsync refuses to store. Pure (no database),
// so the API, the CSV import and the bulk upsert of every type validate alike.
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

export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** A custom text value: HubSpot's limit for a text property value. */
export const MAX_TEXT = 65_535;
/** The host application's id for a record. */
export const MAX_EXTERNAL_ID = 255;

// In a `u` regex a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text hubsync will not store: the NUL character (PostgreSQL cannot hold it, and no field needs
 * it) and unpaired UTF-16 surrogates (not Unicode text; JSON can smuggle them in as \ud800).
 * Returns the problem, or null when the text is fine.
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired surrogate, which is not valid Unicode text';
  return null;
}

/** The externalId: text of at most 255 characters; null or "" clears it. */
export function validateExternalId(raw: unknown): FieldResult<string | null> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, message: 'must be text (or null to clear it)' };
  const problem = textProblem(raw);
  if (problem) return { ok: false, message: problem };
  if (raw.length > MAX_EXTERNAL_ID) return { ok: false, message: `must be at most ${MAX_EXTERNAL_ID} characters` };
  return { ok: true, value: raw };
}
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date written `YYYY-MM-DD` that exists (no 2026-02-30). */
export function validateCalendarDate(raw: unknown): FieldResult<string> {
  if (typeof raw !== 'string' || !ISO_DATE.test(raw)) return { ok: false, message: 'must be a date written YYYY-MM-DD' };
  const date = new Date(`${raw}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw) return { ok: false, message: `${raw} is not a real calendar date` };
  return { ok: true, value: raw };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A point in time in ISO 8601 with seconds and a zone (`Z` or an offset), as epoch ms.
 * 2026-02-30T00:00:00Z is refused, not rolled over to March.
 */
export function validateTimestamp(raw: unknown): FieldResult<number> {
  const refused = { ok: false, message: 'must be an ISO 8601 time with a zone, such as 2026-01-01T09:30:00Z' } as const;
  if (typeof raw !== 'string' || !ISO_TIME.test(raw)) return refused;
  const day = validateCalendarDate(raw.slice(0, 10));
  const ms = Date.parse(raw);
  if (!day.ok || Number.isNaN(ms)) return { ok: false, message: `${raw} is not a real calendar time` };
  return { ok: true, value: ms };
}

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

/** The empty address and phone of every record type that has one (customers, organizations). */
export const EMPTY_ADDRESS = { phone: null, street: null, city: null, postalCode: null, region: null, country: null } as const;

/**
 * A built-in text value: stored as entered, trimmed of surrounding white space; blank clears it.
 * The one rule for every type's text fields, so their limits read the same in every error.
 */
export function validateText(raw: unknown, maxLength: number): FieldResult<string | null> {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, message: 'must be text' };
  const problem = textProblem(raw);
  if (problem) return { ok: false, message: problem };
  const value = raw.trim();
  if (value === '') return { ok: true, value: null };
  if (value.length > maxLength) return { ok: false, message: `must be at most ${maxLength} characters` };
  return { ok: true, value };
}
