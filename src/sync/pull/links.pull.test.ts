// The three-way merge of a record's links (pure): what HubSpot added or removed since the base
// comes in, what was linked or unlinked here since is left for the push, and the new base never
// holds an association the push would wrongly archive or re-create.
import { describe, expect, it } from 'vitest';
import { mergeLinkSet } from './links.pull.js';

const all = () => true;

describe('mergeLinkSet', () => {
  it('links what HubSpot associated since the base, and unlinks what it removed', () => {
    expect(mergeLinkSet(['1', '2'], ['1', '2'], ['1', '3'], all)).toEqual({ add: ['3'], remove: ['2'], next: ['1', '3'], base: ['1', '3'] });
  });

  it('leaves a link made here (not in the base) for the push: kept, and out of the base so the push creates it', () => {
    expect(mergeLinkSet(['1'], ['1', '4'], ['1'], all)).toEqual({ add: [], remove: [], next: ['1', '4'], base: ['1'] });
  });

  it('keeps an unlink made here in the base while HubSpot still has it, so the push archives it', () => {
    expect(mergeLinkSet(['1', '2'], ['1'], ['1', '2'], all)).toEqual({ add: [], remove: [], next: ['1'], base: ['1', '2'] });
  });

  it('leaves out an association with a record that is not here, from the links and from the base', () => {
    const merged = mergeLinkSet([], [], ['7', '8'], (id) => id === '7');
    expect(merged).toEqual({ add: ['7'], remove: [], next: ['7'], base: ['7'] });
  });

  it('changes nothing when both sides hold the base (hubsync\'s own push coming back)', () => {
    expect(mergeLinkSet(['1', '2'], ['2', '1'], ['1', '2'], all)).toEqual({ add: [], remove: [], next: ['2', '1'], base: ['1', '2'] });
  });
});
