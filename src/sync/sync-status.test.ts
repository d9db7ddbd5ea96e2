// The Duplicate rule over a key, shared by customers (email) and organizations (domain).
import { describe, expect, it } from 'vitest';
import type { StatusCandidate } from '../store/index.js';
import { statusChanges } from './sync-status.js';

const record = (id: string, key: string | null, createdAt: number, more: Partial<StatusCandidate> = {}): StatusCandidate => ({
  id,
  key,
  createdAt,
  hubspotId: null,
  syncError: null,
  currentHash: 'h',
  syncedHash: null,
  status: 'not_synced',
  ...more,
});

describe('statusChanges', () => {
  it('leaves the earliest of a key alone and makes the later ones Duplicate', () => {
    expect(statusChanges([record('b', 'k', 2), record('a', 'k', 1), record('c', 'other', 3)], true)).toEqual([{ id: 'b', status: 'duplicate' }]);
  });

  it('lets the one linked to HubSpot keep the key even when it is newer', () => {
    const changes = statusChanges([record('old', 'k', 1), record('linked', 'k', 2, { hubspotId: '7', syncedHash: 'h', status: 'synced' })], true);
    expect(changes).toEqual([{ id: 'old', status: 'duplicate' }]);
  });

  it('reads No email without a key when the key is required, and Not synced when it is not', () => {
    expect(statusChanges([record('a', null, 1), record('b', null, 2)], true)).toEqual([
      { id: 'a', status: 'no_email' },
      { id: 'b', status: 'no_email' },
    ]);
    expect(statusChanges([record('a', null, 1), record('b', null, 2)], false)).toEqual([]);
  });
});
