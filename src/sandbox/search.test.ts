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
});
