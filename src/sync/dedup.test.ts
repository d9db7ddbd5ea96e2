// The de-duplication's pure decisions: which same-email records are merged, into which, and which
// values the canonical record keeps.
import { describe, expect, it } from 'vitest';
import type { MergeableRecord } from '../records/index.js';
import { canonicalWinner, planGroupDedup, type DedupCandidate } from './dedup.js';

const T = Date.UTC(2026, 5, 1);
const linked = (createdAt: number, id = 'cus_linked'): DedupCandidate => ({ id, hubspotId: '101', createdAt });
const local = (id: string, createdAt: number): DedupCandidate => ({ id, hubspotId: null, createdAt });

describe('planGroupDedup', () => {
  it('merges a local record created within the window into the older linked one', () => {
    expect(planGroupDedup([linked(T), local('cus_local', T + 3_000)], 60_000)).toEqual({ survivorId: 'cus_linked', otherIds: ['cus_local'] });
  });

  it('keeps the older local record canonical: the linked one is merged into it (it takes the link)', () => {
    expect(planGroupDedup([local('cus_local', T), linked(T + 2_000)], 60_000)).toEqual({ survivorId: 'cus_local', otherIds: ['cus_linked'] });
  });

  it('leaves records further apart than the window, and merges only those within it', () => {
    expect(planGroupDedup([linked(T), local('cus_late', T + 5 * 60_000)], 60_000)).toBeNull();
    expect(planGroupDedup([linked(T), local('cus_late', T + 5 * 60_000), local('cus_soon', T + 1_000)], 60_000)).toEqual({ survivorId: 'cus_linked', otherIds: ['cus_soon'] });
  });

  it('is off with a window of 0, and never merges without exactly one linked record', () => {
    expect(planGroupDedup([linked(T), local('cus_local', T)], 0)).toBeNull();
    expect(planGroupDedup([local('a', T), local('b', T + 1)], 60_000)).toBeNull();
    expect(planGroupDedup([linked(T, 'a'), { id: 'b', hubspotId: '102', createdAt: T + 1 }], 60_000)).toBeNull();
  });

  it('breaks a tie on creation time in favour of the linked record', () => {
    expect(planGroupDedup([local('cus_a', T), linked(T, 'cus_z')], 60_000)).toEqual({ survivorId: 'cus_z', otherIds: ['cus_a'] });
  });
});

describe('canonicalWinner', () => {
  const record = (values: Record<string, unknown>): MergeableRecord =>
    ({ id: 'x', workspaceId: 'w', tags: [], custom: {}, fieldUpdatedAt: { firstName: T + 9_000 }, createdAt: T, updatedAt: T, sync: { hubspotId: null, syncedAt: null }, ...values }) as MergeableRecord;

  it("keeps the canonical record's value even when the other's is newer, and takes the other's only where it has none", () => {
    expect(canonicalWinner(record({ firstName: 'Hub', fieldUpdatedAt: {} }), record({ firstName: 'Local' }), 'firstName')).toBe('survivor');
    expect(canonicalWinner(record({ city: null }), record({ city: 'Lyon' }), 'city')).toBe('other');
    expect(canonicalWinner(record({ custom: {} }), record({ custom: { size: 3 } }), 'custom.size')).toBe('other');
    expect(canonicalWinner(record({ tags: ['a'] }), record({ tags: [] }), 'tags')).toBe('survivor');
  });
});
