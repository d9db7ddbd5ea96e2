// Ids sort by creation time and never repeat, also when thousands are made in one millisecond
// (a pushed batch's attempts), across refills of the pool their random part is cut from.
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { newId } from './ids.js';

describe('newId', () => {
  it('keeps creation order and uniqueness for 10,000 ids made in one millisecond', () => {
    const clock = new ManualClock();
    const ids = Array.from({ length: 10_000 }, () => newId('att', clock));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^att_[0-9a-hjkmnp-tv-z]{10}[0-9a-v]{4}[0-9a-f]{12}$/);
    // The random parts differ too, not only the sequence.
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });

  it('orders ids by their millisecond first', () => {
    const clock = new ManualClock();
    const first = newId('cus', clock);
    clock.advance(1);
    const second = newId('cus', clock);
    expect(first < second).toBe(true);
  });
});
