import { describe, expect, it } from 'vitest';
import type { Property } from '../hubspot/index.js';
import { changedProperties, formatValue, hashProperties, isDirection, localFields, mappingFor, propertiesFor, suggestMapping, validateMapping } from './field-mapping.js';
import { computeStatus } from './sync-status.js';
import { EMPTY_VALUES } from '../customers/customer-input.js';

const prop = (name: string, type: string, fieldType: string, options: string[] = [], readOnly = false): Property => ({
  name,
  label: name,
  type,
  fieldType,
  groupName: 'contactinformation',
  options: options.map((value, i) => ({ value, label: value, displayOrder: i, hidden: false })),
  modificationMetadata: { archivable: true, readOnlyDefinition: true, readOnlyValue: readOnly },
});

const properties = [
  prop('email', 'string', 'text'),
  prop('firstname', 'string', 'text'),
  prop('lastname', 'string', 'text'),
  prop('phone', 'string', 'phonenumber'),
  prop('lifecyclestage', 'enumeration', 'radio', ['subscriber', 'lead', 'customer']),
  prop('numemployees', 'number', 'number'),
  prop('plan', 'enumeration', 'select', ['basic', 'pro']),
  prop('interests', 'enumeration', 'checkbox', ['wifi']),
  prop('hs_object_id', 'number', 'number', [], true),
];

const fields = localFields([
  { id: 'f1', key: 'plan', label: 'Plan', type: 'single_choice', options: [{ value: 'basic', label: 'Basic' }, { value: 'gold', label: 'Gold' }], archived: false, createdAt: 0, updatedAt: 0 },
  { id: 'f2', key: 'interests', label: 'Interests', type: 'multiple_choice', options: [{ value: 'wifi', label: 'Wi-Fi' }], archived: false, createdAt: 0, updatedAt: 0 },
]);

describe('suggestMapping', () => {
  it("suggests the seed's defaults and same-named custom properties", () => {
    expect(suggestMapping(fields, properties)).toEqual({ email: 'email', firstName: 'firstname', lastName: 'lastname', phone: 'phone', lifecycleStage: 'lifecyclestage', 'custom.plan': 'plan', 'custom.interests': 'interests' });
  });
});

describe('validateMapping', () => {
  it('accepts compatible pairs', () => {
    expect(validateMapping({ email: 'email', firstName: 'firstname', lifecycleStage: 'lifecyclestage', 'custom.interests': 'interests' }, fields, properties)).toEqual([]);
  });

  it('explains each incompatible pair', () => {
    const problems = validateMapping(
      { email: 'firstname', firstName: 'numemployees', lastName: 'phone', phone: 'phone', 'custom.plan': 'plan', city: 'hs_object_id', region: 'nope' },
      fields,
      properties,
    );
    expect(problems.map((p) => p.field)).toEqual(['email', 'firstName', 'phone', 'custom.plan', 'city', 'region']);
    expect(problems[0]!.message).toContain('always maps to the HubSpot email property');
    expect(problems.find((p) => p.field === 'firstName')!.message).toContain('free text');
    expect(problems.find((p) => p.field === 'phone')!.message).toContain('already filled');
    expect(problems.find((p) => p.field === 'custom.plan')!.message).toContain('gold');
    expect(problems.find((p) => p.field === 'city')!.message).toContain('read-only');
    expect(problems.find((p) => p.field === 'region')!.message).toContain('no contact property');
  });
});

describe('property values', () => {
  it('writes every value in HubSpot format, empty as ""', () => {
    expect(formatValue(['a', 'b'], undefined)).toBe('a;b');
    expect(formatValue(true, undefined)).toBe('true');
    expect(formatValue(12.5, undefined)).toBe('12.5');
    expect(formatValue(null, undefined)).toBe('');
    const values = { ...EMPTY_VALUES, email: 'Zoe@Example.com', firstName: 'Zoë', custom: { interests: ['wifi'] } };
    expect(propertiesFor(values, { email: 'email', firstName: 'firstname', lastName: 'lastname', 'custom.interests': 'interests' }, new Map())).toEqual({
      email: 'Zoe@Example.com',
      firstname: 'Zoë',
      lastname: '',
      interests: 'wifi',
    });
  });

  it('hashes independently of key order and changes with any value', () => {
    expect(hashProperties({ a: '1', b: '2' })).toBe(hashProperties({ b: '2', a: '1' }));
    expect(hashProperties({ a: '1', b: '2' })).not.toBe(hashProperties({ a: '1', b: '3' }));
  });
});

describe('directions', () => {
  const mapping = { email: 'email', firstName: 'firstname', phone: 'phone', city: 'city' };
  const directions = { phone: 'pull', city: 'push' } as const;

  it('leaves Pull only fields out of what is pushed and Push only fields out of what is pulled', () => {
    expect(mappingFor(mapping, directions, 'push')).toEqual({ email: 'email', firstName: 'firstname', city: 'city' });
    expect(mappingFor(mapping, directions, 'pull')).toEqual({ email: 'email', firstName: 'firstname', phone: 'phone' });
    expect(mappingFor(mapping, {}, 'push')).toEqual(mapping);
  });

  it('keeps a Pull only field out of the pushed values, so editing it changes no hash', () => {
    const pushed = mappingFor(mapping, directions, 'push');
    const before = propertiesFor({ ...EMPTY_VALUES, email: 'a@example.com', phone: '1' }, pushed, new Map());
    const after = propertiesFor({ ...EMPTY_VALUES, email: 'a@example.com', phone: '2' }, pushed, new Map());
    expect(before).not.toHaveProperty('phone');
    expect(hashProperties(after)).toBe(hashProperties(before));
  });

  it('knows the three directions and nothing else', () => {
    expect(['both', 'push', 'pull'].every(isDirection)).toBe(true);
    for (const bad of ['Both', 'in', '', null, 1]) expect(isDirection(bad)).toBe(false);
  });
});

describe('changedProperties', () => {
  it('keeps only what differs from the base, a property missing from it included', () => {
    expect(changedProperties({ firstname: 'Ana', city: 'Bern', phone: '' }, { firstname: 'Ana', city: 'Basel' })).toEqual({ city: 'Bern', phone: '' });
    expect(changedProperties({ firstname: 'Ana' }, { firstname: 'Ana', city: 'Basel' })).toEqual({});
  });
});

describe('computeStatus (seed 000)', () => {
  const base = { hasEmail: true, isDuplicate: false, hubspotId: null, lastAttemptFailed: false, currentHash: 'h1', syncedHash: null };
  it.each([
    ['No email', { ...base, hasEmail: false }, 'no_email'],
    ['Duplicate', { ...base, isDuplicate: true }, 'duplicate'],
    ['Not synced', base, 'not_synced'],
    ['Error', { ...base, lastAttemptFailed: true }, 'error'],
    ['Synced', { ...base, hubspotId: '1', syncedHash: 'h1' }, 'synced'],
    ['Needs update', { ...base, hubspotId: '1', syncedHash: 'h0' }, 'needs_update'],
    ['Outdated', { ...base, hubspotId: '1', syncedHash: 'h1', lastAttemptFailed: true }, 'outdated'],
  ] as const)('%s', (_label, input, expected) => {
    expect(computeStatus(input)).toBe(expected);
  });
});
