// The translation between HubSpot properties and local custom fields, both ways, and keeping a
// choice field's options in step with HubSpot's.
import { describe, expect, it } from 'vitest';
import { localShapeOf, optionsInStep, propertyCreateFor } from './property-schema.js';

const property = (type: string, fieldType: string, options: { value: string; label: string; displayOrder?: number }[] = []) => ({ name: 'p', label: 'P', type, fieldType, options });

describe('localShapeOf', () => {
  it('gives each HubSpot type its local type', () => {
    expect(localShapeOf(property('string', 'text'))).toEqual({ ok: true, type: 'text', options: [] });
    expect(localShapeOf(property('phone_number', 'phonenumber'))).toMatchObject({ type: 'text' });
    expect(localShapeOf(property('number', 'number'))).toMatchObject({ type: 'number' });
    expect(localShapeOf(property('date', 'date'))).toMatchObject({ type: 'date' });
    expect(localShapeOf(property('bool', 'booleancheckbox'))).toMatchObject({ type: 'boolean' });
    expect(localShapeOf(property('enumeration', 'booleancheckbox', [{ value: 'true', label: 'Yes' }]))).toMatchObject({ type: 'boolean', options: [] });
  });

  it("carries choices over in HubSpot's display order, a blank label falling back to the value", () => {
    const shape = localShapeOf(property('enumeration', 'radio', [{ value: 'b', label: 'B', displayOrder: 2 }, { value: 'a', label: ' ', displayOrder: 1 }]));
    expect(shape).toEqual({ ok: true, type: 'single_choice', options: [{ value: 'a', label: 'a' }, { value: 'b', label: 'B' }] });
    expect(localShapeOf(property('enumeration', 'checkbox', [{ value: 'x', label: 'X' }]))).toMatchObject({ type: 'multiple_choice' });
  });

  it('refuses what no local field can hold', () => {
    expect(localShapeOf(property('datetime', 'date'))).toMatchObject({ ok: false, message: expect.stringContaining('date-and-time') });
    expect(localShapeOf(property('enumeration', 'select'))).toMatchObject({ ok: false, message: expect.stringContaining('without options') });
    expect(localShapeOf(property('enumeration', 'select', [{ value: 'a;b', label: 'AB' }]))).toMatchObject({ ok: false, message: expect.stringContaining('"a;b"') });
    expect(localShapeOf(property('object_coordinates', 'text'))).toMatchObject({ ok: false });
  });
});

describe('propertyCreateFor', () => {
  it("names the property after the key, in the type's main group, with the options in order", () => {
    expect(propertyCreateFor('deals', { key: 'tier', label: 'Tier', type: 'multiple_choice', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] })).toMatchObject({
      name: 'tier',
      label: 'Tier',
      type: 'enumeration',
      fieldType: 'checkbox',
      groupName: 'dealinformation',
      options: [{ value: 'a', label: 'A', displayOrder: 0 }, { value: 'b', label: 'B', displayOrder: 1 }],
    });
    expect(propertyCreateFor('contacts', { key: 'ok', label: 'OK', type: 'boolean', options: [] })).toMatchObject({ type: 'bool', fieldType: 'booleancheckbox', groupName: 'contactinformation' });
    // What a field made from a property would become again.
    for (const type of ['text', 'number', 'date', 'boolean', 'single_choice'] as const) {
      const created = propertyCreateFor('contacts', { key: 'k', label: 'K', type, options: [{ value: 'v', label: 'V' }] });
      expect(localShapeOf({ ...created, options: created.options ?? [] })).toMatchObject({ ok: true, type });
    }
  });
});

describe('optionsInStep', () => {
  const local = [{ value: 'gold', label: 'Gold' }, { value: 'silver', label: 'Silver' }];
  it('is null when nothing changed', () => {
    expect(optionsInStep(local, { options: [{ value: 'gold', label: 'Gold' }, { value: 'silver', label: 'Silver' }] })).toBeNull();
  });
  it("adds HubSpot's new options, follows its labels and order, and keeps the ones it dropped at the end", () => {
    expect(optionsInStep(local, { options: [{ value: 'platinum', label: 'Platinum' }, { value: 'silver', label: 'Silber' }] })).toEqual([
      { value: 'platinum', label: 'Platinum' },
      { value: 'silver', label: 'Silber' },
      { value: 'gold', label: 'Gold' },
    ]);
  });
});
