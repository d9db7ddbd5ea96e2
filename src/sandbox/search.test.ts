import { describe, expect, it } from 'vitest';
import type { PropertyType } from './default-properties.js';
import { ApiError } from './hubspot-errors.js';
import { compareForSort, matchesGroups, matchesQuery, parseSearchRequest } from './search.js';

const types: Record<string, PropertyType> = { amount: 'number', closedate: 'datetime', lifecyclestage: 'enumeration', email: 'string' };
const typeOf = (n: string) => types[n];
const record = (props: Record<string, string>) => (n: string) => props[n];
const ann = record({ email: 'ann@example.com', firstname: 'Ann Marie', amount: '150', lifecyclestage: 'lead', closedate: '2026-03-01T00:00:00Z' });

function q(body: unknown) {
  return parseSearchRequest(body);
}

describe('search filters', () => {
  it('matches EQ case-insensitively for text but exactly for enumerations', () => {
    expect(matchesGroups(q({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ANN@example.com' }] }] }).groups, ann, typeOf)).toBe(true);
    expect(matchesGroups(q({ filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'LEAD' }] }] }).groups, ann, typeOf)).toBe(false);
  });

  it('compares numbers and dates numerically, including BETWEEN', () => {
    const g = (filters: unknown[]) => matchesGroups(q({ filterGroups: [{ filters }] }).groups, ann, typeOf);
    expect(g([{ propertyName: 'amount', operator: 'GT', value: '20' }])).toBe(true);
    expect(g([{ propertyName: 'amount', operator: 'LTE', value: '149' }])).toBe(false);
    expect(g([{ propertyName: 'amount', operator: 'BETWEEN', value: '100', highValue: '200' }])).toBe(true);
    expect(g([{ propertyName: 'closedate', operator: 'GTE', value: String(Date.UTC(2026, 1, 1)) }])).toBe(true);
  });

  it('supports IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, NEQ and tokens', () => {
    const g = (filters: unknown[]) => matchesGroups(q({ filterGroups: [{ filters }] }).groups, ann, typeOf);
    expect(g([{ propertyName: 'lifecyclestage', operator: 'IN', values: ['customer', 'lead'] }])).toBe(true);
    expect(g([{ propertyName: 'lifecyclestage', operator: 'NOT_IN', values: ['lead'] }])).toBe(false);
    expect(g([{ propertyName: 'phone', operator: 'NOT_HAS_PROPERTY' }])).toBe(true);
    expect(g([{ propertyName: 'email', operator: 'HAS_PROPERTY' }])).toBe(true);
    expect(g([{ propertyName: 'email', operator: 'NEQ', value: 'bob@example.com' }])).toBe(true);
    expect(g([{ propertyName: 'firstname', operator: 'CONTAINS_TOKEN', value: 'marie' }])).toBe(true);
    expect(g([{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@example.com' }])).toBe(true);
    expect(g([{ propertyName: 'firstname', operator: 'NOT_CONTAINS_TOKEN', value: 'ann' }])).toBe(false);
  });

  it('ANDs filters within a group and ORs groups', () => {
    const and = q({ filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'GT', value: '100' }, { propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' }] }] });
    expect(matchesGroups(and.groups, ann, typeOf)).toBe(false);
    const or = q({
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' }] },
        { filters: [{ propertyName: 'amount', operator: 'GT', value: '100' }] },
      ],
    });
    expect(matchesGroups(or.groups, ann, typeOf)).toBe(true);
  });

  it('matches the free-text query on word prefixes', () => {
    expect(matchesQuery('mar', ann, ['firstname'])).toBe(true);
    expect(matchesQuery('zed', ann, ['firstname', 'email'])).toBe(false);
  });

  it('sorts with missing values last', () => {
    const sort = { propertyName: 'amount', direction: 'DESCENDING' as const };
    expect(compareForSort('5', '10', sort, typeOf)).toBeGreaterThan(0);
    expect(compareForSort(undefined, '10', sort, typeOf)).toBeGreaterThan(0);
  });
});

describe('search request limits', () => {
  const fails = (body: unknown) => {
    try {
      parseSearchRequest(body);
    } catch (err) {
      return err instanceof ApiError ? err.status : 'other';
    }
    return 'passed';
  };
  const filter = { propertyName: 'email', operator: 'HAS_PROPERTY' };

  it('enforces groups, filters, limit, sorts and the 10,000 ceiling', () => {
    expect(fails({ filterGroups: Array(6).fill({ filters: [filter] }) })).toBe(400);
    expect(fails({ filterGroups: [{ filters: Array(7).fill(filter) }] })).toBe(400);
    expect(fails({ filterGroups: Array(4).fill({ filters: Array(5).fill(filter) }) })).toBe(400);
    expect(fails({ limit: 201 })).toBe(400);
    expect(fails({ sorts: ['a', 'b'] })).toBe(400);
    expect(fails({ after: '10000' })).toBe(400);
    expect(fails({ filterGroups: [{ filters: [{ propertyName: 'x', operator: 'LIKE' }] }] })).toBe(400);
    expect(parseSearchRequest({ limit: 200, after: '9800', sorts: ['-amount'] })).toMatchObject({ limit: 200, offset: 9800, sort: { propertyName: 'amount', direction: 'DESCENDING' } });
    expect(parseSearchRequest({}).limit).toBe(10);
  });

  const message = (body: unknown): string => {
    try {
      parseSearchRequest(body);
    } catch (err) {
      if (err instanceof ApiError) return `${err.status} ${String(err.body['category'])}: ${err.message}`;
      throw err;
    }
    return 'passed';
  };
  const one = (f: unknown) => ({ filterGroups: [{ filters: [f] }] });

  it('refuses filter groups that are not arrays of filter objects, naming where', () => {
    expect(message({ filterGroups: { filters: [filter] } })).toBe('400 VALIDATION_ERROR: filterGroups must be an array of { filters: [...] } objects.');
    expect(message({ filterGroups: [filter] })).toBe('400 VALIDATION_ERROR: filterGroups[0] must be an object with a filters array.');
    expect(message({ filterGroups: [{ filters: 'email' }] })).toBe('400 VALIDATION_ERROR: filterGroups[0] must be an object with a filters array.');
    expect(message(one('email'))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0] must be an object with propertyName, operator and value(s).');
    expect(message('not an object')).toBe('400 VALIDATION_ERROR: The search request must be a JSON object.');
  });

  it('refuses filters without a propertyName or operator, or with an unknown operator', () => {
    expect(message(one({ operator: 'EQ', value: 'a' }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0].propertyName is required: the name of the property to filter on.');
    expect(message(one({ propertyName: 5, operator: 'EQ', value: 'a' }))).toMatch(/propertyName is required/);
    expect(message(one({ propertyName: 'email', value: 'a' }))).toMatch(/^400 VALIDATION_ERROR: filterGroups\[0\]\.filters\[0\]\.operator is missing\. Allowed: EQ, NEQ/);
    expect(message(one({ propertyName: 'email', operator: 'eq', value: 'a' }))).toMatch(/operator "eq" is not an operator/);
  });

  it('refuses values of the wrong type and operators missing what they compare against', () => {
    expect(message(one({ propertyName: 'email', operator: 'EQ', value: { a: 1 } }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0].value must be a string, a number or a boolean.');
    expect(message(one({ propertyName: 'email', operator: 'EQ', value: ['a'] }))).toMatch(/value must be a string/);
    expect(message(one({ propertyName: 'email', operator: 'IN', values: 'a' }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0].values must be an array.');
    expect(message(one({ propertyName: 'email', operator: 'IN', values: ['a', {}] }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0].values[1] must be a string, a number or a boolean.');
    expect(message(one({ propertyName: 'email', operator: 'EQ' }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0]: EQ needs a value.');
    expect(message(one({ propertyName: 'amount', operator: 'BETWEEN', value: '1' }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0]: BETWEEN needs a value and a highValue.');
    expect(message(one({ propertyName: 'email', operator: 'IN', values: [] }))).toBe('400 VALIDATION_ERROR: filterGroups[0].filters[0]: IN needs a non-empty values array.');
    expect(message({ limit: '0x10' })).toBe('400 VALIDATION_ERROR: limit must be between 0 and 200.');
    expect(message({ limit: true })).toBe('400 VALIDATION_ERROR: limit must be between 0 and 200.');
    expect(message({ after: 'garbage' })).toBe('400 VALIDATION_ERROR: after must be a non-negative offset.');
    expect(message({ sorts: [{ propertyName: 'email', direction: 'UP' }] })).toBe('400 VALIDATION_ERROR: sorts[0].direction must be ASCENDING or DESCENDING.');
    expect(message({ properties: ['email', 5] })).toBe('400 VALIDATION_ERROR: properties must be an array of property names.');
    expect(message({ query: 5 })).toBe('400 VALIDATION_ERROR: query must be a string.');
  });

  it('reads numbers and booleans in filter values as their text, as HubSpot does', () => {
    const parsed = parseSearchRequest({
      filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'GT', value: 100 }, { propertyName: 'hs_email_optout', operator: 'IN', values: [true, 'false'] }] }],
      limit: '20',
    });
    expect(parsed.groups[0]).toEqual([
      { propertyName: 'amount', operator: 'GT', value: '100' },
      { propertyName: 'hs_email_optout', operator: 'IN', values: ['true', 'false'] },
    ]);
    expect(parsed.limit).toBe(20);
  });
});
