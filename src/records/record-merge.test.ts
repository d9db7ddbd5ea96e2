// The merge's pure rules: which fields differ, which side wins by default, and how choices apply.
import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/index.js';
import { applyMergeChoices, defaultWinner, differingFields, type MergeableRecord, type RecordMergeSpec } from './record-merge.js';

interface Person extends MergeableRecord {
  name: string | null;
  city: string | null;
}

const person = (over: Partial<Person>): Person => ({
  id: 'p',
  workspaceId: 'w',
  name: null,
  city: null,
  tags: [],
  custom: {},
  fieldUpdatedAt: {},
  createdAt: 0,
  updatedAt: 0,
  sync: { hubspotId: null, syncedAt: null },
  ...over,
});

const spec = {
  table: 'customers',
  noun: 'customer',
  customFieldType: 'contacts',
  fields: [
    { key: 'name', label: 'Name' },
    { key: 'city', label: 'City' },
    { key: 'tags', label: 'Tags' },
  ],
  find: async () => undefined,
  update: async () => undefined,
  duplicateKey: () => null,
} satisfies RecordMergeSpec<Person>;

const field = { id: 'f', key: 'size', label: 'Size', type: 'number' as const, options: [], archived: false, createdAt: 0, updatedAt: 0 };

describe('differing fields', () => {
  it('lists only fields whose values differ (empty and null alike), custom ones too, with default winners', () => {
    const s = person({ id: 's', name: 'Ann', city: 'Bern', fieldUpdatedAt: { name: 10, city: 30 }, custom: { size: 3 } });
    const o = person({ id: 'o', name: 'Anne', city: 'Basel', tags: [], fieldUpdatedAt: { name: 20, city: 5 }, custom: {} });
    expect(differingFields(spec, s, o, [field])).toEqual([
      { field: 'name', label: 'Name', survivorValue: 'Ann', otherValue: 'Anne', winner: 'other' },
      { field: 'city', label: 'City', survivorValue: 'Bern', otherValue: 'Basel', winner: 'survivor' },
      { field: 'custom.size', label: 'Size', survivorValue: 3, otherValue: null, winner: 'survivor' },
    ]);
  });

  it('prefers a value over none, and the survivor on a tie', () => {
    expect(defaultWinner(person({ city: null, fieldUpdatedAt: { city: 99 } }), person({ city: 'Lyon' }), 'city')).toBe('other');
    expect(defaultWinner(person({ city: 'Bern', fieldUpdatedAt: { city: 5 } }), person({ city: 'Lyon', fieldUpdatedAt: { city: 5 } }), 'city')).toBe('survivor');
  });
});

describe('applying choices', () => {
  it('takes the other side’s value where chosen, stamped with the merge time, and leaves the rest', () => {
    const s = person({ id: 's', name: 'Ann', city: 'Bern', fieldUpdatedAt: { name: 10, city: 30 } });
    const o = person({ id: 'o', name: 'Anne', city: 'Basel', tags: ['vip'], fieldUpdatedAt: { name: 20, city: 5 } });
    const fields = differingFields(spec, s, o, []);
    const applied = applyMergeChoices(s, o, fields, { name: 'survivor', city: 'other' }, 1000);
    expect(applied.record).toMatchObject({ name: 'Ann', city: 'Basel', tags: ['vip'], fieldUpdatedAt: { name: 10, city: 1000, tags: 1000 }, updatedAt: 1000 });
    expect(applied.taken.sort()).toEqual(['city', 'tags']);
    expect(applied.choices).toEqual({ name: 'survivor', city: 'other', tags: 'other' });
    // The survivor passed in is not changed.
    expect(s.city).toBe('Bern');
  });

  it('refuses a choice for a field that does not differ, or that is not a side', () => {
    const s = person({ name: 'A' });
    const o = person({ name: 'B' });
    const fields = differingFields(spec, s, o, []);
    for (const choices of [{ city: 'other' }, { name: 'mine' }]) {
      expect(() => applyMergeChoices(s, o, fields, choices, 1)).toThrow(AppError);
    }
  });
});
