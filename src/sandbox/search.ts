// CRM search semantics, kept pure: request validation (HubSpot's limits), filter matching
// (AND inside a group, OR across groups), the free-text query, one sort, and offset paging
// with the 10,000-result ceiling.

import type { PropertyType } from './default-properties.js';
import { parseDateValue } from './property-values.js';
import { ApiError, validationError } from './hubspot-errors.js';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_RESULT_CAP = 10_000;

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface SearchFilter {
  propertyName: string;
  operator: Operator;
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchSort {
  propertyName: string;
  direction: 'ASCENDING' | 'DESCENDING';
}

export interface SearchQuery {
  groups: SearchFilter[][];
  sort: SearchSort | undefined;
  query: string | undefined;
  properties: string[] | undefined;
  limit: number;
  offset: number;
}

type Getter = (name: string) => string | undefined;
type TypeOf = (name: string) => PropertyType | undefined;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Filter values: HubSpot takes strings, and numbers or booleans it reads as their text. */
function scalar(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  throw validationError(`${where} must be a string, a number or a boolean.`);
}

/** A whole number ≥ 0, given as a JSON number or as decimal digits (HubSpot reads both). */
function wholeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/** Operators by what they compare against: nothing, one value, a range, or a list. */
const NEEDS: Record<Operator, 'none' | 'value' | 'range' | 'values'> = {
  EQ: 'value',
  NEQ: 'value',
  LT: 'value',
  LTE: 'value',
  GT: 'value',
  GTE: 'value',
  BETWEEN: 'range',
  IN: 'values',
  NOT_IN: 'values',
  HAS_PROPERTY: 'none',
  NOT_HAS_PROPERTY: 'none',
  CONTAINS_TOKEN: 'value',
  NOT_CONTAINS_TOKEN: 'value',
};

function parseFilter(raw: unknown, where: string): SearchFilter {
  if (!isRecord(raw)) throw validationError(`${where} must be an object with propertyName, operator and value(s).`);
  const propertyName = raw['propertyName'];
  if (typeof propertyName !== 'string' || propertyName === '') throw validationError(`${where}.propertyName is required: the name of the property to filter on.`);
  const operator = raw['operator'];
  if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
    const shown = operator === undefined ? 'is missing' : `${JSON.stringify(operator)} is not an operator`;
    throw validationError(`${where}.operator ${shown}. Allowed: ${OPERATORS.join(', ')}.`);
  }
  const filter: SearchFilter = { propertyName, operator: operator as Operator };
  const value = scalar(raw['value'], `${where}.value`);
  if (value !== undefined) filter.value = value;
  const highValue = scalar(raw['highValue'], `${where}.highValue`);
  if (highValue !== undefined) filter.highValue = highValue;
  const values = raw['values'];
  if (values !== undefined && values !== null) {
    if (!Array.isArray(values)) throw validationError(`${where}.values must be an array.`);
    filter.values = values.map((v, i) => scalar(v, `${where}.values[${i}]`) ?? '');
  }
  const needs = NEEDS[filter.operator];
  if ((needs === 'value' || needs === 'range') && filter.value === undefined) throw validationError(`${where}: ${operator} needs a value.`);
  if (needs === 'range' && filter.highValue === undefined) throw validationError(`${where}: BETWEEN needs a value and a highValue.`);
  if (needs === 'values' && (filter.values === undefined || filter.values.length === 0)) throw validationError(`${where}: ${operator} needs a non-empty values array.`);
  return filter;
}

/** Validates a search body and applies HubSpot's limits; throws `ApiError` (400) when it breaks one. */
export function parseSearchRequest(body: unknown): SearchQuery {
  if (body !== undefined && !isRecord(body)) throw validationError('The search request must be a JSON object.');
  const b = body ?? {};
  const rawGroups = b['filterGroups'] ?? [];
  if (!Array.isArray(rawGroups)) throw validationError('filterGroups must be an array of { filters: [...] } objects.');
  if (rawGroups.length > 5) throw validationError('Too many filter groups: a search may have at most 5 filterGroups.');
  let total = 0;
  const groups: SearchFilter[][] = rawGroups.map((g, gi) => {
    const filters = isRecord(g) ? g['filters'] : undefined;
    if (!Array.isArray(filters)) throw validationError(`filterGroups[${gi}] must be an object with a filters array.`);
    if (filters.length > 6) throw validationError('Too many filters: a filter group may have at most 6 filters.');
    total += filters.length;
    return filters.map((f, fi) => parseFilter(f, `filterGroups[${gi}].filters[${fi}]`));
  });
  if (total > 18) throw validationError('Too many filters: a search may have at most 18 filters in all.');

  const rawSorts = b['sorts'] ?? [];
  if (!Array.isArray(rawSorts)) throw validationError('sorts must be an array.');
  if (rawSorts.length > 1) throw validationError('A search may have only one sort.');
  let sort: SearchSort | undefined;
  const first: unknown = rawSorts[0];
  if (typeof first === 'string') {
    sort = first.startsWith('-')
      ? { propertyName: first.slice(1), direction: 'DESCENDING' }
      : { propertyName: first, direction: 'ASCENDING' };
  } else if (isRecord(first)) {
    const propertyName = first['propertyName'] ?? 'hs_object_id';
    const direction = first['direction'] ?? 'ASCENDING';
    if (typeof propertyName !== 'string') throw validationError('sorts[0].propertyName must be a string.');
    if (direction !== 'ASCENDING' && direction !== 'DESCENDING') throw validationError('sorts[0].direction must be ASCENDING or DESCENDING.');
    sort = { propertyName, direction };
  } else if (first !== undefined) {
    throw validationError('sorts[0] must be a property name or { propertyName, direction }.');
  }

  const rawQuery = b['query'];
  if (rawQuery !== undefined && rawQuery !== null && typeof rawQuery !== 'string') throw validationError('query must be a string.');
  const query = typeof rawQuery === 'string' ? rawQuery : undefined;
  if (query !== undefined && query.length > 3000) throw validationError('The query may be at most 3000 characters long.');
  const limit = b['limit'] === undefined || b['limit'] === null ? SEARCH_DEFAULT_LIMIT : wholeNumber(b['limit']);
  if (limit === undefined || limit > SEARCH_MAX_LIMIT) {
    throw validationError(`limit must be between 0 and ${SEARCH_MAX_LIMIT}.`);
  }
  const offset = b['after'] === undefined || b['after'] === null || b['after'] === '' ? 0 : wholeNumber(b['after']);
  if (offset === undefined) throw validationError(`after must be a non-negative offset.`);
  if (offset >= SEARCH_RESULT_CAP) {
    throw new ApiError(400, {
      status: 'error',
      message: `Search can page through at most ${SEARCH_RESULT_CAP} results; after=${offset} is past that limit.`,
      category: 'VALIDATION_ERROR',
    });
  }
  const rawProperties = b['properties'];
  if (rawProperties !== undefined && (!Array.isArray(rawProperties) || !rawProperties.every((p) => typeof p === 'string'))) {
    throw validationError('properties must be an array of property names.');
  }
  const properties = rawProperties as string[] | undefined;
  return { groups, sort, query: query === '' ? undefined : query, properties, limit, offset };
}

function comparable(value: string, type: PropertyType | undefined): number | string {
  if (type === 'number') {
    const n = Number(value);
    return Number.isNaN(n) ? value.toLowerCase() : n;
  }
  if (type === 'date' || type === 'datetime') return parseDateValue(value) ?? value.toLowerCase();
  return value.toLowerCase();
}

function same(a: string, b: string, type: PropertyType | undefined): boolean {
  if (type === 'enumeration') return a === b || a.split(';').includes(b);
  return comparable(a, type) === comparable(b, type);
}

function compare(a: string, b: string, type: PropertyType | undefined): number {
  const x = comparable(a, type);
  const y = comparable(b, type);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

function containsToken(actual: string, wanted: string): boolean {
  const value = actual.toLowerCase();
  const token = wanted.toLowerCase();
  if (token.includes('*')) {
    const pattern = token.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    return new RegExp(`^${pattern}$`).test(value) || value.split(/\s+/).some((t) => new RegExp(`^${pattern}$`).test(t));
  }
  if (value === token) return true;
  return value.split(/[\s,;@.\-_/]+/).includes(token) || value.split(/\s+/).includes(token);
}

export function matchesFilter(filter: SearchFilter, get: Getter, typeOf: TypeOf): boolean {
  const actual = get(filter.propertyName);
  const type = typeOf(filter.propertyName);
  const has = actual !== undefined && actual !== '';
  const value = filter.value ?? '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && same(actual, value, type);
    case 'NEQ':
      return !has || !same(actual, value, type);
    case 'LT':
      return has && compare(actual, value, type) < 0;
    case 'LTE':
      return has && compare(actual, value, type) <= 0;
    case 'GT':
      return has && compare(actual, value, type) > 0;
    case 'GTE':
      return has && compare(actual, value, type) >= 0;
    case 'BETWEEN':
      return has && compare(actual, value, type) >= 0 && compare(actual, filter.highValue ?? value, type) <= 0;
    case 'IN':
      return has && (filter.values ?? []).some((v) => same(actual, v, type));
    case 'NOT_IN':
      return !has || !(filter.values ?? []).some((v) => same(actual, v, type));
    case 'CONTAINS_TOKEN':
      return has && containsToken(actual, value);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(actual, value);
  }
}

/** AND inside a group, OR across groups; no groups matches everything. */
export function matchesGroups(groups: SearchFilter[][], get: Getter, typeOf: TypeOf): boolean {
  if (groups.length === 0) return true;
  return groups.some((filters) => filters.every((f) => matchesFilter(f, get, typeOf)));
}

/** The free-text `query`: a case-insensitive prefix match on any word of the given properties. */
export function matchesQuery(query: string, get: Getter, properties: readonly string[]): boolean {
  const needle = query.toLowerCase();
  return properties.some((name) => {
    const v = get(name);
    if (v === undefined) return false;
    const lower = v.toLowerCase();
    return lower.startsWith(needle) || lower.split(/[\s@.]+/).some((w) => w.startsWith(needle));
  });
}

/** Sorts values for one property; records without a value go last in either direction. */
export function compareForSort(a: string | undefined, b: string | undefined, sort: SearchSort, typeOf: TypeOf): number {
  if (a === undefined || a === '') return b === undefined || b === '' ? 0 : 1;
  if (b === undefined || b === '') return -1;
  const c = compare(a, b, typeOf(sort.propertyName));
  return sort.direction === 'DESCENDING' ? -c : c;
}
