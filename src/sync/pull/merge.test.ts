import { describe, expect, it } from 'vitest';
import { canonicalOnLink, conflictWinner, decideField, hubspotChangedAt } from './merge.js';

describe('three-way merge of a field', () => {
  it('does nothing when HubSpot sends back the base (hubsync\'s own push coming back)', () => {
    expect(decideField('Ada', 'Ada', 'Ada')).toBe('none');
    expect(decideField('Ada', 'Ada L.', 'Ada')).toBe('keep-local');
  });
  it('takes HubSpot\'s value when only HubSpot changed', () => expect(decideField('Ada', 'Ada', 'Ada L.')).toBe('take-hubspot'));
  it('moves the base when both sides changed to the same value', () => expect(decideField('Ada', 'Ada L.', 'Ada L.')).toBe('agree'));
  it('calls both changed differently a conflict, and two differing values without a base too', () => {
    expect(decideField('Ada', 'Ada L.', 'Ada K.')).toBe('conflict');
    expect(decideField(undefined, 'Ada L.', 'Ada K.')).toBe('conflict');
    expect(decideField(undefined, 'Ada', 'Ada')).toBe('agree');
    // Just linked: an empty side is filled from the other, not a conflict.
    expect(decideField(undefined, '', 'Ada')).toBe('take-hubspot');
    expect(decideField(undefined, 'Ada', '')).toBe('keep-local');
  });
  it('gives a conflict to the later change, and a tie to the local value', () => {
    expect(conflictWinner(1000, 2000)).toBe('hubspot');
    expect(conflictWinner(2000, 1000)).toBe('local');
    expect(conflictWinner(1500, 1500)).toBe('local');
  });
  it('makes the older copy canonical when a link meets two created within the window, a tie going to HubSpot; further apart or off, none', () => {
    expect(canonicalOnLink(1_000, 4_000, 60_000)).toBe('local');
    expect(canonicalOnLink(4_000, 1_000, 60_000)).toBe('hubspot');
    expect(canonicalOnLink(1_000, 1_000, 60_000)).toBe('hubspot');
    expect(canonicalOnLink(1_000, 1_000 + 60_000, 60_000)).toBe('local');
    expect(canonicalOnLink(1_000, 1_001 + 60_000, 60_000)).toBeNull();
    expect(canonicalOnLink(1_000, 4_000, 0)).toBeNull();
    expect(canonicalOnLink(1_000, Number.NaN, 60_000)).toBeNull();
  });
  it('reads HubSpot\'s change time from the newest history entry, else the fallback', () => {
    expect(hubspotChangedAt([{ timestamp: '2026-01-01T00:00:00.000Z' }, { timestamp: '2026-03-01T00:00:00.000Z' }], 5)).toBe(Date.parse('2026-03-01T00:00:00.000Z'));
    expect(hubspotChangedAt(undefined, 5)).toBe(5);
  });
});
