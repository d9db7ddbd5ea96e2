// The organization's built-in fields and their rules, on the shared record rules (src/records).
// Pure: the owner's membership of the workspace is checked by the service, which can read it.
import { normalizeDomain } from '../lib/index.js';
import { EMPTY_ADDRESS, validateOwnerUserId, validateText, type BuiltInFieldRule, type FieldResult, type PatchRules } from '../records/index.js';
import type { OrganizationValues } from '../store/index.js';

/** The largest annual revenue text: 30 digits with a point is beyond any company's. */
const MAX_DECIMAL_LENGTH = 32;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

function textField(key: keyof OrganizationValues, label: string, maxLength: number): BuiltInFieldRule & { label: string } {
  return { key, label, validate: (raw) => validateText(raw, maxLength) };
}

/** A domain is kept as entered (trimmed) and must normalize (lib/domain-name.ts). */
export function validateDomain(raw: unknown): FieldResult<string | null> {
  const text = validateText(raw, 2000);
  if (!text.ok || text.value === null) return text;
  const key = normalizeDomain(text.value);
  return key.ok ? text : { ok: false, message: `"${text.value}" is not a domain: ${key.reason}` };
}

/** A whole number ≥ 0: a JSON number, or digits (a CSV cell). */
export function validateEmployeeCount(raw: unknown): FieldResult<number | null> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  const value = typeof raw === 'string' && /^\s*\d{1,15}\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return { ok: false, message: 'must be a whole number of 0 or more' };
  return { ok: true, value };
}

/** A decimal number kept as text, so no precision is lost: `1250000.50`; a JSON number is accepted too. */
export function validateDecimal(raw: unknown): FieldResult<string | null> {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { ok: false, message: 'must be a finite number' };
    raw = String(raw);
  }
  if (typeof raw !== 'string') return { ok: false, message: 'must be a decimal number such as 1250000.50' };
  const text = raw.trim();
  if (text === '') return { ok: true, value: null };
  if (!DECIMAL.test(text) || text.length > MAX_DECIMAL_LENGTH) {
    return { ok: false, message: `must be a decimal number such as 1250000.50 (digits, one optional point, at most ${MAX_DECIMAL_LENGTH} characters)` };
  }
  return { ok: true, value: text };
}

export const ORGANIZATION_FIELDS: readonly (BuiltInFieldRule & { label: string })[] = [
  textField('name', 'Name', 500),
  { key: 'domain', label: 'Domain', validate: validateDomain },
  textField('website', 'Website', 2000),
  textField('phone', 'Phone', 50),
  textField('street', 'Street address', 500),
  textField('city', 'City', 200),
  textField('postalCode', 'Postal code', 40),
  textField('region', 'Region / state', 200),
  textField('country', 'Country', 200),
  textField('industry', 'Industry', 200),
  { key: 'numberOfEmployees', label: 'Number of employees', validate: validateEmployeeCount },
  { key: 'annualRevenue', label: 'Annual revenue', validate: validateDecimal },
  textField('lifecycleStage', 'Lifecycle stage', 100),
  { key: 'ownerUserId', label: 'Owner', validate: validateOwnerUserId },
];

/** Every built-in key, including the tag list (a custom field may not take one). */
export const ORGANIZATION_FIELD_KEYS: readonly string[] = [...ORGANIZATION_FIELDS.map((f) => f.key), 'tags'];

/** The organization's fields for the shared patch validation (records/record-input.ts). */
export const ORGANIZATION_RULES: PatchRules = { builtIns: ORGANIZATION_FIELDS, noun: 'organization', tags: true };

export const EMPTY_ORGANIZATION: OrganizationValues = {
  name: null,
  domain: null,
  website: null,
  ...EMPTY_ADDRESS,
  industry: null,
  numberOfEmployees: null,
  annualRevenue: null,
  lifecycleStage: null,
  ownerUserId: null,
  tags: [],
  custom: {},
};
