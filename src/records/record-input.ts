// Turns loosely-typed input (API JSON, a CSV row) into a validated partial change of any record
// type, reporting every failing field by name, and applies it with per-field timestamps. Pure:
// the caller supplies its type's built-in fields and the workspace's custom fields.
import { AppError } from '../lib/index.js';
import { validateCustomValue, validateExternalId, validateTags, type CustomFieldDefinition, type CustomValue, type FieldResult } from './fields.js';

/** A record type's built-in field: its API key and the rule its values pass. */
export interface BuiltInFieldRule {
  readonly key: string;
  validate(raw: unknown): FieldResult<unknown>;
}

/** What every record type's values have besides its built-in fields. */
export interface RecordValuesBase {
  tags?: string[];
  custom: Record<string, CustomValue>;
}

/** A partial change: only the keys present are touched; null clears. */
export interface RecordPatch<V> {
  values: Partial<Omit<V, 'custom'>>;
  custom: Record<string, CustomValue | null>;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export type RecordPatchResult<V> = { ok: true; patch: RecordPatch<V> } | { ok: false; problems: FieldProblem[] };

export interface PatchRules {
  builtIns: readonly BuiltInFieldRule[];
  /** Named in the error for an unknown key: "is not a customer field". */
  noun: string;
  /** Whether the type has a tag list. */
  tags: boolean;
}

/**
 * Validates the fields present in `input` (built-in keys, `tags`, and `custom: { key: value }`).
 * Unknown keys are problems, not silently dropped, so a typo never loses data unnoticed; keys in
 * `skip` are the caller's (links such as `organizationIds`), checked elsewhere.
 */
export function validateRecordPatch<V>(
  input: Record<string, unknown>,
  rules: PatchRules,
  fields: CustomFieldDefinition[],
  allowed: { externalId?: boolean; skip?: readonly string[] } = {},
): RecordPatchResult<V> {
  const problems: FieldProblem[] = [];
  const values: Record<string, unknown> = {};
  const patch: RecordPatch<V> = { values: values as RecordPatch<V>['values'], custom: {} };
  for (const [key, raw] of Object.entries(input)) {
    if (allowed.skip?.includes(key)) continue;
    if (key === 'externalId' && allowed.externalId) {
      const result = validateExternalId(raw);
      if (!result.ok) problems.push({ field: 'externalId', message: result.message });
      continue;
    }
    if (key === 'tags' && rules.tags) {
      const result = validateTags(raw);
      if (result.ok) values['tags'] = result.value;
      else problems.push({ field: 'tags', message: result.message });
      continue;
    }
    if (key === 'custom') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push({ field: 'custom', message: 'must be an object of custom field values' });
        continue;
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
        if (result.ok) patch.custom[customKey] = result.value;
        else problems.push({ field: `custom.${customKey}`, message: result.message });
      }
      continue;
    }
    const builtIn = rules.builtIns.find((f) => f.key === key);
    if (!builtIn) {
      problems.push({ field: key, message: `is not ${/^[aeiou]/.test(rules.noun) ? 'an' : 'a'} ${rules.noun} field` });
      continue;
    }
    const result = builtIn.validate(raw);
    if (result.ok) values[builtIn.key] = result.value;
    else problems.push({ field: key, message: result.message });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, patch };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Applies a patch to current values and stamps every field whose value really changed with
 * `now`, leaving the others' timestamps alone: the per-field history two-way sync needs.
 */
export function applyPatch<V extends RecordValuesBase>(
  current: V,
  fieldUpdatedAt: Record<string, number>,
  patch: RecordPatch<V>,
  now: number,
): { values: V; fieldUpdatedAt: Record<string, number>; changed: string[] } {
  const values: V = { ...current, custom: { ...current.custom } };
  const stamps = { ...fieldUpdatedAt };
  const changed: string[] = [];
  for (const [key, value] of Object.entries(patch.values)) {
    if (sameValue((current as Record<string, unknown>)[key], value)) continue;
    (values as Record<string, unknown>)[key] = value;
    stamps[key] = now;
    changed.push(key);
  }
  for (const [key, value] of Object.entries(patch.custom)) {
    if (sameValue(current.custom[key], value)) continue;
    if (value === null) delete values.custom[key];
    else values.custom[key] = value;
    stamps[`custom.${key}`] = now;
    changed.push(`custom.${key}`);
  }
  return { values, fieldUpdatedAt: stamps, changed };
}

/** One 400 for a record's failing fields: the first named in the message, all in details. */
export function invalidFields(problems: FieldProblem[]): AppError {
  const first = problems[0]!;
  const message =
    problems.length === 1 ? `${first.field} ${first.message}` : `${problems.length} fields are invalid; first: ${first.field} ${first.message}`;
  return new AppError('VALIDATION_FAILED', message, { field: first.field, problems });
}
