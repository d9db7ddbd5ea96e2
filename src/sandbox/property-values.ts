// Checks and normalises property values the way HubSpot does before a write: every value
// becomes a string, "" (or null) clears, and values must fit the property's type and options.
// Pure, so the rules are unit-tested without a server.

import { hubSpotAcceptsEmail, invalidEmailMessage } from '../hubspot/email-rule.js';
import type { PropertyDefinition } from './default-properties.js';
import type { PropertyProblem } from './hubspot-errors.js';

export interface CheckedValues {
  values: Record<string, string>;
  problems: PropertyProblem[];
}

const NUMBER_PATTERN = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MS = /^-?\d{1,15}$/;

function problem(name: string, error: string, message: string, localized = false): PropertyProblem {
  return localized
    ? { isValid: false, message, error, name, localizedErrorMessage: message }
    : { isValid: false, message, error, name };
}

/** Turns an incoming JSON value into HubSpot's string form; null and undefined clear. */
export function toPropertyString(raw: unknown): string {
  if (raw === null || raw === undefined) return '';
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') return String(raw);
  return JSON.stringify(raw);
}

/** Parses ISO 8601 or epoch milliseconds; undefined when neither. */
export function parseDateValue(value: string): number | undefined {
  if (EPOCH_MS.test(value)) return Number(value);
  if (DATE_ONLY.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function checkOne(def: PropertyDefinition, value: string): { value: string } | PropertyProblem {
  const name = def.name;
  if (name === 'email') {
    // HubSpot stores contact emails lower-cased and trimmed.
    const email = value.trim().toLowerCase();
    return hubSpotAcceptsEmail(email) ? { value: email } : problem(name, 'INVALID_EMAIL', invalidEmailMessage(value));
  }
  switch (def.type) {
    case 'string':
      return { value };
    case 'number':
      if (!NUMBER_PATTERN.test(value.trim())) {
        return problem(name, 'INVALID_LONG', `${value} was not a valid number.`, true);
      }
      return { value: value.trim() };
    case 'bool': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        return problem(name, 'INVALID_BOOLEAN', `${value} was not a valid boolean.`, true);
      }
      return { value: lower };
    }
    case 'enumeration': {
      if (def.options.length === 0) return { value };
      const allowed = def.options.map((o) => o.value);
      const chosen = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = chosen.find((v) => !allowed.includes(v));
      if (bad !== undefined) {
        return problem(name, 'INVALID_OPTION', `${bad} was not one of the allowed options: [${allowed.join(', ')}]`, true);
      }
      return { value };
    }
    case 'date':
    case 'datetime': {
      const ms = parseDateValue(value);
      if (ms === undefined) return problem(name, 'INVALID_DATE', `${value} is not a valid date.`, true);
      if (def.type === 'date') {
        if (ms % 86_400_000 !== 0) {
          return problem(name, 'INVALID_DATE', `${value} is not at midnight UTC; date properties need a whole day.`, true);
        }
        return { value: new Date(ms).toISOString().slice(0, 10) };
      }
      if (EPOCH_MS.test(value)) return { value: new Date(ms).toISOString() };
      if (DATE_ONLY.test(value)) return { value: `${value}T00:00:00Z` };
      return { value };
    }
  }
}

/**
 * Checks every input property against its definition. Unknown names, read-only properties and
 * bad values become problems; the rest come back normalised. `""` always passes (it clears).
 */
export function checkPropertyValues(
  definitions: ReadonlyMap<string, PropertyDefinition>,
  input: Record<string, unknown>,
  portalId: number,
): CheckedValues {
  const values: Record<string, string> = {};
  const problems: PropertyProblem[] = [];
  for (const [name, raw] of Object.entries(input)) {
    const def = definitions.get(name);
    if (!def || def.archived) {
      const message = `Property "${name}" does not exist`;
      problems.push({ isValid: false, message, error: 'PROPERTY_DOESNT_EXIST', name, localizedErrorMessage: message, portalId });
      continue;
    }
    const value = toPropertyString(raw);
    if (def.modificationMetadata.readOnlyValue) {
      problems.push(problem(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`, true));
      continue;
    }
    if (value === '') {
      values[name] = '';
      continue;
    }
    const result = checkOne(def, value);
    if ('isValid' in result) problems.push(result);
    else values[name] = result.value;
  }
  return { values, problems };
}
