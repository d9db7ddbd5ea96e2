// Turns loosely-typed input (API JSON, a CSV row) into validated customer values, reporting
// every failing field by name. Pure: the caller supplies the workspace's custom fields.
import { applyFieldChanges, type FieldProblem, type RecordPatch } from '../records/index.js';
import type { CustomerValues } from '../store/index.js';
import {
  BUILT_IN_FIELDS,
  validateBuiltInValue,
  validateCustomValue,
  validateExternalId,
  validateTags,
  type CustomFieldDefinition,
  type CustomValue,
} from './fields.js';

/** A partial change: only the keys present are touched; null clears. */
export type CustomerPatch = RecordPatch<Omit<CustomerValues, 'custom'>>;

export type { FieldProblem };

export type PatchResult = { ok: true; patch: CustomerPatch } | { ok: false; problems: FieldProblem[] };

/**
 * Validates a `custom: { key: value }` input against the record type's custom fields, adding a
 * problem per bad key (unknown, archived, wrong value) to `problems`. Shared by every record
 * type with custom fields.
 */
export function validateCustomInput(raw: unknown, fields: CustomFieldDefinition[], problems: FieldProblem[]): Record<string, CustomValue | null> {
  const values: Record<string, CustomValue | null> = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ field: 'custom', message: 'must be an object of custom field values' });
    return values;
  }
  for (const [customKey, value] of Object.entries(raw as Record<string, unknown>)) {
    const definition = fields.find((f) => f.key === customKey);
    if (!definition) {
      problems.push({ field: `custom.${customKey}`, message: 'is not a custom field of this workspace' });
      continue;
    }
    if (definition.archived) {
      problems.push({ field: `custom.${customKey}`, message: 'is archived and cannot be written' });
      continue;
    }
    const result = validateCustomValue(definition, value);
    if (result.ok) values[customKey] = result.value;
    else problems.push({ field: `custom.${customKey}`, message: result.message });
  }
  return values;
}

/**
 * Validates the fields present in `input` (built-in keys, `tags`, and `custom: { key: value }`).
 * Unknown keys are problems, not silently dropped, so a typo never loses data unnoticed.
 */
export function validateCustomerPatch(
  input: Record<string, unknown>,
  fields: CustomFieldDefinition[],
  allowed: { externalId?: boolean } = {},
): PatchResult {
  const problems: FieldProblem[] = [];
  const patch: CustomerPatch = { values: {}, custom: {} };
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'externalId' && allowed.externalId) {
      const result = validateExternalId(raw);
      if (!result.ok) problems.push({ field: 'externalId', message: result.message });
      continue;
    }
    if (key === 'tags') {
      const result = validateTags(raw);
      if (result.ok) patch.values.tags = result.value;
      else problems.push({ field: 'tags', message: result.message });
      continue;
    }
    if (key === 'custom') {
      Object.assign(patch.custom, validateCustomInput(raw, fields, problems));
      continue;
    }
    const builtIn = BUILT_IN_FIELDS.find((f) => f.key === key);
    if (!builtIn) {
      problems.push({ field: key, message: 'is not a customer field' });
      continue;
    }
    const result = validateBuiltInValue(builtIn.key, raw);
    if (result.ok) patch.values[builtIn.key] = result.value;
    else problems.push({ field: key, message: result.message });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, patch };
}

/**
 * Applies a patch to current values and stamps every field whose value really changed with
 * `now`, leaving the others' timestamps alone: the per-field history two-way sync needs.
 */
export function applyPatch(
  current: CustomerValues,
  fieldUpdatedAt: Record<string, number>,
  patch: CustomerPatch,
  now: number,
): { values: CustomerValues; fieldUpdatedAt: Record<string, number>; changed: string[] } {
  return applyFieldChanges(current, fieldUpdatedAt, patch, now);
}

export const EMPTY_VALUES: CustomerValues = {
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
