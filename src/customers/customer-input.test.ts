import { describe, expect, it } from 'vitest';
import { applyPatch, EMPTY_VALUES, validateCustomerPatch } from './customer-input.js';
import type { CustomFieldDefinition } from '../records/index.js';

const field = (key: string, type: CustomFieldDefinition['type'], options: string[] = [], archived = false): CustomFieldDefinition => ({
  id: `cf_${key}`,
  key,
  label: key,
  type,
  options: options.map((value) => ({ value, label: value })),
  archived,
  createdAt: 0,
  updatedAt: 0,
});

const fields = [
  field('plan', 'single_choice', ['basic', 'pro']),
  field('interests', 'multiple_choice', ['wifi', 'coffee']),
  field('visits', 'number'),
  field('birthday', 'date'),
  field('vip', 'boolean'),
  field('legacy', 'text', [], true),
];

describe('validateCustomerPatch', () => {
  it('accepts valid built-in and custom values', () => {
    const result = validateCustomerPatch(
      { firstName: ' Zoë ', email: 'zoe@example.com', tags: ['a', 'a', 'b'], custom: { plan: 'pro', interests: ['wifi'], visits: 3, birthday: '1990-02-28', vip: true } },
      fields,
    );
    expect(result).toEqual({
      ok: true,
      patch: {
        values: { firstName: 'Zoë', email: 'zoe@example.com', tags: ['a', 'b'] },
        custom: { plan: 'pro', interests: ['wifi'], visits: 3, birthday: '1990-02-28', vip: true },
      },
    });
  });

  it('names every failing field', () => {
    const result = validateCustomerPatch(
      { nickname: 'x', phone: 42, custom: { plan: 'gold', visits: 'many', birthday: '2023-02-30', vip: 'yes', legacy: 'x', nope: 1 } },
      fields,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual([
      'nickname',
      'phone',
      'custom.plan',
      'custom.visits',
      'custom.birthday',
      'custom.vip',
      'custom.legacy',
      'custom.nope',
    ]);
    expect(result.problems[2]!.message).toContain('basic, pro');
    expect(result.problems[4]!.message).toContain('not a real calendar date');
  });
});

describe('applyPatch', () => {
  it('stamps only the fields whose value changed', () => {
    const current = { ...EMPTY_VALUES, firstName: 'Ann', email: 'ann@example.com', custom: { visits: 1 } };
    const stamps = { firstName: 100, email: 100, 'custom.visits': 100 };
    const result = applyPatch(current, stamps, { values: { firstName: 'Ann', lastName: 'Lee' }, custom: { visits: 2 } }, 500);
    expect(result.changed).toEqual(['lastName', 'custom.visits']);
    expect(result.fieldUpdatedAt).toEqual({ firstName: 100, email: 100, lastName: 500, 'custom.visits': 500 });
    expect(result.values.lastName).toBe('Lee');
  });

  it('clears a custom value with null', () => {
    const current = { ...EMPTY_VALUES, custom: { visits: 1 } };
    const result = applyPatch(current, {}, { values: {}, custom: { visits: null } }, 9);
    expect(result.values.custom).toEqual({});
    expect(result.changed).toEqual(['custom.visits']);
  });
});
