// Which side a field keeps when HubSpot merged the records (pure).
import { describe, expect, it } from 'vitest';
import type { MergeableRecord } from '../../records/index.js';
import { hubspotMergeWinner, mergedIdsOf } from './hubspot-merges.js';

const person = (over: Partial<MergeableRecord & { city: string | null }>): MergeableRecord =>
  ({ id: 'p', workspaceId: 'w', city: null, tags: [], custom: {}, fieldUpdatedAt: {}, createdAt: 0, updatedAt: 0, sync: { hubspotId: null, syncedAt: null }, ...over }) as MergeableRecord;

describe('merges made in HubSpot', () => {
  it('keep the survivor’s values unless it has none or the other holds a newer edit not yet synced', () => {
    const survivor = person({ city: 'Bern', fieldUpdatedAt: { city: 10 } });
    expect(hubspotMergeWinner(survivor, person({ city: 'Lyon', fieldUpdatedAt: { city: 50 }, sync: { hubspotId: '2', syncedAt: 60 } }), 'city')).toBe('survivor');
    expect(hubspotMergeWinner(survivor, person({ city: 'Lyon', fieldUpdatedAt: { city: 50 }, sync: { hubspotId: '2', syncedAt: 40 } }), 'city')).toBe('other');
    expect(hubspotMergeWinner(person({ city: null }), person({ city: 'Lyon' }), 'city')).toBe('other');
    expect(hubspotMergeWinner(survivor, person({ city: null, fieldUpdatedAt: { city: 99 } }), 'city')).toBe('survivor');
  });
});

describe('the ids a merged record replaced', () => {
  it('reads hs_merged_object_ids without blanks, repeats or the record’s own id', () => {
    expect(mergedIdsOf({ id: '9', properties: { hs_merged_object_ids: '1; 2;;2;9' } } as never)).toEqual(['1', '2']);
    expect(mergedIdsOf({ id: '9', properties: {} } as never)).toEqual([]);
  });
});
